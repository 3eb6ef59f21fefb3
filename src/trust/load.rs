//! Rule files: what a file holds, detected by its shape, and how several files combine.
//!
//! Public face: [`load_rule_file`] (one file's text → [`LoadedRules`]), [`LoadedRules::merge`]
//! and [`LoadedRules::into_rules`], [`parse_rules_arg`] for `--rules [KIND:]FILE`, the
//! [`FORMATS`] table, and [`RuleFileError`].
//!
//! How files combine: each file is read on its own, in the order given. An `aws iam
//! get-open-id-connect-provider` document is not a rule: its client IDs go to every AWS trust
//! policy of the same run, and each policy uses the provider whose URL equals the token's `iss`
//! (STS's audience check). A provider document without any AWS policy is an error. A policy
//! evaluated without its provider says that the audience check was skipped.

use serde_json::Value;

use super::aws::{self, OidcProvider, TrustPolicy};
use super::gcp::{self, GcpProvider};
use super::{Rule, RuleKind};

/// A format's reader: the document and the file name shown in verdicts → its rules.
pub type ParseRules = fn(&Value, Option<&str>) -> Result<Vec<Box<dyn Rule>>, String>;

/// One rule-file format the loader can recognise.
pub struct RuleFormat {
    pub kind: RuleKind,
    /// What the format is, as named in "tried: …" messages.
    pub description: &'static str,
    pub detect: fn(&Value) -> bool,
    /// Parses the document; the second argument is the file name shown in verdicts.
    pub parse: ParseRules,
}

/// Every format, tried in order; the first whose `detect` accepts a document reads it.
pub static FORMATS: &[RuleFormat] = &[
    RuleFormat {
        kind: RuleKind::Aws,
        description: "AWS IAM role trust policy or `aws iam get-role` output",
        detect: aws::detect,
        parse: aws::parse,
    },
    RuleFormat {
        kind: RuleKind::Vault,
        description: "Vault JWT role (`vault read -format=json auth/<mount>/role/<name>` or the role body)",
        detect: super::vault::detect,
        parse: super::vault::parse,
    },
    RuleFormat {
        kind: RuleKind::Entra,
        description: "Entra federated identity credential(s) (`az ad app federated-credential list/show`)",
        detect: super::entra::detect,
        parse: super::entra::parse,
    },
    RuleFormat {
        kind: RuleKind::Gcp,
        description: "GCP workload identity pool provider (`gcloud iam workload-identity-pools providers describe`, YAML or JSON, or Terraform-style JSON)",
        detect: super::gcp::detect,
        parse: super::gcp::parse,
    },
    RuleFormat {
        kind: RuleKind::Kubernetes,
        description: "Kubernetes AuthenticationConfiguration (`jwt:` entries)",
        detect: super::kubernetes::detect,
        parse: super::kubernetes::parse,
    },
];

/// JSON when the file looks like JSON (AWS, Entra, Vault and `--format=json` output), else YAML
/// (gcloud's default output, Kubernetes configuration); errors carry the line and column.
fn parse_document(
    display_name: &str,
    text: &str,
    candidates: &[&RuleFormat],
) -> Result<Value, RuleFileError> {
    let looks_like_json = text.trim_start().starts_with(['{', '[']);
    if looks_like_json {
        return serde_json::from_str(text).map_err(|e| RuleFileError::Json {
            syntax: "JSON",
            file: display_name.to_owned(),
            line: e.line(),
            column: e.column(),
            message: without_position(&e),
            tried: tried(candidates),
        });
    }
    super::yaml::to_json(text).map_err(|e| RuleFileError::Json {
        syntax: "YAML",
        file: display_name.to_owned(),
        line: e.line as usize,
        column: e.column as usize,
        message: e.message.clone(),
        tried: tried(candidates),
    })
}

/// Not a rule, but recognised: it supplies client IDs to AWS trust policies.
const AWS_PROVIDER_DESCRIPTION: &str = "`aws iam get-open-id-connect-provider` output";

