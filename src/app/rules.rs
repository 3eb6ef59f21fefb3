//! Rule files: read with one size limit, loaded by `trust::load`, merged across files so that an
//! AWS `get-open-id-connect-provider` document joins the trust policies given with it.

use std::io::Read;
use std::path::Path;

use super::live;
use crate::trust::load::{LoadedRules, RuleFileError, load_rule_file, parse_rules_arg};
use crate::trust::terraform;
use crate::trust::{Rule, RuleKind};

/// Rule files are small; anything bigger is a mistake (a token corpus, a binary).
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A Terraform plan or state holds every resource of a configuration, not only trust rules.
pub const MAX_TERRAFORM_BYTES: u64 = 256 * 1024 * 1024;

/// Where the rules of one `--rules` argument come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesArg<'a> {
    /// `[KIND:]FILE`: a rule file in one of the vendors' formats.
    File {
        kind: Option<RuleKind>,
        path: &'a str,
    },
    /// `tfplan:FILE`, `tfplan-before:FILE`, `tfstate:FILE`: `terraform show -json` output.
    Terraform {
        source: terraform::Source,
        path: &'a str,
    },
    /// `cfn:FILE`: a CloudFormation template, JSON or YAML.
    Cfn { path: &'a str },
    /// `aws-role:NAME` and the other live reads through the vendors' CLIs.
    Live(live::Target<'a>),
}

impl<'a> RulesArg<'a> {
    pub fn parse(arg: &'a str) -> Result<RulesArg<'a>, RuleError> {
        if let Some((prefix, rest)) = arg.split_once(':') {
            let source = [
                terraform::Source::PlanAfter,
                terraform::Source::PlanBefore,
                terraform::Source::State,
            ]
            .into_iter()
            .find(|s| s.prefix().eq_ignore_ascii_case(prefix));
            if let Some(source) = source {
                return Ok(RulesArg::Terraform { source, path: rest });
            }
            if prefix.eq_ignore_ascii_case("cfn") {
                return Ok(RulesArg::Cfn { path: rest });
            }
            if let Some(target) = live::Target::parse(prefix, rest) {
                if rest.is_empty() {
                    return Err(RuleError::Live {
                        read: arg.to_owned(),
                        kind: "usage",
                        message: format!("{prefix}: needs a name after the colon"),
                    });
                }
                return Ok(RulesArg::Live(target));
            }
        }
        let (kind, path) = parse_rules_arg(arg)?;
        Ok(RulesArg::File { kind, path })
    }

    /// The file the rules are read from, when they are read from a file.
    pub fn path(&self) -> Option<&'a str> {
        match self {
            RulesArg::File { path, .. }
            | RulesArg::Terraform { path, .. }
            | RulesArg::Cfn { path } => Some(*path),
            RulesArg::Live(_) => None,
        }
    }
}

/// Why rule files gave no rules: the file could not be read, or what it holds is not a rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("cannot read rule file '{path}': {message}")]
    Read { path: String, message: String },
    #[error(
        "rule file '{path}' is over {limit} bytes; a rule file is a policy or a role, not a corpus"
    )]
    TooLarge { path: String, limit: u64 },
    #[error(transparent)]
    Rules(#[from] RuleFileError),
    /// A live read through a vendor's CLI failed; `message` holds the CLI's standard error.
    #[error("{read}: {message}")]
    Live {
        read: String,
        kind: &'static str,
        message: String,
    },
}

impl RuleError {
    /// The `kind` of the JSON error document.
    pub fn kind(&self) -> &'static str {
        match self {
            RuleError::Read { .. } | RuleError::TooLarge { .. } => "io",
            RuleError::Rules(error) => error.kind(),
            RuleError::Live { kind, .. } => kind,
        }
    }
}

/// The text of a rule file, at most [`MAX_RULE_FILE_BYTES`].
pub fn read_rule_file(path: &Path) -> Result<String, RuleError> {
    read_limited(path, MAX_RULE_FILE_BYTES)
}

