//! One evaluation per distinct projection: a corpus of many runs of few workflows differs from
//! entry to entry mostly in claims no rule reads (run ids, `jti`, `sha`), so each rule's outcome
//! is kept by the values of the claims it says it reads ([`Rule::reads`]) and reused for every
//! entry that holds the same ones. Only when every rule says what it reads; a rule that cannot
//! (policy variables, CEL over the whole claims map) leaves the preview evaluating every entry.
//!
//! JSON lines of claims are read only for those claims ([`Wanted::scan`], which still checks
//! the whole line); everything else (tokens, lines the scanner declines) goes the full way.

use foldhash::HashMap;
use serde_json::Value;

use super::group::{GroupBy, group_key};
use super::matrix::{Clock, PreviewInput};
use super::scan::Wanted;
use crate::token::extract::JSON_TOKEN_FIELDS;
use crate::token::{Claims, Limits};
use crate::trust::{Outcome, Reads, Rule};

/// What every worker reads and keys by, worked out once from the rules.
pub struct Plan {
    wanted: Wanted,
    /// Slots of the fields a token response keeps its token in: a line with one of them may be
    /// a token, not claims, and goes the full way.
    guards: Vec<usize>,
    /// Rules that read the same claims share a view: one lookup decides them all.
    views: Vec<View>,
    group: Vec<usize>,
    /// Empty when the clock is pinned.
    clock: Vec<usize>,
}

struct View {
    slots: Vec<usize>,
    now: bool,
    /// Indexes into current-then-proposed rules.
    rules: Vec<usize>,
}

impl Plan {
    /// `None` when some rule does not say what it reads.
    pub fn new(input: &PreviewInput<'_>) -> Option<Plan> {
        let reads: Vec<Reads> = all_rules(input).map(|r| r.reads()).collect::<Option<_>>()?;
        let mut names: Vec<String> = Vec::new();
        let mut slot = |name: &str| match names.iter().position(|n| n == name) {
            Some(at) => at,
            None => {
                names.push(name.to_owned());
                names.len() - 1
            }
        };
        let mut views: Vec<View> = Vec::new();
        for (index, reads) in reads.iter().enumerate() {
            let slots: Vec<usize> = reads.claims.iter().map(|c| slot(c)).collect();
            let view = match views
                .iter()
                .position(|v| v.slots == slots && v.now == reads.now)
            {
                Some(at) => at,
                None => {
                    views.push(View {
                        slots,
                        now: reads.now,
                        rules: Vec::new(),
                    });
                    views.len() - 1
                }
            };
            views[view].rules.push(index);
        }
        let group = group_claims(&input.group_by)
            .iter()
            .map(|c| slot(c))
            .collect();
        let clock = match input.clock {
            Clock::Pinned { .. } => Vec::new(),
            Clock::EntryOwn { .. } => ["iat", "nbf", "exp"].iter().map(|c| slot(c)).collect(),
        };
        let guards = JSON_TOKEN_FIELDS.iter().map(|c| slot(c)).collect();
        Some(Plan {
            wanted: Wanted::new(names),
            guards,
            views,
            group,
            clock,
        })
    }
}

fn all_rules<'a>(input: &PreviewInput<'a>) -> impl Iterator<Item = &'a dyn Rule> {
    input
        .current
        .iter()
        .chain(input.proposed.into_iter().flatten())
        .map(Box::as_ref)
}

/// The top-level claims [`group_key`] reads.
fn group_claims(by: &GroupBy) -> Vec<String> {
    match by {
        GroupBy::FoldedSubject => vec!["sub".into(), "iss".into()],
        GroupBy::Claims(names) => names
            .iter()
            .map(|name| match name.strip_prefix('/') {
                // A JSON pointer starts at the claim its first step names.
                Some(path) => {
                    let first = path.split('/').next().unwrap_or_default();
                    first.replace("~1", "/").replace("~0", "~")
                }
                None => name.clone(),
            })
            .collect(),
    }
}

/// Past this many remembered values and outcomes, a worker forgets them all and starts over:
/// a corpus whose entries all differ in what the rules read must not grow memory.
const REMEMBERED: usize = 1 << 17;

/// An interned value's id when the claim is absent.
const ABSENT: u32 = u32::MAX;

/// Something known by the ids of the claim values it was worked out from.
type ByIds<T> = HashMap<Box<[u32]>, T>;

/// A worker's memory of values and outcomes.
pub struct Memo<'p> {
    plan: &'p Plan,
    /// Current rules, then proposed ones.
    rules: Vec<&'p dyn Rule>,
    /// Where the current entry's wanted values are in its line.
    raw: Vec<Option<(usize, usize)>>,
    /// Per slot: the JSON text of each value seen → its id, and the value by id. Identical
    /// text is the same value; the same value written two ways only gets two ids.
    interned: Vec<HashMap<Box<str>, u32>>,
    values: Vec<Vec<Value>>,
    /// Per view: the ids of its slots (and `now`) → the outcomes of its rules.
    outcomes: Vec<ByIds<Box<[Outcome]>>>,
    groups: ByIds<String>,
    instants: ByIds<i64>,
    remembered: usize,
    /// The current entry's id per slot.
    ids: Vec<u32>,
    key: Vec<u32>,
    group_ids: Vec<u32>,
    decided: Vec<Outcome>,
}

