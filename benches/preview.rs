//! `claimcheck preview`'s path (corpus streamed from a file, every token × every rule, grouped)
//! over 10 000 and 100 000 tokens × 20 mixed rules: 6 AWS trust policies, 5 Vault roles, 4
//! Entra federated credentials, 5 GCP providers with CEL conditions. docs/ARCHITECTURE.md §9: under 2 s for
//! 100 000 tokens on 2 cores, memory flat in the corpus size.
//!
//! Run with `cargo bench --bench preview`. The corpora are minted once with the TEST-ONLY demo
//! EC key into `$CARGO_TARGET_TMPDIR/preview-bench/` (never committed) together with the rule
//! files, so the same inputs can be fed to the real binary to measure peak memory:
//!
//! ```text
//! cargo build --release
//! D=target/tmp/preview-bench
//! /usr/bin/time -v target/release/claimcheck preview --tokens $D/corpus-100000.txt \
//!     $(for f in $D/rules/*; do printf -- '--rules %s ' $f; done) --json > /dev/null
//! ```
//!
//! `breakdown_10000_one_thread` splits the cost: reading and decoding alone, then each kind of
//! rule alone (subtract `none`). Reading and decoding is most of it; of the rules, the AWS
//! policies cost the most (figures in the README).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use claimcheck::demo::{self, DemoKey};
use claimcheck::preview::corpus;
use claimcheck::preview::group::GroupBy;
use claimcheck::preview::matrix::{Clock, Preview, PreviewInput, evaluate};
use claimcheck::trust::Rule;
use claimcheck::trust::load::{LoadedRules, load_rule_file};
use serde_json::{Map, Value, json};

/// Minting time; the tokens stay valid until `NOW + 3600`.
const NOW: i64 = 1_800_000_000;

fn main() {
    // Mint before divan starts timing anything.
    for size in [10_000, 100_000] {
        corpus_file(size);
    }
    rule_files();
    divan::main();
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("preview-bench")
}

/// The 20 rule files, written once; their paths in name order.
fn rule_files() -> Vec<PathBuf> {
    let dir = bench_dir().join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    let mut write = |name: String, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        files.push(path);
    };
    let provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    let gh = "token.actions.githubusercontent.com";
    let aws_conditions = [
        json!({"StringEquals": {format!("{gh}:aud"): "sts.amazonaws.com", format!("{gh}:sub"): "repo:acme/app1:ref:refs/heads/main"}}),
        json!({"StringEquals": {format!("{gh}:aud"): "sts.amazonaws.com", format!("{gh}:sub"): "repo:acme/app2:environment:prod"}}),
        json!({"StringEquals": {format!("{gh}:aud"): "sts.amazonaws.com"}, "StringLike": {format!("{gh}:sub"): ["repo:acme/*:environment:prod", "repo:acme/*:ref:refs/tags/v*"]}}),
        json!({"StringLike": {format!("{gh}:sub"): "repo:acme/*"}}),
        json!({"StringLike": {format!("{gh}:sub"): format!("repo:${{{gh}:repository}}:*")}}),
        json!({"ForAnyValue:StringLike": {format!("{gh}:sub"): "repo:acme/app1*"}, "StringEqualsIfExists": {format!("{gh}:environment"): "prod"}}),
    ];
    for (i, condition) in aws_conditions.into_iter().enumerate() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Deploy", "Effect": "Allow", "Principal": {"Federated": provider},
             "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition},
            {"Sid": "NoPullRequests", "Effect": "Deny", "Principal": {"Federated": provider},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringLike": {format!("{gh}:sub"): "repo:*:pull_request"}}}
        ]});
        write(format!("aws-{i}.json"), policy.to_string());
    }
    let vault_bindings = [
        json!({"project_path": "acme/infra0", "ref": "main"}),
        json!({"project_path": "acme/infra1", "ref_type": "branch"}),
        json!({"namespace_path": "acme", "ref_protected": "true"}),
        json!({"project_path": ["acme/infra2", "acme/infra3"]}),
        json!({"project_path": "acme/infra4", "ref": "main", "ref_protected": "true"}),
    ];
    for (i, bound_claims) in vault_bindings.into_iter().enumerate() {
        let role = json!({"data": {
            "role_type": "jwt",
            "bound_audiences": ["https://vault.acme.example"],
            "bound_claims": bound_claims,
            "bound_claims_type": "string",
            "bound_subject": "",
            "user_claim": "user_email",
            "token_policies": ["deploy"],
        }});
        write(format!("vault-{i}.json"), role.to_string());
    }
    let credentials: Vec<Value> = (0..4)
        .map(|i| {
            json!({
                "name": format!("acme-app{i}-prod"),
                "issuer": "https://token.actions.githubusercontent.com",
                "subject": format!("repo:acme/app{i}:environment:prod"),
                "audiences": ["api://AzureADTokenExchange"],
            })
        })
        .collect();
    write(
        "entra-credentials.json".into(),
        Value::Array(credentials).to_string(),
    );
    let conditions = [
        "assertion.repository == 'acme/app1' && assertion.environment == 'prod'",
        "assertion.repository_owner == 'acme'",
        "assertion.ref.startsWith('refs/heads/') && assertion.ref_type == 'branch'",
        "assertion.sub.matches('^repo:acme/app[0-9]+:environment:prod$')",
        "has(assertion.environment) ? assertion.environment in ['prod', 'staging'] : false",
    ];
    for (i, condition) in conditions.into_iter().enumerate() {
        let provider = format!(
            "attributeCondition: \"{condition}\"\nattributeMapping:\n  google.subject: assertion.sub\n  attribute.repository: assertion.repository\nname: projects/1/locations/global/workloadIdentityPools/github/providers/p{i}\noidc:\n  allowedAudiences:\n  - sts.amazonaws.com\n  - api://AzureADTokenExchange\n  issuerUri: https://token.actions.githubusercontent.com\nstate: ACTIVE\n"
        );
        write(format!("gcp-{i}.yaml"), provider);
    }
    files.sort();
    files
}

