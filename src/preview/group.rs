//! Which tokens count as "the same caller", so that a thousand runs of one workflow are one row.
//!
//! By default the key is `sub` with its run-specific parts folded to `*` (an Ona environment id,
//! a GitLab pipeline id in a custom subject…); `--group-by` names claims to use instead.

use serde_json::Value;

use crate::token::Claims;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GroupBy {
    #[default]
    FoldedSubject,
    /// These claims' values joined with ` · `; JSON pointers (`/kubernetes.io/namespace`) work.
    Claims(Vec<String>),
}

/// Subject components whose value changes from run to run of the same workload.
const RUN_SPECIFIC_KEYS: [&str; 11] = [
    "env",
    "environment_id",
    "run_id",
    "run_number",
    "run_attempt",
    "job_id",
    "pipeline_id",
    "sha",
    "jti",
    "runner_id",
    "rnr",
];

pub fn group_key(claims: &Claims, by: &GroupBy) -> String {
    match by {
        GroupBy::FoldedSubject => match claims.get("sub") {
            Some(Value::String(sub)) => fold_run_specific(sub),
            Some(other) => other.to_string(),
            None => match claims.get("iss").and_then(Value::as_str) {
                Some(iss) => format!("(no sub) {iss}"),
                None => "(no sub)".to_owned(),
            },
        },
        GroupBy::Claims(names) => names
            .iter()
            .map(|name| match lookup(claims, name) {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => "(absent)".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

fn lookup<'a>(claims: &'a Claims, name: &str) -> Option<&'a Value> {
    if name.starts_with('/') {
        pointer(claims, name)
    } else {
        claims.get(name)
    }
}

fn pointer<'a>(claims: &'a Claims, path: &str) -> Option<&'a Value> {
    let mut steps = path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    let first = steps.next()?;
    let mut current = claims.get(&first)?;
    for step in steps {
        current = match current {
            Value::Object(map) => map.get(&step)?,
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// `org:A/prj:B/env:C` → `org:A/prj:B/env:*`; `…:pipeline_id:574:…` → `…:pipeline_id:*:…`.
pub fn fold_run_specific(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut fold_next = false;
    for piece in subject.split_inclusive([':', '/']) {
        let (word, separator) = match piece.char_indices().last() {
            Some((at, c)) if c == ':' || c == '/' => (&piece[..at], &piece[at..]),
            _ => (piece, ""),
        };
        if fold_next && !word.is_empty() {
            out.push('*');
        } else {
            out.push_str(word);
        }
        fold_next = separator == ":" && RUN_SPECIFIC_KEYS.contains(&word);
        out.push_str(separator);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn folds_run_specific_subject_parts() {
        let cases = [
            (
                "repo:acme/app:environment:prod",
                "repo:acme/app:environment:prod",
            ),
            ("org:o1/prj:p1/env:e1", "org:o1/prj:p1/env:*"),
            ("org:o1/env:e2", "org:o1/env:*"),
            (
                "project_path:acme/infra:ref_type:branch:ref:main:pipeline_id:574",
                "project_path:acme/infra:ref_type:branch:ref:main:pipeline_id:*",
            ),
            (
                "repo:acme/app:run_id:12:job_workflow_ref:x",
                "repo:acme/app:run_id:*:job_workflow_ref:x",
            ),
            (
                "system:serviceaccount:payments:api",
                "system:serviceaccount:payments:api",
            ),
            (
                "https://github.com/acme/app/pull/42",
                "https://github.com/acme/app/pull/42",
            ),
        ];
        for (subject, key) in cases {
            assert_eq!(fold_run_specific(subject), key, "{subject}");
        }
    }

    #[test]
    fn group_by_claims_and_pointers() {
        let c = claims(
            json!({"repository": "acme/app", "ref": "refs/heads/main", "kubernetes.io": {"namespace": "payments"}}),
        );
        let by = GroupBy::Claims(vec![
            "repository".into(),
            "ref".into(),
            "environment".into(),
        ]);
        assert_eq!(group_key(&c, &by), "acme/app · refs/heads/main · (absent)");
        let nested = GroupBy::Claims(vec!["/kubernetes.io/namespace".into()]);
        assert_eq!(group_key(&c, &nested), "payments");
        assert_eq!(group_key(&c, &GroupBy::FoldedSubject), "(no sub)");
    }
}