fn read_limited(path: &Path, limit: u64) -> Result<String, RuleError> {
    let shown = || path.display().to_string();
    let read_error = |e: std::io::Error| RuleError::Read {
        path: shown(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(read_error)?;
    if text.len() as u64 > limit {
        return Err(RuleError::TooLarge {
            path: shown(),
            limit,
        });
    }
    Ok(text)
}

/// The rules of `[KIND:]FILE` arguments, merged; every GCP provider is also asked whether the
/// token is `gcp_member` when one is given.
pub fn load(args: &[String], gcp_member: Option<&str>) -> Result<Vec<Box<dyn Rule>>, RuleError> {
    load_with(
        args,
        &LoadOptions {
            gcp_member,
            ..LoadOptions::default()
        },
    )
}

/// What `--rules` arguments may need besides themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// `check --gcp-member`: every GCP provider's verdict says whether the token is that member.
    pub gcp_member: Option<&'a str>,
    /// `--cfn-param NAME=VALUE`, for `cfn:` templates.
    pub cfn_params: &'a [(String, String)],
    /// How long a live read's CLI may run (`--timeout`); [`live::TIMEOUT`] when not given.
    pub timeout: Option<std::time::Duration>,
}

/// [`load`], with everything the arguments may need.
pub fn load_with(
    args: &[String],
    options: &LoadOptions<'_>,
) -> Result<Vec<Box<dyn Rule>>, RuleError> {
    let gcp_member = options.gcp_member;
    let mut loaded = LoadedRules::default();
    for arg in args {
        loaded.merge(load_one(RulesArg::parse(arg)?, options)?);
    }
    if let Some(member) = gcp_member {
        loaded = loaded.with_gcp_member(member);
    }
    Ok(loaded.into_rules()?)
}

fn load_one(arg: RulesArg<'_>, options: &LoadOptions<'_>) -> Result<LoadedRules, RuleError> {
    match arg {
        RulesArg::File { kind, path } => {
            let text = read_rule_file(Path::new(path))?;
            if kind.is_none()
                && let Some(source) = terraform_shape(&text)
            {
                return Ok(terraform::load(path, &text, source)?);
            }
            Ok(load_rule_file(path, &text, kind)?)
        }
        RulesArg::Terraform { source, path } => {
            let text = read_limited(Path::new(path), MAX_TERRAFORM_BYTES)?;
            Ok(terraform::load(path, &text, source)?)
        }
        RulesArg::Cfn { path } => {
            let text = read_rule_file(Path::new(path))?;
            Ok(crate::trust::cfn::load(path, &text, options.cfn_params)?)
        }
        RulesArg::Live(target) => live::read(
            target,
            &crate::source::Environment::from_process(),
            options.timeout.unwrap_or(live::TIMEOUT),
        ),
    }
}

/// `--cfn-param NAME=VALUE` → (NAME, VALUE); NAME may be a pseudo parameter (`AWS::AccountId`).
pub fn parse_cfn_param(given: &str) -> Result<(String, String), String> {
    match given.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "'{given}' is not NAME=VALUE (e.g. Environment=prod or AWS::AccountId=111122223333)"
        )),
    }
}