fn load_rules(files: &[PathBuf]) -> Vec<Box<dyn Rule>> {
    let rules = load_rules_of(files);
    assert_eq!(rules.len(), 20, "the benchmark evaluates 20 rules");
    rules
}

fn load_rules_of(files: &[PathBuf]) -> Vec<Box<dyn Rule>> {
    let mut loaded = LoadedRules::default();
    for file in files {
        let name = file.to_str().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        loaded.merge(load_rule_file(name, &text, None).unwrap());
    }
    loaded.into_rules().unwrap()
}

/// The claims of token `i`: GitHub Actions runs of 25 repositories (branch, environment and
/// pull-request jobs, every run its own id) and, one in seven, GitLab pipelines.
fn claims(
    i: usize,
    github: &Map<String, Value>,
    gitlab: &Map<String, Value>,
) -> Map<String, Value> {
    if i % 7 == 6 {
        let mut c = gitlab.clone();
        let project = format!("acme/infra{}", i % 5);
        c.insert("project_path".into(), json!(project));
        c.insert("pipeline_id".into(), json!((1_000_000 + i).to_string()));
        c.insert(
            "sub".into(),
            json!(format!("project_path:{project}:ref_type:branch:ref:main")),
        );
        return c;
    }
    let mut c = github.clone();
    let repo = format!("acme/app{}", i % 25);
    let tail = match i % 3 {
        0 => "ref:refs/heads/main".to_owned(),
        1 => "environment:prod".to_owned(),
        _ => "pull_request".to_owned(),
    };
    c.insert("sub".into(), json!(format!("repo:{repo}:{tail}")));
    c.insert("repository".into(), json!(repo));
    c.insert(
        "run_id".into(),
        json!((9_000_000_000_u64 + i as u64).to_string()),
    );
    if i % 3 != 1 {
        c.shift_remove("environment");
    }
    c
}

/// `corpus-N.txt`: N signed tokens, one per line; minted on both cores the first time.
fn corpus_file(size: usize) -> PathBuf {
    let path = bench_dir().join(format!("corpus-{size}.txt"));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(bench_dir()).unwrap();
    let github = demo::template("github-environment").unwrap().claims_at(NOW);
    let gitlab = demo::template("gitlab").unwrap().claims_at(NOW);
    let halves: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|half| {
                let (github, gitlab) = (&github, &gitlab);
                scope.spawn(move || {
                    (half * size / 2..(half + 1) * size / 2)
                        .map(|i| {
                            demo::sign_with(DemoKey::Ec, &Map::new(), &claims(i, github, gitlab))
                        })
                        .collect()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let staging = path.with_extension("partial");
    let mut out = BufWriter::new(std::fs::File::create(&staging).unwrap());
    for token in halves.iter().flatten() {
        writeln!(out, "{token}").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    std::fs::rename(staging, &path).unwrap();
    path
}

fn run(size: usize, threads: usize, proposed: bool) -> Preview {
    let files = rule_files();
    let current = load_rules(&files);
    let against = proposed.then(|| load_rules(&files));
    let input = PreviewInput {
        current: &current,
        proposed: against.as_deref(),
        clock: Clock::Pinned { at: NOW },
        group_by: GroupBy::FoldedSubject,
        max_listed: 1000,
        threads,
        memoise: true,
    };
    let entries = corpus::open(corpus_file(size).to_str().unwrap()).unwrap();
    let preview = evaluate(entries, &input, &|_| {});
    assert_eq!(preview.entries, size);
    preview
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// What `claimcheck preview --tokens corpus --rules …` does: read, decode, evaluate, group.
#[divan::bench(args = [10_000, 100_000], sample_count = 3, sample_size = 1)]
fn corpus_x_20_rules(size: usize) -> Preview {
    run(size, cores(), false)
}

/// The same on one thread: how much the second core buys.
#[divan::bench(args = [100_000], sample_count = 2, sample_size = 1)]
fn corpus_x_20_rules_one_thread(size: usize) -> Preview {
    run(size, 1, false)
}

/// With `--against`: 20 current and 20 proposed rules, so 40 evaluations per token.
#[divan::bench(args = [100_000], sample_count = 2, sample_size = 1)]
fn corpus_x_20_rules_against_20(size: usize) -> Preview {
    run(size, cores(), true)
}

/// Where the time goes, on one thread over 10 000 tokens: reading and decoding alone (no
/// rules), then each kind of rule alone.
#[divan::bench(args = ["none", "aws", "vault", "entra", "gcp"], sample_count = 3, sample_size = 1)]
fn breakdown_10000_one_thread(kind: &str) -> Preview {
    let files: Vec<PathBuf> = rule_files()
        .into_iter()
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(kind))
        })
        .collect();
    let rules = load_rules_of(&files);
    let input = PreviewInput {
        current: &rules,
        proposed: None,
        clock: Clock::Pinned { at: NOW },
        group_by: GroupBy::FoldedSubject,
        max_listed: 1000,
        threads: 1,
        memoise: true,
    };
    let entries = corpus::open(corpus_file(10_000).to_str().unwrap()).unwrap();
    evaluate(entries, &input, &|_| {})
}
