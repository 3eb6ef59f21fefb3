//! The one HTTP request a source makes (GitHub Actions' token endpoint), kept in one function so
//! that it can follow the same policy as the JWKS fetches: HTTPS except for loopback hosts,
//! few redirects and only to allowed URLs, connect and total timeouts, a cap on the body.

use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::SourceError;

const MAX_REDIRECTS: usize = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Response {
    pub status: u16,
    /// May hold a token: never log it.
    pub body: String,
}

/// GETs `url` with `Authorization: Bearer <bearer>`, reading at most `body_limit` bytes.
pub fn get_with_bearer(
    url: &str,
    bearer: &str,
    timeout: Duration,
    body_limit: usize,
) -> Result<Response, SourceError> {
    let parsed = Url::parse(url)
        .map_err(|error| SourceError::Http(format!("{} is not a URL: {error}", shown(url))))?;
    if !allowed(&parsed) {
        return Err(SourceError::Http(format!(
            "{} must use https (plain http is allowed only for loopback addresses)",
            shown(url)
        )));
    }
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS || !allowed(attempt.url()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|error| SourceError::Http(format!("cannot set up HTTP: {}", chain(&error))))?;
    let response = client
        .get(parsed.clone())
        .bearer_auth(bearer)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .map_err(|error| {
            SourceError::Http(format!("GET {} failed: {}", shown(url), chain(&error)))
        })?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    response
        .take(body_limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            SourceError::Http(format!("reading the response of {}: {error}", shown(url)))
        })?;
    if bytes.len() > body_limit {
        return Err(SourceError::TooLarge {
            what: format!("the response of {}", shown(url)),
            limit: body_limit,
        });
    }
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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

/// reqwest's top-level message says only "error sending request"; the cause is further down.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_allowed() {
        let allowed_url = |text: &str| allowed(&Url::parse(text).unwrap());
        assert!(allowed_url("https://pipelines.actions.example/x?a=1"));
        assert!(allowed_url("http://127.0.0.1:8080/token"));
        assert!(allowed_url("http://127.8.9.10/token"));
        assert!(allowed_url("http://[::1]:99/"));
        assert!(allowed_url("http://localhost/"));
        assert!(!allowed_url("http://example.com/token"));
        assert!(!allowed_url("http://10.0.0.1/token"));
        assert!(!allowed_url("file:///etc/passwd"));
        let refused = get_with_bearer(
            "http://example.com/t",
            "secret",
            Duration::from_secs(1),
            100,
        );
        let message = refused.err().unwrap().to_string();
        assert!(message.contains("must use https"), "{message}");
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
        format!("http://127.0.0.1:{port}/token")
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
    fn redirects_to_plain_http_elsewhere_are_not_followed() {
        let redirect = tiny_http::Response::empty(302).with_header(
            "Location: http://example.com/steal"
                .parse::<tiny_http::Header>()
                .unwrap(),
        );
        let url = serve(vec![redirect.boxed()]);
        let response = get_with_bearer(&url, "b", Duration::from_secs(10), 1000).unwrap();
        assert_eq!(response.status, 302);
    }
}