/// A file given without a prefix that is `terraform show -json` output reads as `tfplan:` (a
/// plan's planned values) or `tfstate:`, so that the view, which loads files by path, reads
/// them too.
fn terraform_shape(text: &str) -> Option<terraform::Source> {
    if !text.trim_start().starts_with('{') || !text.contains("\"format_version\"") {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    if terraform::is_plan(&doc) {
        Some(terraform::Source::PlanAfter)
    } else if doc.pointer("/values/root_module").is_some() {
        Some(terraform::Source::State)
    } else {
        None
    }
}

/// One trust-rule resource a plan changes, with its rules before and after the change
/// (`preview --plan`). Either side may be empty: a resource the plan creates has no rules
/// before, one it destroys none after.
pub struct PlanChange {
    /// The resource address, e.g. `module.ci.aws_iam_role.deploy["x"]`.
    pub address: String,
    /// Terraform's actions for it (`create`, `update`, `delete`…).
    pub actions: Vec<String>,
    pub before: Vec<Box<dyn Rule>>,
    pub after: Vec<Box<dyn Rule>>,
}

/// Every trust-rule resource the plan at `path` changes (`terraform show -json plan.out`).
pub fn plan_changes(path: &str) -> Result<Vec<PlanChange>, RuleError> {
    let text = read_limited(Path::new(path), MAX_TERRAFORM_BYTES)?;
    terraform::plan_changes(path, &text)?
        .into_iter()
        .map(|change| {
            Ok(PlanChange {
                address: change.address,
                actions: change.actions,
                before: change.before.into_rules()?,
                after: change.after.into_rules()?,
            })
        })
        .collect()
}

/// The rules of one file whose text is in hand, its kind detected by shape, joined (as
/// [`load`] joins them) by the AWS provider documents loaded beside it (`providers`: their
/// paths and texts). A file that is only provider documents yields no rules of its own:
/// [`Loaded::ProvidersOnly`].
pub fn load_text(
    path: &Path,
    text: &str,
    forced: Option<Forced>,
    providers: &[(std::path::PathBuf, String)],
) -> Result<Loaded, RuleError> {
    let name = path.display().to_string();
    let loaded = match forced {
        Some(Forced::Kind(kind)) => load_rule_file(&name, text, Some(kind))?,
        Some(Forced::Terraform(source)) => terraform::load(&name, text, source)?,
        // The view has no --cfn-param: a template that needs parameters says which.
        Some(Forced::Cfn) => crate::trust::cfn::load(&name, text, &[])?,
        None => match terraform_shape(text) {
            Some(source) => terraform::load(&name, text, source)?,
            None => load_rule_file(&name, text, None)?,
        },
    };
    if loaded.only_aws_providers() {
        return Ok(Loaded::ProvidersOnly);
    }
    let mut joined = loaded;
    // Provider documents join trust policies only; another file's rules are its own.
    let wanted = joined.has_aws_policy();
    for (provider_path, provider_text) in providers.iter().filter(|_| wanted) {
        if provider_path != path {
            let name = provider_path.display().to_string();
            joined.merge(load_rule_file(&name, provider_text, None)?);
        }
    }
    Ok(Loaded::Rules(joined.into_rules()?))
}

/// What one rule file held.
pub enum Loaded {
    Rules(Vec<Box<dyn Rule>>),
    /// AWS provider documents only: client IDs for the trust policies loaded beside them.
    ProvidersOnly,
}

/// The path of a `[KIND:]FILE` (or `tfplan:FILE`…) argument; a live read has none.
pub fn path_of(arg: &str) -> Result<&str, RuleError> {
    let parsed = RulesArg::parse(arg)?;
    parsed.path().ok_or_else(|| RuleError::Live {
        read: arg.to_owned(),
        kind: "usage",
        message: "a live read has no file to open or watch".to_owned(),
    })
}

/// How a file named with a prefix is read, whatever its shape: `aws:`, `tfplan-before:`, `cfn:`…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    Kind(RuleKind),
    Terraform(terraform::Source),
    Cfn,
}

/// The reading a `KIND:FILE` (or `tfplan:FILE`, `cfn:FILE`…) argument forces on its file, and
/// the file; `None` for a plain file (read by its shape) and a live read.
pub fn forced_kind(arg: &str) -> Option<(std::path::PathBuf, Forced)> {
    let (path, forced) = match RulesArg::parse(arg).ok()? {
        RulesArg::File {
            kind: Some(kind),
            path,
        } => (path, Forced::Kind(kind)),
        RulesArg::Terraform { source, path } => (path, Forced::Terraform(source)),
        RulesArg::Cfn { path } => (path, Forced::Cfn),
        RulesArg::File { kind: None, .. } | RulesArg::Live(_) => return None,
    };
    Some((std::path::PathBuf::from(path), forced))
}

