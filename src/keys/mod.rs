//! Signature verification against the issuer's keys: OIDC discovery, JWKS fetch and cache, the
//! one HTTP policy, and the verification outcome. Uses `token` only.
//!
//! Public face:
//! - [`Keyring`]: built from [`Settings`] once per run (or per TUI session); [`Keyring::verify`]
//!   takes a decoded [`Token`] and returns an [`Outcome`]. It fetches each source at most once
//!   per run, uses the on-disk cache, and refetches once (rate-limited) for an unknown `kid`.
//! - [`verify_with_set`]: the key selection and signature check alone, for a key set in hand.
//! - [`KeyLocation`], [`Secret`], [`HttpSettings`]: what the user can point claimcheck at.
//!
//! Keys are never taken from the token's own `jku`, `x5u`, `jwk` or `x5c` headers, and an HMAC
//! token is only ever verified with a secret the user supplied, never with a published key.

pub(crate) mod alg;
mod cache;
mod discovery;
pub(crate) mod file;
pub mod http;
pub mod jwks;
mod outcome;
mod pem;
pub mod verify;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use alg::JwsAlg;
pub use cache::{CachedKeys, DiskCache};
pub use http::{HttpSettings, SetupError};
pub use jwks::KeySet;
pub use outcome::{Cause, KeySource, Outcome, Status};

use crate::token::{Form, Token};
use cache::{ROTATION_REFETCH_INTERVAL_SECS, freshness};
use discovery::{DiscoveryError, discover};
use http::{Deadline, HttpClient, HttpError, TransportKind, http_reason};
use jwks::{MIN_RSA_BITS, select};

/// Headers through which a token could offer its own key; all are ignored (RFC 8725 §3.10).
const KEY_BEARING_HEADERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];

/// The largest key set file read (a JWKS of a few keys is a few kilobytes).
const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Header parameters registered by RFC 7515 §4.1 and, for JWS, RFC 7518 §4.1 (JWE-only names
/// such as `enc` included, as JWA registers them too): RFC 7515 §4.1.11 forbids listing them
/// in `crit`.
const REGISTERED_HEADERS: [&str; 20] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// A key set to use instead of discovery: a URL (fetched under the HTTP policy) or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    Url(String),
    File(PathBuf),
    /// A key set held in memory (the bundled demo keys): nothing is written to disk to pin it.
    /// `label` is how messages name it.
    Inline {
        label: String,
        text: String,
    },
}

impl KeyLocation {
    /// `http://` and `https://` values are URLs; anything else is a path, taken relative to
    /// `base` when given (a config file's directory).
    pub fn parse(text: &str, base: Option<&Path>) -> KeyLocation {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return KeyLocation::Url(text.to_owned());
        }
        let path = PathBuf::from(text);
        match base {
            Some(base) if path.is_relative() => KeyLocation::File(base.join(path)),
            _ => KeyLocation::File(path),
        }
    }
}

/// An issuer pinned to a key set (`--jwks-for ISSUER=URL|FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub issuer: String,
    pub location: KeyLocation,
}

/// A shared HMAC secret and the option it came from. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    pub bytes: Vec<u8>,
    pub from: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes> from {})", self.bytes.len(), self.from)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--jwks`: the key set for this token, whatever its issuer.
    pub jwks: Option<KeyLocation>,
    pub pins: Vec<Pin>,
    pub secret: Option<Secret>,
    /// Use only pins and the cache; make no request.
    pub offline: bool,
    /// Where cached key sets live; `None` disables the cache (`--no-cache`).
    pub cache_dir: Option<PathBuf>,
    pub http: HttpSettings,
}

/// Keys as loaded for one source during this run.
#[derive(Debug, Clone)]
struct Loaded {
    set: KeySet,
    source: KeySource,
    fetched_at: Option<i64>,
    from_cache: bool,
    /// Fetched by a request made in this run: a refetch for an unknown kid would not help.
    fetched_now: bool,
    notes: Vec<String>,
}

/// How a source's keys are obtained.
#[derive(Debug, Clone)]
enum Origin {
    Discovery(String),
    Url(String),
    File(PathBuf),
    Inline { label: String, text: String },
}

