//! Explaining the error a service printed when it refused a token: AWS STS, Entra, GCP STS and
//! IAM, Vault's JWT auth, the Kubernetes API server, and the CI actions that wrap them
//! (aws-actions/configure-aws-credentials, Azure/login, google-github-actions/auth,
//! hashicorp/vault-action). Pure: text in, findings out; no I/O, no clock.
//!
//! The input may be one message or a whole CI log (ANSI colours, timestamps, `##[error]`
//! markers, JSON-escaped quotes): each line is cleaned and matched against the catalogue
//! ([`catalogue::RECOGNISERS`], docs/SEMANTICS.md §11). The work is bounded (§7 of
//! docs/ARCHITECTURE.md): at most [`Limits::max_bytes`] of input, each line cut to
//! [`Limits::max_line_chars`], and the regular expressions run in linear time.
//!
//! With rules loaded, [`matching_verdict`] finds the verdict an error came from (an
//! AccessDenied for role X and the verdict of role X's trust policy).

mod catalogue;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::Serialize;

use crate::token::extract::log_lines;
use crate::token::sanitize::escape_controls;
use crate::trust::{Outcome, Verdict};

/// The system whose error a finding explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    Aws,
    Entra,
    Gcp,
    Vault,
    Kubernetes,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Aws => "AWS STS",
            System::Entra => "Microsoft Entra",
            System::Gcp => "Google Cloud",
            System::Vault => "Vault JWT auth",
            System::Kubernetes => "Kubernetes API server",
        }
    }

    /// The trust rule kind (`--rules KIND:FILE`) whose verdicts this system's errors come from.
    pub fn rule_kind(self) -> &'static str {
        match self {
            System::Aws => "aws",
            System::Entra => "entra",
            System::Gcp => "gcp",
            System::Vault => "vault",
            System::Kubernetes => "kubernetes",
        }
    }
}

/// The bounds on the work done for one input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Input beyond this many bytes is not read (the rest of a huge log is ignored, and the
    /// explanation says so).
    pub max_bytes: usize,
    /// A longer line is cut to this many characters before matching.
    pub max_line_chars: usize,
    /// At most this many distinct findings are kept.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_line_chars: 4096,
            max_findings: 20,
        }
    }
}

/// Values a message (or the log around it) names: `iss`, `aud`, `sub`, `claim`, `role`,
/// `role_arn`, `provider`, `service_account`, `expected`, `got`, `expr`, `msg`…
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Named(BTreeMap<String, String>);

impl Named {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn insert(&mut self, key: &str, value: &str) {
        let value = value.trim().trim_matches(['\'', '"', '`']);
        if !value.is_empty() {
            self.0.insert(key.to_owned(), value.to_owned());
        }
    }

    /// The role name of `role_arn` (`arn:aws:iam::ACCOUNT:role/PATH/NAME` → NAME).
    pub fn role_name(&self) -> Option<&str> {
        self.get("role_arn")?.rsplit('/').next()
    }

    /// The account of `role_arn`.
    pub fn account(&self) -> Option<&str> {
        self.get("role_arn")?.split(':').nth(4)
    }

    /// `(project number, pool, provider)` of `provider`.
    pub fn gcp_provider_parts(&self) -> Option<(String, String, String)> {
        let parts: Vec<&str> = self.get("provider")?.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                _,
                "workloadIdentityPools",
                pool,
                "providers",
                provider,
            ] => Some((
                (*project).to_owned(),
                (*pool).to_owned(),
                (*provider).to_owned(),
            )),
            _ => None,
        }
    }
}

/// One recognised error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `aws.access_denied`.
    pub id: &'static str,
    pub system: System,
    pub title: &'static str,
    /// The first line (1-based) of the input where it was found.
    pub line: usize,
    /// How many lines carried the same error (a CI action retries).
    pub occurrences: usize,
    /// The matched line, cleaned, escaped and cut short.
    pub message: String,
    /// The CI action (or client) whose wording wraps the message, when recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapper: Option<&'static str>,
    pub step: &'static str,
    pub look_at: &'static str,
    pub causes: Vec<&'static str>,
    pub next: Vec<String>,
    /// What the message and the log named (role ARN, audience, subject…).
    pub named: Named,
    pub source: &'static str,
}

