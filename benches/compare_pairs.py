#!/usr/bin/env python3
"""Times two commands side by side for benches/compare.sh: one warm-up run each, then PAIRS
interleaved pairs (the order alternates from pair to pair, so a burst of load from other jobs
hits both alike); prints both medians and their ratio, then the peak RSS and minor page faults
of each (medians of five runs of `/usr/bin/time -v`; skipped, and said so, when /usr/bin/time
is missing).

Both commands must exit 0 every time: a ratio against a command that failed would mean nothing.

Usage: compare_pairs.py LABEL PAIRS [--stdin FILE] -- OURS... -- PEER...
"""

import os
import re
import statistics
import subprocess
import sys
import time

TIME = "/usr/bin/time"


def run(command: list, stdin: str | None) -> float:
    with open(stdin or os.devnull, "rb") as source:
        start = time.perf_counter()
        done = subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{command[0]} exited with {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def peak_rss_and_faults(command: list, stdin: str | None) -> tuple[int, int]:
    """Median peak RSS (kB) and median minor page faults: both barely move with the load of
    other jobs, unlike wall time, and page faults are most of a short command's start-up."""
    rss, faults = [], []
    for _ in range(5):
        with open(stdin or os.devnull, "rb") as source:
            done = subprocess.run(
                [TIME, "-v", *command], stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        found = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        minor = re.search(rb"Minor \(reclaiming a frame\) page faults: (\d+)", done.stderr)
        if done.returncode != 0 or not found or not minor:
            sys.exit(f"{TIME} -v {command[0]} failed: {done.stderr.decode(errors='replace')[-2000:]}")
        rss.append(int(found.group(1)))
        faults.append(int(minor.group(1)))
    return int(statistics.median(rss)), int(statistics.median(faults))


def millis(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def main() -> None:
    label, pairs, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    stdin = None
    if rest[0] == "--stdin":
        stdin, rest = rest[1], rest[2:]
    split = rest.index("--", 1)
    ours, peer = rest[1:split], rest[split + 1 :]
    run(ours, stdin)
    run(peer, stdin)
    times_ours, times_peer = [], []
    for pair in range(pairs):
        if pair % 2 == 0:
            times_ours.append(run(ours, stdin))
            times_peer.append(run(peer, stdin))
        else:
            times_peer.append(run(peer, stdin))
            times_ours.append(run(ours, stdin))
    a, b = statistics.median(times_ours), statistics.median(times_peer)
    line = f"{label:<44} {pairs:>3} pairs  ours {millis(a):>9}  peer {millis(b):>9}  time ratio {a / b:5.2f}×"
    if os.access(TIME, os.X_OK):
        (ra, fa), (rb, fb) = peak_rss_and_faults(ours, stdin), peak_rss_and_faults(peer, stdin)
        line += f"  peak RSS {ra / 1024:.1f} / {rb / 1024:.1f} MB = {ra / rb:.2f}×  page faults {fa} / {fb}"
    else:
        line += f"  peak RSS skipped ({TIME} missing)"
    print(line, flush=True)


if __name__ == "__main__":
    main()