impl Origin {
    fn identity(&self) -> String {
        match self {
            Origin::Discovery(issuer) => issuer.clone(),
            Origin::Url(url) => url.clone(),
            Origin::File(path) => format!("file:{}", path.display()),
            Origin::Inline { label, .. } => format!("inline:{label}"),
        }
    }
}

pub struct Keyring {
    settings: Settings,
    client: Option<HttpClient>,
    cache: Option<DiskCache>,
    /// Each source's keys, loaded at most once per run.
    loaded: HashMap<String, Arc<Loaded>>,
    clock: fn() -> i64,
}

fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Keyring {
    /// Fails only on unusable settings (an unreadable `--ca-cert`, a `--jwks` file that cannot
    /// be read or is not a key set), before anything is fetched.
    pub fn new(settings: Settings) -> Result<Keyring, SetupError> {
        crate::install_crypto_provider();
        let client = if settings.offline {
            None
        } else {
            Some(HttpClient::new(settings.http.clone())?)
        };
        let cache = settings.cache_dir.clone().map(DiskCache::new);
        let mut loaded = HashMap::new();
        // `--jwks FILE` is for every token of the run: a file that cannot serve is a usage
        // error now, not a verdict about each token.
        if let Some(KeyLocation::File(path)) = &settings.jwks {
            let origin = Origin::File(path.clone());
            let keys = load_file(path).map_err(|stop| SetupError::KeyFile(stop.reason))?;
            loaded.insert(origin.identity(), Arc::new(keys));
        }
        Ok(Keyring {
            settings,
            client,
            cache,
            loaded,
            clock: system_now,
        })
    }

    /// Verifies `token`'s signature. Time claims are not judged here (see `token::time`).
    pub fn verify(&mut self, token: &Token) -> Outcome {
        let mut outcome = self.verify_inner(token);
        if outcome.alg.is_none() {
            outcome.alg = token.alg().map(str::to_owned);
        }
        let ignored: Vec<String> = KEY_BEARING_HEADERS
            .iter()
            .filter(|name| token.header().contains_key(**name))
            .map(|name| {
                format!("the token's {name} header was ignored: keys are never taken from the token itself")
            })
            .collect();
        outcome.notes.splice(0..0, ignored);
        outcome
    }

    fn verify_inner(&mut self, token: &Token) -> Outcome {
        match token.form() {
            Form::Encrypted => {
                return Outcome::new(
                    Cause::Encrypted,
                    "the token is encrypted (JWE): only the recipient's private key can open it",
                );
            }
            Form::Unsecured => return unsigned(),
            Form::Signed => {}
        }
        if let Some(stop) = critical_extensions(token) {
            return stop.into();
        }
        let Some(alg_name) = token.alg() else {
            return Outcome::new(
                Cause::UnsupportedAlgorithm,
                "the header has no alg (a string), so there is no algorithm to verify with",
            );
        };
        if alg_name == "none" {
            return unsigned();
        }
        let Some(alg) = JwsAlg::parse(alg_name) else {
            return Outcome::new(
                Cause::UnsupportedAlgorithm,
                format!("unsupported algorithm {alg_name}: claimcheck cannot verify it"),
            );
        };
        if token.signature().is_empty() {
            return Outcome::new(
                Cause::MissingSignature,
                format!("the header says {alg} but the signature segment is empty"),
            );
        }
        let signing_input = token.signing_input().as_bytes();
        if alg.is_hmac() {
            return match &self.settings.secret {
                Some(secret) => verify_hmac(alg, secret, signing_input, token.signature()),
                None => Outcome::new(
                    Cause::SecretNeeded,
                    format!(
                        "{alg} is signed with a shared secret; pass it with --secret, --secret-file or --secret-base64 (a published key never verifies HMAC)"
                    ),
                ),
            };
        }
        let origin = match self.origin_for(token) {
            Ok(origin) => origin,
            Err(stop) => return stop.into(),
        };
        // One budget for the whole verification: discovery, the key set and a rotation
        // refetch share it, so no sequence of slow answers outlasts `--timeout`.
        let deadline = Deadline::after(self.settings.http.total_timeout);
        let kid = token.kid();
        let (loaded, mut notes) = match self.keys_for(&origin, kid, &deadline) {
            Ok(found) => found,
            Err(stop) => return stop.into(),
        };
        let mut outcome = verify_with_set(
            alg,
            kid,
            signing_input,
            token.signature(),
            &loaded.set,
            &loaded.source,
        );
        // An unknown kid is definite only once the issuer's current keys were asked for; a
        // cached set that --offline kept from refreshing may predate a rotation.
        if outcome.cause == Cause::UnknownKid && loaded.from_cache && self.settings.offline {
            let mut offline = Outcome::new(
                Cause::Offline,
                format!(
                    "{}; the keys come from the cache and --offline kept them from being fetched again, so the token may use a newer key",
                    outcome.reason
                ),
            );
            offline.alg = outcome.alg.take();
            offline.kid = outcome.kid.take();
            offline.key_source = outcome.key_source.take();
            offline.notes = std::mem::take(&mut outcome.notes);
            outcome = offline;
        }
        if outcome.key_source.is_some() {
            outcome.fetched_at = loaded.fetched_at;
            outcome.from_cache = loaded.from_cache;
        }
        if outcome.status == Status::Verified
            && let Some(at) = loaded.fetched_at
        {
            outcome
                .reason
                .push_str(&fetched_phrase(at, loaded.from_cache));
        }
        notes.append(&mut outcome.notes);
        outcome.notes = notes;
        outcome
    }

    /// The keys of `origin`, refetched once when they lack the token's `kid` (key rotation).
    fn keys_for(
        &mut self,
        origin: &Origin,
        kid: Option<&str>,
        deadline: &Deadline,
    ) -> Result<(Arc<Loaded>, Vec<String>), Stop> {
        let loaded = self.load(origin, false, deadline)?;
        let mut notes = loaded.notes.clone();
        let Some(kid) = kid else {
            return Ok((loaded, notes));
        };
        if loaded.set.has_kid(kid)
            || matches!(origin, Origin::File(_) | Origin::Inline { .. })
            || loaded.fetched_now
        {
            return Ok((loaded, notes));
        }
        if self.settings.offline {
            notes.push(format!(
                "kid '{kid}' is not in the cached keys, and --offline forbids fetching them again"
            ));
            return Ok((loaded, notes));
        }
        match self.rotation_refetch(origin, deadline)? {
            Some(refetched) => {
                notes.push(format!(
                    "kid '{kid}' was not in the cached keys, so they were fetched again (key rotation)"
                ));
                Ok((refetched, notes))
            }
            None => {
                notes.push(format!(
                    "kid '{kid}' is not in the cached keys; they were already refetched for an unknown kid less than {ROTATION_REFETCH_INTERVAL_SECS} s ago"
                ));
                Ok((loaded, notes))
            }
        }
    }

    fn origin_for(&self, token: &Token) -> Result<Origin, Stop> {
        let issuer = token.issuer();
        let location = self.settings.jwks.clone().or_else(|| {
            let issuer = issuer?;
            self.settings
                .pins
                .iter()
                .find(|pin| pin.issuer == issuer)
                .map(|pin| pin.location.clone())
        });
        match (location, issuer) {
            (Some(KeyLocation::Url(url)), _) => Ok(Origin::Url(url)),
            (Some(KeyLocation::File(path)), _) => Ok(Origin::File(path)),
            (Some(KeyLocation::Inline { label, text }), _) => Ok(Origin::Inline { label, text }),
            (None, None) => Err(Stop::new(
                Cause::NoIssuer,
                "the token has no iss, so its issuer's keys cannot be found; give them with --jwks",
            )),
            (None, Some(issuer)) => {
                let is_url = reqwest::Url::parse(issuer)
                    .is_ok_and(|url| matches!(url.scheme(), "https" | "http"));
                if is_url {
                    Ok(Origin::Discovery(issuer.to_owned()))
                } else {
                    Err(Stop::new(
                        Cause::IssuerNotUrl,
                        format!(
                            "the iss \"{issuer}\" is not a URL, so its keys cannot be discovered; give them with --jwks or --jwks-for"
                        ),
                    ))
                }
            }
        }
    }

    /// The keys of `origin`: from this run's memory, the disk cache, or the network.
    fn load(
        &mut self,
        origin: &Origin,
        force: bool,
        deadline: &Deadline,
    ) -> Result<Arc<Loaded>, Stop> {
        let identity = origin.identity();
        if !force && let Some(loaded) = self.loaded.get(&identity) {
            return Ok(Arc::clone(loaded));
        }
        let loaded = match origin {
            Origin::File(path) => load_file(path)?,
            Origin::Inline { label, text } => load_inline(label, text)?,
            Origin::Url(_) | Origin::Discovery(_) => self.load_remote(origin, force, deadline)?,
        };
        let loaded = Arc::new(loaded);
        self.loaded.insert(identity, Arc::clone(&loaded));
        Ok(loaded)
    }

    fn load_remote(
        &mut self,
        origin: &Origin,
        force: bool,
        deadline: &Deadline,
    ) -> Result<Loaded, Stop> {
        let identity = origin.identity();
        let now = (self.clock)();
        let entry = self.cache.as_ref().and_then(|cache| cache.load(&identity));
        if let Some(entry) = &entry
            && (self.settings.offline || (!force && entry.is_fresh(now)))
        {
            let mut notes = Vec::new();
            if !entry.is_fresh(now) {
                notes.push(format!(
                    "the cached keys are stale (fetched {} s ago) and were used because of --offline",
                    now - entry.fetched_at
                ));
            }
            return loaded_from_entry(entry, true, notes);
        }
        let Some(client) = &self.client else {
            return Err(Stop::new(
                Cause::Offline,
                format!(
                    "offline, and no cached keys for {identity}; pin them with --jwks-for ISSUER=FILE"
                ),
            ));
        };
        let jwks_uri = match (&entry, origin) {
            (Some(entry), _) => entry.jwks_uri.clone(),
            (None, Origin::Url(url)) => url.clone(),
            (None, Origin::Discovery(issuer)) => match discover(client, issuer, deadline) {
                Ok(found) => found.jwks_uri,
                Err(error) => return Err(discovery_failure(error)),
            },
            (None, Origin::File(_) | Origin::Inline { .. }) => {
                unreachable!("files and inline key sets are not fetched")
            }
        };
        let etag = entry.as_ref().and_then(|e| e.etag.as_deref());
        let fetched = client
            .get(&jwks_uri, etag, deadline)
            .map_err(|error| key_source_failure(&jwks_uri, &error))?;
        let max_age = freshness(fetched.cache_control.as_deref());
        let rotation_refetch_at = entry.as_ref().and_then(|e| e.rotation_refetch_at);
        let jwks = if fetched.not_modified
            && let Some(entry) = &entry
        {
            entry.jwks.clone()
        } else {
            let document: Value = serde_json::from_slice(&fetched.body).map_err(|e| {
                let content_type = fetched
                    .content_type
                    .as_deref()
                    .map(|t| format!("Content-Type {t}"))
                    .unwrap_or_else(|| "no Content-Type".to_owned());
                Stop::new(
                    Cause::BadDocument,
                    format!("{jwks_uri}: the key set is not JSON ({content_type}): {e}"),
                )
            })?;
            KeySet::from_value(&document)
                .map_err(|e| Stop::new(Cause::BadDocument, format!("{jwks_uri}: {e}")))?;
            document
        };
        let fresh = CachedKeys {
            source: identity,
            jwks_uri,
            fetched_at: now,
            max_age_secs: max_age.unwrap_or(0),
            etag: fetched.etag.clone(),
            rotation_refetch_at,
            jwks,
        };
        if let (Some(cache), Some(_)) = (&self.cache, max_age) {
            let _ = cache.store(&fresh);
        }
        let mut loaded = loaded_from_entry(&fresh, false, Vec::new())?;
        loaded.fetched_now = true;
        Ok(loaded)
    }

    /// One refetch for an unknown `kid`, unless this source had one within the last minute
    /// (remembered on disk, so repeated runs cannot hammer the issuer either).
    fn rotation_refetch(
        &mut self,
        origin: &Origin,
        deadline: &Deadline,
    ) -> Result<Option<Arc<Loaded>>, Stop> {
        if self.settings.offline {
            return Ok(None);
        }
        let identity = origin.identity();
        let now = (self.clock)();
        let last = self
            .cache
            .as_ref()
            .and_then(|cache| cache.load(&identity))
            .and_then(|entry| entry.rotation_refetch_at);
        if last.is_some_and(|at| now - at < ROTATION_REFETCH_INTERVAL_SECS && now >= at) {
            return Ok(None);
        }
        let loaded = self.load(origin, true, deadline)?;
        if let Some(cache) = &self.cache
            && let Some(mut entry) = cache.load(&identity)
        {
            entry.rotation_refetch_at = Some(now);
            let _ = cache.store(&entry);
        }
        Ok(Some(loaded))
    }
}

