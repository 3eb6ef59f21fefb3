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
    /// Per slot: whether some key holds its value's id. Other slots (expiries, the clock's
    /// claims, token fields) are parsed for each entry that has them, never remembered.
    keyed: Vec<bool>,
    /// Slots of the fields a token response keeps its token in: a line with one of them may be
    /// a token, not claims, and goes the full way.
    guards: Vec<usize>,
    /// Rules that read the same claims share a view: one lookup decides them all.
    views: Vec<View>,
    group: Vec<usize>,
    /// `iat`, `nbf` and `exp` when each entry has its own instant.
    clock: Option<[usize; 3]>,
}

struct View {
    slots: Vec<usize>,
    now: bool,
    expiry: Option<usize>,
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
            let view = View {
                slots: reads.claims.iter().map(|c| slot(c)).collect(),
                now: reads.now,
                expiry: reads.expiry.as_deref().map(&mut slot),
                rules: Vec::new(),
            };
            let at = match views
                .iter()
                .position(|v| (&v.slots, v.now, v.expiry) == (&view.slots, view.now, view.expiry))
            {
                Some(at) => at,
                None => {
                    views.push(view);
                    views.len() - 1
                }
            };
            views[at].rules.push(index);
        }
        let group: Vec<usize> = group_claims(&input.group_by)
            .iter()
            .map(|c| slot(c))
            .collect();
        let clock = match input.clock {
            Clock::Pinned { .. } => None,
            Clock::EntryOwn { .. } => Some(["iat", "nbf", "exp"].map(&mut slot)),
        };
        let guards = JSON_TOKEN_FIELDS.iter().map(|c| slot(c)).collect();
        let mut keyed = vec![false; names.len()];
        for &s in views.iter().flat_map(|v| &v.slots).chain(&group) {
            keyed[s] = true;
        }
        Some(Plan {
            wanted: Wanted::new(names),
            keyed,
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
/// a corpus whose entries all differ in what the rules read must not grow memory. (Small in
/// tests, so that forgetting happens within a test corpus.)
const REMEMBERED: usize = if cfg!(test) { 40 } else { 1 << 15 };

/// After this many lookups a view whose outcomes are seldom reused stops remembering them
/// (its rules read a claim that differs on most entries): remembering would only cost.
const TRIAL: u32 = if cfg!(test) { 24 } else { 4096 };

/// An interned value's id when the claim is absent.
const ABSENT: u32 = u32::MAX;

/// Something known by the ids of the claim values it was worked out from.
type ByIds<T> = HashMap<Box<[u32]>, T>;

/// A worker's memory of values and outcomes.
pub struct Memo<'p> {
    plan: &'p Plan,
    /// Current rules, then proposed ones.
    rules: Vec<&'p dyn Rule>,
    /// Per keyed slot: the JSON text of each value seen → its id, and the value by id.
    /// Identical text is the same value; the same value written two ways only gets two ids.
    interned: Vec<HashMap<Box<str>, u32>>,
    values: Vec<Vec<Value>>,
    /// Per view: the ids of its slots (and the instant, or its side of the expiry) → the
    /// outcomes of its rules.
    outcomes: Vec<ByIds<Box<[Outcome]>>>,
    /// Per view: lookups and hits while on trial, and whether it still remembers.
    trials: Vec<(u32, u32, bool)>,
    groups: ByIds<String>,
    remembered: usize,
    /// The current entry: where each wanted value is in the line, the id of each keyed
    /// slot's value, and the value of each other slot.
    raw: Vec<Option<(usize, usize)>>,
    ids: Vec<u32>,
    loose: Vec<Option<Value>>,
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
            interned: (0..slots).map(|_| HashMap::default()).collect(),
            values: vec![Vec::new(); slots],
            outcomes: (0..plan.views.len()).map(|_| HashMap::default()).collect(),
            trials: vec![(0, 0, true); plan.views.len()],
            groups: HashMap::default(),
            remembered: 0,
            raw: vec![None; slots],
            ids: vec![ABSENT; slots],
            loose: vec![None; slots],
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
            let raw = self.raw[slot].map(|(start, end)| &text[start..end]);
            if self.plan.keyed[slot] {
                self.ids[slot] = match raw {
                    None => ABSENT,
                    Some(raw) => self.intern(slot, raw)?,
                };
            } else {
                self.loose[slot] = match raw {
                    None => None,
                    Some(raw) => Some(serde_json::from_str(raw).ok()?),
                };
            }
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

        let now = match self.plan.clock {
            None => input.clock.instant_of(None, None, None),
            Some([iat, nbf, exp]) => {
                input
                    .clock
                    .instant_of(self.value(iat), self.value(nbf), self.value(exp))
            }
        };

        self.decided.clear();
        self.decided.resize(self.rules.len(), Outcome::Error);
        for (v, view) in self.plan.views.iter().enumerate() {
            self.key.clear();
            self.key.extend(view.slots.iter().map(|&s| self.ids[s]));
            if view.now {
                self.key.extend([(now >> 32) as u32, now as u32]);
            }
            if let Some(expiry) = view.expiry {
                // Absent or not an integer, then before or after it.
                let side = match self.value(expiry).and_then(Value::as_i64) {
                    None => 0,
                    Some(exp) => 1 + u32::from(now < exp),
                };
                self.key.push(side);
            }
            let (lookups, hits, remembers) = &mut self.trials[v];
            let known = if *remembers {
                if *lookups < TRIAL {
                    *lookups += 1;
                    *hits += u32::from(self.outcomes[v].contains_key(&self.key[..]));
                    if *lookups == TRIAL && *hits * 4 < TRIAL {
                        *remembers = false;
                        self.remembered = self.remembered.saturating_sub(self.outcomes[v].len());
                        self.outcomes[v] = HashMap::default();
                    }
                }
                self.outcomes[v].get(&self.key[..])
            } else {
                None
            };
            if let Some(known) = known {
                for (&rule, &outcome) in view.rules.iter().zip(known.iter()) {
                    self.decided[rule] = outcome;
                }
                continue;
            }
            let claims = projection
                .get_or_insert_with(|| project(self.plan, &self.ids, &self.values, &self.loose));
            for &rule in &view.rules {
                self.decided[rule] = self.rules[rule].outcome(claims, now);
            }
            if self.trials[v].2 {
                let outcomes: Box<[Outcome]> =
                    view.rules.iter().map(|&r| self.decided[r]).collect();
                self.outcomes[v].insert(self.key.clone().into(), outcomes);
                self.remembered += 1;
            }
        }
        Some(Decided {
            group: &self.groups[&self.group_ids[..]],
            outcomes: &self.decided,
        })
    }

    /// The current entry's value of `slot`.
    fn value(&self, slot: usize) -> Option<&Value> {
        value_of(self.plan, &self.ids, &self.values, &self.loose, slot)
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
        project(self.plan, &self.ids, &self.values, &self.loose)
    }

    fn forget(&mut self) {
        self.interned.iter_mut().for_each(HashMap::clear);
        self.values.iter_mut().for_each(Vec::clear);
        self.outcomes.iter_mut().for_each(HashMap::clear);
        self.groups.clear();
        self.remembered = 0;
    }
}

fn value_of<'v>(
    plan: &Plan,
    ids: &[u32],
    values: &'v [Vec<Value>],
    loose: &'v [Option<Value>],
    slot: usize,
) -> Option<&'v Value> {
    if plan.keyed[slot] {
        let id = ids[slot];
        (id != ABSENT).then(|| &values[slot][id as usize])
    } else {
        loose[slot].as_ref()
    }
}

/// The entry's wanted claims as a claim set: every rule reads only these, so it decides on
/// them as on the whole entry.
fn project(plan: &Plan, ids: &[u32], values: &[Vec<Value>], loose: &[Option<Value>]) -> Claims {
    plan.wanted
        .names()
        .iter()
        .enumerate()
        .filter_map(|(slot, name)| {
            value_of(plan, ids, values, loose, slot).map(|value| (name.clone(), value.clone()))
        })
        .collect()
}
