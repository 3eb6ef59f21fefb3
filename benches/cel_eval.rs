//! A GCP attribute condition compiled once, evaluated against 100 000 claim sets (docs/ARCHITECTURE.md §9:
//! `preview` over 100 000 tokens × 20 rules must stay under 2 s). Run with `cargo bench --bench
//! cel_eval`; each sample walks all 100 000 claim sets, so divan's time per sample is the figure.

use claimcheck::token::Claims;
use claimcheck::trust::cel::{self, Bindings, Dialect};
use serde_json::{Value, json};

const CLAIM_SETS: usize = 100_000;
const CONDITION: &str = "assertion.repository == 'acme/app' && assertion.ref.startsWith('refs/heads/') \
    && (has(assertion.environment) ? assertion.environment == 'prod' : false)";

fn main() {
    divan::main();
}

/// GitHub-shaped claim sets: a few repositories, branches and environments, some without one.
fn claim_sets() -> Vec<Claims> {
    (0..CLAIM_SETS)
        .map(|i| {
            let repo = ["acme/app", "acme/infra", "other/app"][i % 3];
            let mut claims = json!({
                "iss": "https://token.actions.githubusercontent.com",
                "aud": "https://github.com/acme",
                "sub": format!("repo:{repo}:ref:refs/heads/b{}", i % 17),
                "repository": repo,
                "repository_owner": repo.split('/').next().unwrap(),
                "ref": format!("refs/heads/b{}", i % 17),
                "run_id": (9_000_000_000_u64 + i as u64).to_string(),
                "exp": 2_000_000_000_i64,
            });
            if i % 2 == 0 {
                claims["environment"] = json!(["prod", "staging"][i % 4 / 2]);
            }
            match claims {
                Value::Object(map) => map,
                _ => unreachable!("built as an object"),
            }
        })
        .collect()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn condition_over_100k_claim_sets(bencher: divan::Bencher) {
    let sets = claim_sets();
    let condition =
        cel::compile(Dialect::Gcp, CONDITION).expect("the benchmark condition compiles");
    bencher.bench_local(|| {
        sets.iter()
            .filter(|claims| {
                let mut bindings = Bindings::new(Dialect::Gcp);
                bindings.bind_object("assertion", claims);
                condition.evaluate(&bindings).ok().and_then(|r| r.as_bool()) == Some(true)
            })
            .count()
    });
}

/// The same condition with only the claims it reads bound (`Expression::reads`), as the GCP
/// evaluator binds them.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn condition_over_100k_claim_sets_binding_read_claims_only(bencher: divan::Bencher) {
    let sets = claim_sets();
    let condition =
        cel::compile(Dialect::Gcp, CONDITION).expect("the benchmark condition compiles");
    let reads = condition.reads("assertion");
    bencher.bench_local(|| {
        sets.iter()
            .filter(|claims| {
                let mut bindings = Bindings::new(Dialect::Gcp);
                bindings.bind_object_for("assertion", claims, reads);
                condition.evaluate(&bindings).ok().and_then(|r| r.as_bool()) == Some(true)
            })
            .count()
    });
}

fn provider() -> Vec<Box<dyn claimcheck::trust::Rule>> {
    let provider = json!({
        "name": "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-app",
        "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
        "attributeCondition": CONDITION,
        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": ["https://github.com/acme"]},
    });
    claimcheck::trust::gcp::parse(&provider, None).expect("the benchmark provider parses")
}

/// A whole provider (issuer, audience, expiry, two mapped attributes, the condition), decision
/// only (`Rule::outcome`, what `preview`'s matrix uses).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn gcp_provider_outcomes_over_100k_claim_sets(bencher: divan::Bencher) {
    let sets = claim_sets();
    let rules = provider();
    bencher.bench_local(|| {
        sets.iter()
            .filter(|claims| {
                rules[0].outcome(claims, 1_900_000_000) == claimcheck::trust::Outcome::Allowed
            })
            .count()
    });
}

/// The same with full verdicts (every check, hint and note, as `check` prints them).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn gcp_provider_verdicts_over_100k_claim_sets(bencher: divan::Bencher) {
    let sets = claim_sets();
    let rules = provider();
    bencher.bench_local(|| {
        sets.iter()
            .map(|claims| rules[0].evaluate(claims, 1_900_000_000))
            .filter(|v| v.outcome == claimcheck::trust::Outcome::Allowed)
            .count()
    });
}
