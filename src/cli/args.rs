//! The argument grammar. Help texts end with examples, because that is what people look for.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use crate::report::timefmt::DateStyle;
use crate::token::time::DEFAULT_LEEWAY_SECS;

const ABOUT: &str = "Explains why an OIDC token was refused: decodes it, checks it, and shows what a trust rule expected against what the token had.";

const EXAMPLES: &str = "\
Examples:
  claimcheck decode eyJhbGciOi...            decode a token given as an argument
  claimcheck decode token.jwt                 decode the token in a file
  pbpaste | claimcheck decode                 decode what is on the clipboard (macOS)
  echo \"Bearer $TOKEN\" | claimcheck decode --json
  claimcheck                                  open the interactive view on an empty paste prompt
  claimcheck token.jwt --rules trust.json     open a token with a rule file beside it
  claimcheck --from gitpod --audience sts.amazonaws.com   open a freshly fetched token
  claimcheck fetch --from github --audience sts.amazonaws.com   fetch a token where it is issued
  claimcheck verify token.jwt                 check the signature against the issuer's JWKS
  claimcheck demo                             show the bundled demo tokens (no network)";

#[derive(Debug, Parser)]
#[command(
    name = "claimcheck",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Without a command: open INPUT in the interactive view (on a terminal), or decode it
    /// (as `claimcheck decode INPUT`) when the output is piped or `--json` is given.
    #[command(flatten)]
    pub bare: DecodeArgs,

    #[command(flatten)]
    pub interactive: TuiArgs,

    /// Without a command: fetch the token to open (or decode) with `--from SOURCE`; the
    /// key options' `--timeout` bounds the token command too, as in `check`.
    #[command(flatten)]
    pub source: SourcePick,
}

/// Options of the interactive view (`claimcheck [INPUT]` and `claimcheck demo` on a terminal).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// A rule file to evaluate the token against, optionally `KIND:FILE` as in `check`; repeat
    /// for several. Watched and re-evaluated when it changes. Piped or with --json, the token
    /// is checked as `claimcheck check` checks it.
    #[arg(long = "rules", value_name = "[KIND:]FILE", action = clap::ArgAction::Append)]
    pub rules: Vec<String>,

    /// Do not verify the signature; evaluate the rules only.
    #[arg(long)]
    pub no_verify: bool,

    #[command(flatten)]
    pub keys: crate::app::keys::KeyArgs,

    /// Capture the mouse for scrolling (off by default so the terminal's text selection works).
    #[arg(long)]
    pub mouse: bool,

    /// How to copy: OSC 52 over SSH else the system clipboard (auto), or only one of them, or off.
    #[arg(long, value_enum, value_name = "MODE")]
    pub clipboard: Option<crate::clipboard::Mode>,

    /// Colours for a dark or a light terminal background (NO_COLOR turns colour off).
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::tui::theme::ThemeName>,
}

/// The subcommands; their names, descriptions and examples are declared in `cli::subcommands`,
/// which builds each one's options only when it is run.
#[derive(Debug)]
pub enum Command {
    Decode(DecodeCommandArgs),
    Fetch(FetchArgs),
    Check(CheckArgs),
    Demo(DemoArgs),
    Verify(super::verify::VerifyArgs),
    Preview(PreviewArgs),
    Who(WhoArgs),
    Scaffold(ScaffoldArgs),
    Explain(ExplainArgs),
}

pub(super) const EXPLAIN_EXAMPLES: &str = "\
Recognises the errors of AWS STS, Microsoft Entra (AADSTS…), Google Cloud STS and IAM, Vault's
JWT auth and the Kubernetes API server, and the wording of the CI actions around them
(configure-aws-credentials, Azure/login, google-github-actions/auth, vault-action). A CI log may
be given whole (at most 16 MiB; colours and timestamps are fine): every recognised error is
explained once, and the tokens printed in it are found. With --rules, each error is matched to the
verdict of the rule it came from, for the token before it in the log. Signatures are not verified.

Exit status: 0 an error was recognised, 1 nothing was recognised, 2 bad input.

