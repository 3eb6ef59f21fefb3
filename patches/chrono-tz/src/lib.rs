//! A stand-in for `chrono-tz` 0.10 holding the same IANA time-zone data (release 2025b) as
//! plain integers in read-only memory.
//!
//! claimcheck needs time zones only for CEL's timestamp accessors (`t.getHours("Europe/Berlin")`),
//! which the `cel` crate answers through `chrono-tz`. The original keeps every transition's
//! abbreviation as a string pointer, which makes 29 000 of those pointers load-time relocations:
//! about 250 pages the loader writes on every start of the program, even a `--version`. Here a
//! zone is an index into `zones.bin` (written by `generate.py` from the original's own tables),
//! so nothing is relocated and nothing is read until a zone is asked for. Offsets and the
//! local-time rules are the original's, so CEL answers the same; abbreviations are not kept
//! (CEL never shows them). Like the original's, the tables end in 2099: later instants keep the
//! last offset. `equivalence/` checks the two crates answer alike; see docs/PERFORMANCE.md §0.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

/// The IANA release the tables were generated from.
pub const IANA_TZDB_VERSION: &str = "2025b";

// A constant, not a static, so that `UTC` can be found in it when compiling.
const ZONES: &[u8] = include_bytes!("zones.bin");

/// A zone of the IANA database, by the index of its name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tz {
    name: u16,
}

/// `Etc/UTC`'s alias `UTC`, as the original exports it.
pub const UTC: Tz = Tz {
    name: utc_name_index(),
};

/// The name is not a zone of the database (names are case-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError(());

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed to parse timezone")
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Tz {
    type Err = ParseError;

    fn from_str(name: &str) -> Result<Tz, ParseError> {
        let table = Table::get();
        let index = binary_search(0, table.name_count, |i| {
            table.name(i).as_bytes().cmp(name.as_bytes())
        })
        .map_err(|_| ParseError(()))?;
        Ok(Tz { name: index as u16 })
    }
}

impl Tz {
    /// The zone's IANA name, as it was parsed.
    pub fn name(self) -> &'static str {
        Table::get().name(self.name as usize)
    }

    fn spans(self) -> Spans {
        let table = Table::get();
        table.zone(table.zone_of_name(self.name as usize))
    }
}

impl fmt::Debug for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The offset a zone has at some instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TzOffset {
    tz: Tz,
    offset: FixedOffset,
}

impl Offset for TzOffset {
    fn fix(&self) -> FixedOffset {
        self.offset
    }
}

impl fmt::Debug for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}{}", self.tz, self.offset)
    }
}

impl fmt::Display for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.offset, f)
    }
}

impl TimeZone for Tz {
    type Offset = TzOffset;

    fn from_offset(offset: &TzOffset) -> Tz {
        offset.tz
    }

    /// Like the original: any offset the day had, preferring one that holds all day.
    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<TzOffset> {
        let earliest = self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN));
        let latest = self.offset_from_local_datetime(
            &local
                .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a time of day")),
        );
        match (earliest, latest) {
            (result @ LocalResult::Single(_), _) | (_, result @ LocalResult::Single(_)) => result,
            (LocalResult::Ambiguous(offset, _), _) | (_, LocalResult::Ambiguous(offset, _)) => {
                LocalResult::Single(offset)
            }
            (LocalResult::None, LocalResult::None) => LocalResult::None,
        }
    }

    /// The original's search: find a span of local time holding the instant, then look at its
    /// neighbours for a second one (a repeated hour). None inside a skipped hour.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<TzOffset> {
        let at = local.and_utc().timestamp();
        let spans = self.spans();
        let len = spans.len();
        let found = binary_search(0, len, |i| spans.local_span(i).cmp(at));
        let result = match found {
            Ok(0) if len == 1 => LocalResult::Single(0),
            Ok(0) if spans.local_span(1).contains(at) => LocalResult::Ambiguous(0, 1),
            Ok(0) => LocalResult::Single(0),
            Ok(i) if spans.local_span(i - 1).contains(at) => LocalResult::Ambiguous(i - 1, i),
            Ok(i) if i == len - 1 => LocalResult::Single(i),
            Ok(i) if spans.local_span(i + 1).contains(at) => LocalResult::Ambiguous(i, i + 1),
            Ok(i) => LocalResult::Single(i),
            Err(_) => LocalResult::None,
        };
        result.map(|i| self.offset_of(spans.offset(i)))
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> TzOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> TzOffset {
        let spans = self.spans();
        let at = utc.and_utc().timestamp();
        // The span holding `at` starts at the last transition at or before it.
        let after = partition_point(spans.transitions, |i| spans.time(i) <= at);
        self.offset_of(spans.offset(after))
    }
}

impl Tz {
    fn offset_of(self, seconds: i32) -> TzOffset {
        TzOffset {
            tz: self,
            offset: FixedOffset::east_opt(seconds).expect("zone offsets are less than a day"),
        }
    }
}

/// The parts of `zones.bin` (layout in generate.py).
struct Table {
    zone_count: usize,
    name_count: usize,
    transition_count: usize,
}

const HEADER: usize = 16;
const NAME_ROW: usize = 8;
const ZONE_ROW: usize = 12;

