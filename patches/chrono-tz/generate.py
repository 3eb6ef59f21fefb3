#!/usr/bin/env python3
"""Regenerates src/zones.bin from the tables of the chrono-tz release this crate stands in for.

Usage: patches/chrono-tz/generate.py PATH/TO/chrono-tz-0.10.4/src/prebuilt/timezones.rs

Get that file from the crate's source (`cargo download chrono-tz@0.10.4`, or the .crate archive on
crates.io). Only what CEL's time-zone accessors need is kept: for each zone its total UTC offset
(standard + daylight saving) before the first transition and after each one. Zones that are
links of another (same spans) share one table. Layout (all little-endian):

  header   u32 zone_count, u32 name_count, u32 transition_count, u32 names_bytes
  names    name_count × (u32 start in the name text, u16 length, u16 zone), sorted by name
  zones    zone_count × (u32 first transition, u32 transition count, i32 offset before it)
  times    transition_count × i64 UTC second at which the offset changes
  offsets  transition_count × i32 offset (seconds east of UTC) from that second on
  text     the names, concatenated (ASCII)
"""

import re
import struct
import sys
from pathlib import Path

source = Path(sys.argv[1]).read_text()

names = dict(re.findall(r'^\s+Tz::(\w+) => "([^"]+)",$', source[source.index("pub fn name(self)"):], re.M))
span_text = source[source.index("impl TimeSpans for Tz"):]
arm = re.compile(r"Tz::(\w+) => \{\s*const REST: &\[\(i64, FixedTimespan\)\] = &\[(.*?)\];\s*"
                 r"FixedTimespanSet \{\s*first: FixedTimespan \{\s*utc_offset: (-?\d+),\s*dst_offset: (-?\d+),", re.S)
entry = re.compile(r"\((-?\d+), FixedTimespan \{ utc_offset: (-?\d+), dst_offset: (-?\d+),")

tables = {}
for variant, rest, utc, dst in arm.findall(span_text):
    transitions = tuple((int(t), int(u) + int(d)) for t, u, d in entry.findall(rest))
    tables[variant] = (int(utc) + int(dst), transitions)

missing = sorted(set(names) - set(tables))
if missing:
    sys.exit(f"no time spans found for {missing[:5]} … ({len(missing)}); has the generated layout changed?")

unique = {}
zone_of = {}
for variant in names:
    zone_of[variant] = unique.setdefault(tables[variant], len(unique))

zones = sorted(unique, key=unique.get)
text = b""
name_rows = []
for variant, name in sorted(names.items(), key=lambda item: item[1].encode()):
    name_rows.append(struct.pack("<IHH", len(text), len(name), zone_of[variant]))
    text += name.encode("ascii")

zone_rows, times, offsets = [], [], []
for first, transitions in zones:
    zone_rows.append(struct.pack("<IIi", len(times), len(transitions), first))
    times += [t for t, _ in transitions]
    offsets += [o for _, o in transitions]

blob = struct.pack("<IIII", len(zones), len(name_rows), len(times), len(text))
blob += b"".join(name_rows) + b"".join(zone_rows)
blob += struct.pack(f"<{len(times)}q", *times) + struct.pack(f"<{len(offsets)}i", *offsets) + text
out = Path(__file__).parent / "src" / "zones.bin"
out.write_bytes(blob)
print(f"{len(name_rows)} names, {len(zones)} distinct zones, {len(times)} transitions, {len(blob)} bytes -> {out}")