/// An entry's group and its outcomes (current rules, then proposed ones).
pub struct Decided<'m> {
    pub group: &'m str,
    pub outcomes: &'m [Outcome],
}

impl<'p> Memo<'p> {
    pub fn new(plan: &'p Plan, input: &PreviewInput<'p>) -> Memo<'p> {
        let slots = plan.wanted.len();
        Memo {
            plan,
            rules: all_rules(input).collect(),
            raw: vec![None; slots],
            interned: (0..slots).map(|_| HashMap::default()).collect(),
            values: vec![Vec::new(); slots],
            outcomes: (0..plan.views.len()).map(|_| HashMap::default()).collect(),
            groups: HashMap::default(),
            instants: HashMap::default(),
            remembered: 0,
            ids: vec![ABSENT; slots],
            key: Vec::new(),
            group_ids: Vec::new(),
            decided: Vec::new(),
        }
    }

    /// The group and outcomes of the corpus line `text`, when it is a JSON object of claims the
    /// scanner is sure of; `None` sends it the full way (`corpus::Unparsed::parse`), which then
    /// gives the same answer or the error.
    pub fn decide(
        &mut self,
        text: &str,
        limits: &Limits,
        input: &PreviewInput<'_>,
    ) -> Option<Decided<'_>> {
        // The conditions under which the full way takes a line as claims without a token.
        let text = text.trim();
        if !text.starts_with('{') || text.len() > limits.max_token_bytes {
            return None;
        }
        self.plan.wanted.scan(text, &mut self.raw)?;
        if self
            .plan
            .guards
            .iter()
            .any(|&slot| self.raw[slot].is_some())
        {
            return None;
        }
        if self.remembered > REMEMBERED {
            self.forget();
        }
        for slot in 0..self.raw.len() {
            self.ids[slot] = match self.raw[slot] {
                None => ABSENT,
                Some((start, end)) => self.intern(slot, &text[start..end])?,
            };
        }
        let mut projection: Option<Claims> = None;

        self.group_ids.clear();
        self.group_ids
            .extend(self.plan.group.iter().map(|&s| self.ids[s]));
        if !self.groups.contains_key(&self.group_ids[..]) {
            let claims = projection.get_or_insert_with(|| self.projection());
            let key = group_key(claims, &input.group_by);
            self.groups.insert(self.group_ids.clone().into(), key);
            self.remembered += 1;
        }

        let now = match input.clock {
            Clock::Pinned { at } => at,
            Clock::EntryOwn { .. } => {
                self.key.clear();
                self.key
                    .extend(self.plan.clock.iter().map(|&s| self.ids[s]));
                match self.instants.get(&self.key[..]) {
                    Some(&at) => at,
                    None => {
                        let claims = projection.get_or_insert_with(|| self.projection());
                        let at = input.clock.instant(claims);
                        self.instants.insert(self.key.clone().into(), at);
                        self.remembered += 1;
                        at
                    }
                }
            }
        };

        self.decided.clear();
        self.decided.resize(self.rules.len(), Outcome::Error);
        for (view, outcomes) in self.plan.views.iter().zip(&mut self.outcomes) {
            self.key.clear();
            self.key.extend(view.slots.iter().map(|&s| self.ids[s]));
            if view.now {
                self.key.extend([(now >> 32) as u32, now as u32]);
            }
            let decided = match outcomes.get(&self.key[..]) {
                Some(decided) => decided,
                None => {
                    let claims = projection
                        .get_or_insert_with(|| project(&self.plan.wanted, &self.ids, &self.values));
                    let decided: Box<[Outcome]> = view
                        .rules
                        .iter()
                        .map(|&r| self.rules[r].outcome(claims, now))
                        .collect();
                    self.remembered += 1;
                    outcomes.entry(self.key.clone().into()).or_insert(decided)
                }
            };
            for (&rule, &outcome) in view.rules.iter().zip(decided.iter()) {
                self.decided[rule] = outcome;
            }
        }
        Some(Decided {
            group: &self.groups[&self.group_ids[..]],
            outcomes: &self.decided,
        })
    }

    fn intern(&mut self, slot: usize, raw: &str) -> Option<u32> {
        if let Some(&id) = self.interned[slot].get(raw) {
            return Some(id);
        }
        let value: Value = serde_json::from_str(raw).ok()?;
        let id = u32::try_from(self.values[slot].len()).ok()?;
        self.values[slot].push(value);
        self.interned[slot].insert(raw.into(), id);
        self.remembered += 1;
        Some(id)
    }

    fn projection(&self) -> Claims {
        project(&self.plan.wanted, &self.ids, &self.values)
    }

    fn forget(&mut self) {
        self.interned.iter_mut().for_each(HashMap::clear);
        self.values.iter_mut().for_each(Vec::clear);
        self.outcomes.iter_mut().for_each(HashMap::clear);
        self.groups.clear();
        self.instants.clear();
        self.remembered = 0;
    }
}

/// The entry's wanted claims as a claim set: every rule reads only these, so it decides on
/// them as on the whole entry.
fn project(wanted: &Wanted, ids: &[u32], values: &[Vec<Value>]) -> Claims {
    wanted
        .names()
        .iter()
        .zip(ids)
        .enumerate()
        .filter(|(_, (_, id))| **id != ABSENT)
        .map(|(slot, (name, &id))| (name.clone(), values[slot][id as usize].clone()))
        .collect()
}
