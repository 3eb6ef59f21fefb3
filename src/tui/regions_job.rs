//! The symbolic analysis behind the Regions list, off the UI thread: the rule files are read
//! and loaded afresh (they may have just been edited), then compared (`trust::symbolic::compare`)
//! or, with one rule set, their reach computed (`trust::symbolic::reach`). That can take up to
//! a second on large rules, so it runs on a thread of its own; a result superseded by a newer
//! request is not sent.
//!
//! Public face: [`RegionsJob`], [`compute`] (synchronous, for tests) and [`start`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;

use super::update::Msg;
use crate::trust::symbolic::{self, Budget, Comparison, Reach};
use crate::trust::{Rule, RuleId};

/// What to analyse: `[KIND:]FILE` arguments as on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionsJob {
    pub generation: u64,
    pub current: Vec<String>,
    /// `None`: one rule set, whose reach is shown.
    pub proposed: Option<Vec<String>>,
    pub now: i64,
}

impl RegionsJob {
    /// Replaces each rule argument that is a plain path by the argument `argument_of` gives
    /// for it (its `KIND:` prefix); arguments that carry a prefix already stay as they are.
    pub fn read_as(&mut self, argument_of: impl Fn(&std::path::Path) -> String) {
        let rewrite = |args: &mut Vec<String>| {
            for arg in args.iter_mut() {
                let plain = crate::app::rules::path_of(arg).is_ok_and(|path| path == arg);
                if plain {
                    *arg = argument_of(std::path::Path::new(arg.as_str()));
                }
            }
        };
        rewrite(&mut self.current);
        if let Some(proposed) = self.proposed.as_mut() {
            rewrite(proposed);
        }
    }
}

/// The analysis's answer.
#[derive(Debug, Clone)]
pub enum Analysis {
    Compared(Comparison),
    /// One rule set: each rule's reach, as the matrix has a column per rule. Analysing the
    /// rules one at a time keeps rules of different systems from multiplying each other's
    /// claim values past the budget; a caller gets in when any rule lets it in.
    Reach(Vec<RuleReach>),
}

#[derive(Debug, Clone)]
pub struct RuleReach {
    pub rule: RuleId,
    pub reach: Reach,
}

/// Runs `job` on a new thread; its result is dropped if a later job has been started meanwhile.
pub fn start(job: RegionsJob, latest: &Arc<AtomicU64>, results: &Sender<Msg>) {
    let generation = job.generation;
    latest.store(generation, Ordering::SeqCst);
    let latest = Arc::clone(latest);
    let sender = results.clone();
    let spawned = std::thread::Builder::new()
        .name("claimcheck-regions".into())
        .spawn(move || {
            let result = super::worker::caught(|| analyse(&job)).unwrap_or_else(|panic| {
                Err(format!(
                    "claimcheck failed analysing the rules (an internal error: {panic})"
                ))
            });
            if latest.load(Ordering::SeqCst) == generation {
                let _ = sender.send(Msg::RegionsComputed { generation, result });
            }
        });
    if let Err(error) = spawned {
        let _ = results.send(Msg::RegionsComputed {
            generation,
            result: Err(format!("cannot start the analysis: {error}")),
        });
    }
}

/// The message `start` sends, computed here and now.
pub fn compute(job: &RegionsJob) -> Msg {
    Msg::RegionsComputed {
        generation: job.generation,
        result: analyse(job),
    }
}

fn analyse(job: &RegionsJob) -> Result<Box<Analysis>, String> {
    let current = load(&job.current)?;
    let analysis = match &job.proposed {
        Some(proposed) => {
            let proposed = load(proposed)?;
            Analysis::Compared(symbolic::compare(
                &current,
                &proposed,
                job.now,
                Budget::default(),
            ))
        }
        None => Analysis::Reach(
            current
                .iter()
                .map(|rule| RuleReach {
                    rule: rule.id().clone(),
                    reach: symbolic::reach(std::slice::from_ref(rule), job.now, Budget::default()),
                })
                .collect(),
        ),
    };
    Ok(Box::new(analysis))
}

/// Rules merged as `claimcheck preview --rules` merges them.
fn load(args: &[String]) -> Result<Vec<Box<dyn Rule>>, String> {
    crate::app::rules::load(args, None).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;

    fn job(generation: u64, current: &str, proposed: Option<&str>) -> RegionsJob {
        RegionsJob {
            generation,
            current: vec![current.into()],
            proposed: proposed.map(|p| vec![p.into()]),
            now: 1_800_000_000,
        }
    }

    const DEMO: &str = "assets/demo/rules/aws-deploy-role.json";

    /// A file the view was given as `vault:role.json` is read as a Vault role by the
    /// analysis too; arguments that name their kind already are left alone.
    #[test]
    fn plain_paths_are_read_with_the_kind_the_view_was_given() {
        let mut job = RegionsJob {
            generation: 1,
            current: vec!["role.json".to_owned(), "aws:policy.json".to_owned()],
            proposed: Some(vec!["role.json".to_owned(), "other.json".to_owned()]),
            now: 0,
        };
        job.read_as(|path| match path.to_str() {
            Some("role.json") => "vault:role.json".to_owned(),
            _ => path.to_string_lossy().into_owned(),
        });
        assert_eq!(job.current, ["vault:role.json", "aws:policy.json"]);
        assert_eq!(
            job.proposed.as_deref(),
            Some(&["vault:role.json".to_owned(), "other.json".to_owned()][..])
        );
    }

    #[test]
    fn one_rule_set_is_each_rules_reach_and_two_are_compared() {
        let Msg::RegionsComputed { result, .. } = compute(&job(1, DEMO, None)) else {
            panic!("the analysis's message");
        };
        let Analysis::Reach(rules) = *result.unwrap() else {
            panic!("a reach");
        };
        assert_eq!(rules.len(), 1);
        assert!(rules[0].reach.complete);
        assert!(!rules[0].reach.admitted.is_empty());
        let Msg::RegionsComputed { result, .. } = compute(&job(1, DEMO, Some(DEMO))) else {
            panic!("the analysis's message");
        };
        let Analysis::Compared(comparison) = *result.unwrap() else {
            panic!("a comparison");
        };
        assert_eq!(
            comparison.conclusion,
            symbolic::Conclusion::ProvedNoNewAccess,
            "a rule against itself"
        );
    }

    #[test]
    fn a_failure_comes_back_as_a_message_from_the_analysis_thread() {
        let (tx, rx) = channel();
        let latest = Arc::new(AtomicU64::new(0));
        start(job(3, "/no/such/rules.json", None), &latest, &tx);
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Msg::RegionsComputed {
                generation: 3,
                result: Err(error),
            }) => assert!(error.contains("/no/such/rules.json"), "{error}"),
            _ => panic!("expected the failure of generation 3"),
        }
    }
}