/// " (fetched 2026-11-23T18:00:00Z, from the cache)": when the verifying keys were fetched.
fn fetched_phrase(at: i64, from_cache: bool) -> String {
    let when = chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| at.to_string());
    let cached = if from_cache { ", from the cache" } else { "" };
    format!(" (fetched {when}{cached})")
}

fn unsigned() -> Outcome {
    // Failed rather than not checked: no key or setting could make an unsigned token pass, and
    // every OIDC relying party must refuse it (RFC 8725 §3.1, OIDC Core §3.1.3.7).
    Outcome::new(
        Cause::Unsigned,
        "the token is unsigned (alg none): nothing vouches for its claims",
    )
}

fn verify_hmac(alg: JwsAlg, secret: &Secret, signing_input: &[u8], signature: &[u8]) -> Outcome {
    let source = KeySource::Secret(secret.from.clone());
    let mut outcome = if verify::verify_with_secret(alg, &secret.bytes, signing_input, signature) {
        Outcome::new(Cause::Verified, format!("{alg} with {source}"))
    } else {
        Outcome::new(
            Cause::BadSignature,
            format!("the {alg} signature does not match {source}"),
        )
    };
    outcome.alg = Some(alg.name().to_owned());
    outcome.key_source = Some(source);
    outcome
}

