//! Every corpus entry × every rule → outcome, aggregated per caller group, and the before/after
//! diff when a proposed rule set is given. Evaluation is spread over the machine's cores; the
//! reader hands entries on in bounded batches, so memory does not grow with the corpus.

use std::collections::HashMap;
use std::sync::mpsc;

use serde::Serialize;
use serde_json::Value;

use super::corpus::{BadEntry, Entry, Location, Unparsed};
use super::group::{GroupBy, group_key};
use super::memo::{Decided, Memo, Plan};
use crate::token::Claims;
use crate::trust::{Outcome, Rule, RuleId, RuleLint, Verdict};

/// Entries handed to a worker at a time, and batches in flight: the memory bound.
const BATCH: usize = 256;
const BATCHES_IN_FLIGHT: usize = 8;

pub struct PreviewInput<'a> {
    pub current: &'a [Box<dyn Rule>],
    /// The proposed rules; `None` for a plain matrix without a diff.
    pub proposed: Option<&'a [Box<dyn Rule>]>,
    pub clock: Clock,
    pub group_by: GroupBy,
    /// How many changed or bad entries are listed by location; all are counted.
    pub max_listed: usize,
    pub threads: usize,
    /// Reuse outcomes across entries that agree on what each rule reads ([`Rule::reads`]);
    /// off only to check that it changes nothing.
    pub memoise: bool,
}

/// The instant each entry is evaluated at. A preview compares rules, not clocks: a corpus
/// exported from last week's logs is all expired today, and evaluating it now would show every
/// token denied under both rule sets and hide the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Clock {
    /// Each entry at the time it was usable: its `iat` (or `nbf` when later), else just inside
    /// its `exp`; an entry with no time claim at all at `fallback` (the real now).
    EntryOwn { fallback: i64 },
    /// One instant for every entry (`--now`).
    Pinned { at: i64 },
}

impl Clock {
    pub fn instant(self, claims: &Claims) -> i64 {
        self.instant_of(claims.get("iat"), claims.get("nbf"), claims.get("exp"))
    }

    /// [`Clock::instant`] of an entry with these `iat`, `nbf` and `exp` claims.
    pub fn instant_of(self, iat: Option<&Value>, nbf: Option<&Value>, exp: Option<&Value>) -> i64 {
        let fallback = match self {
            Clock::Pinned { at } => return at,
            Clock::EntryOwn { fallback } => fallback,
        };
        let time = |value: Option<&Value>| value.and_then(Value::as_f64).filter(|t| t.is_finite());
        let exp = time(exp);
        let start = match (time(iat), time(nbf)) {
            (Some(iat), Some(nbf)) => Some(iat.max(nbf)),
            (one, other) => one.or(other),
        };
        let at = match (start, exp) {
            (Some(start), Some(exp)) if start >= exp => exp - 1.0,
            (Some(start), _) => start,
            (None, Some(exp)) => exp - 1.0,
            (None, None) => return fallback,
        };
        // NumericDates may be fractional; the evaluators take whole seconds. Rounding up keeps
        // the instant at or after iat/nbf.
        at.ceil().clamp(i64::MIN as f64, i64::MAX as f64) as i64
    }

    /// How the header describes it.
    pub fn describe(self) -> String {
        match self {
            Clock::EntryOwn { .. } => "each token at its own issue time (iat, or nbf, or just before exp); --now pins one instant".to_owned(),
            Clock::Pinned { at } => format!("every token at {at} (--now)"),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub allowed: usize,
    pub denied: usize,
    pub not_applicable: usize,
    pub error: usize,
}

impl OutcomeCounts {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Allowed => self.allowed += 1,
            Outcome::Denied => self.denied += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Error => self.error += 1,
        }
    }

    fn merge(&mut self, other: &OutcomeCounts) {
        self.allowed += other.allowed;
        self.denied += other.denied;
        self.not_applicable += other.not_applicable;
        self.error += other.error;
    }
}

/// One caller group: how many tokens, and what each rule decided for them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    pub key: String,
    pub tokens: usize,
    pub unsigned: usize,
    /// One entry per current rule, in rule order.
    pub current: Vec<OutcomeCounts>,
    /// One entry per proposed rule, when there are proposed rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<Vec<OutcomeCounts>>,
    pub lost: usize,
    pub gained: usize,
    /// The group's first entry in corpus order: a representative to open and explain (the TUI
    /// matrix). Not in the JSON report, which lists changed entries instead.
    #[serde(skip)]
    pub sample: Location,
}

