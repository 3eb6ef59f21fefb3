//! Hints about GitHub Actions subjects (docs/SEMANTICS.md §6, github/docs `oidc.md`): the default `sub`
//! is `repo:O/R:environment:<env>` for jobs with an environment, `repo:O/R:pull_request` for
//! pull_request events, and `repo:O/R:ref:<ref>` otherwise; immutable subjects carry
//! `OWNER@ID/REPO@ID`. Any evaluator comparing a GitHub `sub` can use these.

use serde_json::Value;

use super::verdict::Hint;
use crate::token::Claims;

/// What follows `repo:O/R:` in a GitHub subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectTail<'a> {
    Environment(&'a str),
    PullRequest,
    Ref(&'a str),
    Other(&'a str),
}

/// Splits `repo:O/R:tail` into the repository part and the tail.
pub fn split_subject(sub: &str) -> Option<(&str, SubjectTail<'_>)> {
    let rest = sub.strip_prefix("repo:")?;
    let (repo, tail) = rest.split_once(':')?;
    let tail = if let Some(env) = tail.strip_prefix("environment:") {
        SubjectTail::Environment(env)
    } else if tail == "pull_request" {
        SubjectTail::PullRequest
    } else if let Some(git_ref) = tail.strip_prefix("ref:") {
        SubjectTail::Ref(git_ref)
    } else {
        SubjectTail::Other(tail)
    };
    Some((repo, tail))
}

/// The rule expects one subject form and the job produced another.
pub fn subject_form(expected: &str, actual: &str, claims: &Claims) -> Option<Hint> {
    let (want_repo, want) = split_subject(expected)?;
    let (repo, have) = split_subject(actual)?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str);
    let message = match (&want, &have) {
        (SubjectTail::Ref(want_ref), SubjectTail::Environment(env)) => {
            let branch = want_ref.strip_prefix("refs/heads/").unwrap_or(want_ref);
            format!(
                "this job uses environment `{env}`, so `sub` ends in `:environment:{env}`, not `:ref:{want_ref}`; \
                 trust `repo:{repo}:environment:{env}`, and limit the environment's deployment branches to `{branch}` in the repository settings"
            )
        }
        (SubjectTail::Ref(want_ref), SubjectTail::PullRequest) => format!(
            "this is a pull_request run, so `sub` is `repo:{repo}:pull_request`, not `…:ref:{want_ref}`{}; \
             a policy for branches does not admit pull requests, which is usually what you want",
            claim("ref")
                .map(|r| format!(" (its ref is `{r}`)"))
                .unwrap_or_default()
        ),
        (SubjectTail::Environment(want_env), SubjectTail::Ref(git_ref)) => format!(
            "the rule expects a job using environment `{want_env}`, but this job has no environment, so `sub` ends in `:ref:{git_ref}`; \
             add `environment: {want_env}` to the job"
        ),
        (SubjectTail::Environment(want_env), SubjectTail::Environment(env)) if want_env != env => {
            format!("this job uses environment `{env}`, the rule expects environment `{want_env}`")
        }
        // Same repository, another branch or tag: say what would admit this run, narrowest
        // first (github/docs oidc.md: `repo:O/R:ref:<ref>` for jobs without an environment).
        (SubjectTail::Ref(want_ref), SubjectTail::Ref(git_ref))
            if want_repo == repo && want_ref != git_ref =>
        {
            let kind = if git_ref.starts_with("refs/tags/") {
                "tags"
            } else {
                "heads"
            };
            format!(
                "this run is on `{git_ref}`, the rule admits `{want_ref}` only; to admit this job, add `repo:{repo}:ref:{git_ref}` \
                 to the values the rule accepts (narrowest), or run it from `{want_ref}`; the pattern `repo:{repo}:ref:refs/{kind}/*` \
                 would admit every {} of the repository, which is wider than most roles should trust",
                if kind == "tags" { "tag" } else { "branch" }
            )
        }
        (SubjectTail::PullRequest, SubjectTail::Ref(git_ref)) => format!(
            "the rule expects a pull_request run, but this run's `sub` ends in `:ref:{git_ref}`"
        ),
        (SubjectTail::Environment(want_env), SubjectTail::PullRequest) => format!(
            "the rule expects a job using environment `{want_env}`, but this is a pull_request run without one"
        ),
        _ => return None,
    };
    Some(Hint::new("github-subject-form", message))
}

/// One side uses immutable `OWNER@ID/REPO@ID` subjects and the other does not.
pub fn immutable_subject(expected: &str, actual: &str) -> Option<Hint> {
    let immutable = |sub: &str| split_subject(sub).is_some_and(|(repo, _)| repo.contains('@'));
    let expected_immutable = expected
        .strip_prefix("repo:")
        .and_then(|rest| rest.split(':').next())
        .is_some_and(|repo| repo.contains('@'));
    match (expected_immutable, immutable(actual)) {
        (false, true) => Some(Hint::new(
            "github-immutable-subject",
            format!(
                "the token uses an immutable subject (`{}`: owner and repository IDs after '@'), the default for repositories created, renamed or transferred after 2026-07-15; name-only patterns do not match it — write the `OWNER@ID/REPO@ID` form",
                split_subject(actual).map_or(actual, |(repo, _)| repo)
            ),
        )),
        (true, false) if actual.starts_with("repo:") => Some(Hint::new(
            "github-immutable-subject",
            "the rule expects an immutable subject (`OWNER@ID/REPO@ID`) but this repository's tokens still use names; opt the repository in to immutable subjects or match the name form",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims() -> Claims {
        json!({"ref": "refs/pull/42/merge", "environment": "prod"})
            .as_object()
            .unwrap()
            .clone()
    }

    // github/docs oidc.md: environment replaces ref in sub (docs/SEMANTICS.md §6, §1.5).
    #[test]
    fn environment_job_against_branch_pinned_rule() {
        let hint = subject_form(
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/app:environment:prod",
            &claims(),
        )
        .unwrap();
        assert_eq!(hint.code, "github-subject-form");
        assert!(hint.message.starts_with(
            "this job uses environment `prod`, so `sub` ends in `:environment:prod`, not `:ref:refs/heads/main`"
        ));
    }

    // ministryofjustice/modernisation-platform#3909: PR subjects are `repo:o/r:pull_request`.
    #[test]
    fn pull_request_run_against_branch_rule() {
        let hint = subject_form(
            "repo:acme/app:ref:refs/heads/*",
            "repo:acme/app:pull_request",
            &claims(),
        )
        .unwrap();
        assert!(hint.message.contains("`repo:acme/app:pull_request`"));
        assert!(hint.message.contains("refs/pull/42/merge"));
    }

    #[test]
    fn branch_job_against_environment_rule_and_same_form() {
        let hint = subject_form(
            "repo:acme/app:environment:prod",
            "repo:acme/app:ref:refs/heads/main",
            &claims(),
        )
        .unwrap();
        assert!(hint.message.contains("add `environment: prod`"));
        // A plain branch mismatch says what to change, not only where the strings part.
        let hint = subject_form(
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/app:ref:refs/heads/dev",
            &claims(),
        )
        .unwrap();
        assert!(
            hint.message
                .contains("add `repo:acme/app:ref:refs/heads/dev` to the values the rule accepts"),
            "{}",
            hint.message
        );
        assert!(
            hint.message
                .contains("the pattern `repo:acme/app:ref:refs/heads/*` would admit every branch"),
            "{}",
            hint.message
        );
        // Another repository is not this hint's business.
        assert!(
            subject_form(
                "repo:acme/app:ref:refs/heads/main",
                "repo:other/app:ref:refs/heads/dev",
                &claims()
            )
            .is_none()
        );
        assert!(subject_form("x", "repo:acme/app:pull_request", &claims()).is_none());
    }

    // github/docs oidc.md "immutable subjects" (docs/SEMANTICS.md §6).
    #[test]
    fn immutable_subjects() {
        let hint = immutable_subject(
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme@65001/app@74001:ref:refs/heads/main",
        )
        .unwrap();
        assert!(hint.message.contains("`acme@65001/app@74001`"));
        assert!(
            immutable_subject(
                "repo:acme@65001/app@74001:*",
                "repo:acme/app:ref:refs/heads/main"
            )
            .is_some()
        );
        assert!(immutable_subject("repo:acme/*", "repo:acme/app:pull_request").is_none());
    }
}
