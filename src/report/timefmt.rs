//! Instants and durations as people read them: `2026-11-23T18:50:00Z`, `in 4m 12s`, `3h 2m ago`.

use chrono::{DateTime, Local, SecondsFormat, Utc};

/// How instants are shown (`--date`, and the TUI's time toggle).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DateStyle {
    /// RFC 3339 in UTC.
    #[default]
    Utc,
    /// RFC 3339 in the local time zone, with its offset.
    Local,
    /// Seconds since the Unix epoch, as in the token.
    Unix,
}

impl DateStyle {
    pub fn next(self) -> DateStyle {
        match self {
            DateStyle::Utc => DateStyle::Local,
            DateStyle::Local => DateStyle::Unix,
            DateStyle::Unix => DateStyle::Utc,
        }
    }
}

/// `at` (seconds since the epoch) in `style`; out-of-range instants fall back to the number.
pub fn instant(at: i64, style: DateStyle) -> String {
    let Some(utc) = DateTime::<Utc>::from_timestamp(at, 0) else {
        return at.to_string();
    };
    match style {
        DateStyle::Utc => utc.to_rfc3339_opts(SecondsFormat::Secs, true),
        DateStyle::Local => utc
            .with_timezone(&Local)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        DateStyle::Unix => at.to_string(),
    }
}

/// A duration in its two most significant units: `45s`, `4m 12s`, `3h 2m`, `12d 5h`.
pub fn duration(secs: i64) -> String {
    let secs = secs.unsigned_abs();
    let (days, hours, minutes, seconds) =
        (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, _) if seconds == 0 => format!("{minutes}m"),
        (0, 0, _) => format!("{minutes}m {seconds}s"),
        (0, _, 0) => format!("{hours}h"),
        (0, _, _) => format!("{hours}h {minutes}m"),
        (_, 0, _) => format!("{days}d"),
        _ => format!("{days}d {hours}h"),
    }
}

/// How far `at` is from `now`: `in 4m 12s`, `4m 12s ago`, or `now`.
pub fn relative(at: i64, now: i64) -> String {
    let delta = at.saturating_sub(now);
    match delta {
        0 => "now".to_owned(),
        d if d > 0 => format!("in {}", duration(d)),
        d => format!("{} ago", duration(d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_two_units() {
        let cases = [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (252, "4m 12s"),
            (3600, "1h"),
            (3600 + 120 + 5, "1h 2m"),
            (86_400, "1d"),
            (86_400 * 12 + 3600 * 5 + 7, "12d 5h"),
            (-90, "1m 30s"),
        ];
        for (secs, text) in cases {
            assert_eq!(duration(secs), text, "{secs}");
        }
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative(1000, 1000), "now");
        assert_eq!(relative(1252, 1000), "in 4m 12s");
        assert_eq!(relative(1000, 1252), "4m 12s ago");
        assert_eq!(
            relative(i64::MIN, i64::MAX),
            format!("{} ago", duration(i64::MIN))
        );
    }

    #[test]
    fn instants() {
        assert_eq!(
            instant(1_700_000_000, DateStyle::Utc),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(instant(1_700_000_000, DateStyle::Unix), "1700000000");
        assert_eq!(instant(i64::MAX, DateStyle::Utc), i64::MAX.to_string());
        assert_eq!(DateStyle::Unix.next(), DateStyle::Utc);
    }
}