fn load_file(path: &Path) -> Result<Loaded, Stop> {
    let shown = path.display().to_string();
    let failure = |why: String| Stop::new(Cause::KeyFile, format!("key set file {shown}: {why}"));
    let bytes = file::read_bounded(path, MAX_KEY_FILE_BYTES).map_err(|e| failure(e.to_string()))?;
    let set = KeySet::parse(&bytes).map_err(|e| failure(e.to_string()))?;
    Ok(Loaded {
        set,
        source: KeySource::File(shown),
        fetched_at: None,
        from_cache: false,
        fetched_now: false,
        notes: Vec::new(),
    })
}

fn load_inline(label: &str, text: &str) -> Result<Loaded, Stop> {
    let set = KeySet::parse(text.as_bytes())
        .map_err(|e| Stop::new(Cause::KeyFile, format!("{label}: {e}")))?;
    Ok(Loaded {
        set,
        source: KeySource::Inline(label.to_owned()),
        fetched_at: None,
        from_cache: false,
        fetched_now: false,
        notes: Vec::new(),
    })
}

fn loaded_from_entry(
    entry: &CachedKeys,
    from_cache: bool,
    notes: Vec<String>,
) -> Result<Loaded, Stop> {
    let set = KeySet::from_value(&entry.jwks)
        .map_err(|e| Stop::new(Cause::BadDocument, format!("{}: {e}", entry.jwks_uri)))?;
    Ok(Loaded {
        set,
        source: KeySource::Url(entry.jwks_uri.clone()),
        fetched_at: Some(entry.fetched_at),
        from_cache,
        fetched_now: false,
        notes,
    })
}

