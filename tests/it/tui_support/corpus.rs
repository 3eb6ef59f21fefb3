//! For the preview tests (the CLI's and the matrix's): a corpus of tokens from several GitHub workflows (minted by the test
//! with the test-only demo key), the current org-wide AWS trust policy and a proposed one
//! tightened to environment `prod`; and a runner that carries out the matrix's commands
//! synchronously, the way the worker thread would.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::time::Instant;

use claimcheck::app::Live;
use claimcheck::demo::{self, DemoKey};
use claimcheck::preview::group::GroupBy;
use claimcheck::tui::engine::{Engine, Standalone};
use claimcheck::tui::matrix::CorpusSpec;
use claimcheck::tui::matrix_job::{MatrixJob, compute};
use claimcheck::tui::model::Model;
use claimcheck::tui::update::{Cmd, Msg, update};
use claimcheck::tui::{Clock, Launch};
use serde_json::{Map, Value, json};

use super::{NOW, verified};

/// An AWS trust policy for GitHub's issuer with this condition.
pub fn policy(condition: Value) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GitHub",
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition
        }]
    })
    .to_string()
}

pub fn org_wide() -> String {
    policy(json!({
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}
    }))
}

pub fn prod_only() -> String {
    policy(json!({
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod"
        }
    }))
}

fn token_for(template: &str, overrides: Value) -> String {
    token_at(template, overrides, NOW)
}

fn token_at(template: &str, overrides: Value, at: i64) -> String {
    let template = demo::template(template).unwrap();
    let mut claims = template.claims_at(at);
    for (name, value) in overrides.as_object().unwrap() {
        claims.insert(name.clone(), value.clone());
    }
    demo::sign_with(DemoKey::Ec, &Map::new(), &claims)
}

/// Seven lines: two prod deployments (one group), a main-branch build, a pull request, a bad
/// line, unsigned claims of another repository, and a branch of another organisation.
pub fn corpus_text() -> String {
    corpus_text_at(NOW)
}

/// [`corpus_text`] with every token issued at `at`.
pub fn corpus_text_at(at: i64) -> String {
    let lines = [
        token_at("github-environment", json!({"run_id": "1"}), at),
        token_at("github-branch", json!({}), at),
        token_at("github-pull-request", json!({}), at),
        token_at("github-environment", json!({"run_id": "2"}), at),
        "this line is not a token".to_owned(),
        json!({"sub": "repo:acme/tools:ref:refs/heads/main", "aud": "sts.amazonaws.com",
               "iss": "https://token.actions.githubusercontent.com", "exp": at + 300})
        .to_string(),
        token_at(
            "github-branch",
            json!({"sub": "repo:other/x:ref:refs/heads/main", "repository": "other/x"}),
            at,
        ),
    ];
    lines.join("\n") + "\n"
}

/// The corpus and both policies in a directory of their own, removed on drop.
pub struct PreviewFiles {
    pub dir: PathBuf,
}

impl PreviewFiles {
    pub fn new(name: &str) -> PreviewFiles {
        let dir = std::env::temp_dir().join(format!(
            "claimcheck-tui-matrix-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("current.json"), org_wide()).unwrap();
        std::fs::write(dir.join("proposed.json"), prod_only()).unwrap();
        std::fs::write(dir.join("corpus.txt"), corpus_text()).unwrap();
        PreviewFiles { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    pub fn spec(&self) -> CorpusSpec {
        CorpusSpec {
            corpus: self.path("corpus.txt"),
            current: vec![self.path("current.json")],
            proposed: vec![self.path("proposed.json")],
            group_by: GroupBy::FoldedSubject,
            pinned_now: None,
        }
    }
}

impl Drop for PreviewFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What `claimcheck preview --tui` launches with.
pub fn launch(spec: CorpusSpec) -> Launch {
    Launch {
        tokens: Vec::new(),
        rejected: None,
        fetched_from: None,
        rule_paths: spec.rule_paths(),
        engine: std::sync::Arc::new(Standalone),
        settings: Default::default(),
        settings_problem: None,
        clock: Clock::Frozen(NOW),
        leeway: 60,
        signature_required: true,
        started: Instant::now(),
        matrix: Some(spec),
    }
}

/// Carries out `cmd` as the runtime and worker would, feeding every resulting message back to
/// `update`: matrices are computed, corpus entries read, rule files loaded with the real
/// loader; signatures are reported verified.
pub fn execute(model: &mut Model, cmd: Option<Cmd>) {
    let Some(cmd) = cmd else { return };
    let follow_up = match cmd {
        Cmd::Batch(cmds) => {
            for cmd in cmds {
                execute(model, Some(cmd));
            }
            None
        }
        Cmd::ComputeMatrix {
            generation,
            spec,
            now,
        } => {
            let (tx, rx) = channel();
            compute(
                MatrixJob {
                    generation,
                    spec,
                    now,
                },
                &|| true,
                &tx,
            );
            drop(tx);
            let mut last = None;
            for msg in rx {
                last = update(model, msg);
            }
            last
        }
        Cmd::ComputeRegions(job) => update(model, claimcheck::tui::regions_job::compute(&job)),
        Cmd::ReadSample {
            corpus,
            location,
            rule,
        } => update(
            model,
            Msg::SampleRead {
                result: claimcheck::preview::corpus::read_at(&corpus, &location),
                location,
                rule,
            },
        ),
        Cmd::LoadRules(paths) => {
            let engine = Live::new(Default::default());
            let mut last = None;
            for path in paths {
                let text = std::fs::read_to_string(&path).unwrap();
                let result = engine.load_rules(&path, &text);
                last = update(model, Msg::RulesLoaded { path, result });
            }
            last
        }
        Cmd::Verify {
            entry_id,
            generation,
            ..
        } => update(
            model,
            Msg::Verified {
                entry_id,
                generation,
                report: verified(),
            },
        ),
        _ => None,
    };
    execute(model, follow_up);
}