impl GroupRow {
    fn new(key: String, input: &PreviewInput<'_>, first: Location) -> GroupRow {
        GroupRow {
            key,
            tokens: 0,
            unsigned: 0,
            current: vec![OutcomeCounts::default(); input.current.len()],
            proposed: input
                .proposed
                .map(|rules| vec![OutcomeCounts::default(); rules.len()]),
            lost: 0,
            gained: 0,
            // A worker takes batches in corpus order, so its first entry of a group is its
            // earliest; `merge` keeps the earliest across workers.
            sample: first,
        }
    }
}

/// The check that decided a changed entry's proposed outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deciding {
    pub rule: RuleId,
    pub outcome: Outcome,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub expected: Vec<Value>,
    pub actual: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub location: Location,
    pub group: String,
    pub deciding: Option<Deciding>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Changes {
    pub lost: usize,
    pub gained: usize,
    /// Entries that lost access (at most `max_listed`, by location).
    pub lost_listed: Vec<Change>,
    pub gained_listed: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleLintEntry {
    pub rule: RuleId,
    #[serde(flatten)]
    pub lint: RuleLint,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub entries: usize,
    pub unsigned: usize,
    pub bad: usize,
    pub bad_listed: Vec<BadEntry>,
    pub current_rules: Vec<RuleId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_rules: Option<Vec<RuleId>>,
    /// Groups by descending size, then key.
    pub groups: Vec<GroupRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// Lints of the proposed rules (or of the current ones without a proposal).
    pub lints: Vec<RuleLintEntry>,
    /// The instant each entry was evaluated at.
    pub clock: Clock,
}

impl Preview {
    pub fn changed(&self) -> bool {
        self.changes.as_ref().is_some_and(|c| c.lost + c.gained > 0)
    }

    /// Tokens some proposed (or, without a proposal, current) rule could not decide: per group,
    /// the most any one rule left undecided (a token counts once however many rules fail it).
    pub fn undecided(&self) -> usize {
        self.groups
            .iter()
            .map(|row| {
                row.proposed
                    .as_deref()
                    .unwrap_or(&row.current[..])
                    .iter()
                    .map(|c| c.error)
                    .max()
                    .unwrap_or(0)
            })
            .sum()
    }
}

/// Evaluates the whole corpus. `progress` is called from the reading thread with the number of
/// entries read so far, every batch. Entries are decoded by the workers: decoding costs about as
/// much as evaluating a handful of rules, and one reading thread would otherwise cap the rate.
pub fn evaluate<T: Into<Unparsed>>(
    corpus: impl Iterator<Item = T> + Send,
    input: &PreviewInput<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> Preview {
    let threads = input.threads.max(1);
    let plan = if input.memoise {
        Plan::new(input)
    } else {
        None
    };
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<Unparsed>>(BATCHES_IN_FLIGHT);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let mut reader_tally = Tally::default();

    let partials: Vec<Tally> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut tally = Tally::default();
                    let mut memo = plan.as_ref().map(|plan| Memo::new(plan, input));
                    loop {
                        let next = batch_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok(batch)) = next else { break };
                        for unparsed in batch {
                            if let (
                                Some(memo),
                                Unparsed::Text {
                                    location,
                                    text,
                                    limits,
                                },
                            ) = (memo.as_mut(), &unparsed)
                                && let Some(decided) = memo.decide(text, limits, input)
                                && tally.add_decided(location, &decided, input)
                            {
                                continue;
                            }
                            match unparsed.parse() {
                                Ok(entry) => tally.add(entry, input),
                                Err(bad) => tally.add_bad(bad, input.max_listed),
                            }
                        }
                    }
                    tally
                })
            })
            .collect();

        let mut batch = Vec::with_capacity(BATCH);
        let mut read = 0;
        for item in corpus {
            read += 1;
            match item.into() {
                Unparsed::Done(Err(bad)) => reader_tally.add_bad(bad, input.max_listed),
                unparsed => batch.push(unparsed),
            }
            if batch.len() == BATCH {
                progress(read);
                if batch_tx
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
                {
                    break;
                }
            }
        }
        if !batch.is_empty() {
            let _ = batch_tx.send(batch);
        }
        progress(read);
        drop(batch_tx);
        workers
            .into_iter()
            .map(|worker| worker.join().expect("preview worker panicked"))
            .collect()
    });

    let mut total = reader_tally;
    for partial in partials {
        total.merge(partial, input.max_listed);
    }
    total.finish(input)
}