/// Kinds a `KIND:` prefix may name.
const FILE_KINDS: [RuleKind; 5] = [
    RuleKind::Aws,
    RuleKind::Gcp,
    RuleKind::Entra,
    RuleKind::Vault,
    RuleKind::Kubernetes,
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleFileError {
    #[error("{file}:{line}:{column}: not valid {syntax}: {message} (tried: {tried})")]
    Json {
        /// `JSON` or `YAML`: which syntax the file looked like and failed.
        syntax: &'static str,
        file: String,
        line: usize,
        column: usize,
        message: String,
        tried: String,
    },
    #[error(
        "{file}: not a rule file claimcheck recognises; tried: {tried} (force a kind with KIND:FILE)"
    )]
    Unrecognised { file: String, tried: String },
    #[error("{file}: not a valid {kind} rule file: {message}")]
    Invalid {
        file: String,
        kind: &'static str,
        message: String,
    },
    #[error("{file}: claimcheck cannot read {kind} rules yet")]
    NoReader { file: String, kind: &'static str },
    #[error(
        "{files}: an OIDC provider document only supplies client IDs to an AWS trust policy; give the role's trust policy (or `aws iam get-role` output) with --rules too"
    )]
    ProviderWithoutPolicy { files: String },
    #[error(
        "--gcp-member {member}: no GCP workload identity provider was given with --rules, so no mapped identity can be compared with it"
    )]
    MemberWithoutProvider { member: String },
    #[error("'{given}' is not a rule kind; use one of: aws, gcp, entra, vault, kubernetes")]
    UnknownKind { given: String },
}

impl RuleFileError {
    /// A stable name, used as `error.kind` in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            RuleFileError::Json { .. } => "rules_not_json",
            RuleFileError::Unrecognised { .. } => "rules_unrecognised",
            RuleFileError::Invalid { .. } => "rules_invalid",
            RuleFileError::NoReader { .. } => "rules_unsupported_kind",
            RuleFileError::ProviderWithoutPolicy { .. } => "rules_provider_without_policy",
            RuleFileError::UnknownKind { .. } => "rules_unknown_kind",
            RuleFileError::MemberWithoutProvider { .. } => "gcp_member_without_provider",
        }
    }
}

enum Entry {
    Rule(Box<dyn Rule>),
    /// Kept concrete until every file is read, so that providers can be attached.
    AwsPolicy(Box<TrustPolicy>),
    /// Kept concrete so that an IAM member (`check --gcp-member`) can be attached.
    GcpProvider(Box<GcpProvider>),
    /// A rule read from infrastructure code, named by its resource address; its inner entry
    /// is kept as it is until every file is read, like any other.
    Resource(Box<ResourceEntry>),
}

struct ResourceEntry {
    kind: RuleKind,
    file: Option<String>,
    address: String,
    inner: Option<Entry>,
    unknown: Vec<String>,
}

/// The rules read from one or more files, in file order, plus AWS provider documents.
#[derive(Default)]
pub struct LoadedRules {
    entries: Vec<Entry>,
    aws_providers: Vec<OidcProvider>,
    /// Values of provider resources unknown until apply: every AWS trust policy depends on them.
    aws_provider_unknown: Vec<String>,
    gcp_member: Option<String>,
}

impl LoadedRules {
    pub fn merge(&mut self, other: LoadedRules) {
        self.entries.extend(other.entries);
        self.aws_providers.extend(other.aws_providers);
        self.aws_provider_unknown.extend(other.aws_provider_unknown);
        self.gcp_member = self.gcp_member.take().or(other.gcp_member);
    }

    /// The rules of one resource of infrastructure code, each named by `address` (with the
    /// rule's own name after it when the resource holds several), and `error` while any of
    /// `unknown` is unknown (`trust::resource`). `rules` is `None` when the rule's whole text is
    /// unknown; then `kind` says what it would be. AWS provider documents among `rules` join
    /// every trust policy, as they do from files.
    pub fn from_resource(
        kind: RuleKind,
        file: Option<&str>,
        address: &str,
        rules: Option<LoadedRules>,
        unknown: Vec<String>,
    ) -> LoadedRules {
        let mut loaded = LoadedRules::default();
        let resource = |inner: Option<Entry>, address: String| {
            Entry::Resource(Box::new(ResourceEntry {
                kind,
                file: file.map(str::to_owned),
                address,
                inner,
                unknown: unknown.clone(),
            }))
        };
        let Some(rules) = rules else {
            loaded.entries.push(resource(None, address.to_owned()));
            return loaded;
        };
        let several = rules.entries.len() > 1;
        for entry in rules.entries {
            let name = if several {
                format!("{address} {}", entry_name(&entry))
            } else {
                address.to_owned()
            };
            loaded.entries.push(resource(Some(entry), name));
        }
        loaded.aws_providers = rules.aws_providers;
        loaded.aws_provider_unknown = rules.aws_provider_unknown;
        loaded
    }

