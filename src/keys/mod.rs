//! Signature verification against the issuer's keys: OIDC discovery, JWKS fetch and cache, the
//! one HTTP policy, and the verification outcome. Uses `token` only (DESIGN.md §3).
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

pub mod alg;
mod cache;
mod discovery;
pub mod http;
pub mod jwks;
mod outcome;
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
use http::{HttpClient, HttpError};
use jwks::select;

/// Headers through which a token could offer its own key; all are ignored (RFC 8725 §3.10).
const KEY_BEARING_HEADERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];

/// A key set to use instead of discovery: a URL (fetched under the HTTP policy) or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    Url(String),
    File(PathBuf),
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
}

impl Origin {
    fn identity(&self) -> String {
        match self {
            Origin::Discovery(issuer) => issuer.clone(),
            Origin::Url(url) => url.clone(),
            Origin::File(path) => format!("file:{}", path.display()),
        }
    }
}

pub struct Keyring {
    settings: Settings,
    client: Option<HttpClient>,
    cache: Option<DiskCache>,
    /// Each source's keys, loaded at most once per run (DESIGN.md §9).
    loaded: HashMap<String, Arc<Loaded>>,
    clock: fn() -> i64,
}

fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Keyring {
    /// Fails only on unusable settings (an unreadable `--ca-cert`), before anything is fetched.
    pub fn new(settings: Settings) -> Result<Keyring, SetupError> {
        crate::install_crypto_provider();
        let client = if settings.offline {
            None
        } else {
            Some(HttpClient::new(settings.http.clone())?)
        };
        let cache = settings.cache_dir.clone().map(DiskCache::new);
        Ok(Keyring {
            settings,
            client,
            cache,
            loaded: HashMap::new(),
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
        let kid = token.kid();
        let (loaded, mut notes) = match self.keys_for(&origin, kid) {
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
    ) -> Result<(Arc<Loaded>, Vec<String>), Stop> {
        let loaded = self.load(origin, false)?;
        let mut notes = loaded.notes.clone();
        let Some(kid) = kid else {
            return Ok((loaded, notes));
        };
        if loaded.set.has_kid(kid) || matches!(origin, Origin::File(_)) || loaded.fetched_now {
            return Ok((loaded, notes));
        }
        match self.rotation_refetch(origin)? {
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
    fn load(&mut self, origin: &Origin, force: bool) -> Result<Arc<Loaded>, Stop> {
        let identity = origin.identity();
        if !force && let Some(loaded) = self.loaded.get(&identity) {
            return Ok(Arc::clone(loaded));
        }
        let loaded = match origin {
            Origin::File(path) => load_file(path)?,
            Origin::Url(_) | Origin::Discovery(_) => self.load_remote(origin, force)?,
        };
        let loaded = Arc::new(loaded);
        self.loaded.insert(identity, Arc::clone(&loaded));
        Ok(loaded)
    }

    fn load_remote(&mut self, origin: &Origin, force: bool) -> Result<Loaded, Stop> {
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
            (None, Origin::Discovery(issuer)) => match discover(client, issuer) {
                Ok(found) => found.jwks_uri,
                Err(error) => return Err(discovery_failure(error)),
            },
            (None, Origin::File(_)) => unreachable!("files are not fetched"),
        };
        let etag = entry.as_ref().and_then(|e| e.etag.as_deref());
        let fetched = client
            .get(&jwks_uri, etag)
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
                    Cause::KeySourceError,
                    format!("{jwks_uri}: the key set is not JSON ({content_type}): {e}"),
                )
            })?;
            KeySet::from_value(&document)
                .map_err(|e| Stop::new(Cause::KeySourceError, format!("{jwks_uri}: {e}")))?;
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
    fn rotation_refetch(&mut self, origin: &Origin) -> Result<Option<Arc<Loaded>>, Stop> {
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
        let loaded = self.load(origin, true)?;
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
    const MAX_FILE_BYTES: u64 = 1024 * 1024;
    let shown = path.display().to_string();
    let failure = |why: String| {
        Stop::new(
            Cause::KeySourceError,
            format!("key set file {shown}: {why}"),
        )
    };
    let metadata = std::fs::metadata(path).map_err(|e| failure(e.to_string()))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(failure(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    let bytes = std::fs::read(path).map_err(|e| failure(e.to_string()))?;
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

fn loaded_from_entry(
    entry: &CachedKeys,
    from_cache: bool,
    notes: Vec<String>,
) -> Result<Loaded, Stop> {
    let set = KeySet::from_value(&entry.jwks)
        .map_err(|e| Stop::new(Cause::KeySourceError, format!("{}: {e}", entry.jwks_uri)))?;
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
    let cause = match error {
        DiscoveryError::IssuerMismatch { .. } => Cause::DiscoveryIssuerMismatch,
        _ => Cause::KeySourceError,
    };
    Stop::new(cause, error.to_string())
}

fn key_source_failure(url: &str, error: &HttpError) -> Stop {
    let mut stop = Stop::new(
        Cause::KeySourceError,
        format!("fetching the key set failed: {error}"),
    );
    stop.key_source = Some(KeySource::Url(url.to_owned()));
    stop
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
