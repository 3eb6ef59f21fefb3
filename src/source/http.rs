//! The one HTTP request a source makes (GitHub Actions' token endpoint). It goes through the
//! HTTP policy of `keys::http`, the one the JWKS fetches follow: HTTPS except for
//! loopback hosts, at most three redirects and only to https, connect and total timeouts, a cap
//! on the body, proxies from the environment (never for loopback), the system trust store.

use std::time::Duration;

use reqwest::Url;

use super::SourceError;
use crate::keys::http::{HttpClient, HttpError, HttpSettings, check_url};

const USER_AGENT: &str = concat!("claimcheck/", env!("CARGO_PKG_VERSION"), " (token fetch)");

pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    /// May hold a token: never log it.
    pub body: String,
}

/// GETs `url` with `Authorization: Bearer <bearer>`, reading at most `body_limit` bytes;
/// `timeout` bounds the whole request (connecting: at most the policy's connect timeout).
pub fn get_with_bearer(
    url: &str,
    bearer: &str,
    timeout: Duration,
    body_limit: usize,
) -> Result<Response, SourceError> {
    if check_url(url).is_err() {
        return Err(SourceError::Http(format!(
            "{} must use https (plain http is allowed only for loopback addresses)",
            shown(url)
        )));
    }
    let defaults = HttpSettings::default();
    let client = HttpClient::new(HttpSettings {
        connect_timeout: defaults.connect_timeout.min(timeout),
        total_timeout: timeout,
        max_body_bytes: body_limit as u64,
        ..defaults
    })
    .map_err(|error| SourceError::Http(format!("cannot set up HTTP: {error}")))?;
    match client.get_authorized(url, bearer, USER_AGENT) {
        Ok(answer) => Ok(Response {
            status: answer.status,
            content_type: answer.content_type,
            body: String::from_utf8_lossy(&answer.body).into_owned(),
        }),
        Err(HttpError::TooLarge { .. }) => Err(SourceError::TooLarge {
            what: format!("the response of {}", shown(url)),
            limit: body_limit,
        }),
        // The messages of `keys::http` name the whole URL; the Actions URL's query names the
        // run, so only its host and path are shown.
        Err(HttpError::Transport { cause, .. }) => Err(SourceError::Http(format!(
            "GET {} failed: {cause}",
            shown(url)
        ))),
        Err(HttpError::Refused { why, .. }) => Err(SourceError::Http(format!(
            "GET {} refused: {why}",
            shown(url)
        ))),
        Err(HttpError::Status { status, .. }) => Err(SourceError::Http(format!(
            "GET {} answered HTTP {status}",
            shown(url)
        ))),
    }
}

/// The URL without its query: the Actions URL's query names the run, which is not secret, but
/// there is no reason to print more than the host and path.
pub fn shown(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or(""),
            match parsed.port() {
                Some(port) => format!(":{port}{}", parsed.path()),
                None => parsed.path().to_owned(),
            }
        ),
        Err(_) => "the URL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_allowed() {
        for url in [
            "http://example.com/t",
            "http://10.0.0.1/token",
            "file:///etc/passwd",
        ] {
            let refused = get_with_bearer(url, "secret", Duration::from_secs(1), 100);
            let message = refused.err().unwrap().to_string();
            assert!(message.contains("must use https"), "{message}");
        }
    }

    #[test]
    fn shown_urls_drop_the_query() {
        assert_eq!(
            shown("https://h.example/p/idtoken?api-version=2.0&audience=x"),
            "https://h.example/p/idtoken"
        );
        assert_eq!(
            shown("http://127.0.0.1:8123/t?x"),
            "http://127.0.0.1:8123/t"
        );
        assert_eq!(shown("::"), "the URL");
    }

    /// Serves each response in turn on 127.0.0.1, then stops.
    fn serve(responses: Vec<tiny_http::ResponseBox>) -> String {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        std::thread::spawn(move || {
            for response in responses {
                match server.recv_timeout(Duration::from_secs(30)) {
                    Ok(Some(request)) => {
                        let _ = request.respond(response);
                    }
                    _ => break,
                }
            }
        });
        format!("http://127.0.0.1:{port}/token?api-version=2.0&run=4711")
    }

    #[test]
    fn a_large_body_is_refused() {
        let url = serve(vec![
            tiny_http::Response::from_string("x".repeat(5000)).boxed(),
        ]);
        let error = get_with_bearer(&url, "b", Duration::from_secs(10), 1000)
            .err()
            .unwrap();
        assert!(matches!(error, SourceError::TooLarge { limit: 1000, .. }));
    }

    #[test]
    fn redirects_to_plain_http_are_refused() {
        let redirect = tiny_http::Response::empty(302).with_header(
            "Location: http://example.com/steal"
                .parse::<tiny_http::Header>()
                .unwrap(),
        );
        let url = serve(vec![redirect.boxed()]);
        let error = get_with_bearer(&url, "b", Duration::from_secs(10), 1000)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("redirects must go to https"), "{error}");
        assert!(
            !error.contains("run=4711"),
            "the query is not shown: {error}"
        );
    }

    #[test]
    fn error_answers_come_back_with_their_body() {
        let url = serve(vec![
            tiny_http::Response::from_string("{\"message\":\"Bad credentials\"}")
                .with_status_code(401)
                .boxed(),
        ]);
        let response = get_with_bearer(&url, "b", Duration::from_secs(10), 1000).unwrap();
        assert_eq!(response.status, 401);
        assert!(response.body.contains("Bad credentials"));
    }
}