fn discovery_failure(error: DiscoveryError) -> Stop {
    let cause = match &error {
        // The only definite answer discovery gives: these keys are not the token's issuer's.
        DiscoveryError::IssuerMismatch { .. } => Cause::DiscoveryIssuerMismatch,
        DiscoveryError::Http(http) => http_cause(http),
        DiscoveryError::NotJson { .. } | DiscoveryError::NoJwksUri { .. } => Cause::BadDocument,
        DiscoveryError::JwksUriRefused { .. } => Cause::Refused,
    };
    Stop::new(cause, error.to_string())
}

fn key_source_failure(url: &str, error: &HttpError) -> Stop {
    let mut stop = Stop::new(http_cause(error), http_reason(error));
    stop.key_source = Some(KeySource::Url(url.to_owned()));
    stop
}

/// Every HTTP failure stopped claimcheck from looking at the keys: none says the token is bad.
fn http_cause(error: &HttpError) -> Cause {
    match error {
        HttpError::Refused { .. } => Cause::Refused,
        HttpError::Status { .. } => Cause::HttpStatus,
        HttpError::TooLarge { .. } => Cause::TooLarge,
        HttpError::Transport { kind, .. } => match kind {
            TransportKind::Dns => Cause::Dns,
            TransportKind::Connect => Cause::Connect,
            TransportKind::Tls => Cause::Tls,
            TransportKind::Timeout => Cause::Timeout,
            TransportKind::Other => Cause::Network,
        },
    }
}