/// What one thread has seen so far.
#[derive(Default)]
struct Tally {
    entries: usize,
    unsigned: usize,
    bad: usize,
    bad_listed: Vec<BadEntry>,
    groups: HashMap<String, GroupRow>,
    changes: Changes,
}

impl Tally {
    fn add_bad(&mut self, bad: BadEntry, max_listed: usize) {
        self.bad += 1;
        if self.bad_listed.len() < max_listed {
            self.bad_listed.push(bad);
        }
    }

    /// Counts an entry decided by the memo ([`Memo::decide`]): a JSON line of claims, so
    /// unsigned. False, and nothing counted, when the entry is a change to list: listing
    /// explains it with full verdicts, from the whole claim set ([`Tally::add`]).
    fn add_decided(
        &mut self,
        location: &Location,
        decided: &Decided<'_>,
        input: &PreviewInput<'_>,
    ) -> bool {
        let (current, proposed) = decided.outcomes.split_at(input.current.len());
        if input.proposed.is_some() {
            let (before, after) = (has_access(current), has_access(proposed));
            let listed = if before {
                &self.changes.lost_listed
            } else {
                &self.changes.gained_listed
            };
            if before != after && listed.len() < input.max_listed {
                return false;
            }
        }
        self.entries += 1;
        self.unsigned += 1;
        let row = Tally::row(&mut self.groups, decided.group, input, location);
        row.unsigned += 1;
        count(row, current, input.proposed.map(|_| proposed));
        if input.proposed.is_some() {
            let (before, after) = (has_access(current), has_access(proposed));
            if before && !after {
                row.lost += 1;
                self.changes.lost += 1;
            } else if after && !before {
                row.gained += 1;
                self.changes.gained += 1;
            }
        }
        true
    }

    /// The group `key`'s row, made with `first` as its sample when new. Looked up before
    /// inserting: most entries join an existing group, and the key is then not copied.
    fn row<'g>(
        groups: &'g mut HashMap<String, GroupRow>,
        key: &str,
        input: &PreviewInput<'_>,
        first: &Location,
    ) -> &'g mut GroupRow {
        if !groups.contains_key(key) {
            groups.insert(
                key.to_owned(),
                GroupRow::new(key.to_owned(), input, first.clone()),
            );
        }
        groups.get_mut(key).expect("inserted above")
    }

    fn add(&mut self, entry: Entry, input: &PreviewInput<'_>) {
        self.entries += 1;
        self.unsigned += usize::from(entry.unsigned);
        let key = group_key(&entry.claims, &input.group_by);
        let now = input.clock.instant(&entry.claims);
        // Outcomes only: full verdicts (checks, hints) cost far more and are needed only to
        // explain the few entries whose access changes.
        let current: Vec<Outcome> = input
            .current
            .iter()
            .map(|r| r.outcome(&entry.claims, now))
            .collect();
        let proposed: Option<Vec<Outcome>> = input.proposed.map(|rules| {
            rules
                .iter()
                .map(|r| r.outcome(&entry.claims, now))
                .collect()
        });

        let row = Tally::row(&mut self.groups, &key, input, &entry.location);
        row.unsigned += usize::from(entry.unsigned);
        count(row, &current, proposed.as_deref());
        let (Some(proposed), Some(proposed_rules)) = (proposed, input.proposed) else {
            return;
        };
        let before = has_access(&current);
        let after = has_access(&proposed);
        if before == after {
            return;
        }
        let listed = if before {
            row.lost += 1;
            self.changes.lost += 1;
            &mut self.changes.lost_listed
        } else {
            row.gained += 1;
            self.changes.gained += 1;
            &mut self.changes.gained_listed
        };
        if listed.len() < input.max_listed {
            let verdicts: Vec<Verdict> = proposed_rules
                .iter()
                .map(|r| r.evaluate(&entry.claims, now))
                .collect();
            listed.push(Change {
                location: entry.location,
                group: key,
                deciding: deciding(&verdicts, after),
            });
        }
    }

    fn merge(&mut self, other: Tally, max_listed: usize) {
        self.entries += other.entries;
        self.unsigned += other.unsigned;
        self.bad += other.bad;
        self.bad_listed.extend(other.bad_listed);
        for (key, row) in other.groups {
            match self.groups.get_mut(&key) {
                None => {
                    self.groups.insert(key, row);
                }
                Some(mine) => {
                    mine.tokens += row.tokens;
                    mine.unsigned += row.unsigned;
                    mine.lost += row.lost;
                    mine.gained += row.gained;
                    if row.sample < mine.sample {
                        mine.sample = row.sample;
                    }
                    for (a, b) in mine.current.iter_mut().zip(&row.current) {
                        a.merge(b);
                    }
                    if let (Some(mine), Some(theirs)) = (mine.proposed.as_mut(), &row.proposed) {
                        for (a, b) in mine.iter_mut().zip(theirs) {
                            a.merge(b);
                        }
                    }
                }
            }
        }
        self.changes.lost += other.changes.lost;
        self.changes.gained += other.changes.gained;
        self.changes.lost_listed.extend(other.changes.lost_listed);
        self.changes
            .gained_listed
            .extend(other.changes.gained_listed);
        // Workers see entries in an arbitrary interleaving; keep the earliest by location.
        for list in [
            &mut self.changes.lost_listed,
            &mut self.changes.gained_listed,
        ] {
            list.sort_by(|a, b| a.location.cmp(&b.location));
            list.truncate(max_listed);
        }
        self.bad_listed.sort_by(|a, b| a.location.cmp(&b.location));
        self.bad_listed.truncate(max_listed);
    }

    fn finish(self, input: &PreviewInput<'_>) -> Preview {
        let mut groups: Vec<GroupRow> = self.groups.into_values().collect();
        groups.sort_by(|a, b| b.tokens.cmp(&a.tokens).then_with(|| a.key.cmp(&b.key)));
        let linted = input.proposed.unwrap_or(input.current);
        let lints = linted
            .iter()
            .flat_map(|rule| {
                rule.lints().into_iter().map(|lint| RuleLintEntry {
                    rule: rule.id().clone(),
                    lint,
                })
            })
            .collect();
        let mut changes = self.changes;
        for list in [&mut changes.lost_listed, &mut changes.gained_listed] {
            list.sort_by(|a, b| a.location.cmp(&b.location));
        }
        Preview {
            entries: self.entries,
            unsigned: self.unsigned,
            bad: self.bad,
            bad_listed: self.bad_listed,
            current_rules: input.current.iter().map(|r| r.id().clone()).collect(),
            proposed_rules: input
                .proposed
                .map(|rules| rules.iter().map(|r| r.id().clone()).collect()),
            groups,
            changes: input.proposed.map(|_| changes),
            lints,
            clock: input.clock,
        }
    }
}