    /// An AWS OIDC provider whose client IDs or URL are unknown until apply (`what` names the
    /// values): no AWS trust policy loaded with it can be decided.
    pub fn with_aws_provider_unknown(mut self, what: Vec<String>) -> LoadedRules {
        self.aws_provider_unknown.extend(what);
        self
    }

    /// Whether nothing was loaded: no rule and no provider document.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
            && self.aws_providers.is_empty()
            && self.aws_provider_unknown.is_empty()
    }

    /// Whether these are AWS OIDC provider documents and nothing else: client IDs waiting for
    /// the trust policies they belong beside.
    pub fn only_aws_providers(&self) -> bool {
        self.entries.is_empty() && !self.aws_providers.is_empty()
    }

    /// Whether an AWS trust policy is among these rules (what provider documents join).
    pub fn has_aws_policy(&self) -> bool {
        self.entries.iter().any(Entry::is_aws_policy)
    }

    /// Every GCP provider's verdict will end with whether the token's mapped identity is
    /// `member` (an IAM `principal://…` or `principalSet://…` in a role binding).
    pub fn with_gcp_member(mut self, member: &str) -> LoadedRules {
        self.gcp_member = Some(member.to_owned());
        self
    }

    /// The rules to evaluate, with provider documents attached to the AWS trust policies.
    pub fn into_rules(self) -> Result<Vec<Box<dyn Rule>>, RuleFileError> {
        let has_policy = self.has_aws_policy();
        let providers_given =
            !self.aws_providers.is_empty() || !self.aws_provider_unknown.is_empty();
        if providers_given && !has_policy {
            let files: Vec<&str> = self
                .aws_providers
                .iter()
                .filter_map(|p| p.file.as_deref())
                .chain(self.aws_provider_unknown.iter().map(String::as_str))
                .collect();
            return Err(RuleFileError::ProviderWithoutPolicy {
                files: files.join(", "),
            });
        }
        let has_gcp_provider = self.entries.iter().any(Entry::is_gcp_provider);
        if let Some(member) = &self.gcp_member
            && !has_gcp_provider
        {
            return Err(RuleFileError::MemberWithoutProvider {
                member: member.clone(),
            });
        }
        let joined = Joined {
            providers: self.aws_providers,
            provider_unknown: self.aws_provider_unknown,
            member: self.gcp_member,
        };
        Ok(self
            .entries
            .into_iter()
            .map(|entry| joined.rule(entry))
            .collect())
    }
}

/// What every entry is given when the rules are complete.
struct Joined {
    providers: Vec<OidcProvider>,
    provider_unknown: Vec<String>,
    member: Option<String>,
}

impl Joined {
    fn rule(&self, entry: Entry) -> Box<dyn Rule> {
        match entry {
            Entry::Rule(rule) => rule,
            Entry::AwsPolicy(policy) => Box::new(policy.with_providers(self.providers.clone())),
            Entry::GcpProvider(provider) => Box::new(provider.with_member(self.member.clone())),
            Entry::Resource(resource) => {
                let ResourceEntry {
                    kind,
                    file,
                    address,
                    inner,
                    mut unknown,
                } = *resource;
                if inner.as_ref().is_none_or(Entry::is_aws_policy) && kind == RuleKind::Aws {
                    unknown.extend(self.provider_unknown.iter().cloned());
                }
                let inner = inner.map(|entry| self.rule(entry));
                Box::new(super::resource::ResourceRule::new(
                    kind,
                    file.as_deref(),
                    address,
                    inner,
                    unknown,
                ))
            }
        }
    }
}

impl Entry {
    fn is_aws_policy(&self) -> bool {
        match self {
            Entry::AwsPolicy(_) => true,
            Entry::Resource(resource) => match &resource.inner {
                Some(inner) => inner.is_aws_policy(),
                None => resource.kind == RuleKind::Aws,
            },
            _ => false,
        }
    }