/// Everything recognised in one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub findings: Vec<Finding>,
    /// Lines read.
    pub lines: usize,
    /// The input was longer than [`Limits::max_bytes`], or had more distinct errors than
    /// [`Limits::max_findings`]; the rest was not searched or not kept.
    pub truncated: bool,
}

impl Explanation {
    pub fn recognised(&self) -> bool {
        !self.findings.is_empty()
    }
}

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
    context: Vec<(&'static str, Regex)>,
    wrappers: Vec<(&'static str, Regex)>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns: Vec<&str> = catalogue::RECOGNISERS.iter().map(|r| r.pattern).collect();
    let context = [
        // `role-to-assume:` input or any role ARN in the log (the AWS error never names it).
        ("role_arn", r"(arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+)"),
        (
            "provider",
            r"(projects/\d+/locations/global/workloadIdentityPools/[\w-]+/providers/[\w-]+)",
        ),
        (
            "service_account",
            r"([\w.-]+@[\w-]+\.iam\.gserviceaccount\.com)",
        ),
        ("client_id", r"client-id:\s*([0-9a-fA-F-]{36})\b"),
        ("mount", r"\bauth/([\w-]+)/login\b"),
        (
            "aud",
            r"(?:\baudience:|jwtGithubAudience:|\baudience -)\s*([^\s*'`]+)",
        ),
        ("iss", r"\bissuer -\s*(https://\S+)"),
        ("sub", r"\bsubject claim -\s*(\S+)"),
        ("role", r"^\s*role:\s*([\w.-]+)\s*$"),
    ];
    let wrappers = [
        (
            "aws-actions/configure-aws-credentials",
            r"Could not assume role with OIDC|Credentials could not be loaded",
        ),
        (
            "Azure/login",
            r"Login failed with Error|Azure/login|az login",
        ),
        ("google-github-actions/auth", r"google-github-actions/auth"),
        ("hashicorp/vault-action", r"failed to retrieve vault token"),
        ("kubectl", r"You must be logged in to the server"),
        ("AWS CLI", r"An error occurred \(\w+\) when calling the"),
    ];
    Compiled {
        set: RegexSet::new(&patterns).expect("the catalogue's patterns compile"),
        each: patterns
            .iter()
            .map(|p| Regex::new(p).expect("the catalogue's patterns compile"))
            .collect(),
        context: context
            .into_iter()
            .map(|(k, p)| (k, Regex::new(p).expect("context patterns compile")))
            .collect(),
        wrappers: wrappers
            .into_iter()
            .map(|(k, p)| (k, Regex::new(p).expect("wrapper patterns compile")))
            .collect(),
    }
});