Examples:
  claimcheck explain 'Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity'
  claimcheck explain ci.log --rules <(aws iam get-role --role-name deploy --output json)
  gh run view 123456 --log-failed | claimcheck explain -
  claimcheck explain - --json < error.txt";

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The error text, a file holding it (a CI log), or '-' for standard input.
    #[arg(value_name = "TEXT")]
    pub input: Option<String>,

    /// A rule file, optionally `KIND:FILE`: each error is matched to the verdict of the rule it
    /// came from, for the tokens found in the text. Repeat for several.
    #[arg(long = "rules", value_name = "[KIND:]FILE", action = clap::ArgAction::Append)]
    pub rules: Vec<String>,

    /// Print one JSON document (schema documented in the README) instead of text.
    #[arg(long)]
    pub json: bool,

    /// When to colour text output; `auto` colours only a terminal, and never with NO_COLOR set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(flatten)]
    pub time: TimeArgs,
}

pub(super) const PREVIEW_EXAMPLES: &str = "\
Without --tokens, the two rule sets are compared symbolically: every caller whose claims the
rules read are absent or strings is considered, the regions of callers that gain or lose access
are printed with a witness each (a claim set the evaluators re-checked), and the conclusion is
proved (no caller gains access), N regions gain access, or not proved (naming the condition or
limit outside the analysis: CEL rules, policy variables, request keys, the size budget).
With --tokens, the symbolic comparison is printed before the corpus preview.

A corpus is a directory of token files (*.jwt, *.txt, *.token), a file with one token per line,
or JSON lines of claim objects (unsigned what-ifs, e.g. exported from logs); '-' reads stdin.
Bad lines are counted and listed with their line numbers; they never stop the run. Signatures
are not verified: a preview evaluates claims.

Exit status: 0 done, 1 with --fail-on-change when any caller's access changes, 2 bad input.
With --fail-on-new-access: 0 proved that no caller gains access, 1 some region of callers (or
some token of the corpus) gains access, 3 not proved (a condition outside the analysis, or a
value Terraform knows only after apply).

--plan reads `terraform show -json plan.out` output and compares every trust-rule resource the
plan changes, before against after, each named by its resource address: for every caller and,
with --tokens, over the corpus.

Examples:
  claimcheck preview --rules current.json --against proposed.json
  claimcheck preview --rules current.json --against proposed.json --fail-on-new-access --json
  claimcheck preview --tokens tokens/ --rules trust-policy.json
  claimcheck preview --tokens corpus.jsonl --rules current.json --against proposed.json
  claimcheck preview --tokens corpus.txt --rules current.json --against proposed.json --fail-on-change --json
  claimcheck preview --tokens - --rules vault:role.json --group-by repository,ref < tokens.txt
  claimcheck preview --tokens tokens/ --rules current.json --against proposed.json --tui
  claimcheck preview --plan plan.json --fail-on-new-access --format markdown
  claimcheck preview --tokens tokens/ --plan plan.json --fail-on-new-access --json";

