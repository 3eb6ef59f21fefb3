//! The one HTTP policy for discovery and key sets: https only, except loopback
//! hosts; at most three redirects, each to https; connect and total timeouts; a size cap; a
//! clear User-Agent; the system trust store plus `SSL_CERT_FILE` and `--ca-cert`; proxies from
//! the environment. Every URL is checked before anything connects to it.

use std::error::Error as _;
use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::blocking::Client;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::redirect;

pub const USER_AGENT: &str = concat!(
    "claimcheck/",
    env!("CARGO_PKG_VERSION"),
    " (OIDC discovery and JWKS fetch)"
);

const MAX_REDIRECTS: usize = 3;
/// A CA bundle (the whole Mozilla set is about 220 KB) fits well within this.
const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_body_bytes: u64,
    /// Extra trust anchors (PEM) added to the system's, for corporate CAs.
    pub ca_cert: Option<PathBuf>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            max_body_bytes: 1024 * 1024,
            ca_cert: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpError {
    #[error("{url}: refused: {why}")]
    Refused { url: String, why: String },
    #[error("{url}: {cause}")]
    Transport {
        url: String,
        kind: TransportKind,
        cause: String,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the response is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
}

/// What stopped a request before an HTTP answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Dns,
    Connect,
    Tls,
    /// The request's share of the time budget ran out (connecting, waiting or reading).
    Timeout,
    Other,
}

/// The moment a whole verification (every request it makes) must be over by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// What is left, or `None` once it has passed.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
    }

    fn expired(&self, url: &str) -> HttpError {
        HttpError::Transport {
            url: url.to_owned(),
            kind: TransportKind::Timeout,
            cause: format!(
                "timed out: the {} s allowed (--timeout) ran out",
                trim_seconds(self.budget)
            ),
        }
    }
}

fn trim_seconds(duration: Duration) -> String {
    let text = format!("{:.3}", duration.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot read the CA certificate file {path}: {source}")]
    ReadCa {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the CA certificate file {path} holds no usable PEM certificate: {cause}")]
    BadCa { path: PathBuf, cause: String },
    #[error("{0}")]
    KeyFile(String),
}

/// A successful response, body read within the cap.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// 304 Not Modified: the body is empty and the cached copy stands.
    pub not_modified: bool,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub etag: Option<String>,
    pub final_url: String,
}

/// An answer of any status, body read within the cap ([`HttpClient::get_authorized`]).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    /// May hold a token: never log it.
    pub body: Vec<u8>,
    pub final_url: String,
}

/// Whether `host` names this machine: 127.0.0.0/8, ::1 or `localhost` (RFC 6761 §6.3).
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let lower = bare.trim_end_matches('.').to_ascii_lowercase();
    lower == "localhost" || lower.ends_with(".localhost")
}

/// The policy for a URL we are about to request: https, or http to a loopback host.
pub fn check_url(text: &str) -> Result<Url, HttpError> {
    let refused = |why: &str| HttpError::Refused {
        url: text.to_owned(),
        why: why.to_owned(),
    };
    let url = Url::parse(text).map_err(|e| refused(&format!("not a URL ({e})")))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&host) => Ok(url),
        "http" => Err(refused(&format!(
            "plain http to {host}, which is not a loopback host; keys are fetched over https only"
        ))),
        other => Err(refused(&format!("the scheme {other} is not https"))),
    }
}

fn redirect_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        if attempt.url().scheme() != "https" {
            let to = attempt.url().to_string();
            return attempt.error(format!(
                "redirect to {to} refused: redirects must go to https"
            ));
        }
        attempt.follow()
    })
}

/// Two clients: one honouring proxy settings for the world, one direct for loopback hosts
/// (a proxy cannot reach this machine's loopback interface anyway).
pub struct HttpClient {
    settings: HttpSettings,
    certs: Vec<reqwest::Certificate>,
    // Built on first use: each loads the system's ~300 CA certificates, which a run that only
    // reads local keys (or the cache) never needs. A build failure is kept and reported by
    // every request that would have used the client.
    proxied: OnceLock<Result<Client, String>>,
    direct: OnceLock<Result<Client, String>>,
}