/// RFC 7515 §4.1.11: `crit` must be a non-empty array of header names, none of them registered
/// by JWS or JWA, each present in the header, and each understood by the verifier, or the JWS
/// is invalid. The one extension claimcheck understands is `b64` (RFC 7797 §3): `true` changes
/// nothing, `false` (an unencoded payload) is one it does not verify.
fn critical_extensions(token: &Token) -> Option<Stop> {
    let header = token.header();
    let crit = header.get("crit")?;
    let reject = |why: String| {
        Some(Stop::new(
            Cause::CriticalHeader,
            format!("{why}; RFC 7515 §4.1.11 requires rejecting the token"),
        ))
    };
    let Some(names) = crit.as_array() else {
        return reject("the crit header is not an array".to_owned());
    };
    if names.is_empty() {
        return reject(
            "the crit header is an empty list, which producers must not send".to_owned(),
        );
    }
    let mut unencoded = false;
    for name in names {
        let Some(name) = name.as_str() else {
            return reject(format!("the crit header lists {name}, which is not a name"));
        };
        if REGISTERED_HEADERS.contains(&name) {
            return reject(format!(
                "the crit header lists \"{name}\", a header parameter of JWS itself, which must not be listed"
            ));
        }
        let Some(value) = header.get(name) else {
            return reject(format!(
                "the crit header lists \"{name}\", which the header does not have"
            ));
        };
        if name != "b64" {
            return reject(format!(
                "the crit header lists the extension \"{name}\", which claimcheck does not understand"
            ));
        }
        match value.as_bool() {
            Some(true) => {}
            Some(false) => unencoded = true,
            None => return reject(format!("b64 is {value}, not a boolean (RFC 7797 §3)")),
        }
    }
    unencoded.then(|| {
        Stop::new(
            Cause::UnencodedPayload,
            "the payload is not base64url-encoded (b64: false, RFC 7797); claimcheck does not verify unencoded payloads",
        )
    })
}

/// Why verification stopped before a signature was checked; becomes the [`Outcome`].
#[derive(Debug)]
struct Stop {
    cause: Cause,
    reason: String,
    key_source: Option<KeySource>,
}

impl Stop {
    fn new(cause: Cause, reason: impl Into<String>) -> Stop {
        Stop {
            cause,
            reason: reason.into(),
            key_source: None,
        }
    }
}

impl From<Stop> for Outcome {
    fn from(stop: Stop) -> Outcome {
        let mut outcome = Outcome::new(stop.cause, stop.reason);
        outcome.key_source = stop.key_source;
        outcome
    }
}

