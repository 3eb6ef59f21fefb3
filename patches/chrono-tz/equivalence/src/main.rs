//! Checks that the stand-in answers exactly as chrono-tz 0.10.4 does, for every zone name:
//! the offset of a UTC instant, and the offsets of a wall-clock time (none in a skipped hour,
//! two in a repeated one) and of a date, on a grid from 1800 to 2100 and at every transition.
//!
//!     CARGO_TARGET_DIR=target/tz-equivalence \
//!       cargo run --release --manifest-path patches/chrono-tz/equivalence/Cargo.toml
//!
//! It needs the original crate from crates.io, which is why it is not part of `cargo test`.

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};

const FIRST: i64 = -5_364_662_400; // 1800-01-01
const LAST: i64 = 4_102_444_800; // 2100-01-01
/// Three days and an hour: the probes drift through every time of day.
const STEP: i64 = 3 * 86_400 + 3_613;

fn at(seconds: i64) -> NaiveDateTime {
    DateTime::from_timestamp(seconds, 0)
        .expect("within chrono's range")
        .naive_utc()
}

fn main() {
    let mut grid = 0u64;
    let mut edges = 0u64;
    for original in real::TZ_VARIANTS {
        let name = original.name();
        let stand_in: shim::Tz = name.parse().unwrap_or_else(|_| panic!("{name} is missing"));
        assert_eq!(stand_in.name(), name);
        let same = |seconds: i64| {
            let instant = at(seconds);
            assert_eq!(
                original.offset_from_utc_datetime(&instant).fix(),
                stand_in.offset_from_utc_datetime(&instant).fix(),
                "{name}: offset at UTC {seconds}"
            );
            assert_eq!(
                original
                    .offset_from_local_datetime(&instant)
                    .map(|o| o.fix()),
                stand_in
                    .offset_from_local_datetime(&instant)
                    .map(|o| o.fix()),
                "{name}: offsets of wall-clock {instant}"
            );
            assert_eq!(
                original
                    .offset_from_local_date(&instant.date())
                    .map(|o| o.fix()),
                stand_in
                    .offset_from_local_date(&instant.date())
                    .map(|o| o.fix()),
                "{name}: offset of the date {}",
                instant.date()
            );
        };
        let offset = |seconds: i64| {
            i64::from(
                original
                    .offset_from_utc_datetime(&at(seconds))
                    .fix()
                    .local_minus_utc(),
            )
        };
        let mut t = FIRST;
        while t < LAST {
            same(t);
            same(t + 1_799);
            grid += 2;
            let next = t + STEP;
            if offset(t) != offset(next) {
                // Bisect to the transition's second, then probe it and the wall-clock times
                // on both sides of it under both offsets.
                let (mut before, mut after) = (t, next);
                while after - before > 1 {
                    let mid = before + (after - before) / 2;
                    if offset(mid) == offset(t) {
                        before = mid;
                    } else {
                        after = mid;
                    }
                }
                let (old, new) = (offset(before), offset(after));
                for probe in [
                    after - 1,
                    after,
                    after + 1,
                    after + old - 1,
                    after + old,
                    after + new - 1,
                    after + new,
                    after + new + 1,
                ] {
                    same(probe);
                    edges += 1;
                }
            }
            t = next;
        }
    }
    for not_a_zone in ["europe/berlin", "Mars/Olympus", "", "UTC "] {
        assert_eq!(
            not_a_zone.parse::<shim::Tz>().is_err(),
            not_a_zone.parse::<real::Tz>().is_err(),
            "{not_a_zone:?}"
        );
    }
    assert_eq!(shim::UTC.name(), real::UTC.name());
    println!(
        "{} zones: {grid} grid instants and {edges} around transitions answer alike",
        real::TZ_VARIANTS.len()
    );
}