/// One more entry of `row`, with these outcomes.
fn count(row: &mut GroupRow, current: &[Outcome], proposed: Option<&[Outcome]>) {
    row.tokens += 1;
    for (counts, outcome) in row.current.iter_mut().zip(current) {
        counts.add(*outcome);
    }
    if let (Some(rows), Some(proposed)) = (row.proposed.as_mut(), proposed) {
        for (counts, outcome) in rows.iter_mut().zip(proposed) {
            counts.add(*outcome);
        }
    }
}

/// A caller has access when any rule of the set allows it (several trust policies, Entra
/// credentials or Vault roles are alternatives).
fn has_access(outcomes: &[Outcome]) -> bool {
    outcomes.contains(&Outcome::Allowed)
}

/// For a lost entry: the first applicable proposed rule's first failed check. For a gained one:
/// the proposed rule that now allows it.
fn deciding(proposed: &[Verdict], allowed: bool) -> Option<Deciding> {
    let verdict = if allowed {
        proposed.iter().find(|v| v.outcome == Outcome::Allowed)?
    } else {
        proposed
            .iter()
            .find(|v| matches!(v.outcome, Outcome::Denied | Outcome::Error))
            .or_else(|| proposed.first())?
    };
    let check = (!allowed).then(|| verdict.deciding_check()).flatten();
    Some(Deciding {
        rule: verdict.rule.clone(),
        outcome: verdict.outcome,
        summary: verdict.summary.clone(),
        condition: check.map(|c| c.condition.clone()),
        expected: check.map(|c| c.expected.clone()).unwrap_or_default(),
        actual: check.and_then(|c| c.actual.clone()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::preview::corpus::Item;
    use crate::trust::{Check, RuleKind};

    /// A rule that allows subjects starting with a prefix; enough to exercise the matrix.
    struct SubjectPrefix {
        id: RuleId,
        prefix: &'static str,
    }

    impl Rule for SubjectPrefix {
        fn id(&self) -> &RuleId {
            &self.id
        }

        fn evaluate(&self, claims: &Claims, _now: i64) -> Verdict {
            let sub = claims.get("sub").cloned();
            let passed = sub
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with(self.prefix));
            Verdict {
                rule: self.id.clone(),
                outcome: if passed {
                    Outcome::Allowed
                } else {
                    Outcome::Denied
                },
                summary: format!("sub must start with {}", self.prefix),
                checks: vec![Check::passed_if(
                    passed,
                    "prefix sub",
                    vec![json!(self.prefix)],
                    sub,
                )],
                lints: Vec::new(),
                unverified: Vec::new(),
            }
        }

        fn lints(&self) -> Vec<RuleLint> {
            Vec::new()
        }
    }

    fn rule(name: &str, prefix: &'static str) -> Box<dyn Rule> {
        Box::new(SubjectPrefix {
            id: RuleId {
                kind: RuleKind::Expect,
                file: None,
                name: name.into(),
            },
            prefix,
        })
    }

    fn corpus(subjects: &[&str]) -> Vec<Item> {
        subjects
            .iter()
            .enumerate()
            .map(|(i, sub)| {
                Ok(Entry {
                    location: Location::Line(i + 1),
                    claims: json!({"sub": sub}).as_object().unwrap().clone(),
                    unsigned: true,
                })
            })
            .collect()
    }

    fn run(
        items: Vec<Item>,
        current: &[Box<dyn Rule>],
        proposed: Option<&[Box<dyn Rule>]>,
        threads: usize,
    ) -> Preview {
        let input = PreviewInput {
            current,
            proposed,
            clock: Clock::Pinned { at: 0 },
            group_by: GroupBy::FoldedSubject,
            max_listed: 100,
            threads,
            memoise: true,
        };
        evaluate(items.into_iter(), &input, &|_| {})
    }

    #[test]
    fn groups_count_and_diff_lists_exactly_the_changed_entries() {
        let subjects = [
            "repo:acme/app:environment:prod",
            "repo:acme/app:ref:refs/heads/main",
            "repo:acme/app:environment:prod",
            "repo:other/x:ref:refs/heads/main",
            "repo:acme/app:pull_request",
        ];
        let current = [rule("org", "repo:acme/")];
        let proposed = [rule("prod", "repo:acme/app:environment:prod")];
        for threads in [1, 2, 4] {
            let preview = run(corpus(&subjects), &current, Some(&proposed), threads);
            assert_eq!(preview.entries, 5);
            assert_eq!(preview.groups[0].key, "repo:acme/app:environment:prod");
            assert_eq!(preview.groups[0].tokens, 2);
            assert_eq!(preview.groups[0].current[0].allowed, 2);
            assert_eq!(
                preview.groups[0].sample,
                Location::Line(1),
                "the earliest entry"
            );
            assert_eq!(preview.groups[1].sample, Location::Line(5));
            let changes = preview.changes.as_ref().unwrap();
            assert_eq!((changes.lost, changes.gained), (2, 0));
            let lost: Vec<_> = changes
                .lost_listed
                .iter()
                .map(|c| c.location.clone())
                .collect();
            assert_eq!(lost, [Location::Line(2), Location::Line(5)]);
            let deciding = changes.lost_listed[0].deciding.as_ref().unwrap();
            assert_eq!(deciding.rule.name, "prod");
            assert_eq!(
                deciding.actual,
                Some(json!("repo:acme/app:ref:refs/heads/main"))
            );
            assert!(preview.changed());
        }
    }

    #[test]
    fn widening_is_reported_as_gains_and_bad_entries_are_counted() {
        let mut items = corpus(&[
            "repo:acme/app:ref:refs/heads/dev",
            "repo:acme/app:environment:prod",
        ]);
        items.insert(
            1,
            Err(BadEntry {
                location: Location::Line(9),
                reason: "not a token".into(),
            }),
        );
        let current = [rule("prod", "repo:acme/app:environment:prod")];
        let proposed = [rule("repo", "repo:acme/app:")];
        let preview = run(items, &current, Some(&proposed), 2);
        let changes = preview.changes.unwrap();
        assert_eq!((changes.lost, changes.gained), (0, 1));
        assert_eq!(
            changes.gained_listed[0]
                .deciding
                .as_ref()
                .unwrap()
                .rule
                .name,
            "repo"
        );
        assert_eq!(
            (preview.bad, preview.bad_listed[0].location.clone()),
            (1, Location::Line(9))
        );
    }

    #[test]
    fn a_plain_matrix_has_no_changes() {
        let preview = run(corpus(&["a", "b"]), &[rule("a", "a")], None, 2);
        assert!(preview.changes.is_none());
        assert!(!preview.changed());
        assert_eq!(preview.groups.len(), 2);
    }
}