pub(super) const WHO_EXAMPLES: &str = "\
Every caller whose claims the rules read are absent or strings is considered; the regions of
callers the rules admit are printed in words (\"any repository of acme: any branch, tag,
environment or pull request\"), each with a witness the evaluators admitted, followed by lints:
a rule that admits pull requests, every repository of an owner, or any subject of a shared
issuer says so, with the claim set that shows it. Conditions outside the analysis (CEL rules,
policy variables, request keys) are named, and the reach is then marked incomplete.

Exit status: 0 done (complete reach), 3 the reach is not complete, 2 bad input.

Examples:
  claimcheck who --rules trust-policy.json
  claimcheck who --rules vault:role.json --json
  claimcheck who --rules credentials.json --rules other-credentials.json";

#[derive(Debug, Clone, Args)]
pub struct WhoArgs {
    /// The rule file(s), optionally `KIND:FILE`; repeat for several (a caller gets in when any
    /// rule admits it).
    #[arg(long = "rules", value_name = "[KIND:]FILE", required = true, action = clap::ArgAction::Append)]
    pub rules: Vec<String>,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(flatten)]
    pub time: TimeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewArgs {
    /// The token corpus: a directory, a file of tokens or claim objects one per line, or '-'.
    /// Without it, the rules are compared symbolically only (needs --against).
    #[arg(long, value_name = "PATH")]
    pub tokens: Option<String>,

    /// The current rule file(s), optionally `KIND:FILE`; repeat for several.
    #[arg(long = "rules", value_name = "[KIND:]FILE", required_unless_present = "plan", action = clap::ArgAction::Append)]
    pub rules: Vec<String>,

    /// A Terraform plan as `terraform show -json plan.out` prints it: compare every trust-rule
    /// resource it changes, before against after.
    #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["rules", "against", "tui"])]
    pub plan: Option<String>,

    /// The proposed rule file(s) to compare against the current ones.
    #[arg(long = "against", value_name = "[KIND:]FILE", action = clap::ArgAction::Append)]
    pub against: Vec<String>,

    /// Group tokens by these claims (comma-separated; JSON pointers allowed) instead of by
    /// `sub` with its run-specific parts folded.
    #[arg(long, value_name = "CLAIMS", value_delimiter = ',')]
    pub group_by: Vec<String>,

    /// A parameter of the CloudFormation templates given as `cfn:FILE`, or a pseudo parameter
    /// (`AWS::AccountId=111122223333`); repeat for several.
    #[arg(long = "cfn-param", value_name = "NAME=VALUE", value_parser = crate::app::rules::parse_cfn_param, action = clap::ArgAction::Append)]
    pub cfn_param: Vec<(String, String)>,

    /// Exit with status 1 when any caller gains or loses access (to guard a policy change in CI).
    #[arg(long)]
    pub fail_on_change: bool,

    /// Exit with status 1 when some caller gains access (a region of the symbolic comparison, or
    /// a token of the corpus), 3 when that cannot be ruled out, 0 when it is proved that none
    /// does. Needs --against or --plan.
    #[arg(long, conflicts_with = "tui")]
    pub fail_on_new_access: bool,

    /// Text for a terminal, or Markdown (e.g. for `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_enum, default_value_t = PreviewFormat::Text, value_name = "FORMAT", conflicts_with_all = ["json", "tui"])]
    pub format: PreviewFormat,

    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Open the matrix in the terminal UI; it recomputes whenever a rule file changes.
    #[arg(long, requires = "tokens", conflicts_with_all = ["json", "fail_on_change", "fail_on_new_access"])]
    pub tui: bool,

    /// With --tui: the key options of `check`, for the tokens opened from the matrix (a
    /// preview itself evaluates claims and verifies nothing).
    #[command(flatten)]
    pub keys: crate::app::keys::KeyArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub(super) const SCAFFOLD_EXAMPLES: &str = "\
The rule goes to standard output and the notes (placeholders to fill in, how to widen it
safely) to standard error, so `> policy.json` captures just the rule.

Examples:
  claimcheck scaffold aws token.jwt > trust-policy.json
  claimcheck demo --print-token gitlab | claimcheck scaffold vault
  claimcheck scaffold gcp --json token.jwt";

#[derive(Debug, Clone, Args)]
pub struct ScaffoldArgs {
    /// Which trust system to write a rule for.
    #[arg(value_enum)]
    pub kind: ScaffoldKind,

    /// A token, a file holding one, or '-' for standard input.
    #[arg(value_name = "INPUT")]
    pub input: Option<String>,

    /// Print `{"schema": 1, "kind", "rule", "notes"}` instead of the bare rule.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaffoldKind {
    Aws,
    Gcp,
    Entra,
    Vault,
    Kubernetes,
}

pub(super) const DECODE_EXAMPLES: &str = "\
INPUT may be the token itself, `Bearer <token>`, an `Authorization:` header line, a token
endpoint's JSON response (`value`, `id_token`, `access_token`, `token`), a URL with `#id_token=`,
or a path to a file holding any of these. Without INPUT, a piped standard input is read.

With --from SOURCE the token is fetched first, as `claimcheck fetch` does (see its help).

Exit status: 0 decoded, 2 the input is not a token (the message says which segment and where),
3 the source given with --from could not produce a token.

Examples:
  claimcheck decode token.jwt
  claimcheck decode --from gitpod --audience sts.amazonaws.com
  claimcheck decode --date local \"$(cat token.jwt)\"
  curl -sH \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL\" | claimcheck decode
  claimcheck decode --now 2026-01-01T00:00:00Z --leeway 0 token.jwt";

pub(super) const CHECK_EXAMPLES: &str = "\
INPUT is read as by `decode`, or the token is fetched with --from SOURCE as `claimcheck fetch`
does (see its help; --timeout stops the token command too, after 20 s by default). A JSON object of claims (no token in it) is evaluated as a what-if
and reported as unsigned. Rule files are detected by shape: an IAM role trust policy or `aws iam
get-role` output, and `aws iam get-open-id-connect-provider` output, whose client IDs are used for
the audience check of the AWS policies given with it. Prefix a file with its kind to force it
(aws:, gcp:, entra:, vault:, kubernetes:).

Exit status: 0 every applicable rule allows, 1 a rule denies or no rule applies to the token,
2 bad input or rule file,
3 a rule could not be evaluated.

Examples:
  claimcheck check token.jwt --rules trust-policy.json
  aws iam get-role --role-name deploy > role.json
  claimcheck check token.jwt --rules role.json --rules provider.json
  claimcheck check --from github --audience sts.amazonaws.com --rules trust-policy.json
  claimcheck check '{\"iss\":\"https://token.actions.githubusercontent.com\",\"sub\":\"repo:acme/app:pull_request\"}' --rules aws:policy.json
  claimcheck demo --print-token github-environment | claimcheck check --rules assets/demo/rules/aws-deploy-role.json";

pub(super) const DEMO_EXAMPLES: &str = "\
The demo tokens are signed with keys published in claimcheck's repository (assets/demo): they
are for trying claimcheck out and for tests, and prove nothing.

On a terminal `claimcheck demo` opens the interactive view on the demo tokens (and the demo
rules in assets/demo/rules when present); piped or with --json it prints them.

Examples:
  claimcheck demo
  claimcheck demo --print-token github-environment | claimcheck decode
  claimcheck demo --json";

#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// A token, a file holding one, or '-' for standard input.
    #[arg(value_name = "INPUT")]
    pub input: Option<String>,

    /// Also copy the raw token to the clipboard (OSC 52 through the terminal, or the system
    /// clipboard, which is then served until something else is copied, at most 30 s).
    #[arg(long)]
    pub copy: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub(super) const FETCH_EXAMPLES: &str = "\
Sources (SOURCE):
  github          GitHub Actions token endpoint; the job needs `permissions: id-token: write`
  gitlab[:NAME]   GitLab CI ID token variable (from `id_tokens:`); found when there is one
  gitpod          `gp idp token --audience AUD` (inside a Gitpod workspace)
  ona             `gitpod idp token --audience AUD` (inside an Ona environment)
  eks             the file at $AWS_WEB_IDENTITY_TOKEN_FILE (EKS IRSA; $AWS_ROLE_ARN is shown)
  aks             the file at $AZURE_FEDERATED_TOKEN_FILE (AKS workload identity)
  k8s[:PATH]      /var/run/secrets/kubernetes.io/serviceaccount/token, or a projected token
  gcloud          `gcloud auth print-identity-token [--audiences=AUD]`
  env:NAME        an environment variable
  file:PATH       a file
  exec:COMMAND    run COMMAND directly: words split as a shell would, quotes honoured, nothing
                  expanded (no $VAR, pipes or globs); the token is picked out of its output
  sh:COMMAND      run COMMAND with `sh -c`, for pipes and variables
  clipboard       the token on the system clipboard (OSC 52 cannot be read back)
  auto            list the sources this environment offers (as --list)

Commands run with standard input closed and are stopped after --timeout seconds (with
everything they started); their output is not echoed, and their standard error is shown only
when they fail. Details such as $AWS_ROLE_ARN go to standard error when it is a terminal.

With --copy the token goes to the clipboard (OSC 52 through the terminal, or the system
clipboard, served until something else is copied, at most 30 s) and is not printed.

Exit status: 0 fetched (or listed), 2 usage error, 3 the source could not produce a token (or
--copy could not copy it).

Examples:
  claimcheck fetch --list
  claimcheck fetch --from github --audience sts.amazonaws.com
  claimcheck fetch --from gcloud --audience https://service.example --copy
  claimcheck fetch --from gitpod --audience https://vault.example.com --json
  claimcheck fetch --from gitlab --env VAULT_ID_TOKEN | claimcheck decode
  claimcheck fetch --from k8s --path /var/run/secrets/tokens/vault-token
  claimcheck fetch --from exec:'vault print token' --timeout 5
  claimcheck fetch --from sh:'curl -s \"$URL\" | jq -r .token'";

#[derive(Debug, Clone, Args)]
pub struct DecodeCommandArgs {
    #[command(flatten)]
    pub decode: DecodeArgs,

    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// List the token sources this environment offers (same as --from auto).
    #[arg(long, conflicts_with = "from")]
    pub list: bool,

    /// Print the decoded token as the JSON document `decode --json` prints, instead of the raw
    /// token.
    #[arg(long)]
    pub json: bool,

    /// Copy the token to the clipboard instead of printing it; only where it went is printed
    /// (on standard error). With --json the document is printed as well.
    #[arg(long)]
    pub copy: bool,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Where to fetch a token from, shared by the commands that take `--from`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    #[command(flatten)]
    pub pick: SourcePick,

    /// Stop a token command or request after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value = "20", value_parser = crate::app::keys::parse_timeout)]
    pub timeout: Duration,
}

/// The source and its parameters, without `--timeout`: `check` has a `--timeout` of its own
/// (for key requests), which bounds the token command too.
#[derive(Debug, Clone, Args)]
pub struct SourcePick {
    /// Fetch the token from SOURCE (github, gitlab, gitpod, ona, eks, aks, k8s, gcloud,
    /// env:NAME, file:PATH, exec:COMMAND, sh:COMMAND, clipboard, auto).
    #[arg(long, value_name = "SOURCE", value_parser = parse_source)]
    pub from: Option<crate::source::SourceSpec>,

    /// The audience to ask the issuer for (github, gitpod, ona, gcloud).
    #[arg(long, value_name = "AUD")]
    pub audience: Option<String>,

    /// With --from gitlab: the variable holding the ID token (as named under `id_tokens:`).
    #[arg(long = "env", value_name = "NAME")]
    pub env_var: Option<String>,

    /// With --from k8s: the path of a projected service-account token.
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
}

impl SourcePick {
    /// True when any fetching option was given, which makes sense only with `--from`.
    pub fn any_option(&self) -> bool {
        self.audience.is_some() || self.env_var.is_some() || self.path.is_some()
    }
}

fn parse_source(text: &str) -> Result<crate::source::SourceSpec, String> {
    text.parse()
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// A token, a file holding one, '-' for standard input, or a JSON object of claims (what-if).
    #[arg(value_name = "INPUT")]
    pub input: Option<String>,

    /// Fetch the token instead of reading INPUT (`--timeout` also bounds the token command).
    #[command(flatten)]
    pub source: SourcePick,

    /// A rule file, optionally prefixed with its kind (`aws:policy.json`); repeat for several.
    #[arg(long = "rules", value_name = "[KIND:]FILE", action = clap::ArgAction::Append)]
    pub rules: Vec<String>,

    /// An ad hoc expectation: `CLAIM=VALUE` (exact) or `CLAIM~GLOB` (`*` any run, `?` one
    /// character, anchored, case-sensitive); a CLAIM starting with `/` is a JSON pointer into
    /// nested claims. Repeat for several (all must hold).
    #[arg(long = "expect", value_name = "CLAIM=VALUE|CLAIM~GLOB", action = clap::ArgAction::Append)]
    pub expect: Vec<String>,

    /// An IAM member from a GCP role binding (`principal://…/subject/S`,
    /// `principalSet://…/attribute.NAME/VALUE`, `…/group/G`, `…/*`): each GCP provider's
    /// verdict also says whether this token's mapped identity is that member.
    #[arg(long, value_name = "MEMBER")]
    pub gcp_member: Option<String>,

    /// A parameter of the CloudFormation templates given as `--rules cfn:FILE`, or a pseudo
    /// parameter (`AWS::AccountId=111122223333`); repeat for several.
    #[arg(long = "cfn-param", value_name = "NAME=VALUE", value_parser = crate::app::rules::parse_cfn_param, action = clap::ArgAction::Append)]
    pub cfn_param: Vec<(String, String)>,

    /// Do not verify the signature; evaluate the rules only.
    #[arg(long)]
    pub no_verify: bool,

    #[command(flatten)]
    pub keys: super::verify::KeyArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Print one freshly minted demo token, raw, and nothing else (for piping).
    #[arg(long, value_name = "NAME", value_parser = parse_demo_name)]
    pub print_token: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub time: TimeArgs,

    #[command(flatten)]
    pub interactive: TuiArgs,
}

fn parse_demo_name(name: &str) -> Result<String, String> {
    let names: Vec<String> = crate::demo::templates()
        .into_iter()
        .map(|t| t.name)
        .collect();
    if names.iter().any(|known| known == name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "no demo token called '{name}'; choose one of: {}",
            names.join(", ")
        ))
    }
}