impl Table {
    const fn get() -> Table {
        Table {
            zone_count: u32_at(0) as usize,
            name_count: u32_at(4) as usize,
            transition_count: u32_at(8) as usize,
        }
    }

    const fn names_at(&self) -> usize {
        HEADER
    }

    const fn zones_at(&self) -> usize {
        self.names_at() + self.name_count * NAME_ROW
    }

    const fn times_at(&self) -> usize {
        self.zones_at() + self.zone_count * ZONE_ROW
    }

    const fn offsets_at(&self) -> usize {
        self.times_at() + self.transition_count * 8
    }

    const fn text_at(&self) -> usize {
        self.offsets_at() + self.transition_count * 4
    }

    fn name(&self, index: usize) -> &'static str {
        let row = self.names_at() + index * NAME_ROW;
        let start = self.text_at() + u32_at(row) as usize;
        let len = u16_at(row + 4) as usize;
        std::str::from_utf8(&ZONES[start..start + len]).expect("zone names are ASCII")
    }

    fn zone_of_name(&self, index: usize) -> usize {
        u16_at(self.names_at() + index * NAME_ROW + 6) as usize
    }

    fn zone(&self, index: usize) -> Spans {
        let row = self.zones_at() + index * ZONE_ROW;
        let first = u32_at(row) as usize;
        Spans {
            transitions: u32_at(row + 4) as usize,
            times_at: self.times_at() + first * 8,
            offsets_at: self.offsets_at() + first * 4,
            offset_before: u32_at(row + 8) as i32,
        }
    }
}

/// One zone: its offset before the first transition, then the transitions in time order. Span
/// 0 lasts until the first transition, span i from transition i-1 to transition i.
struct Spans {
    transitions: usize,
    times_at: usize,
    offsets_at: usize,
    offset_before: i32,
}

impl Spans {
    fn len(&self) -> usize {
        self.transitions + 1
    }

    fn time(&self, transition: usize) -> i64 {
        let at = self.times_at + transition * 8;
        i64::from_le_bytes(ZONES[at..at + 8].try_into().expect("8 bytes"))
    }

    fn offset(&self, span: usize) -> i32 {
        match span {
            0 => self.offset_before,
            _ => u32_at(self.offsets_at + (span - 1) * 4) as i32,
        }
    }

    /// The local (wall-clock) seconds span `i` covers: its UTC bounds, each shifted by the
    /// offset in force just before that bound, as the original computes them.
    fn local_span(&self, i: usize) -> Span {
        Span {
            begin: (i > 0).then(|| self.time(i - 1) + i64::from(self.offset(i))),
            end: (i < self.transitions).then(|| self.time(i) + i64::from(self.offset(i))),
        }
    }
}

struct Span {
    begin: Option<i64>,
    end: Option<i64>,
}

impl Span {
    fn contains(&self, x: i64) -> bool {
        self.begin.is_none_or(|begin| begin <= x) && self.end.is_none_or(|end| x < end)
    }

    /// Where the span lies relative to `x`: Less when it ends at or before it.
    fn cmp(&self, x: i64) -> Ordering {
        match (self.begin, self.end) {
            (Some(begin), Some(end)) if begin <= x && x < end => Ordering::Equal,
            (Some(begin), Some(end)) if begin <= x && end <= x => Ordering::Less,
            (Some(_), Some(_)) => Ordering::Greater,
            (Some(begin), None) if begin <= x => Ordering::Equal,
            (Some(_), None) => Ordering::Greater,
            (None, Some(end)) if end <= x => Ordering::Less,
            (None, _) => Ordering::Equal,
        }
    }
}

/// `slice::binary_search_by` over indices, with the original's choice among equal elements.
fn binary_search(
    mut start: usize,
    mut end: usize,
    mut compare: impl FnMut(usize) -> Ordering,
) -> Result<usize, usize> {
    loop {
        let mid = start + (end - start) / 2;
        if mid == end {
            return Err(start);
        }
        match compare(mid) {
            Ordering::Less => start = mid + 1,
            Ordering::Greater => end = mid,
            Ordering::Equal => return Ok(mid),
        }
    }
}

/// How many of the indices `0..len` satisfy `pred`, which holds for a prefix of them.
fn partition_point(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let mid = low + (high - low) / 2;
        if pred(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

const fn u32_at(at: usize) -> u32 {
    u32::from_le_bytes([ZONES[at], ZONES[at + 1], ZONES[at + 2], ZONES[at + 3]])
}

const fn u16_at(at: usize) -> u16 {
    u16::from_le_bytes([ZONES[at], ZONES[at + 1]])
}

/// Finds `UTC` among the sorted names when compiling, so the constant needs no lookup at run
/// time and a regenerated table cannot leave it pointing at another zone.
const fn utc_name_index() -> u16 {
    let table = Table::get();
    let mut i = 0;
    while i < table.name_count {
        let row = table.names_at() + i * NAME_ROW;
        let start = table.text_at() + u32_at(row) as usize;
        if u16_at(row + 4) == 3
            && ZONES[start] == b'U'
            && ZONES[start + 1] == b'T'
            && ZONES[start + 2] == b'C'
        {
            return i as u16;
        }
        i += 1;
    }
    panic!("zones.bin has no UTC zone");
}