impl HttpClient {
    pub fn new(settings: HttpSettings) -> Result<HttpClient, SetupError> {
        let mut certs = Vec::new();
        if let Some(path) = &settings.ca_cert {
            let pem = super::file::read_bounded(path, MAX_CA_FILE_BYTES).map_err(|source| {
                SetupError::ReadCa {
                    path: path.clone(),
                    source,
                }
            })?;
            certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| SetupError::BadCa {
                path: path.clone(),
                cause: cause_chain(&e),
            })?;
            if certs.is_empty() {
                return Err(SetupError::BadCa {
                    path: path.clone(),
                    cause: "no CERTIFICATE block".to_owned(),
                });
            }
        }
        Ok(HttpClient {
            settings,
            certs,
            proxied: OnceLock::new(),
            direct: OnceLock::new(),
        })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// The client for `url`: direct to loopback hosts, through the proxy settings otherwise.
    fn client_for(&self, url: &Url) -> Result<&Client, HttpError> {
        let direct = is_loopback_host(url.host_str().unwrap_or_default());
        let cell = if direct { &self.direct } else { &self.proxied };
        let built = cell.get_or_init(|| {
            let mut builder = Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(self.settings.connect_timeout)
                .timeout(self.settings.total_timeout)
                .redirect(redirect_policy())
                .tls_certs_merge(self.certs.clone());
            if direct {
                builder = builder.no_proxy();
            }
            builder.build().map_err(|e| cause_chain(&e))
        });
        built.as_ref().map_err(|cause| HttpError::Transport {
            url: url.to_string(),
            kind: TransportKind::Other,
            cause: format!("cannot set up an HTTP client: {cause}"),
        })
    }

    /// GET `url` with `Authorization: Bearer <bearer>` under the same policy, for a token
    /// endpoint (`claimcheck fetch --from github`). The answer comes back whatever its status,
    /// because an endpoint explains a refusal in its body. reqwest drops the credential when a
    /// redirect leaves the host.
    pub fn get_authorized(
        &self,
        url: &str,
        bearer: &str,
        user_agent: &str,
    ) -> Result<Answer, HttpError> {
        let deadline = Deadline::after(self.settings.total_timeout);
        let parsed = check_url(url)?;
        let remaining = deadline.remaining().ok_or_else(|| deadline.expired(url))?;
        let response = self
            .client_for(&parsed)?
            .get(parsed)
            .timeout(remaining)
            .bearer_auth(bearer)
            .header(reqwest::header::USER_AGENT, user_agent)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .map_err(|e| transport_error(url, &e, &deadline))?;
        let final_url = response.url().to_string();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = self.read_body(response, &final_url, &deadline)?;
        Ok(Answer {
            status,
            content_type,
            body,
            final_url,
        })
    }

    /// Reads a body within `max_body_bytes` and before `deadline`. reqwest's blocking reader
    /// applies its timeout to each read, so a server dripping a byte a second would otherwise
    /// keep us for as long as it liked; the request's own timeout and the check between reads
    /// bound the whole body.
    fn read_body(
        &self,
        mut response: reqwest::blocking::Response,
        final_url: &str,
        deadline: &Deadline,
    ) -> Result<Vec<u8>, HttpError> {
        let limit = self.settings.max_body_bytes;
        let too_large = || HttpError::TooLarge {
            url: final_url.to_owned(),
            limit,
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if deadline.remaining().is_none() {
                return Err(deadline.expired(final_url));
            }
            let read = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The request's timeout is what is left of the budget, so its expiry is
                    // the budget running out, even if it fires a hair before our own clock.
                    let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                        || e.get_ref()
                            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                            .is_some_and(reqwest::Error::is_timeout);
                    if timed_out || deadline.remaining().is_none() {
                        return Err(deadline.expired(final_url));
                    }
                    return Err(HttpError::Transport {
                        url: final_url.to_owned(),
                        kind: TransportKind::Other,
                        cause: io_cause_chain(&e),
                    });
                }
            };
            body.extend_from_slice(&chunk[..read]);
            if body.len() as u64 > limit {
                return Err(too_large());
            }
        }
        Ok(body)
    }

    /// GET `url` under the policy; `etag` makes it a conditional request. The request gets
    /// what is left before `deadline`, so discovery and the key set share one budget.
    pub fn get(
        &self,
        url: &str,
        etag: Option<&str>,
        deadline: &Deadline,
    ) -> Result<Fetched, HttpError> {
        let parsed = check_url(url)?;
        let remaining = deadline.remaining().ok_or_else(|| deadline.expired(url))?;
        let client = self.client_for(&parsed)?;
        let mut request = client.get(parsed).timeout(remaining).header(
            reqwest::header::ACCEPT,
            "application/json, application/jwk-set+json;q=0.9, */*;q=0.1",
        );
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = request
            .send()
            .map_err(|e| transport_error(url, &e, deadline))?;
        let final_url = response.url().to_string();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let cache_control = header(CACHE_CONTROL);
        let new_etag = header(ETAG);
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && etag.is_some() {
            return Ok(Fetched {
                not_modified: true,
                body: Vec::new(),
                content_type,
                cache_control,
                etag: new_etag.or_else(|| etag.map(str::to_owned)),
                final_url,
            });
        }
        if !status.is_success() {
            return Err(HttpError::Status {
                url: final_url,
                status: status.as_u16(),
            });
        }
        let body = self.read_body(response, &final_url, deadline)?;
        Ok(Fetched {
            not_modified: false,
            body,
            content_type,
            cache_control,
            etag: new_etag,
            final_url,
        })
    }
}