/// Searches `text` (one message or a whole log) for the errors claimcheck knows.
pub fn explain(text: &str, limits: &Limits) -> Explanation {
    let compiled = &*COMPILED;
    let (text, mut truncated) = cut(text, limits.max_bytes);
    let mut context = Named::default();
    let mut findings: Vec<Finding> = Vec::new();
    let mut previous = String::new();
    let mut last_found: Option<usize> = None;
    let mut lines = 0;
    for (index, line) in log_lines(text).enumerate() {
        lines = index + 1;
        let cleaned = clean_line(line, limits.max_line_chars);
        for (key, pattern) in &compiled.context {
            if context.get(key).is_none()
                && let Some(value) = pattern.captures(&cleaned).and_then(|c| c.get(1))
            {
                context.insert(key, value.as_str());
            }
        }
        // A wrapper may also follow the error (Azure/login prints "Login failed with Error"
        // after az's AADSTS line).
        if let Some(at) = last_found
            && at + 1 == lines
            && let Some(finding) = findings.last_mut().filter(|f| f.wrapper.is_none())
        {
            finding.wrapper = compiled
                .wrappers
                .iter()
                .find(|(_, p)| p.is_match(&cleaned))
                .map(|(name, _)| *name);
        }
        if let Some(which) = compiled.set.matches(&cleaned).iter().next() {
            last_found = Some(lines);
            let recogniser = &catalogue::RECOGNISERS[which];
            let mut named = Named::default();
            let mut at = 0;
            if let Some(captures) = compiled.each[which].captures(&cleaned) {
                at = captures.get(0).map_or(0, |m| m.start());
                for name in compiled.each[which].capture_names().flatten() {
                    if let Some(value) = captures.name(name) {
                        named.insert(name, value.as_str());
                    }
                }
            }
            let wrapper = compiled
                .wrappers
                .iter()
                .find(|(_, p)| p.is_match(&cleaned) || p.is_match(&previous))
                .map(|(name, _)| *name);
            // The same error again (a CI action retries) is counted, not repeated.
            if let Some(existing) = findings
                .iter_mut()
                .find(|f| f.id == recogniser.id && f.named == named)
            {
                existing.occurrences += 1;
                if existing.wrapper.is_none() {
                    existing.wrapper = wrapper;
                }
            } else if findings.len() >= limits.max_findings {
                truncated = true;
            } else {
                findings.push(Finding {
                    id: recogniser.id,
                    system: recogniser.system,
                    title: recogniser.title,
                    line: lines,
                    occurrences: 1,
                    message: shown(&cleaned, at),
                    wrapper,
                    step: recogniser.step,
                    look_at: recogniser.look_at,
                    causes: recogniser.causes.to_vec(),
                    next: Vec::new(),
                    named,
                    source: recogniser.source,
                });
            }
        }
        previous = cleaned;
    }
    // What the log names anywhere (the role ARN of `role-to-assume:`, printed before or after
    // the error) fills what the message itself does not say.
    for finding in &mut findings {
        for (key, value) in context.iter() {
            if finding.named.get(key).is_none() {
                finding.named.insert(key, value);
            }
        }
        let recogniser = catalogue::RECOGNISERS
            .iter()
            .find(|r| r.id == finding.id)
            .expect("findings come from the catalogue");
        finding.next = (recogniser.next)(&finding.named);
    }
    // The generic wrapper findings ("Could not assume role with OIDC: …") are dropped when a
    // specific finding of the same system explains the same failure.
    let specific: Vec<System> = findings
        .iter()
        .filter(|f| !is_generic(f.id))
        .map(|f| f.system)
        .collect();
    findings.retain(|f| !is_generic(f.id) || !specific.contains(&f.system));
    Explanation {
        findings,
        lines,
        truncated,
    }
}

fn is_generic(id: &str) -> bool {
    matches!(
        id,
        "aws.action_failed"
            | "aws.invalid_identity_token"
            | "gcp.action_failed"
            | "gcp.invalid_grant"
            | "vault.action_failed"
            | "vault.error_validating"
            | "entra.federation_other"
            | "kubernetes.unauthorized"
    )
}