/// The file a `[KIND:]FILE` argument names, or the argument itself when it names none (a live
/// read): what the view loads and the watcher watches.
pub fn file_of(arg: &str) -> std::path::PathBuf {
    path_of(arg).map_or_else(|_| std::path::PathBuf::from(arg), std::path::PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_or_missing_file_is_an_io_error() {
        let dir = std::env::temp_dir().join(format!("claimcheck-app-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.json");
        std::fs::write(&big, vec![b' '; MAX_RULE_FILE_BYTES as usize + 1]).unwrap();
        let error = read_rule_file(&big).unwrap_err();
        assert!(matches!(error, RuleError::TooLarge { .. }), "{error}");
        assert_eq!(error.kind(), "io");
        let missing = load(&[dir.join("none.json").display().to_string()], None)
            .err()
            .unwrap();
        assert_eq!(missing.kind(), "io");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kind_prefixes_are_kept_by_path() {
        let args = [
            "aws:policy.json".to_owned(),
            "plain.json".to_owned(),
            "tfplan-before:plan.json".to_owned(),
            "aws-role:deploy".to_owned(),
        ];
        assert_eq!(
            args.iter()
                .filter_map(|arg| forced_kind(arg))
                .collect::<Vec<_>>(),
            [
                (
                    std::path::PathBuf::from("policy.json"),
                    Forced::Kind(RuleKind::Aws)
                ),
                (
                    std::path::PathBuf::from("plan.json"),
                    Forced::Terraform(terraform::Source::PlanBefore)
                ),
            ]
        );
    }

    #[test]
    fn the_view_reads_a_plan_on_the_side_its_prefix_names() {
        // The view loads files by path; the prefix decides which side of the plan it shows.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform/plan.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let count = |forced| match load_text(&path, &text, forced, &[]) {
            Ok(Loaded::Rules(rules)) => rules.len(),
            _ => panic!("no rules"),
        };
        assert_eq!(count(None), 9, "a plan without a prefix reads as tfplan:");
        assert_eq!(
            count(Some(Forced::Terraform(terraform::Source::PlanAfter))),
            9
        );
        assert_eq!(
            count(Some(Forced::Terraform(terraform::Source::PlanBefore))),
            5
        );
    }

    #[test]
    fn a_provider_document_joins_the_policy_given_with_it() {
        // The demo rules hold an AWS trust policy and the provider document of its issuer.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/rules");
        let mut provider = None;
        let mut policy = None;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(document) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if crate::trust::aws::detect_provider(&document) {
                provider = Some(path.display().to_string());
            } else if text.contains("sts:AssumeRoleWithWebIdentity") {
                policy = Some(path.display().to_string());
            }
        }
        let (provider, policy) = (provider.unwrap(), policy.unwrap());
        assert_eq!(
            load(std::slice::from_ref(&provider), None)
                .err()
                .unwrap()
                .kind(),
            "rules_provider_without_policy"
        );
        assert!(
            !load(&[policy.clone(), provider.clone()], None)
                .unwrap()
                .is_empty()
        );

        // One file at a time, as the view loads them: the provider document yields no rules
        // of its own, joins the policy, and leaves rules of other kinds alone.
        let provider_text = std::fs::read_to_string(&provider).unwrap();
        assert!(matches!(
            load_text(Path::new(&provider), &provider_text, None, &[]),
            Ok(Loaded::ProvidersOnly)
        ));
        let providers = [(std::path::PathBuf::from(&provider), provider_text)];
        let policy_text = std::fs::read_to_string(&policy).unwrap();
        assert!(matches!(
            load_text(Path::new(&policy), &policy_text, None, &providers),
            Ok(Loaded::Rules(rules)) if rules.len() == 1
        ));
        let gcp = dir.join("gcp-provider.yaml");
        let gcp_text = std::fs::read_to_string(&gcp).unwrap();
        assert!(matches!(
            load_text(&gcp, &gcp_text, None, &providers),
            Ok(Loaded::Rules(rules)) if rules.len() == 1
        ));
    }
}