    fn is_gcp_provider(&self) -> bool {
        match self {
            Entry::GcpProvider(_) => true,
            Entry::Resource(resource) => {
                resource.inner.as_ref().is_some_and(Entry::is_gcp_provider)
            }
            _ => false,
        }
    }
}

fn entry_name(entry: &Entry) -> String {
    match entry {
        Entry::Rule(rule) => rule.id().name.clone(),
        Entry::AwsPolicy(policy) => policy.id().name.clone(),
        Entry::GcpProvider(provider) => provider.id().name.clone(),
        Entry::Resource(resource) => resource.address.clone(),
    }
}

/// Splits `--rules` values: `aws:policy.json` → (Some(Aws), "policy.json"); a prefix that is no
/// kind name (a drive letter, a directory with a colon) is part of the path.
pub fn parse_rules_arg(arg: &str) -> Result<(Option<RuleKind>, &str), RuleFileError> {
    let Some((prefix, path)) = arg.split_once(':') else {
        return Ok((None, arg));
    };
    if let Some(kind) = FILE_KINDS
        .iter()
        .find(|k| k.name().eq_ignore_ascii_case(prefix))
    {
        return Ok((Some(*kind), path));
    }
    let looks_like_kind = prefix.len() > 1 && prefix.chars().all(|c| c.is_ascii_alphabetic());
    if looks_like_kind {
        return Err(RuleFileError::UnknownKind {
            given: prefix.to_owned(),
        });
    }
    Ok((None, arg))
}

fn tried(formats: &[&RuleFormat]) -> String {
    let mut names: Vec<&str> = formats.iter().map(|f| f.description).collect();
    if formats.iter().any(|f| f.kind == RuleKind::Aws) {
        names.push(AWS_PROVIDER_DESCRIPTION);
    }
    names.join("; ")
}

/// serde_json's message without its " at line L column C" tail, which the error shows already.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_owned()
}

