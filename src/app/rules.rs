//! Rule files: read with one size limit, loaded by `trust::load`, merged across files so that an
//! AWS `get-open-id-connect-provider` document joins the trust policies given with it.

use std::io::Read;
use std::path::Path;

use crate::trust::load::{LoadedRules, RuleFileError, load_rule_file, parse_rules_arg};
use crate::trust::{Rule, RuleKind};

/// Rule files are small; anything bigger is a mistake (a token corpus, a binary).
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Why rule files gave no rules: the file could not be read, or what it holds is not a rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("cannot read rule file '{path}': {message}")]
    Read { path: String, message: String },
    #[error(
        "rule file '{path}' is over {MAX_RULE_FILE_BYTES} bytes; a rule file is a policy or a role, not a corpus"
    )]
    TooLarge { path: String },
    #[error(transparent)]
    Rules(#[from] RuleFileError),
}

impl RuleError {
    /// The `kind` of the JSON error document.
    pub fn kind(&self) -> &'static str {
        match self {
            RuleError::Read { .. } | RuleError::TooLarge { .. } => "io",
            RuleError::Rules(error) => error.kind(),
        }
    }
}

/// The text of a rule file, at most [`MAX_RULE_FILE_BYTES`].
pub fn read_rule_file(path: &Path) -> Result<String, RuleError> {
    let shown = || path.display().to_string();
    let read_error = |e: std::io::Error| RuleError::Read {
        path: shown(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut text = String::new();
    file.take(MAX_RULE_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_error)?;
    if text.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(RuleError::TooLarge { path: shown() });
    }
    Ok(text)
}

/// The rules of `[KIND:]FILE` arguments, merged; every GCP provider is also asked whether the
/// token is `gcp_member` when one is given.
pub fn load(args: &[String], gcp_member: Option<&str>) -> Result<Vec<Box<dyn Rule>>, RuleError> {
    let mut loaded = LoadedRules::default();
    for arg in args {
        let (kind, path) = parse_rules_arg(arg)?;
        let text = read_rule_file(Path::new(path))?;
        loaded.merge(load_rule_file(path, &text, kind)?);
    }
    if let Some(member) = gcp_member {
        loaded = loaded.with_gcp_member(member);
    }
    Ok(loaded.into_rules()?)
}

/// The rules of one file whose text is in hand, its kind detected by shape, joined (as
/// [`load`] joins them) by the AWS provider documents loaded beside it (`providers`: their
/// paths and texts). A file that is only provider documents yields no rules of its own:
/// [`Loaded::ProvidersOnly`].
pub fn load_text(
    path: &Path,
    text: &str,
    kind: Option<RuleKind>,
    providers: &[(std::path::PathBuf, String)],
) -> Result<Loaded, RuleError> {
    let name = path.display().to_string();
    let loaded = load_rule_file(&name, text, kind)?;
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

/// The path of a `[KIND:]FILE` argument.
pub fn path_of(arg: &str) -> Result<&str, RuleError> {
    Ok(parse_rules_arg(arg)?.1)
}

/// The kinds forced by `KIND:FILE` arguments, by path.
pub fn forced_kinds(args: &[String]) -> Vec<(std::path::PathBuf, RuleKind)> {
    args.iter()
        .filter_map(|arg| match parse_rules_arg(arg) {
            Ok((Some(kind), path)) => Some((std::path::PathBuf::from(path), kind)),
            _ => None,
        })
        .collect()
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
        let args = ["aws:policy.json".to_owned(), "plain.json".to_owned()];
        assert_eq!(
            forced_kinds(&args),
            [(std::path::PathBuf::from("policy.json"), RuleKind::Aws)]
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
