//! Property tests: no input may panic the decoder, and what it decodes it decodes faithfully.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use claimcheck::report::TokenDocument;
use claimcheck::token::lint::lint_token;
use claimcheck::token::sanitize::{escape_controls, is_invisible};
use claimcheck::token::time::time_status;
use claimcheck::token::{Limits, decode};
use proptest::prelude::*;

fn small_limits() -> Limits {
    Limits {
        max_token_bytes: 64 * 1024,
        max_json_depth: 16,
    }
}

/// Runs everything downstream of the decoder too, since a decoded token feeds all of it.
fn exercise(input: &str) {
    if let Ok(token) = decode(input, &small_limits()) {
        let _ = lint_token(&token);
        if let Some(claims) = token.claims() {
            let _ = time_status(claims, i64::MAX, i64::MAX);
            let _ = time_status(claims, i64::MIN, 0);
        }
        let _ = serde_json::to_string(&TokenDocument::new(&token, "test".into(), 0, 60));
    }
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_=+/-]{0,40}",
        any::<String>(),
        any::<Vec<u8>>().prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
        "[ -~]{0,30}".prop_map(|text| URL_SAFE_NO_PAD.encode(text)),
    ]
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:?}")),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("\"exp\"".to_owned()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("exp".to_owned()),
                        Just("sub".to_owned()),
                        Just("aud".to_owned()),
                        "[a-z]{1,4}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|members| {
                let body: Vec<String> = members
                    .into_iter()
                    .map(|(name, value)| {
                        format!("{}:{value}", serde_json::to_string(&name).unwrap())
                    })
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        exercise(&input);
    }

    #[test]
    fn arbitrary_three_segment_inputs_never_panic(a in segment(), b in segment(), c in segment()) {
        exercise(&format!("{a}.{b}.{c}"));
        exercise(&format!("Bearer {a}.{b}.{c}"));
        exercise(&format!("{a}.{b}.{c}.{a}.{b}"));
    }

    #[test]
    fn arbitrary_json_segments_never_panic(header in json_text(), claims in json_text(), signature in segment()) {
        let token = format!("{}.{}.{signature}", URL_SAFE_NO_PAD.encode(&header), URL_SAFE_NO_PAD.encode(&claims));
        exercise(&token);
        exercise(&format!("{{\"value\":\"{token}\"}}"));
    }

    #[test]
    fn decoded_claims_equal_what_was_encoded(claims in prop::collection::btree_map("[a-z_]{1,8}", any::<i32>(), 0..12)) {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
        let body: serde_json::Map<String, serde_json::Value> =
            claims.iter().map(|(k, v)| (k.clone(), (*v).into())).collect();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::Value::Object(body.clone()).to_string());
        let token = decode(&format!("{header}.{payload}.c2ln"), &Limits::default()).unwrap();
        prop_assert_eq!(token.claims().unwrap(), &body);
    }

    #[test]
    fn escaped_text_has_no_control_characters(text in any::<String>()) {
        let shown = escape_controls(&text);
        prop_assert!(!shown.chars().any(|c| c.is_control()));
        prop_assert!(!shown.contains('\u{202e}'), "bidi override survived");
        prop_assert!(!shown.chars().any(is_invisible), "an invisible character survived");
    }

    /// Two different strings never print alike: the escaping can be undone, so an expected
    /// and an actual that differ (by an invisible character, say) are shown differently.
    #[test]
    fn different_texts_are_shown_differently(
        text in "[a-z:/]{0,8}",
        hidden in prop::sample::select(vec!['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{ad}', '\u{e0041}', '\u{2028}', '\u{2029}']),
        at in any::<prop::sample::Index>(),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        chars.insert(at.index(chars.len() + 1), hidden);
        let with: String = chars.into_iter().collect();
        prop_assert_ne!(escape_controls(&with), escape_controls(&text));
        let shown = format!("⟨U+{:04X}⟩", hidden as u32);
        prop_assert!(escape_controls(&with).contains(&shown), "{} is not shown", shown);
    }
}
