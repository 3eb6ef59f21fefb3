//! Decoded dumps: what a tool printed after decoding a token, pasted instead of the token. The
//! claims (and the header, when the dump has it) are recognised by the dump's shape and
//! evaluated as a SIMULATED what-if: no signature covers them.
//!
//! Shapes, tried in this order:
//! * `gitpod idp token --decode`: `{"Claims": {…}, "Header": [{"KeyID": …, "Algorithm": …}]}`
//!   (go-jose's `jose.Header` fields, documented at https://www.gitpod.io/docs/gitpod/configuration/oidc);
//! * `step crypto jwt inspect`: `{"header": {…}, "payload": {…}, "signature": "…"}`
//!   (https://smallstep.com/docs/step-cli/reference/crypto/jwt/inspect/);
//! * jwt-cli's `jwt decode --json`: `{"header": {…}, "payload": {…}}`
//!   (https://github.com/mike-engel/jwt-cli);
//! * jwt.io's two panes pasted together: a header object, then a payload object;
//! * a GitHub Actions log of github/actions-oidc-debugger, which prints the claims as indented
//!   JSON (`json.MarshalIndent`, actionsoidc/actions-oidc.go), each line behind a timestamp;
//! * a bare object of claims.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Claims;
use super::extract::JSON_TOKEN_FIELDS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DumpShape {
    /// A JSON object of claims.
    Claims,
    /// `gitpod idp token --decode`.
    Gitpod,
    /// `step crypto jwt inspect`.
    StepInspect,
    /// jwt-cli's `jwt decode --json`.
    JwtCli,
    /// jwt.io's header and payload panes, one after the other.
    JwtIo,
    /// github/actions-oidc-debugger's print of the claims in a CI log.
    ActionsOidcDebugger,
}

impl DumpShape {
    pub fn description(self) -> &'static str {
        match self {
            DumpShape::Claims => "a JSON object of claims",
            DumpShape::Gitpod => "`gitpod idp token --decode` output",
            DumpShape::StepInspect => "`step crypto jwt inspect` output",
            DumpShape::JwtCli => "`jwt decode --json` (jwt-cli) output",
            DumpShape::JwtIo => "jwt.io's header and payload panes",
            DumpShape::ActionsOidcDebugger => "actions-oidc-debugger's print of the claims",
        }
    }
}

/// Claims (and maybe a header) read from a decoded dump. Never signed.
#[derive(Debug, Clone, PartialEq)]
pub struct Dump {
    pub shape: DumpShape,
    pub claims: Claims,
    pub header: Option<Claims>,
}

/// The dump in `text`, if it has one of the shapes above. A JSON object that carries a token
/// (`id_token`, `value`…) is not a dump: the token finder takes it.
pub fn recognise(text: &str) -> Option<Dump> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let objects = json_objects(text);
    match objects.as_slice() {
        [only] => from_object(only),
        [header, payload] if is_header(header) && !is_header(payload) => Some(Dump {
            shape: DumpShape::JwtIo,
            claims: payload.clone(),
            header: Some(header.clone()),
        }),
        [] => from_log(text),
        _ => None,
    }
}

/// One object, or two objects one after the other (jwt.io's panes); nothing else may follow.
fn json_objects(text: &str) -> Vec<Map<String, Value>> {
    if !text.starts_with('{') {
        return Vec::new();
    }
    let mut objects = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    for item in stream {
        match item {
            Ok(Value::Object(object)) if objects.len() < 2 => objects.push(object),
            _ => return Vec::new(),
        }
    }
    objects
}

fn from_object(object: &Map<String, Value>) -> Option<Dump> {
    if carries_token(object) {
        return None;
    }
    if let Some(Value::Object(claims)) = object.get("Claims") {
        let header = object.get("Header").and_then(gitpod_header);
        return Some(Dump {
            shape: DumpShape::Gitpod,
            claims: claims.clone(),
            header,
        });
    }
    if let (Some(Value::Object(header)), Some(Value::Object(payload))) =
        (object.get("header"), object.get("payload"))
        && object
            .keys()
            .all(|k| matches!(k.as_str(), "header" | "payload" | "signature"))
    {
        let shape = if object.contains_key("signature") {
            DumpShape::StepInspect
        } else {
            DumpShape::JwtCli
        };
        return Some(Dump {
            shape,
            claims: payload.clone(),
            header: Some(header.clone()),
        });
    }
    Some(Dump {
        shape: DumpShape::Claims,
        claims: object.clone(),
        header: None,
    })
}