#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print one JSON document (schema documented in the README) instead of text.
    #[arg(long)]
    pub json: bool,

    /// How to show instants.
    #[arg(long, value_enum, default_value_t = DateStyle::Utc, value_name = "STYLE")]
    pub date: DateStyle,

    /// When to colour text output; `auto` colours only a terminal, and never with NO_COLOR set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Fit text output to N columns (long values wrap; `check` stacks each condition below 100).
    /// Default: COLUMNS, then the terminal's width; output that is not a terminal is not fitted.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(20..))]
    pub width: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreviewFormat {
    Text,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct TimeArgs {
    /// Evaluate at this instant instead of the clock: Unix seconds or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub now: Option<i64>,

    /// Clock skew allowed on exp, nbf and iat, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_LEEWAY_SECS, value_parser = clap::value_parser!(i64).range(0..=86_400))]
    pub leeway: i64,
}

impl TimeArgs {
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| chrono::Utc::now().timestamp())
    }
}

/// The size bound on a token, for every command that reads one.
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Refuse a token (or input holding one, or a corpus line) larger than this many bytes. The
    /// bound keeps hostile input from exhausting memory; raise it for identity providers that
    /// put very large claims (group lists) into tokens.
    #[arg(long, value_name = "BYTES", default_value_t = crate::token::DEFAULT_MAX_TOKEN_BYTES, value_parser = parse_max_bytes)]
    pub max_bytes: usize,
}