/// Selects keys for `alg`/`kid` in `set` and checks the signature with each candidate until one
/// verifies. Never verifies HMAC (that needs the user's secret).
pub fn verify_with_set(
    alg: JwsAlg,
    kid: Option<&str>,
    signing_input: &[u8],
    signature: &[u8],
    set: &KeySet,
    source: &KeySource,
) -> Outcome {
    let finish = |mut outcome: Outcome, notes: Vec<String>, kid: Option<String>| {
        outcome.alg = Some(alg.name().to_owned());
        outcome.kid = kid;
        outcome.key_source = Some(source.clone());
        outcome.notes = notes;
        outcome
    };
    if alg.is_hmac() {
        return finish(
            Outcome::new(
                Cause::SecretNeeded,
                format!(
                    "{alg} needs the shared secret; keys from {source} are never used for HMAC"
                ),
            ),
            Vec::new(),
            kid.map(str::to_owned),
        );
    }
    let selection = select(set, alg, kid);
    for (index, jwk, key) in &selection.candidates {
        if verify::verify_with_key(alg, key, signing_input, signature) {
            let label = jwk.label(*index);
            let mut notes = selection.notes.clone();
            if let Some(kid) = kid
                && selection.kidless_fallback
            {
                notes.push(format!(
                    "no key has the token's kid '{kid}'; key {label}, which has no kid, verified"
                ));
            } else if kid.is_none() && selection.candidates.len() > 1 {
                notes.push(format!(
                    "the token has no kid; {} keys fit {alg} and key {label} verified",
                    selection.candidates.len()
                ));
            }
            return finish(
                Outcome::new(
                    Cause::Verified,
                    format!("{alg} with key {label} from {source}"),
                ),
                notes,
                jwk.kid.clone(),
            );
        }
    }
    let kids = || {
        let kids = set.kids();
        if kids.is_empty() {
            "it has no keys with a kid".to_owned()
        } else {
            format!(
                "it has {}",
                kids.iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let outcome = match (kid, selection.candidates.len()) {
        (Some(kid), 0) if selection.considered == 0 => Outcome::new(
            Cause::UnknownKid,
            format!("no key with kid '{kid}' in {source} ({})", kids()),
        ),
        (_, 0) if !selection.too_small.is_empty() => {
            let bits = selection.too_small[0];
            Outcome::new(
                Cause::KeyTooSmall,
                format!(
                    "key too small: {bits}-bit RSA, minimum {MIN_RSA_BITS} (RFC 7518 §3.3); verifiers refuse it"
                ),
            )
        }
        (_, 0) if selection.considered > 0 && selection.unsupported == selection.considered => {
            Outcome::new(
                Cause::UnsupportedKey,
                format!(
                    "the only keys that could verify this {alg} token are of a kind claimcheck cannot use"
                ),
            )
        }
        (Some(kid), 0) if selection.kidless_fallback => Outcome::new(
            Cause::UnknownKid,
            format!(
                "no key with kid '{kid}' in {source} ({}), and none of its keys without a kid fits {alg}",
                kids()
            ),
        ),
        (Some(kid), tried) if selection.kidless_fallback => Outcome::new(
            Cause::UnknownKid,
            format!(
                "no key with kid '{kid}' in {source} ({}), and none of the {tried} keys without a kid verifies the signature",
                kids()
            ),
        ),
        (Some(kid), 0) => Outcome::new(
            Cause::KeyMismatch,
            format!("the key with kid '{kid}' in {source} cannot verify {alg} (see the notes)"),
        ),
        (None, 0) => Outcome::new(
            Cause::NoSuitableKey,
            format!("the token has no kid and no key in {source} fits {alg}"),
        ),
        (Some(kid), _) => Outcome::new(
            Cause::BadSignature,
            format!(
                "the signature does not verify with key '{kid}' from {source}: the token was altered or signed by another key"
            ),
        ),
        (None, tried) => Outcome::new(
            Cause::BadSignature,
            format!(
                "the token has no kid, and none of the {tried} keys for {alg} in {source} verifies the signature"
            ),
        ),
    };
    finish(outcome, selection.notes, kid.map(str::to_owned))
}
