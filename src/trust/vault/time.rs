//! The time checks of `hashicorp/cap` `jwt.Validate` as the Vault plugin configures them
//! (docs/SEMANTICS.md §4 "Leeways"; cap jwt/jwt.go `validateAll`).
//!
//! What the code does (and the Vault API docs describe differently): `clock_skew_leeway` (0 → 60 s
//! default, negative → none) widens all three checks; `expiration_leeway` and `not_before_leeway`
//! (0 → 150 s default, negative → 0) are used ONLY to invent a missing `exp` or `nbf`.

use serde_json::{Value, json};

use crate::token::Claims;
use crate::trust::Check;

const DEFAULT_CLOCK_SKEW: i64 = 60;
const DEFAULT_SYNTHESIS_LEEWAY: i64 = 150;

pub const NO_TIME_CLAIMS: &str =
    "no issued at (iat), not before (nbf), or expiration time (exp) claims in token";
const NOT_YET_VALID: &str = "invalid not before (nbf) claim: token not yet valid";
const EXPIRED: &str = "invalid expiration time (exp) claim: token is expired";
const ISSUED_IN_FUTURE: &str = "invalid issued at (iat) claim: token issued in the future";
/// go-jose v3 `ErrUnmarshalNumericDate`; the text is read from go-jose, not observed from Vault.
pub const NOT_A_NUMERIC_DATE: &str = "go-jose/go-jose/jwt: expected number for numeric date";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leeways {
    pub clock_skew: i64,
    pub expiration: i64,
    pub not_before: i64,
}

/// One time check: the check to show and, when it fails, cap's message.
pub struct TimeCheck {
    pub check: Check,
    pub failure: Option<&'static str>,
}

fn effective(configured: i64, default: i64) -> i64 {
    match configured {
        0 => default,
        n if n < 0 => 0,
        n => n,
    }
}

/// A `NumericDate` as go-jose unmarshals it: absent/null → 0, number → truncated to whole
/// seconds, anything else → unmarshal error.
fn numeric_date(claims: &Claims, name: &str) -> Result<i64, ()> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
        Some(_) => Err(()),
    }
}

/// cap fills a missing `exp` with max(iat, nbf) + expiration leeway, then a missing `nbf` with
/// `iat`, or with exp − not-before leeway when there is no `iat`. Returns (nbf, exp).
fn synthesise(iat: i64, nbf: i64, exp: i64, leeways: Leeways) -> (i64, i64) {
    let exp = if exp == 0 {
        iat.max(nbf) + effective(leeways.expiration, DEFAULT_SYNTHESIS_LEEWAY)
    } else {
        exp
    };
    let nbf = match (nbf, iat) {
        (0, 0) => exp - effective(leeways.not_before, DEFAULT_SYNTHESIS_LEEWAY),
        (0, iat) => iat,
        (nbf, _) => nbf,
    };
    (nbf, exp)
}

/// Whether every time check passes, without building checks (same rules as [`time_checks`]).
pub fn time_ok(claims: &Claims, now: i64, leeways: Leeways) -> bool {
    let (Ok(iat), Ok(nbf), Ok(exp)) = (
        numeric_date(claims, "iat"),
        numeric_date(claims, "nbf"),
        numeric_date(claims, "exp"),
    ) else {
        return false;
    };
    if iat == 0 && nbf == 0 && exp == 0 {
        return false;
    }
    let (nbf, exp) = synthesise(iat, nbf, exp, leeways);
    let skew = effective(leeways.clock_skew, DEFAULT_CLOCK_SKEW);
    now + skew >= nbf && now - skew <= exp && now + skew >= iat
}