impl LimitArgs {
    pub fn limits(&self) -> crate::token::Limits {
        crate::token::Limits {
            max_token_bytes: self.max_bytes,
            ..crate::token::Limits::default()
        }
    }
}

fn parse_max_bytes(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("a token has at least one byte".to_owned()),
        Ok(bytes) => Ok(bytes),
        Err(e) => Err(format!("expected a number of bytes ({e})")),
    }
}

fn parse_instant(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|e| {
            format!("expected Unix seconds or RFC 3339 such as 2026-01-01T12:00:00Z ({e})")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_instant("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_instant("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(
            parse_instant("2023-11-14T23:13:20+01:00"),
            Ok(1_700_000_000)
        );
        assert!(parse_instant("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn fetch_help_lists_every_source() {
        for preset in crate::source::PRESETS {
            assert!(
                FETCH_EXAMPLES.contains(&format!("\n  {} ", preset.usage)),
                "{} is missing from fetch --help",
                preset.usage
            );
        }
    }

    #[test]
    fn rules_take_one_file_each_so_input_may_come_before_or_after() {
        for argv in [
            ["claimcheck", "--rules", "trust.json", "token.jwt"],
            ["claimcheck", "token.jwt", "--rules", "trust.json"],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap();
            assert_eq!(cli.bare.input.as_deref(), Some("token.jwt"), "{argv:?}");
            assert_eq!(cli.interactive.rules, ["trust.json"], "{argv:?}");
        }
        let cli = Cli::try_parse_from([
            "claimcheck",
            "t.jwt",
            "--rules",
            "a.json",
            "--rules",
            "aws:b.json",
            "--jwks",
            "k.pem",
            "--offline",
        ])
        .unwrap();
        assert_eq!(cli.interactive.rules, ["a.json", "aws:b.json"]);
        assert_eq!(cli.interactive.keys.jwks.as_deref(), Some("k.pem"));
        assert!(cli.interactive.keys.offline);
    }

    #[test]
    fn the_argument_grammar_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