/// go-jose's `jose.Header` as JSON (`KeyID`, `Algorithm`, `ExtraHeaders`), one per signature,
/// back to JOSE names; an object already in JOSE names is taken as it is.
fn gitpod_header(value: &Value) -> Option<Claims> {
    let first = match value {
        Value::Array(headers) => headers.first()?.as_object()?,
        Value::Object(header) => header,
        _ => return None,
    };
    if first.contains_key("alg") {
        return Some(first.clone());
    }
    let mut header = Map::new();
    if let Some(alg) = first.get("Algorithm").filter(|v| is_set(v)) {
        header.insert("alg".to_owned(), alg.clone());
    }
    if let Some(kid) = first.get("KeyID").filter(|v| is_set(v)) {
        header.insert("kid".to_owned(), kid.clone());
    }
    if let Some(Value::Object(extra)) = first.get("ExtraHeaders") {
        for (name, value) in extra {
            header.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    (!header.is_empty()).then_some(header)
}

fn is_set(value: &Value) -> bool {
    !matches!(value, Value::Null) && value.as_str() != Some("")
}

fn is_header(object: &Map<String, Value>) -> bool {
    object.get("alg").is_some_and(Value::is_string)
        && !object.contains_key("iss")
        && !object.contains_key("sub")
}

fn carries_token(object: &Map<String, Value>) -> bool {
    JSON_TOKEN_FIELDS.iter().any(|field| {
        object
            .get(*field)
            .and_then(Value::as_str)
            .is_some_and(|value| value.matches('.').count() >= 2)
    })
}

/// A log whose lines carry timestamps, with an indented JSON object of claims in it (the
/// actions-oidc-debugger print): the object's lines, their prefixes removed, parsed together.
fn from_log(text: &str) -> Option<Dump> {
    let mut body = String::new();
    let mut depth = 0usize;
    let mut started = false;
    for line in super::extract::log_lines(text) {
        let line = strip_log_prefix(line);
        if !started {
            if line.trim_end() != "{" {
                continue;
            }
            started = true;
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        body.push_str(line);
        body.push('\n');
        if depth == 0 {
            break;
        }
    }
    let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(&body) else {
        return None;
    };
    claims.contains_key("iss").then_some(Dump {
        shape: DumpShape::ActionsOidcDebugger,
        claims,
        header: None,
    })
}

/// A line without GitHub Actions' `2026-01-02T03:04:05.1234567Z ` prefix.
fn strip_log_prefix(line: &str) -> &str {
    let Some((first, rest)) = line.split_once(' ') else {
        return line;
    };
    let timestamp = first.len() >= 20
        && first.as_bytes()[4] == b'-'
        && first.as_bytes()[10] == b'T'
        && first.ends_with('Z')
        && first.bytes().take(4).all(|b| b.is_ascii_digit());
    if timestamp { rest } else { line }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(text: &str) -> Option<DumpShape> {
        recognise(text).map(|dump| dump.shape)
    }

    /// Each row is the shape the tool prints, as its documentation shows it.
    #[test]
    fn table_of_dump_shapes() {
        let gitpod = r#"{"Claims": {"aud": ["sts.amazonaws.com"], "azp": "sts.amazonaws.com", "iss": "https://api.gitpod.io/idp", "sub": "https://github.com/acme/app/pull/1"}, "Header": [{"KeyID": "k1", "JSONWebKey": null, "Algorithm": "RS256", "Nonce": "", "ExtraHeaders": {"typ": "JWT"}}]}"#;
        let dump = recognise(gitpod).unwrap();
        assert_eq!(dump.shape, DumpShape::Gitpod);
        assert_eq!(dump.claims["iss"], "https://api.gitpod.io/idp");
        assert_eq!(
            Value::Object(dump.header.unwrap()),
            json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})
        );

        let step = r#"{"header": {"alg": "ES256", "kid": "x"}, "payload": {"iss": "https://i", "sub": "s"}, "signature": "c2ln"}"#;
        assert_eq!(shape(step), Some(DumpShape::StepInspect));
        let jwt_cli = "{\n  \"header\": {\"typ\": \"JWT\", \"alg\": \"RS256\"},\n  \"payload\": {\"iss\": \"https://i\"}\n}";
        let dump = recognise(jwt_cli).unwrap();
        assert_eq!(dump.shape, DumpShape::JwtCli);
        assert_eq!(dump.header.unwrap()["alg"], "RS256");

        let jwt_io = "{\n  \"alg\": \"RS256\",\n  \"typ\": \"JWT\"\n}\n{\n  \"iss\": \"https://i\",\n  \"sub\": \"s\"\n}";
        let dump = recognise(jwt_io).unwrap();
        assert_eq!(dump.shape, DumpShape::JwtIo);
        assert_eq!(dump.claims["sub"], "s");

        let debugger = "2026-01-02T03:04:05.1000000Z Run ./.github/actions/actions-oidc-debugger\n2026-01-02T03:04:06.1000000Z {\n2026-01-02T03:04:06.1000000Z   \"aud\": \"https://github.com/acme\",\n2026-01-02T03:04:06.1000000Z   \"iss\": \"https://token.actions.githubusercontent.com\",\n2026-01-02T03:04:06.1000000Z   \"sub\": \"repo:acme/app:ref:refs/heads/main\"\n2026-01-02T03:04:06.1000000Z }\n";
        let dump = recognise(debugger).unwrap();
        assert_eq!(dump.shape, DumpShape::ActionsOidcDebugger);
        assert_eq!(dump.claims["sub"], "repo:acme/app:ref:refs/heads/main");

        assert_eq!(shape(r#"{"iss": "https://i"}"#), Some(DumpShape::Claims));
    }

    proptest::proptest! {
        /// Arbitrary text, JSON-ish fragments and timestamped lines never panic the recogniser.
        #[test]
        fn never_panics(parts in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just("{".to_owned()),
            proptest::strategy::Just("}".to_owned()),
            proptest::strategy::Just("\"Claims\": ".to_owned()),
            proptest::strategy::Just("\"header\": {\"alg\": \"RS256\"}, ".to_owned()),
            proptest::strategy::Just("2026-01-02T03:04:05.1234567Z ".to_owned()),
            proptest::strategy::Just("\r\n".to_owned()),
            ".{0,12}",
        ], 0..40)) {
            let _ = recognise(&parts.concat());
        }
    }

    #[test]
    fn not_dumps() {
        assert_eq!(shape(r#"{"id_token": "eyJh.eyJi.c2ln"}"#), None);
        assert_eq!(shape("[1, 2]"), None);
        assert_eq!(shape("{} {} {}"), None);
        assert_eq!(shape("eyJh.eyJi.c2ln"), None);
        assert_eq!(shape("some log\nwithout json\n"), None);
        // Two claim objects are not a header and a payload.
        assert_eq!(shape(r#"{"iss": "a"} {"iss": "b"}"#), None);
    }
}
