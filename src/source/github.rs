//! GitHub Actions: a job with `permissions: id-token: write` gets two variables, a URL and a
//! bearer token; `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD` with that bearer answers
//! `{"value": "<jwt>"}` (GitHub's "About security hardening with OpenID Connect" documentation,
//! and `getIDToken` in actions/toolkit's `packages/core/src/oidc-utils.ts`).

use serde_json::Value;

use super::command::Budget;
use super::environment::Environment;
use super::{Detail, Produced, SourceError, http};
use crate::token::sanitize::escape_controls;

pub(super) const URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub(super) const BEARER_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

pub(super) fn fetch(
    env: &Environment,
    audience: Option<&str>,
    budget: &Budget,
) -> Result<Produced, SourceError> {
    let (url, bearer) = match (env.var(URL_VAR), env.var(BEARER_VAR)) {
        (Some(url), Some(bearer)) => (url, bearer),
        (url, bearer) => {
            let missing: Vec<String> = [(URL_VAR, url), (BEARER_VAR, bearer)]
                .into_iter()
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| format!("${name}"))
                .collect();
            return Err(SourceError::Unavailable(not_configured(env, &missing)));
        }
    };
    let request_url = with_audience(url, audience);
    let endpoint = http::shown(url);
    if budget.cancel.is_cancelled() {
        return Err(SourceError::Cancelled);
    }
    let response =
        http::get_with_bearer(&request_url, bearer, budget.timeout, budget.stdout_limit)?;
    if budget.cancel.is_cancelled() {
        return Err(SourceError::Cancelled);
    }
    if !(200..300).contains(&response.status) {
        return Err(SourceError::Http(format!(
            "the Actions token endpoint {endpoint} answered HTTP {} ({})",
            response.status,
            shape(&response)
        )));
    }
    let has_value = serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|json| json.get("value").map(Value::is_string))
        .unwrap_or(false);
    if !has_value {
        return Err(SourceError::Http(format!(
            "the Actions token endpoint {endpoint} answered without a \"value\" field ({})",
            shape(&response)
        )));
    }
    // The whole response goes to the decoder, which takes the token from `value` and says so.
    let mut produced = Produced::new(
        response.body,
        format!("the GitHub Actions token endpoint ({endpoint})"),
    );
    produced.details.push(Detail {
        name: "requested audience".into(),
        value: audience
            .unwrap_or("(default: https://github.com/OWNER)")
            .to_owned(),
    });
    Ok(produced)
}

fn not_configured(env: &Environment, missing: &[String]) -> String {
    let missing = missing.join(" and ");
    if env.var("GITHUB_ACTIONS") == Some("true") {
        format!(
            "{missing} not set: this job may not request an OIDC token; it needs \
             `permissions: id-token: write` (in the workflow or the job), and pull requests \
             from forks never get one"
        )
    } else {
        format!(
            "{missing} not set: this is not a GitHub Actions job, or one without \
             `permissions: id-token: write`"
        )
    }
}

/// The URL already carries a query (`?api-version=…`), so the audience is appended with `&`.
fn with_audience(url: &str, audience: Option<&str>) -> String {
    match audience {
        None => url.to_owned(),
        Some(audience) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}audience={}", percent_encode(audience))
        }
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, which is at least as strict as
/// the `encodeURIComponent` the Actions toolkit uses.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// What an answer looks like, without its content: the body of a token endpoint may hold a
/// credential (a token, or the request's bearer echoed back), so only its content type, its
/// length and, for a JSON object, its member names are shown.
fn shape(response: &http::Response) -> String {
    let content_type = response.content_type.as_deref().map_or_else(
        || "no content type".to_owned(),
        |t| escape_controls(t).into_owned(),
    );
    let body = response.body.trim();
    if body.is_empty() {
        return format!("{content_type}, empty body");
    }
    let length = format!("{} bytes", response.body.len());
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(object)) => {
            const SHOWN: usize = 10;
            let mut names: Vec<String> = object
                .keys()
                .take(SHOWN)
                .map(|name| {
                    format!(
                        "\"{}\"",
                        escape_controls(&name.chars().take(40).collect::<String>())
                    )
                })
                .collect();
            if object.len() > SHOWN {
                names.push(format!("and {} more", object.len() - SHOWN));
            }
            let names = if names.is_empty() {
                "an empty JSON object".to_owned()
            } else {
                format!("a JSON object with {}", names.join(", "))
            };
            format!("{content_type}, {length}: {names}")
        }
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "null",
            };
            format!("{content_type}, {length}: a JSON {kind}")
        }
        Err(_) => {
            format!("{content_type}, {length}, not JSON; not shown, as it may hold a credential")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::source::command::Cancel;

    fn budget() -> Budget {
        Budget {
            timeout: Duration::from_secs(1),
            stdout_limit: 100,
            cancel: Cancel::default(),
        }
    }

    #[test]
    fn the_audience_is_encoded_and_appended_to_the_query() {
        let url = "https://pipelines.example/idtoken?api-version=2.0";
        assert_eq!(with_audience(url, None), url);
        assert_eq!(
            with_audience(url, Some("sts.amazonaws.com")),
            format!("{url}&audience=sts.amazonaws.com")
        );
        assert_eq!(
            with_audience("http://127.0.0.1:1/t", Some("api://Azure AD&x=é")),
            "http://127.0.0.1:1/t?audience=api%3A%2F%2FAzure%20AD%26x%3D%C3%A9"
        );
    }

    #[test]
    fn missing_variables_name_the_permission() {
        let in_actions = Environment::from_vars([("GITHUB_ACTIONS", "true")]);
        let message = fetch(&in_actions, None, &budget())
            .err()
            .unwrap()
            .to_string();
        assert!(
            message.contains("$ACTIONS_ID_TOKEN_REQUEST_URL and $ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        );
        assert!(
            message.contains("permissions: id-token: write"),
            "{message}"
        );
        let half = Environment::from_vars([(URL_VAR, "https://x/")]);
        let message = fetch(&half, None, &budget()).err().unwrap().to_string();
        assert!(
            message.starts_with("$ACTIONS_ID_TOKEN_REQUEST_TOKEN not set"),
            "{message}"
        );
        assert!(message.contains("id-token: write"));
    }

    /// Error bodies used to be quoted (300 characters of them), and a token endpoint's body
    /// may hold a credential.
    #[test]
    fn error_bodies_are_described_never_quoted() {
        let response = |content_type: Option<&str>, body: &str| http::Response {
            status: 401,
            content_type: content_type.map(str::to_owned),
            body: body.to_owned(),
        };
        assert_eq!(
            shape(&response(Some("application/json"), "  ")),
            "application/json, empty body"
        );
        let secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        let json = format!(r#"{{"message":"{secret}","bearer":"{secret}"}}"#);
        let shown = shape(&response(Some("application/json"), &json));
        assert!(!shown.contains(secret), "{shown}");
        assert_eq!(
            shown,
            format!(
                "application/json, {} bytes: a JSON object with \"message\", \"bearer\"",
                json.len()
            )
        );
        let shown = shape(&response(None, &format!("denied {secret}\u{1b}]52;x")));
        assert!(
            !shown.contains(secret) && !shown.contains('\u{1b}'),
            "{shown}"
        );
        assert!(shown.starts_with("no content type, "), "{shown}");
        assert!(
            shape(&response(Some("text/plain"), "[1]")).ends_with("a JSON array"),
            "arrays are named by type"
        );
    }
}