/// What the explanation knows, one line per message, for "not recognised".
pub fn known() -> Vec<(System, &'static str)> {
    catalogue::RECOGNISERS
        .iter()
        .map(|r| (r.system, r.title))
        .collect()
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// One log line as matching sees it: ANSI escape sequences removed, the GitHub Actions
/// timestamp and `##[error]` markers dropped, JSON-escaped quotes unescaped, cut to `max_chars`.
pub fn clean_line(line: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(line.len().min(max_chars * 4));
    let mut chars = line.chars().peekable();
    let mut kept = 0;
    while let Some(c) = chars.next() {
        if kept >= max_chars {
            break;
        }
        if c == '\u{1b}' {
            match chars.next() {
                // CSI: parameters and intermediates up to a final byte in @..~.
                Some('[') => {
                    for next in chars.by_ref() {
                        if ('@'..='~').contains(&next) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL or ESC \.
                Some(']') => {
                    while let Some(next) = chars.next() {
                        if next == '\u{7}' {
                            break;
                        }
                        if next == '\u{1b}' {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if c == '\\' && chars.peek() == Some(&'"') {
            continue;
        }
        if c == '\r' {
            continue;
        }
        out.push(c);
        kept += 1;
    }
    let mut rest = out.trim_start();
    if let Some(after) = strip_timestamp(rest) {
        rest = after.trim_start();
    }
    for marker in ["##[error]", "##[warning]", "##[notice]", "##[debug]"] {
        if let Some(after) = rest.strip_prefix(marker) {
            rest = after.trim_start();
        }
    }
    rest.trim_end().to_owned()
}

/// `2026-01-02T03:04:05.1234567Z ` as GitHub Actions prefixes every log line.
fn strip_timestamp(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if bytes.len() < shape.len() {
        return None;
    }
    for (b, s) in bytes.iter().zip(shape) {
        let ok = match s {
            b'd' => b.is_ascii_digit(),
            other => b == other,
        };
        if !ok {
            return None;
        }
    }
    let rest = &line[shape.len()..];
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    Some(rest.strip_prefix('Z').unwrap_or(rest))
}

/// The message as shown: escaped, and cut to 300 characters around where the recognised text
/// starts (`at`, a byte offset), so that a long wrapper line still shows the service's words.
fn shown(message: &str, at: usize) -> String {
    const SHOWN: usize = 300;
    const BEFORE: usize = 100;
    let skip = message[..at].chars().count().saturating_sub(BEFORE);
    let mut text = String::new();
    if skip > 0 {
        text.push('…');
    }
    text.extend(message.chars().skip(skip).take(SHOWN));
    if message.chars().count() > skip + SHOWN {
        text.push('…');
    }
    escape_controls(&text).into_owned()
}

/// A finding linked to the verdict of the rule it came from, for one token of the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// The line of the input the token was found on (0 when it was not in the input).
    pub token_line: usize,
    pub agreement: Agreement,
    pub verdict: Verdict,
}

/// The lines that show a link under its finding.
pub fn render_link(link: &Link) -> Vec<String> {
    let token = if link.token_line > 0 {
        format!("the token on line {}", link.token_line)
    } else {
        "the token".to_owned()
    };
    let rule = &link.verdict.rule;
    let mut name = format!("{} {}", rule.kind.name(), rule.name);
    if let Some(file) = &rule.file {
        name.push_str(&format!(" ({file})"));
    }
    let mut out = vec![format!(
        "  verdict for {token}: {} {} {}: {}",
        link.verdict.outcome.glyph(),
        link.verdict.outcome.word(),
        escape_controls(&name),
        escape_controls(&link.verdict.summary)
    )];
    if let Some(failed) = failed_check(&link.verdict) {
        out.push(format!("    failed: {failed}"));
    }
    out.push(format!("    {}", link.agreement.explain()));
    out
}

/// The explanation as text, the same for `claimcheck explain` and the view's Explain panel.
pub fn render(explanation: &Explanation) -> Vec<String> {
    render_with(explanation, &[])
}

/// The explanation as text with each finding's link (`links[i]` for finding `i`) under it.
pub fn render_with(explanation: &Explanation, links: &[Option<Link>]) -> Vec<String> {
    let mut out = Vec::new();
    if explanation.findings.is_empty() {
        out.push("not recognised: no error claimcheck knows is in this text.".to_owned());
        out.push("It knows these messages (and the CI actions' wording around them):".to_owned());
        let mut last = None;
        for (system, title) in known() {
            if last != Some(system) {
                out.push(format!("  {}:", system.name()));
                last = Some(system);
            }
            out.push(format!("    - {title}"));
        }
        return out;
    }
    for (index, finding) in explanation.findings.iter().enumerate() {
        if index > 0 {
            out.push(String::new());
        }
        out.push(format!("{}: {}", finding.system.name(), finding.title));
        let mut at = format!("  line {}", finding.line);
        if finding.occurrences > 1 {
            at.push_str(&format!(" ({} times)", finding.occurrences));
        }
        if let Some(wrapper) = finding.wrapper {
            at.push_str(&format!(", printed by {wrapper}"));
        }
        out.push(format!("{at}: {}", finding.message));
        if let Some(Some(link)) = links.get(index) {
            out.extend(render_link(link));
        }
        out.push(format!("  refused by: {}", finding.step));
        out.push(format!("  look at:    {}", finding.look_at));
        let named: Vec<String> = finding
            .named
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_controls(v)))
            .collect();
        if !named.is_empty() {
            out.push(format!("  named:      {}", named.join(", ")));
        }
        out.push("  usual causes, most likely first:".to_owned());
        for (n, cause) in finding.causes.iter().enumerate() {
            out.push(format!("    {}. {cause}", n + 1));
        }
        out.push("  next:".to_owned());
        for command in &finding.next {
            out.push(format!("    {command}"));
        }
        out.push(format!("  source: {}", finding.source));
    }
    if explanation.truncated {
        out.push(String::new());
        out.push(
            "(the input was longer than the limit, or had more errors than are kept: the rest was not searched)"
                .to_owned(),
        );
    }
    out
}

/// Whether claimcheck's verdict agrees with the service's refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// The rule refuses the token too: its failed check is the likely reason.
    Agrees,
    /// claimcheck allows the token under this rule while the service refused it.
    Allowed,
    /// The rule is for another issuer or provider.
    NotApplicable,
    /// The rule could not be evaluated.
    Error,
}

impl Agreement {
    pub fn of(outcome: Outcome) -> Agreement {
        match outcome {
            Outcome::Denied => Agreement::Agrees,
            Outcome::Allowed => Agreement::Allowed,
            Outcome::NotApplicable => Agreement::NotApplicable,
            Outcome::Error => Agreement::Error,
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Agreement::Agrees => "claimcheck's verdict agrees: this rule refuses the token",
            Agreement::Allowed => {
                "claimcheck allows the token under this rule, yet the service refused it: the service used another rule (another role, account, provider or credential), another token, or refused it at a step the rule does not cover (keys, thumbprint, permissions)"
            }
            Agreement::NotApplicable => {
                "this rule is for another issuer or provider: the service's rule is not this one, or the token came from elsewhere"
            }
            Agreement::Error => "this rule could not be evaluated: see its verdict",
        }
    }
}

/// The index of the verdict the finding most likely came from: one of the same system,
/// preferring the rule that names the role (or credential, or provider) the message or log
/// named, then one that applies to the token, then one that refuses it.
pub fn matching_verdict(finding: &Finding, verdicts: &[&Verdict]) -> Option<usize> {
    if !refused_by_a_rule(finding.id) {
        return None;
    }
    let kind = finding.system.rule_kind();
    let names: Vec<&str> = [
        finding.named.role_name(),
        finding.named.get("role"),
        finding
            .named
            .gcp_provider_parts()
            .map(|_| finding.named.get("provider").unwrap_or_default()),
    ]
    .into_iter()
    .flatten()
    .filter(|n| !n.is_empty())
    .collect();
    verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| v.rule.kind.name() == kind)
        .max_by_key(|(index, v)| {
            let named = names.iter().any(|name| {
                v.rule.name == *name
                    || v.rule.name.ends_with(&format!("/{name}"))
                    || name.ends_with(&format!("/{}", v.rule.name))
                    || v.rule.file.as_deref().is_some_and(|f| f.contains(name))
            });
            (
                named,
                v.outcome != Outcome::NotApplicable,
                v.outcome == Outcome::Denied,
                // The first of equals.
                std::cmp::Reverse(*index),
            )
        })
        .map(|(index, _)| index)
}

/// Whether the error comes from a step a trust rule describes. Errors about keys, TLS, the
/// request, a missing pool or mount, or a job that never got a token have no verdict to match.
pub fn refused_by_a_rule(id: &str) -> bool {
    !matches!(
        id,
        "aws.thumbprint"
            | "aws.no_verification_key"
            | "aws.token_too_long"
            | "aws.idp_communication"
            | "aws.no_id_token_permission"
            | "gcp.invalid_audience_parameter"
            | "gcp.invalid_target"
            | "gcp.no_token_env"
            | "vault.signature"
            | "vault.role_not_found"
            | "vault.permission_denied"
    )
}

/// The first check the verdict failed, as one line: condition, expected, actual.
pub fn failed_check(verdict: &Verdict) -> Option<String> {
    let check = verdict.checks.iter().find(|c| !c.passed)?;
    let expected: Vec<String> = check.expected.iter().map(short_json).collect();
    let actual = match &check.actual {
        Some(value) => short_json(value),
        None => "nothing (absent)".to_owned(),
    };
    Some(
        escape_controls(&format!(
            "{}: expected {}, the token had {actual}",
            check.condition,
            expected.join(" or ")
        ))
        .into_owned(),
    )
}

fn short_json(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut shown: String = text.chars().take(120).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}