/// The sentence a failed request becomes in a signature's reason: "could not reach …" for a
/// request that got no answer, the status for one that did.
pub fn http_reason(error: &HttpError) -> String {
    match error {
        HttpError::Transport { url, cause, .. } => format!("could not reach {url}: {cause}"),
        HttpError::Status { url, status } => format!("{url} answered HTTP {status}"),
        HttpError::TooLarge { .. } | HttpError::Refused { .. } => error.to_string(),
    }
}

/// A failed request as an [`HttpError`]: a redirect the policy refused is a refusal; anything
/// else is a transport failure of the kind the error chain shows.
fn transport_error(url: &str, error: &reqwest::Error, deadline: &Deadline) -> HttpError {
    let cause = cause_chain(error);
    if error.is_redirect() {
        return HttpError::Refused {
            url: url.to_owned(),
            why: cause,
        };
    }
    let kind = if error.is_timeout() || deadline.remaining().is_none() {
        TransportKind::Timeout
    } else {
        transport_kind(error)
    };
    // "could not connect: client error (Connect): dns error: …" says the same thing three
    // times; the lookup failure is the whole story.
    let cause = match cause.find("dns error") {
        Some(start) if kind == TransportKind::Dns => cause[start..].to_owned(),
        _ => cause,
    };
    HttpError::Transport {
        url: url.to_owned(),
        kind,
        cause,
    }
}

/// DNS, TLS or connection failure, from the error chain: hyper-util reports a failed lookup as
/// "dns error", and rustls' handshake failures arrive as `io::Error`s of kind `InvalidData`
/// (tokio-rustls) carrying a `rustls::Error`.
fn transport_kind(error: &reqwest::Error) -> TransportKind {
    let mut source = error.source();
    let mut kind = None;
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.starts_with("dns error") {
            return TransportKind::Dns;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::InvalidData
        {
            kind = Some(TransportKind::Tls);
        }
        if text.contains("certificate") || text.contains("handshake") {
            kind = Some(TransportKind::Tls);
        }
        source = cause.source();
    }
    kind.unwrap_or(if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    })
}

/// "error sending request for url (…)" says nothing; the useful part is at the end of the
/// chain (`invalid peer certificate: UnknownIssuer`, `operation timed out`). Keep the top
/// message only when nothing more specific exists, and drop repeats.
pub fn cause_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    let kind = if error.is_timeout() {
        Some("timed out")
    } else if error.is_connect() {
        Some("could not connect")
    } else if error.is_redirect() {
        Some("redirect refused")
    } else {
        None
    };
    let mut top = error.to_string();
    if let Some(url) = error.url() {
        top = top.replace(&format!(" for url ({url})"), "");
    }
    let mut message = kind.map(str::to_owned).unwrap_or(top);
    for part in parts {
        if !message.contains(&part) {
            message.push_str(": ");
            message.push_str(&part);
        }
    }
    message
}

fn io_cause_chain(error: &std::io::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    if error.kind() == std::io::ErrorKind::TimedOut && !message.contains("timed out") {
        message.insert_str(0, "timed out: ");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "::1",
            "localhost",
            "LOCALHOST.",
            "a.localhost",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "128.0.0.1",
            "10.0.0.1",
            "localhost.example.com",
            "example.com",
            "[::2]",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn url_policy_allows_https_and_loopback_http_only() {
        assert!(check_url("https://token.actions.githubusercontent.com/.well-known/jwks").is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(check_url("http://[::1]/jwks").is_ok());
        let refused = check_url("http://example.com/jwks").unwrap_err();
        assert!(
            refused.to_string().contains("not a loopback host"),
            "{refused}"
        );
        assert!(
            check_url("ftp://example.com/jwks")
                .unwrap_err()
                .to_string()
                .contains("ftp")
        );
        assert!(
            check_url("joe")
                .unwrap_err()
                .to_string()
                .contains("not a URL")
        );
    }
}