/// The checks in cap's order: missing-claims, nbf, exp, iat. A claim that is not a number makes
/// cap's claim unmarshalling fail before any of them.
pub fn time_checks(claims: &Claims, now: i64, leeways: Leeways) -> Vec<TimeCheck> {
    let dates: Result<Vec<i64>, ()> = ["iat", "nbf", "exp"]
        .iter()
        .map(|n| numeric_date(claims, n))
        .collect();
    let Ok(dates) = dates else {
        let bad = ["iat", "nbf", "exp"]
            .into_iter()
            .find(|n| numeric_date(claims, n).is_err())
            .unwrap_or("exp");
        return vec![TimeCheck {
            check: Check::failed(
                format!("{bad} is a NumericDate"),
                vec![json!("a number of seconds")],
                claims.get(bad).cloned(),
            )
            .with_note("the message text comes from go-jose's source; not observed from Vault"),
            failure: Some(NOT_A_NUMERIC_DATE),
        }];
    };
    let (iat, nbf, exp) = (dates[0], dates[1], dates[2]);
    if iat == 0 && nbf == 0 && exp == 0 {
        return vec![TimeCheck {
            check: Check::absent("iat, nbf or exp present", vec![json!("at least one")]),
            failure: Some(NO_TIME_CLAIMS),
        }];
    }
    let (synth_nbf, synth_exp) = synthesise(iat, nbf, exp, leeways);
    let exp_note = (exp == 0).then(|| {
        format!(
            "exp absent: cap uses max(iat, nbf) + expiration_leeway ({}s) = {synth_exp}",
            effective(leeways.expiration, DEFAULT_SYNTHESIS_LEEWAY)
        )
    });
    let nbf_note = match (nbf, iat) {
        (0, 0) => Some(format!(
            "nbf absent and no iat: cap uses exp − not_before_leeway ({}s) = {synth_nbf}",
            effective(leeways.not_before, DEFAULT_SYNTHESIS_LEEWAY)
        )),
        (0, _) => Some(format!("nbf absent: cap uses iat = {iat}")),
        _ => None,
    };
    let (nbf, exp) = (synth_nbf, synth_exp);
    let skew = effective(leeways.clock_skew, DEFAULT_CLOCK_SKEW);
    let skew_text = match leeways.clock_skew {
        0 => format!("clock_skew_leeway {skew}s (0 = default)"),
        n if n < 0 => "clock_skew_leeway disabled".to_owned(),
        _ => format!("clock_skew_leeway {skew}s"),
    };
    let shown = |name: &str, effective: i64| claims.get(name).cloned().or(Some(json!(effective)));
    vec![
        TimeCheck {
            check: Check::passed_if(
                now + skew >= nbf,
                format!("nbf ≤ now + {skew_text}"),
                vec![json!(format!("≤ {}", now + skew))],
                shown("nbf", nbf),
            )
            .with_note_if(nbf_note),
            failure: (now + skew < nbf).then_some(NOT_YET_VALID),
        },
        TimeCheck {
            check: Check::passed_if(
                now - skew <= exp,
                format!("exp ≥ now − {skew_text}"),
                vec![json!(format!("≥ {}", now - skew))],
                shown("exp", exp),
            )
            .with_note_if(exp_note),
            failure: (now - skew > exp).then_some(EXPIRED),
        },
        TimeCheck {
            check: Check::passed_if(
                now + skew >= iat,
                format!("iat ≤ now + {skew_text}"),
                vec![json!(format!("≤ {}", now + skew))],
                claims.get("iat").cloned(),
            ),
            failure: (now + skew < iat).then_some(ISSUED_IN_FUTURE),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(claims: Value, now: i64, leeways: (i64, i64, i64)) -> Option<&'static str> {
        let claims = claims.as_object().unwrap().clone();
        let leeways = Leeways {
            clock_skew: leeways.0,
            expiration: leeways.1,
            not_before: leeways.2,
        };
        let failure = time_checks(&claims, now, leeways)
            .into_iter()
            .find_map(|t| t.failure);
        assert_eq!(time_ok(&claims, now, leeways), failure.is_none());
        failure
    }

    #[test]
    fn cap_time_table() {
        // Rows: hashicorp/cap jwt/jwt_test.go TestValidator_Validate (N = now, P = N−120,
        // F = N+120), plus docs/SEMANTICS.md §4 "Leeways". Leeways are (clock_skew, exp, nbf) seconds.
        const N: i64 = 1_700_000_000;
        const P: i64 = N - 120;
        const F: i64 = N + 120;
        type Row = (Value, i64, (i64, i64, i64), Option<&'static str>);
        let rows: &[Row] = &[
            (json!({"iat": N, "exp": F}), N, (0, 0, 0), None),
            // exp missing → max(iat,nbf)+ExpirationLeeway; cks disabled.
            (json!({"iat": N}), F, (-1, 120, 0), None),
            (json!({"iat": N}), F + 1, (-1, 120, 0), Some(EXPIRED)),
            // nbf and iat missing → nbf = exp − NotBeforeLeeway.
            (json!({"exp": N}), P, (-1, 0, 120), None),
            (json!({"exp": N}), P - 1, (-1, 0, 120), Some(NOT_YET_VALID)),
            (json!({"iat": P, "nbf": N, "exp": F}), P, (120, 0, 0), None),
            (json!({"iat": P, "nbf": P, "exp": N}), F, (120, 0, 0), None),
            (json!({"iat": N, "nbf": P, "exp": F}), P, (120, 0, 0), None),
            (
                json!({"iss": "https://example.com/"}),
                N,
                (0, 0, 0),
                Some(NO_TIME_CLAIMS),
            ),
            // Default clock skew 60 s: 120 s early/late is rejected.
            (json!({"nbf": N}), P, (0, 0, 0), Some(NOT_YET_VALID)),
            (json!({"exp": N}), F, (0, 0, 0), Some(EXPIRED)),
            (
                json!({"nbf": P, "iat": F}),
                N,
                (0, 0, 0),
                Some(ISSUED_IN_FUTURE),
            ),
            // 0 means the default 60 s; 60 s late still passes, 61 s does not.
            (json!({"iat": P, "exp": N}), N + 60, (0, 0, 0), None),
            (
                json!({"iat": P, "exp": N}),
                N + 61,
                (0, 0, 0),
                Some(EXPIRED),
            ),
            // −1 disables the skew entirely.
            (
                json!({"iat": P, "exp": N}),
                N + 1,
                (-1, 0, 0),
                Some(EXPIRED),
            ),
            // expiration_leeway does NOT extend a present exp (docs say it does; code does not).
            (
                json!({"iat": P, "exp": N}),
                N + 61,
                (0, 3600, 0),
                Some(EXPIRED),
            ),
            // A zero time claim counts as absent.
            (
                json!({"iat": 0, "nbf": 0, "exp": 0}),
                N,
                (0, 0, 0),
                Some(NO_TIME_CLAIMS),
            ),
            (
                json!({"iat": "soon", "exp": F}),
                N,
                (0, 0, 0),
                Some(NOT_A_NUMERIC_DATE),
            ),
            // Fractional seconds are truncated by NumericDate.
            (
                json!({"iat": P, "exp": (N as f64) + 0.9}),
                N + 60,
                (0, 0, 0),
                None,
            ),
        ];
        for (i, (claims, now, leeways, want)) in rows.iter().enumerate() {
            assert_eq!(
                failure(claims.clone(), *now, *leeways),
                *want,
                "row {i}: {claims}"
            );
        }
    }

    #[test]
    fn synthesis_is_explained() {
        let claims = json!({"iat": 100}).as_object().unwrap().clone();
        let checks = time_checks(
            &claims,
            100,
            Leeways {
                clock_skew: 0,
                expiration: 0,
                not_before: 0,
            },
        );
        assert_eq!(
            checks[1].check.note.as_deref(),
            Some("exp absent: cap uses max(iat, nbf) + expiration_leeway (150s) = 250")
        );
        assert_eq!(
            checks[0].check.note.as_deref(),
            Some("nbf absent: cap uses iat = 100")
        );
        assert_eq!(
            checks[0].check.condition,
            "nbf ≤ now + clock_skew_leeway 60s (0 = default)"
        );
    }
}
