//! Whether a token is usable at a given instant, from `exp`, `nbf` and `iat` (RFC 7519 §4.1.4–6).
//!
//! The rule used is the common one (jsonwebtoken, HashiCorp cap, go-jose): expired when
//! `now - leeway > exp`, not yet valid when `now + leeway < nbf`, issued in the future when
//! `now + leeway < iat`. Evaluators with other rules (Kubernetes has no `exp` leeway) apply their
//! own; this is the generic status shown beside the token.

use serde::Serialize;
use serde_json::Value;

use super::Claims;

/// The default clock-skew allowance, as in jsonwebtoken's and Vault's defaults.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// A time claim as found in the token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TimeClaim {
    Absent,
    /// A NumericDate, in whole seconds. `fractional` records that the token held a non-integer
    /// value (RFC 7519 allows it; some verifiers reject it); `at` is then rounded down.
    Present {
        at: i64,
        fractional: bool,
    },
    /// Present but not a usable NumericDate (a string, a negative or huge number…).
    Invalid {
        found: Value,
        reason: String,
    },
}

impl TimeClaim {
    pub fn at(&self) -> Option<i64> {
        match self {
            TimeClaim::Present { at, .. } => Some(*at),
            _ => None,
        }
    }

    pub(crate) fn read(claims: &Claims, name: &str) -> TimeClaim {
        match claims.get(name) {
            None => TimeClaim::Absent,
            Some(value) => numeric_date(value),
        }
    }
}

/// Largest instant chrono can render (year 262143); beyond it a "date" is certainly bogus.
const MAX_NUMERIC_DATE: f64 = 8_210_266_876_799.0;