/// Reads one rule file. `forced` is the kind given as `KIND:FILE`; otherwise the shape decides.
pub fn load_rule_file(
    display_name: &str,
    text: &str,
    forced: Option<RuleKind>,
) -> Result<LoadedRules, RuleFileError> {
    let candidates: Vec<&RuleFormat> = FORMATS
        .iter()
        .filter(|f| forced.is_none_or(|kind| f.kind == kind))
        .collect();
    if let Some(kind) = forced
        && candidates.is_empty()
    {
        return Err(RuleFileError::NoReader {
            file: display_name.to_owned(),
            kind: kind.name(),
        });
    }
    let value = parse_document(display_name, text, &candidates)?;
    let mut loaded = LoadedRules::default();
    let aws_allowed = candidates.iter().any(|f| f.kind == RuleKind::Aws);
    if aws_allowed && aws::detect_provider(&value) {
        let provider = aws::parse_provider(&value, Some(display_name)).map_err(|message| {
            RuleFileError::Invalid {
                file: display_name.to_owned(),
                kind: "AWS OIDC provider",
                message,
            }
        })?;
        loaded.aws_providers.push(provider);
        return Ok(loaded);
    }
    let format = match candidates.iter().find(|f| (f.detect)(&value)) {
        Some(format) => *format,
        // A forced kind reads the file even when its shape is unusual, to give that kind's error.
        None if forced.is_some() => candidates[0],
        None => {
            return Err(RuleFileError::Unrecognised {
                file: display_name.to_owned(),
                tried: tried(&candidates),
            });
        }
    };
    let invalid = |message: String| RuleFileError::Invalid {
        file: display_name.to_owned(),
        kind: format.kind.name(),
        message,
    };
    if format.kind == RuleKind::Aws {
        let policy = aws::parse_policy(&value, Some(display_name)).map_err(invalid)?;
        loaded.entries.push(Entry::AwsPolicy(Box::new(policy)));
    } else if format.kind == RuleKind::Gcp {
        let providers = gcp::parse_providers(&value, Some(display_name)).map_err(invalid)?;
        loaded.entries.extend(
            providers
                .into_iter()
                .map(|p| Entry::GcpProvider(Box::new(p))),
        );
    } else {
        let rules = (format.parse)(&value, Some(display_name)).map_err(invalid)?;
        loaded.entries.extend(rules.into_iter().map(Entry::Rule));
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::token::Claims;
    use crate::trust::Outcome;

    const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "Deploy", "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}
  }]
}"#;

    const PROVIDER: &str = r#"{"Url": "token.actions.githubusercontent.com", "ClientIDList": ["sts.amazonaws.com"], "ThumbprintList": []}"#;

    fn claims(aud: &str) -> Claims {
        json!({"iss": "https://token.actions.githubusercontent.com", "aud": aud,
               "sub": "repo:acme/app:ref:refs/heads/main"})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn detects_a_policy_and_get_role_output() {
        let rules = load_rule_file("p.json", POLICY, None)
            .unwrap()
            .into_rules()
            .unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id().kind, RuleKind::Aws);
        assert_eq!(rules[0].id().file.as_deref(), Some("p.json"));

        let get_role = json!({"Role": {"RoleName": "deploy", "AssumeRolePolicyDocument": serde_json::from_str::<Value>(POLICY).unwrap()}});
        let rules = load_rule_file("r.json", &get_role.to_string(), None)
            .unwrap()
            .into_rules()
            .unwrap();
        assert_eq!(rules[0].id().name, "deploy");
    }

    #[test]
    fn provider_documents_supply_client_ids_to_policies() {
        let mut loaded = load_rule_file("p.json", POLICY, None).unwrap();
        loaded.merge(load_rule_file("provider.json", PROVIDER, None).unwrap());
        let rules = loaded.into_rules().unwrap();
        assert_eq!(rules.len(), 1, "the provider is not a rule of its own");
        let denied = rules[0].evaluate(&claims("sts.amazon.com"), 0);
        assert_eq!(denied.outcome, Outcome::Denied);
        assert_eq!(
            denied.summary,
            "InvalidIdentityToken: Incorrect token audience"
        );
        assert_eq!(
            rules[0].evaluate(&claims("sts.amazonaws.com"), 0).outcome,
            Outcome::Allowed
        );

        let alone = load_rule_file("provider.json", PROVIDER, None)
            .unwrap()
            .into_rules();
        assert_eq!(
            alone.err().map(|e| e.kind()),
            Some("rules_provider_without_policy")
        );
    }

    #[test]
    fn malformed_json_names_file_line_column_and_kinds_tried() {
        let error = load_rule_file(
            "bad.json",
            "{\n  \"Statement\": [\n    {\"Effect\": }\n]}",
            None,
        )
        .err()
        .unwrap();
        let message = error.to_string();
        assert!(
            message.starts_with("bad.json:3:16: not valid JSON: expected value (tried: AWS"),
            "{message}"
        );
        assert!(message.contains("AWS IAM role trust policy"), "{message}");
        assert!(
            message.contains("get-open-id-connect-provider"),
            "{message}"
        );
    }

    #[test]
    fn unrecognised_and_invalid_files() {
        let error = load_rule_file("x.json", r#"{"hello": 1}"#, None)
            .err()
            .unwrap();
        assert_eq!(error.kind(), "rules_unrecognised");
        assert!(
            error
                .to_string()
                .contains("tried: AWS IAM role trust policy")
        );
        let forced = load_rule_file("x.json", r#"{"hello": 1}"#, Some(RuleKind::Aws))
            .err()
            .unwrap();
        assert_eq!(
            forced.to_string(),
            "x.json: not a valid aws rule file: the policy has no \"Statement\""
        );
        let forced_kubernetes = load_rule_file("x.json", "{}", Some(RuleKind::Kubernetes))
            .err()
            .unwrap();
        assert_eq!(forced_kubernetes.kind(), "rules_invalid");
    }

    #[test]
    fn kind_prefixes() {
        assert_eq!(
            parse_rules_arg("aws:p.json").unwrap(),
            (Some(RuleKind::Aws), "p.json")
        );
        assert_eq!(
            parse_rules_arg("VAULT:r.json").unwrap(),
            (Some(RuleKind::Vault), "r.json")
        );
        assert_eq!(parse_rules_arg("p.json").unwrap(), (None, "p.json"));
        assert_eq!(
            parse_rules_arg("C:\\rules\\p.json").unwrap(),
            (None, "C:\\rules\\p.json")
        );
        assert_eq!(parse_rules_arg("./a:b.json").unwrap(), (None, "./a:b.json"));
        assert_eq!(
            parse_rules_arg("azure:p.json").err().map(|e| e.kind()),
            Some("rules_unknown_kind")
        );
    }
}