fn numeric_date(value: &Value) -> TimeClaim {
    let invalid = |reason: &str| TimeClaim::Invalid {
        found: value.clone(),
        reason: reason.to_owned(),
    };
    let Value::Number(number) = value else {
        let reason = match value {
            Value::String(_) => "a string, not a number of seconds (NumericDate)",
            _ => "not a number of seconds (NumericDate)",
        };
        return invalid(reason);
    };
    if let Some(whole) = number.as_i64() {
        if whole < 0 {
            return invalid("negative: before 1970");
        }
        if whole as f64 > MAX_NUMERIC_DATE {
            return invalid("too far in the future to be a date");
        }
        return TimeClaim::Present {
            at: whole,
            fractional: false,
        };
    }
    match number.as_f64() {
        Some(x) if x.is_finite() && (0.0..=MAX_NUMERIC_DATE).contains(&x) => TimeClaim::Present {
            at: x.floor() as i64,
            fractional: x.fract() != 0.0,
        },
        Some(x) if x < 0.0 => invalid("negative: before 1970"),
        _ => invalid("too far in the future to be a date"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeStatus {
    Active,
    Expired,
    NotYetValid,
    /// `exp` or `nbf` is present but unusable, so validity cannot be decided.
    Unknown,
}

/// The token's time status at `now`, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeReport {
    pub status: TimeStatus,
    pub now: i64,
    pub leeway_secs: i64,
    pub exp: TimeClaim,
    pub nbf: TimeClaim,
    pub iat: TimeClaim,
    /// `exp - now`: positive while valid, negative once expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_secs: Option<i64>,
    /// `nbf - now` when the token is not yet valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_in_secs: Option<i64>,
    /// `exp - iat` (or `exp - nbf` without `iat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_secs: Option<i64>,
    pub issued_in_future: bool,
    /// Past `exp` or before `nbf`, but inside the leeway, so still accepted.
    pub within_leeway: bool,
}

pub fn time_status(claims: &Claims, now: i64, leeway_secs: i64) -> TimeReport {
    let exp = TimeClaim::read(claims, "exp");
    let nbf = TimeClaim::read(claims, "nbf");
    let iat = TimeClaim::read(claims, "iat");
    let leeway = leeway_secs.max(0);

    let expired = exp.at().is_some_and(|exp| now.saturating_sub(leeway) > exp);
    let early = nbf.at().is_some_and(|nbf| now.saturating_add(leeway) < nbf);
    let past_exp_strictly = exp.at().is_some_and(|exp| now > exp);
    let before_nbf_strictly = nbf.at().is_some_and(|nbf| now < nbf);
    let undecidable =
        matches!(exp, TimeClaim::Invalid { .. }) || matches!(nbf, TimeClaim::Invalid { .. });

    let status = if expired {
        TimeStatus::Expired
    } else if early {
        TimeStatus::NotYetValid
    } else if undecidable {
        TimeStatus::Unknown
    } else {
        TimeStatus::Active
    };
    let lifetime_secs = exp
        .at()
        .and_then(|exp| iat.at().or(nbf.at()).map(|start| exp - start));
    TimeReport {
        status,
        now,
        leeway_secs: leeway,
        expires_in_secs: exp.at().map(|exp| exp.saturating_sub(now)),
        valid_in_secs: early
            .then(|| nbf.at().map(|nbf| nbf.saturating_sub(now)))
            .flatten(),
        lifetime_secs,
        issued_in_future: iat.at().is_some_and(|iat| now.saturating_add(leeway) < iat),
        within_leeway: status == TimeStatus::Active && (past_exp_strictly || before_nbf_strictly),
        exp,
        nbf,
        iat,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    const EXP: i64 = 1_700_000_600;
    const NBF: i64 = 1_700_000_000;

    fn at(now: i64, leeway: i64) -> TimeReport {
        time_status(
            &claims(json!({"iat": NBF, "nbf": NBF, "exp": EXP})),
            now,
            leeway,
        )
    }

    #[test]
    fn either_side_of_exp_with_and_without_leeway() {
        assert_eq!(at(EXP, 0).status, TimeStatus::Active);
        assert_eq!(at(EXP + 1, 0).status, TimeStatus::Expired);
        assert_eq!(at(EXP + 1, 60).status, TimeStatus::Active);
        assert!(at(EXP + 1, 60).within_leeway);
        assert_eq!(at(EXP + 60, 60).status, TimeStatus::Active);
        assert_eq!(at(EXP + 61, 60).status, TimeStatus::Expired);
        assert_eq!(at(EXP + 61, 60).expires_in_secs, Some(-61));
    }

    #[test]
    fn either_side_of_nbf_with_and_without_leeway() {
        assert_eq!(at(NBF, 0).status, TimeStatus::Active);
        assert_eq!(at(NBF - 1, 0).status, TimeStatus::NotYetValid);
        assert_eq!(at(NBF - 1, 0).valid_in_secs, Some(1));
        assert_eq!(at(NBF - 60, 60).status, TimeStatus::Active);
        assert!(at(NBF - 60, 60).within_leeway);
        assert_eq!(at(NBF - 61, 60).status, TimeStatus::NotYetValid);
        assert!(at(NBF - 61, 60).issued_in_future);
        assert!(!at(NBF - 60, 60).issued_in_future);
    }

    #[test]
    fn lifetime_from_iat_or_nbf() {
        assert_eq!(at(NBF, 0).lifetime_secs, Some(600));
        let no_iat = time_status(&claims(json!({"nbf": 10, "exp": 70})), 20, 0);
        assert_eq!(no_iat.lifetime_secs, Some(60));
        let no_exp = time_status(&claims(json!({"iat": 10})), 20, 0);
        assert_eq!(
            (no_exp.status, no_exp.lifetime_secs),
            (TimeStatus::Active, None)
        );
    }

    #[test]
    fn odd_time_claims_are_reported_not_crashed_on() {
        let report = time_status(
            &claims(json!({"exp": "1700000600", "nbf": 1.5e300, "iat": 1_700_000_000.75})),
            NBF,
            60,
        );
        assert_eq!(report.status, TimeStatus::Unknown);
        assert!(
            matches!(report.exp, TimeClaim::Invalid { ref reason, .. } if reason.contains("string"))
        );
        assert!(matches!(report.nbf, TimeClaim::Invalid { .. }));
        assert_eq!(
            report.iat,
            TimeClaim::Present {
                at: 1_700_000_000,
                fractional: true
            }
        );
        let negative = time_status(&claims(json!({"exp": -5})), 0, 0);
        assert!(matches!(negative.exp, TimeClaim::Invalid { .. }));
        let extreme = time_status(
            &claims(json!({"exp": i64::MAX, "nbf": u64::MAX})),
            i64::MIN,
            i64::MAX,
        );
        assert_eq!(extreme.status, TimeStatus::Unknown);
    }
}
