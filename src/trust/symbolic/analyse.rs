//! The comparison itself: every claim cut into atoms (`space`), every combination of atoms (a
//! cell) evaluated by the concrete evaluators, cells whose verdict changes merged into regions.
//!
//! Within a cell every caller gets the same verdicts, because the rules test nothing but the
//! cell's languages (`read`); so evaluating one member per cell decides every caller of the
//! caller model, and each region's witness is a real claim set whose verdict really changes.
//! Three shortcuts keep the cells few without merging any the evaluators tell apart: for an
//! issuer on which a rule settles before reading anything else (`Reading::issuers`), that
//! rule's other claims are not combined; a rule is evaluated once per combination of the
//! claims it reads; and when all the rules are AWS policies, a claim's values that every
//! condition on it answers alike are combined as one ([`Universe::group`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value};

use super::lang::Lang;
use super::read::{Reading, read};
use super::space::{ClaimSpace, SpaceError, github_subject, realism};
use crate::token::Claims;
use crate::trust::aws::{Tri, TrustPolicy};
use crate::trust::resource::ResourceRule;
use crate::trust::{Outcome, Rule};

/// The AWS policy `rule` is (or that a rule from infrastructure code holds).
fn aws_policy(rule: &dyn Rule) -> Option<&TrustPolicy> {
    let any: &dyn std::any::Any = rule;
    if let Some(policy) = any.downcast_ref::<TrustPolicy>() {
        return Some(policy);
    }
    let resource = any.downcast_ref::<ResourceRule>()?;
    match resource.unknown() {
        [] => aws_policy(resource.known_rule()?),
        _ => None,
    }
}

/// Bounds that keep the analysis from hanging on a pathological rule.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// DFA states per claim.
    pub max_states: usize,
    /// Combinations of atoms evaluated.
    pub max_cells: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_states: 4096,
            max_cells: 200_000,
        }
    }
}

/// Who the analysis speaks of.
pub const CALLER_MODEL: &str = "every token whose claims read by the rules are absent or strings (lists of strings where a rule reads a claim as a list), issued a minute ago and valid for 50 more minutes";

/// A set of callers, as constraints on claims; a claim not named is unconstrained.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub constraints: Vec<Constraint>,
    /// A claim set inside the region, re-evaluated by the concrete evaluators.
    pub witness: Claims,
    /// The current rules' verdict for the witness (for `who`: the verdict that admits it).
    pub current: String,
    /// The proposed rules' verdict for the witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<String>,
    /// Per claim, the domain values the region holds: it is every combination of them (for
    /// the tests' membership checks).
    #[serde(skip)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) sets: Vec<BTreeSet<usize>>,
}

impl Region {
    /// Whether the combination `cell` lies in the region.
    #[cfg(test)]
    pub(crate) fn contains(&self, cell: &[usize]) -> bool {
        self.sets
            .iter()
            .zip(cell)
            .all(|(set, value)| set.contains(value))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Constraint {
    pub claim: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// No caller of the model gains access.
    ProvedNoNewAccess,
    /// Some regions gain access (each with a verified witness).
    GainsAccess,
    /// Neither could be shown; `not_proved` says why.
    NotProved,
}

/// `preview --rules CURRENT --against PROPOSED` without a corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub conclusion: Conclusion,
    pub summary: String,
    pub gains: Vec<Region>,
    pub loses: Vec<Region>,
    /// Conditions or limits that kept the analysis from a proof.
    pub not_proved: Vec<String>,
    /// Witnesses the concrete evaluators did not confirm: bugs in the analysis, never hidden.
    pub analysis_errors: Vec<String>,
    pub model: &'static str,
    /// Combinations of claim atoms evaluated.
    pub combinations: usize,
}

/// `who --rules FILE`: every region the rules admit.
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    /// All admitted regions were found (false: see `not_proved`).
    pub complete: bool,
    pub admitted: Vec<Region>,
    pub lints: Vec<ReachLint>,
    pub not_proved: Vec<String>,
    pub model: &'static str,
    pub combinations: usize,
}

/// Something risky about who the rules admit, shown by a claim set they admit.
#[derive(Debug, Clone, Serialize)]
pub struct ReachLint {
    pub code: &'static str,
    pub message: String,
    pub witness: Claims,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Absent,
    One(usize),
    /// A value of another JSON type a rule compares the claim with.
    Json(Value),
    /// A list: its values' atoms (a list standing for a class repeats an atom when needed to
    /// have two values).
    List(ListKind, Vec<usize>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ListKind {
    Empty,
    /// One value, read as that value.
    Single,
    /// Two or more values; the answers to the claim's list tests (in, out per test).
    Many(Vec<bool>),
}

struct Universe {
    spaces: Vec<ClaimSpace>,
    domains: Vec<Vec<Val>>,
    /// Per claim, its list tests as sets of language indexes, and whether only "some value
    /// inside" is asked.
    tests: Vec<Vec<ListTest>>,
    /// Per claim, whether a list answering as a single string does is that string's cell.
    transparent: Vec<bool>,
    /// Per claim, its domain values in groups every rule answers alike ([`Universe::group`]);
    /// the enumeration takes each group's first value and a region holds the whole group.
    groups: Vec<Vec<Vec<usize>>>,
    /// Per claim and domain value, its group.
    group_of: Vec<Vec<usize>>,
}

/// Realistic values per claim beyond the rules' own, so that the atom of "anything else" gets
/// a witness its issuer could send.
fn default_candidates(claim: &str) -> &'static [&'static str] {
    match claim {
        "sub" => &[
            "repo:other-org/app:ref:refs/heads/main",
            "project_path:other-group/app:ref_type:branch:ref:main",
            "system:serviceaccount:default:app",
        ],
        "iss" => &[
            "https://token.actions.githubusercontent.com",
            "https://gitlab.com",
            "https://issuer.example.com",
        ],
        "aud" | "azp" => &[
            "sts.amazonaws.com",
            "api://AzureADTokenExchange",
            "other-audience",
        ],
        "ref" => &["refs/heads/main", "refs/tags/v1", "refs/pull/1/merge"],
        "repository" | "project_path" => &["acme/app", "other-org/app"],
        "repository_owner" | "namespace_path" => &["acme", "other-org"],
        "environment" => &["prod", "staging"],
        _ => &["value", "other"],
    }
}

type ListTest = (BTreeSet<usize>, bool);

struct MergedUse {
    langs: Vec<Lang>,
    multi: bool,
    tests: Vec<(Vec<Lang>, bool)>,
    singleton_is_value: bool,
    transparent: bool,
    extra_values: Vec<Value>,
}

impl Default for MergedUse {
    fn default() -> MergedUse {
        MergedUse {
            langs: Vec::new(),
            multi: false,
            tests: Vec::new(),
            singleton_is_value: false,
            transparent: true,
            extra_values: Vec::new(),
        }
    }
}

/// Most list classes explored per claim.
const MAX_LIST_CLASSES: usize = 256;

fn universe(readings: &[&Reading], budget: Budget) -> Result<Universe, String> {
    let mut merged: BTreeMap<String, MergedUse> = BTreeMap::new();
    for reading in readings {
        for (claim, used) in &reading.claims {
            let entry = merged.entry(claim.clone()).or_default();
            for lang in &used.langs {
                if !entry.langs.contains(lang) {
                    entry.langs.push(lang.clone());
                }
            }
            entry.multi |= used.multi;
            entry.singleton_is_value |= used.singleton_is_value;
            entry.transparent &= used.transparent;
            entry.tests.extend(used.list_tests.iter().cloned());
            for value in &used.extra_values {
                if !entry.extra_values.contains(value) {
                    entry.extra_values.push(value.clone());
                }
            }
        }
    }
    let mut universe = Universe {
        spaces: Vec::new(),
        domains: Vec::new(),
        tests: Vec::new(),
        transparent: Vec::new(),
        groups: Vec::new(),
        group_of: Vec::new(),
    };
    let subjects = workload_subjects(&merged);
    for (claim, used) in merged {
        let mut candidates: Vec<String> =
            used.langs.iter().flat_map(|l| l.samples.clone()).collect();
        if claim == "sub" {
            candidates.extend(subjects.iter().cloned());
        }
        candidates.extend(default_candidates(&claim).iter().map(|s| (*s).to_owned()));
        let space =
            ClaimSpace::build(&claim, used.langs, &candidates, budget.max_states).map_err(|e| {
                match e {
                    SpaceError::TooLarge(why) => format!("too large: {why}"),
                    SpaceError::Pattern(why) => {
                        format!("a pattern the analysis cannot compile: {why}")
                    }
                }
            })?;
        let atoms = space.atoms.len();
        let mut domain = vec![Val::Absent];
        domain.extend((0..atoms).map(Val::One));
        domain.extend(used.extra_values.iter().cloned().map(Val::Json));
        let mut tests: Vec<ListTest> = Vec::new();
        if used.multi {
            for (test, any_only) in &used.tests {
                let indexes: BTreeSet<usize> = test
                    .iter()
                    .filter_map(|l| space.langs.iter().position(|m| m == l))
                    .collect();
                let test = (indexes, *any_only);
                if !tests.contains(&test) {
                    tests.push(test);
                }
            }
            domain.push(Val::List(ListKind::Empty, Vec::new()));
            if used.singleton_is_value {
                domain.extend((0..atoms).map(|a| Val::List(ListKind::Single, vec![a])));
            }
            let mut classes = list_classes(&space, &tests).ok_or_else(|| {
                format!(
                    "too large: lists of {claim} fall into more than {MAX_LIST_CLASSES} classes"
                )
            })?;
            if used.transparent {
                let singles: Vec<Vec<bool>> = (0..atoms)
                    .map(|a| answers_of(&space, &tests, &[a]))
                    .collect();
                classes.retain(|(answers, _)| !singles.contains(answers));
            }
            domain.extend(classes.into_iter().map(|(answers, atoms)| {
                let atoms = if atoms.len() == 1 {
                    vec![atoms[0], atoms[0]]
                } else {
                    atoms
                };
                Val::List(ListKind::Many(answers), atoms)
            }));
        }
        universe
            .groups
            .push((0..domain.len()).map(|v| vec![v]).collect());
        universe.group_of.push((0..domain.len()).collect());
        universe.spaces.push(space);
        universe.domains.push(domain);
        universe.tests.push(tests);
        universe.transparent.push(used.multi && used.transparent);
    }
    Ok(universe)
}

/// GitHub and GitLab subjects of the repositories, environments, projects and groups the
/// rules name in other claims (a GCP condition on `repository`, a Kubernetes rule on
/// `namespace_path`), so that a subject the rules leave free reads like the same workload.
fn workload_subjects(merged: &BTreeMap<String, MergedUse>) -> Vec<String> {
    let named = |claim: &str| -> Vec<String> {
        merged.get(claim).map_or_else(Vec::new, |used| {
            used.langs
                .iter()
                .flat_map(|l| l.samples.iter())
                .filter(|s| !s.is_empty() && !s.contains(['*', '?', ':']))
                .cloned()
                .collect()
        })
    };
    let environments = named("environment");
    let mut subjects = Vec::new();
    for repository in named("repository")
        .into_iter()
        .filter(|r| r.matches('/').count() == 1)
    {
        subjects.extend(
            environments
                .iter()
                .map(|e| format!("repo:{repository}:environment:{e}")),
        );
        subjects.push(format!("repo:{repository}:ref:refs/heads/main"));
        subjects.push(format!("repo:{repository}:pull_request"));
    }
    let projects = named("project_path")
        .into_iter()
        .filter(|p| p.contains('/'))
        .chain(
            named("namespace_path")
                .into_iter()
                .map(|n| format!("{n}/app")),
        );
    for project in projects {
        subjects.push(format!("project_path:{project}:ref_type:branch:ref:main"));
    }
    subjects
}

/// A list's answers to the list tests: per test, some value inside the union, and (unless
/// only that is asked) some value outside it.
fn answers_of(space: &ClaimSpace, tests: &[ListTest], atoms: &[usize]) -> Vec<bool> {
    let mut answers = Vec::new();
    for (test, any_only) in tests {
        let within = |a: &usize| test.iter().any(|l| space.atoms[*a].inside.contains(l));
        answers.push(atoms.iter().any(within));
        if !any_only {
            answers.push(atoms.iter().any(|a| !within(a)));
        }
    }
    answers
}

/// The classes of lists of two or more values: a list answers the OR of its values'
/// answers. Every reachable OR, with the atoms that reach it first.
fn list_classes(space: &ClaimSpace, tests: &[ListTest]) -> Option<Vec<(Vec<bool>, Vec<usize>)>> {
    let atom_answers: Vec<Vec<bool>> = (0..space.atoms.len())
        .map(|a| answers_of(space, tests, &[a]))
        .collect();
    let mut classes: Vec<(Vec<bool>, Vec<usize>)> = Vec::new();
    let mut frontier: Vec<usize> = Vec::new();
    for (atom, vector) in atom_answers.iter().enumerate() {
        if !classes.iter().any(|(v, _)| v == vector) {
            classes.push((vector.clone(), vec![atom]));
            frontier.push(classes.len() - 1);
        }
    }
    while let Some(index) = frontier.pop() {
        for (atom, vector) in atom_answers.iter().enumerate() {
            let (current, atoms) = classes[index].clone();
            let joined: Vec<bool> = current.iter().zip(vector).map(|(a, b)| *a || *b).collect();
            if classes.iter().any(|(v, _)| *v == joined) {
                continue;
            }
            let mut atoms = atoms;
            atoms.push(atom);
            classes.push((joined, atoms));
            if classes.len() > MAX_LIST_CLASSES {
                return None;
            }
            frontier.push(classes.len() - 1);
        }
    }
    Some(classes)
}

impl Universe {
    fn claims(&self, cell: &[usize], now: i64) -> Claims {
        let mut claims = Map::new();
        claims.insert("iat".into(), Value::from(now - 60));
        claims.insert("exp".into(), Value::from(now + 3000));
        for (dim, &index) in cell.iter().enumerate() {
            self.set(&mut claims, dim, index);
        }
        claims
    }

    /// Gives claim `dim` the witness of its domain value `index`.
    fn set(&self, claims: &mut Claims, dim: usize, index: usize) {
        let space = &self.spaces[dim];
        let witness = |atom: usize| Value::String(space.atoms[atom].witness.clone());
        match &self.domains[dim][index] {
            Val::Absent => {
                claims.remove(&space.claim);
            }
            Val::One(atom) => {
                claims.insert(space.claim.clone(), witness(*atom));
            }
            Val::Json(value) => {
                claims.insert(space.claim.clone(), value.clone());
            }
            Val::List(_, atoms) => {
                claims.insert(
                    space.claim.clone(),
                    Value::Array(atoms.iter().map(|a| witness(*a)).collect()),
                );
            }
        }
    }

    /// How realistic the witness of claim `dim`'s value `index` is.
    fn realism(&self, dim: usize, index: usize) -> usize {
        let space = &self.spaces[dim];
        match &self.domains[dim][index] {
            Val::Absent => 1,
            Val::Json(_) => 2,
            Val::One(atom) => 2 + realism(&space.claim, &space.atoms[*atom].witness) as usize,
            Val::List(ListKind::Single, _) => 1,
            Val::List(..) => 0,
        }
    }

    /// The most realistic combination of a region (realism adds up claim by claim).
    fn best(&self, sets: &[BTreeSet<usize>]) -> Vec<usize> {
        sets.iter()
            .enumerate()
            .map(|(dim, set)| {
                set.iter()
                    .copied()
                    .max_by_key(|&index| self.realism(dim, index))
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Each combination of the values of `dims`, the other claims as in `base` (mixed radix),
    /// with its witness claims. The witness is updated in place: the next cell mostly differs
    /// in one claim only, and rebuilding every claim for each cell costs as much as evaluating
    /// it.
    fn for_each_cell(
        &self,
        base: &[usize],
        dims: &[usize],
        now: i64,
        mut visit: impl FnMut(&[usize], &Claims),
    ) {
        let mut cell = base.to_vec();
        let mut group = vec![0; cell.len()];
        for &dim in dims {
            cell[dim] = self.groups[dim][0][0];
        }
        let mut claims = self.claims(&cell, now);
        loop {
            visit(&cell, &claims);
            let mut position = 0;
            loop {
                let Some(&dim) = dims.get(position) else {
                    return;
                };
                group[dim] += 1;
                if group[dim] < self.groups[dim].len() {
                    cell[dim] = self.groups[dim][group[dim]][0];
                    self.set(&mut claims, dim, cell[dim]);
                    break;
                }
                group[dim] = 0;
                cell[dim] = self.groups[dim][0][0];
                self.set(&mut claims, dim, cell[dim]);
                position += 1;
            }
        }
    }

    /// Per value of `iss`, which values settle `reading`'s rule on the issuer alone (false);
    /// `None` when the rule sets no such gate.
    fn gate_of(&self, iss: Option<usize>, reading: &Reading) -> Option<Vec<bool>> {
        let (iss, issuers) = (iss?, reading.issuers.as_ref()?);
        let space = &self.spaces[iss];
        let indexes: Vec<usize> = issuers
            .iter()
            .map(|lang| space.langs.iter().position(|l| l == lang))
            .collect::<Option<_>>()?;
        Some(
            self.domains[iss]
                .iter()
                .map(|value| match value {
                    Val::One(atom) => indexes
                        .iter()
                        .any(|l| space.atoms[*atom].inside.contains(l)),
                    _ => false,
                })
                .collect(),
        )
    }

    /// The slices to enumerate: per value of `iss`, that value and the claims read by the
    /// rules it does not settle; the claims left out change no rule's outcome there. Without
    /// gates, one slice of every claim.
    fn plan(&self, readings: &[&Reading]) -> Vec<Slice> {
        let iss = self.spaces.iter().position(|s| s.claim == "iss");
        let all: Vec<usize> = (0..self.spaces.len()).collect();
        let gates: Vec<Option<Vec<bool>>> = readings.iter().map(|r| self.gate_of(iss, r)).collect();
        let Some(iss) = iss.filter(|_| gates.iter().any(Option::is_some)) else {
            return vec![Slice {
                base: vec![0; all.len()],
                pinned: all.clone(),
                dims: all,
            }];
        };
        (0..self.domains[iss].len())
            .map(|value| {
                let mut base = vec![0; all.len()];
                base[iss] = value;
                let dims: BTreeSet<usize> = readings
                    .iter()
                    .zip(&gates)
                    .filter(|(_, gate)| gate.as_ref().is_none_or(|g| g[value]))
                    .flat_map(|(reading, _)| self.dims_of(reading))
                    .filter(|&dim| dim != iss)
                    .collect();
                let dims: Vec<usize> = dims.into_iter().collect();
                let mut pinned = dims.clone();
                pinned.push(iss);
                Slice { base, dims, pinned }
            })
            .collect()
    }

    /// The combinations a plan evaluates.
    fn planned(&self, plan: &[Slice]) -> usize {
        plan.iter()
            .map(|slice| {
                slice
                    .dims
                    .iter()
                    .try_fold(1usize, |acc, &d| acc.checked_mul(self.groups[d].len()))
                    .unwrap_or(usize::MAX)
            })
            .fold(0usize, usize::saturating_add)
    }

    /// The region of the cell `cell` of `slice`: each claim of the slice takes its value's
    /// group, the claims left out of the slice take every value.
    fn widen(&self, cell: &[usize], slice: &Slice) -> Vec<BTreeSet<usize>> {
        (0..cell.len())
            .map(|dim| {
                if slice.pinned.contains(&dim) {
                    let group = self.group_of[dim][cell[dim]];
                    self.groups[dim][group].iter().copied().collect()
                } else {
                    (0..self.domains[dim].len()).collect()
                }
            })
            .collect()
    }

    /// Groups each claim's domain values by the answers every condition reading the claim
    /// gives them, when all the rules are AWS policies: the evaluator's outcome depends on
    /// such a claim only through those answers (`TrustPolicy::condition_answers`, which
    /// declines the claims and policies where it does not), so values answering alike get the
    /// same verdicts in every combination and one of them stands for its group. Any other
    /// kind of rule leaves every value on its own.
    fn group(&mut self, rules: &[&dyn Rule]) {
        let Some(policies) = rules
            .iter()
            .map(|rule| aws_policy(*rule))
            .collect::<Option<Vec<&TrustPolicy>>>()
        else {
            return;
        };
        for dim in 0..self.spaces.len() {
            let claim = self.spaces[dim].claim.clone();
            let mut answers: Vec<Vec<Vec<Tri>>> = Vec::new();
            let mut groups: Vec<Vec<usize>> = Vec::new();
            let mut group_of = Vec::new();
            let mut declined = false;
            for value in 0..self.domains[dim].len() {
                let mut claims = Map::new();
                self.set(&mut claims, dim, value);
                let Some(vector) = policies
                    .iter()
                    .map(|policy| policy.condition_answers(&claim, &claims))
                    .collect::<Option<Vec<Vec<Tri>>>>()
                else {
                    declined = true;
                    break;
                };
                match answers.iter().position(|a| *a == vector) {
                    Some(group) => {
                        groups[group].push(value);
                        group_of.push(group);
                    }
                    None => {
                        answers.push(vector);
                        groups.push(vec![value]);
                        group_of.push(groups.len() - 1);
                    }
                }
            }
            if !declined {
                self.groups[dim] = groups;
                self.group_of[dim] = group_of;
            }
        }
    }

    /// The positions of `reading`'s claims among the universe's.
    fn dims_of(&self, reading: &Reading) -> Vec<usize> {
        self.spaces
            .iter()
            .enumerate()
            .filter(|(_, space)| reading.claims.contains_key(&space.claim))
            .map(|(dim, _)| dim)
            .collect()
    }
}

/// Part of the enumeration: the claims `dims` take every combination of their values, the
/// others keep their value in `base`; `pinned` are the claims whose value decides outcomes
/// (`dims` and a fixed `iss`).
struct Slice {
    base: Vec<usize>,
    dims: Vec<usize>,
    pinned: Vec<usize>,
}

/// One side's rules, each remembered by the values of the claims it reads: a rule's verdict
/// depends on nothing else (the premise of the whole analysis, `read`), so a rule that reads
/// fewer claims than the universe holds is evaluated once per combination of its own claims
/// rather than once per cell.
struct Side<'a> {
    rules: &'a [Box<dyn Rule>],
    /// Per rule, its claims' positions, or `None` when it reads them all (nothing to share).
    dims: Vec<Option<Vec<usize>>>,
    /// Per rule, its gate on `iss` ([`Universe::gate_of`]): outside it, the outcome is
    /// remembered by the value of `iss` alone.
    gates: Vec<Option<Vec<bool>>>,
    iss: Option<usize>,
    memo: Vec<HashMap<Vec<usize>, Outcome>>,
}

impl<'a> Side<'a> {
    fn new(universe: &Universe, rules: &'a [Box<dyn Rule>], readings: &[&Reading]) -> Side<'a> {
        let dims = readings
            .iter()
            .map(|reading| {
                let dims = universe.dims_of(reading);
                (dims.len() < universe.spaces.len()).then_some(dims)
            })
            .collect();
        let iss = universe.spaces.iter().position(|s| s.claim == "iss");
        Side {
            rules,
            dims,
            gates: readings.iter().map(|r| universe.gate_of(iss, r)).collect(),
            iss,
            memo: vec![HashMap::new(); rules.len()],
        }
    }

    /// [`access`] for the cell `cell` whose witness is `claims`.
    fn access(&mut self, cell: &[usize], claims: &Claims, now: i64) -> Access {
        let mut unknown = false;
        for (index, rule) in self.rules.iter().enumerate() {
            let settled = match (&self.gates[index], self.iss) {
                (Some(gate), Some(iss)) if !gate[cell[iss]] => Some(vec![usize::MAX, cell[iss]]),
                _ => None,
            };
            let outcome = match (&self.dims[index], settled) {
                (None, None) => rule.outcome(claims, now),
                (dims, settled) => {
                    let key: Vec<usize> = settled.unwrap_or_else(|| {
                        let dims = dims.as_deref().unwrap_or_default();
                        dims.iter().map(|&d| cell[d]).collect()
                    });
                    let memo = &mut self.memo[index];
                    match memo.get(&key) {
                        Some(outcome) => {
                            // The tests hold the premise to the evaluators on every cell.
                            #[cfg(test)]
                            assert_eq!(*outcome, rule.outcome(claims, now), "{claims:?}");
                            *outcome
                        }
                        None => *memo.entry(key).or_insert_with(|| rule.outcome(claims, now)),
                    }
                }
            };
            match outcome {
                Outcome::Allowed => return Access::Yes,
                Outcome::Error => unknown = true,
                _ => {}
            }
        }
        if unknown { Access::Unknown } else { Access::No }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Yes,
    No,
    Unknown,
}

/// A rule set admits a caller when any of its rules allows (as `preview` counts access).
fn access(rules: &[Box<dyn Rule>], claims: &Claims, now: i64) -> Access {
    let mut unknown = false;
    for rule in rules {
        match rule.outcome(claims, now) {
            Outcome::Allowed => return Access::Yes,
            Outcome::Error => unknown = true,
            _ => {}
        }
    }
    if unknown { Access::Unknown } else { Access::No }
}

/// The verdict a reviewer wants to read for `claims`: the first rule that allows, else the
/// first rule's refusal.
fn verdict_text(rules: &[Box<dyn Rule>], claims: &Claims, now: i64) -> String {
    let verdicts: Vec<_> = rules.iter().map(|r| r.evaluate(claims, now)).collect();
    let chosen = verdicts
        .iter()
        .find(|v| v.outcome == Outcome::Allowed)
        .or_else(|| verdicts.iter().find(|v| v.outcome == Outcome::Denied))
        .or_else(|| verdicts.first());
    match chosen {
        Some(v) => format!(
            "{}: {} — {}",
            v.rule.name,
            outcome_word(v.outcome),
            v.summary
        ),
        None => "no rules".to_owned(),
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "allowed",
        Outcome::Denied => "denied",
        Outcome::NotApplicable => "not applicable",
        Outcome::Error => "error",
    }
}

fn not_understood(side: &str, rules: &[Box<dyn Rule>], readings: &[Reading]) -> Vec<String> {
    rules
        .iter()
        .zip(readings)
        .flat_map(|(rule, reading)| {
            reading
                .not_understood
                .iter()
                .map(move |what| format!("{side} {}: {what}", rule.id().name))
        })
        .collect()
}

/// Gains and losses of access from `current` to `proposed`, for every caller of
/// [`CALLER_MODEL`], evaluated at `now`.
pub fn compare(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    now: i64,
    budget: Budget,
) -> Comparison {
    compare_with(current, proposed, now, budget, true)
}

/// [`compare`] with every claim value on its own (for the tests, which hold the grouping of
/// values to the ungrouped analysis).
#[cfg(test)]
pub(crate) fn compare_ungrouped(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    now: i64,
    budget: Budget,
) -> Comparison {
    compare_with(current, proposed, now, budget, false)
}

fn compare_with(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    now: i64,
    budget: Budget,
    grouped: bool,
) -> Comparison {
    let current_readings: Vec<Reading> = current.iter().map(|r| read(r.as_ref())).collect();
    let proposed_readings: Vec<Reading> = proposed.iter().map(|r| read(r.as_ref())).collect();
    let mut not_proved = not_understood("current", current, &current_readings);
    not_proved.extend(not_understood("proposed", proposed, &proposed_readings));
    let all: Vec<&Reading> = current_readings.iter().chain(&proposed_readings).collect();
    let mut comparison = Comparison {
        conclusion: Conclusion::NotProved,
        summary: String::new(),
        gains: Vec::new(),
        loses: Vec::new(),
        not_proved: Vec::new(),
        analysis_errors: Vec::new(),
        model: CALLER_MODEL,
        combinations: 0,
    };
    let mut universe = match universe(&all, budget) {
        Ok(universe) => universe,
        Err(why) => {
            not_proved.push(why);
            comparison.not_proved = not_proved;
            comparison.summary = summary(&comparison);
            return comparison;
        }
    };
    if grouped {
        let rules: Vec<&dyn Rule> = current.iter().chain(proposed).map(|r| r.as_ref()).collect();
        universe.group(&rules);
    }
    let plan = universe.plan(&all);
    let cells = universe.planned(&plan);
    if cells > budget.max_cells {
        not_proved.push(format!(
            "too large: {cells} combinations of claim values, over the budget of {}",
            budget.max_cells
        ));
        comparison.not_proved = not_proved;
        comparison.summary = summary(&comparison);
        return comparison;
    }
    let mut gains = Vec::new();
    let mut loses = Vec::new();
    let mut undecided: Option<Vec<usize>> = None;
    let current_side: Vec<&Reading> = current_readings.iter().collect();
    let proposed_side: Vec<&Reading> = proposed_readings.iter().collect();
    let mut before_side = Side::new(&universe, current, &current_side);
    let mut after_side = Side::new(&universe, proposed, &proposed_side);
    for slice in &plan {
        universe.for_each_cell(&slice.base, &slice.dims, now, |cell, claims| {
            let before = before_side.access(cell, claims, now);
            let after = after_side.access(cell, claims, now);
            match (before, after) {
                (Access::No, Access::Yes) => gains.push(universe.widen(cell, slice)),
                (Access::Yes, Access::No) => loses.push(universe.widen(cell, slice)),
                // An undecidable verdict on either side may hide a change.
                (Access::Unknown, _) | (_, Access::Unknown) if undecided.is_none() => {
                    undecided = Some(cell.to_vec());
                }
                _ => {}
            }
        });
    }
    comparison.combinations = cells;
    if let Some(cell) = undecided {
        let claims = universe.claims(&cell, now);
        not_proved.push(format!(
            "a verdict the evaluators cannot decide, e.g. for {}: current {}; proposed {}",
            Value::Object(claims.clone()),
            verdict_text(current, &claims, now),
            verdict_text(proposed, &claims, now)
        ));
    }
    for (cells, gained, out) in [
        (gains, true, &mut comparison.gains),
        (loses, false, &mut comparison.loses),
    ] {
        for sets in merge(&universe, cells) {
            let witness = universe.claims(&universe.best(&sets), now);
            let before = access(current, &witness, now);
            let after = access(proposed, &witness, now);
            let expected = if gained {
                (Access::No, Access::Yes)
            } else {
                (Access::Yes, Access::No)
            };
            if (before, after) != expected {
                comparison.analysis_errors.push(format!(
                    "the witness {} was expected to {} access, but the evaluators give {before:?} → {after:?}",
                    Value::Object(witness.clone()),
                    if gained { "gain" } else { "lose" }
                ));
                continue;
            }
            out.push(Region {
                constraints: describe(&universe, &sets),
                current: verdict_text(current, &witness, now),
                proposed: Some(verdict_text(proposed, &witness, now)),
                witness,
                sets,
            });
        }
    }
    comparison.not_proved = not_proved;
    comparison.conclusion = if !comparison.gains.is_empty() {
        Conclusion::GainsAccess
    } else if comparison.not_proved.is_empty() && comparison.analysis_errors.is_empty() {
        Conclusion::ProvedNoNewAccess
    } else {
        Conclusion::NotProved
    };
    comparison.summary = summary(&comparison);
    comparison
}

fn summary(comparison: &Comparison) -> String {
    let loses = match comparison.loses.len() {
        0 => "no caller loses access".to_owned(),
        1 => "1 region loses access".to_owned(),
        n => format!("{n} regions lose access"),
    };
    match comparison.conclusion {
        Conclusion::ProvedNoNewAccess => format!("proved: no caller gains access; {loses}"),
        Conclusion::GainsAccess => {
            let n = comparison.gains.len();
            format!(
                "{n} region{} gain{} access; {loses}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            )
        }
        Conclusion::NotProved => format!(
            "not proved: {}",
            comparison
                .not_proved
                .first()
                .or(comparison.analysis_errors.first())
                .map_or("", String::as_str)
        ),
    }
}

/// Every region of callers `rules` admit, with rule lints drawn from them.
pub fn reach(rules: &[Box<dyn Rule>], now: i64, budget: Budget) -> Reach {
    let readings: Vec<Reading> = rules.iter().map(|r| read(r.as_ref())).collect();
    let mut not_proved = not_understood("rule", rules, &readings);
    let all: Vec<&Reading> = readings.iter().collect();
    let mut result = Reach {
        complete: false,
        admitted: Vec::new(),
        lints: Vec::new(),
        not_proved: Vec::new(),
        model: CALLER_MODEL,
        combinations: 0,
    };
    let mut universe = match universe(&all, budget) {
        Ok(universe) => universe,
        Err(why) => {
            not_proved.push(why);
            result.not_proved = not_proved;
            return result;
        }
    };
    let rule_refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    universe.group(&rule_refs);
    let plan = universe.plan(&all);
    let cells = universe.planned(&plan);
    if cells > budget.max_cells {
        not_proved.push(format!(
            "too large: {cells} combinations of claim values, over the budget of {}",
            budget.max_cells
        ));
        result.not_proved = not_proved;
        return result;
    }
    result.combinations = cells;
    let mut admitted = Vec::new();
    let mut undecided = None;
    let mut side = Side::new(&universe, rules, &all);
    for slice in &plan {
        universe.for_each_cell(&slice.base, &slice.dims, now, |cell, claims| {
            match side.access(cell, claims, now) {
                Access::Yes => admitted.push(universe.widen(cell, slice)),
                Access::Unknown if undecided.is_none() => undecided = Some(cell.to_vec()),
                _ => {}
            }
        });
    }
    if let Some(cell) = undecided {
        let claims = universe.claims(&cell, now);
        not_proved.push(format!(
            "a verdict the evaluators cannot decide, e.g. for {}: {}",
            Value::Object(claims.clone()),
            verdict_text(rules, &claims, now)
        ));
    }
    for sets in merge(&universe, admitted) {
        let witness = universe.claims(&universe.best(&sets), now);
        result.admitted.push(Region {
            constraints: describe(&universe, &sets),
            current: verdict_text(rules, &witness, now),
            proposed: None,
            witness,
            sets,
        });
    }
    result.lints = reach_lints(rules, &result.admitted, now);
    result.complete = not_proved.is_empty();
    result.not_proved = not_proved;
    result
}

/// Probes around each admitted witness on shared issuers: does the rule also admit a pull
/// request, another repository of the owner, any repository at all? Each finding carries the
/// probe, which the evaluators admitted.
fn reach_lints(rules: &[Box<dyn Rule>], admitted: &[Region], now: i64) -> Vec<ReachLint> {
    let mut lints: Vec<ReachLint> = Vec::new();
    let mut push = |code: &'static str, message: String, witness: Claims| {
        if !lints.iter().any(|l| l.code == code) {
            lints.push(ReachLint {
                code,
                message,
                witness,
            });
        }
    };
    for region in admitted {
        let sub = region
            .witness
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or("");
        let iss = region
            .witness
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or("");
        // The probe changes the subject and the claims that name the same workload, where
        // the witness has them, so that a rule binding those instead still refuses it.
        let probe = |subject: String, identity: &[(&str, String)]| {
            let mut claims = region.witness.clone();
            claims.insert("sub".into(), Value::String(subject));
            for (name, value) in identity {
                if claims.contains_key(*name) {
                    claims.insert((*name).to_owned(), Value::String(value.clone()));
                }
            }
            (access(rules, &claims, now) == Access::Yes).then_some(claims)
        };
        if iss.starts_with("https://token.actions.githubusercontent.com") {
            let repository = github_subject(sub)
                .then(|| sub.trim_start_matches("repo:").split(':').next())
                .flatten()
                .unwrap_or("claimcheck-probe/app");
            let owner = repository.split('/').next().unwrap_or("claimcheck-probe");
            let github = |repository: &str| {
                let owner = repository.split('/').next().unwrap_or_default().to_owned();
                vec![
                    ("repository", repository.to_owned()),
                    ("repository_owner", owner),
                ]
            };
            if let Some(w) = probe(
                format!("repo:{repository}:pull_request"),
                &github(repository),
            ) {
                push(
                    "admits-pull-requests",
                    format!(
                        "admits pull request workflows of {repository} (a pull request from a fork can run them)"
                    ),
                    w,
                );
            }
            let sibling = format!("{owner}/claimcheck-probe");
            if let Some(w) = probe(
                format!("repo:{sibling}:ref:refs/heads/main"),
                &github(&sibling),
            ) {
                push(
                    "admits-whole-owner",
                    format!("admits every repository of {owner}, not only {repository}"),
                    w,
                );
            }
            let stranger = "claimcheck-probe/probe";
            if let Some(w) = probe(
                format!("repo:{stranger}:ref:refs/heads/main"),
                &github(stranger),
            ) {
                push(
                    "admits-any-subject",
                    "admits repositories of any owner on GitHub's shared issuer".to_owned(),
                    w,
                );
            }
        }
        if iss == "https://gitlab.com" {
            let gitlab = [
                ("project_path", "claimcheck-probe/probe".to_owned()),
                ("namespace_path", "claimcheck-probe".to_owned()),
            ];
            if let Some(w) = probe(
                "project_path:claimcheck-probe/probe:ref_type:branch:ref:main".to_owned(),
                &gitlab,
            ) {
                push(
                    "admits-any-subject",
                    "admits projects of any group on gitlab.com's shared issuer".to_owned(),
                    w,
                );
            }
        }
    }
    lints
}

/// Merges regions (boxes: per claim, a set of domain values) that differ in one claim only
/// into one, until none do. Each result is still every combination of its sets.
fn merge(universe: &Universe, boxes: Vec<Vec<BTreeSet<usize>>>) -> Vec<Vec<BTreeSet<usize>>> {
    let mut boxes = boxes;
    let dims = universe.domains.len();
    loop {
        let before = boxes.len();
        for dim in 0..dims {
            let mut groups: BTreeMap<Vec<BTreeSet<usize>>, Vec<BTreeSet<usize>>> = BTreeMap::new();
            let mut order: Vec<Vec<BTreeSet<usize>>> = Vec::new();
            for b in boxes {
                let mut key = b.clone();
                key[dim] = BTreeSet::new();
                match groups.get_mut(&key) {
                    Some(group) => group[dim].extend(b[dim].iter().copied()),
                    None => {
                        order.push(key.clone());
                        groups.insert(key, b);
                    }
                }
            }
            boxes = order
                .into_iter()
                .filter_map(|key| groups.remove(&key))
                .collect();
        }
        if boxes.len() == before {
            return boxes;
        }
    }
}

fn describe(universe: &Universe, sets: &[BTreeSet<usize>]) -> Vec<Constraint> {
    universe
        .spaces
        .iter()
        .zip(&universe.domains)
        .zip(&universe.tests)
        .zip(sets)
        .filter_map(|(((space, domain), tests), set)| {
            describe_set(space, domain, tests, set).map(|text| Constraint {
                claim: space.claim.clone(),
                text,
            })
        })
        .collect()
}

fn describe_set(
    space: &ClaimSpace,
    domain: &[Val],
    tests: &[ListTest],
    set: &BTreeSet<usize>,
) -> Option<String> {
    if set.len() == domain.len() {
        return None;
    }
    let mut ones = BTreeSet::new();
    let mut lists = Vec::new();
    let mut absent = false;
    let mut others = Vec::new();
    for &index in set {
        match &domain[index] {
            Val::Absent => absent = true,
            Val::Json(value) => others.push(format!("the JSON value {value}")),
            Val::One(atom) => {
                ones.insert(*atom);
            }
            Val::List(kind, atoms) => lists.push((kind, atoms)),
        }
    }
    let mut parts = Vec::new();
    if !ones.is_empty() {
        parts.push(describe_atoms(space, &ones));
    }
    let all_lists = domain.iter().filter(|v| matches!(v, Val::List(..))).count();
    if !lists.is_empty() && lists.len() == all_lists {
        parts.push("any list".to_owned());
    } else {
        for (kind, atoms) in lists {
            parts.push(match kind {
                ListKind::Empty => "an empty list".to_owned(),
                ListKind::Single => format!("a one-value list of {}", atom_text(space, atoms[0])),
                ListKind::Many(answers) => list_text(space, tests, answers),
            });
        }
    }
    parts.extend(others);
    if absent {
        parts.push("absent".to_owned());
    }
    Some(parts.join(" or "))
}

/// A class of lists in words, from its answers to the list tests.
fn list_text(space: &ClaimSpace, tests: &[ListTest], answers: &[bool]) -> String {
    let mut said = Vec::new();
    let mut bits = answers.iter().copied();
    for (test, any_only) in tests {
        let inside = bits.next().unwrap_or(false);
        let outside = if *any_only { None } else { bits.next() };
        let union: Vec<String> = test.iter().map(|&l| space.langs[l].shown.clone()).collect();
        let union = if union.is_empty() {
            "(nothing)".to_owned()
        } else {
            union.join(" or ")
        };
        said.push(match (inside, outside) {
            (true, None) => format!("some value {union}"),
            (true, Some(false)) => format!("every value {union}"),
            (true, Some(true)) => format!("some value {union} and some not"),
            _ => format!("no value {union}"),
        });
    }
    if said.is_empty() {
        "a list of two or more values".to_owned()
    } else {
        format!("a list of two or more values: {}", said.join("; "))
    }
}

/// A set of atoms in words: "any string", one language or its complement when the set is
/// exactly that, else each atom's own description.
fn describe_atoms(space: &ClaimSpace, ones: &BTreeSet<usize>) -> String {
    if ones.len() == space.atoms.len() {
        return "any string".to_owned();
    }
    for (index, lang) in space.langs.iter().enumerate() {
        let inside: BTreeSet<usize> = (0..space.atoms.len())
            .filter(|&a| space.atoms[a].inside.contains(&index))
            .collect();
        if &inside == ones {
            return lang.shown.clone();
        }
        let outside: BTreeSet<usize> = (0..space.atoms.len())
            .filter(|a| !inside.contains(a))
            .collect();
        if &outside == ones {
            return format!("not {}", lang.shown);
        }
    }
    let texts: Vec<String> = ones.iter().map(|&a| atom_text(space, a)).collect();
    texts.join(" or ")
}

/// One atom: the most specific languages it is in, and the widest it is not in among those
/// that could have held it.
fn atom_text(space: &ClaimSpace, atom: usize) -> String {
    let inside = &space.atoms[atom].inside;
    let equal = |a: usize, b: usize| space.subset(a, b) && space.subset(b, a);
    let positives: Vec<usize> = inside
        .iter()
        .copied()
        .filter(|&l| {
            !inside
                .iter()
                .any(|&m| m != l && space.subset(m, l) && (!equal(m, l) || m < l))
        })
        .collect();
    let relevant: Vec<usize> = (0..space.langs.len())
        .filter(|n| !inside.contains(n))
        .filter(|&n| {
            space
                .atoms
                .iter()
                .any(|b| b.inside.contains(&n) && inside.is_subset(&b.inside))
        })
        .collect();
    let negatives: Vec<usize> = relevant
        .iter()
        .copied()
        .filter(|&n| {
            !relevant
                .iter()
                .any(|&m| m != n && space.subset(n, m) && (!equal(m, n) || m < n))
        })
        .collect();
    let shown = |ls: &[usize]| -> Vec<String> {
        ls.iter().map(|&l| space.langs[l].shown.clone()).collect()
    };
    match (positives.is_empty(), negatives.is_empty()) {
        (true, true) => "any string".to_owned(),
        (true, false) => format!("matching none of: {}", shown(&negatives).join(", ")),
        (false, true) => shown(&positives).join(" and "),
        (false, false) => format!(
            "{} but not {}",
            shown(&positives).join(" and "),
            shown(&negatives).join(" or ")
        ),
    }
}

/// For tests: the cell a claim set of the caller model falls in (`None` outside the model),
/// over the universe [`compare`] builds for the same rules.
#[cfg(test)]
pub(crate) struct Locator(Universe);

#[cfg(test)]
impl Locator {
    pub(crate) fn new(
        current: &[Box<dyn Rule>],
        proposed: &[Box<dyn Rule>],
        budget: Budget,
    ) -> Option<Locator> {
        let readings: Vec<Reading> = current
            .iter()
            .chain(proposed)
            .map(|r| read(r.as_ref()))
            .collect();
        let all: Vec<&Reading> = readings.iter().collect();
        universe(&all, budget).ok().map(Locator)
    }

    pub(crate) fn cell(&self, claims: &Claims) -> Option<Vec<usize>> {
        cell_of(&self.0, claims)
    }

    /// Per claim, how many domain values it has.
    pub(crate) fn sizes(&self) -> Vec<usize> {
        self.0.domains.iter().map(Vec::len).collect()
    }
}

#[cfg(test)]
fn cell_of(universe: &Universe, claims: &Claims) -> Option<Vec<usize>> {
    let mut cell = Vec::new();
    for (((space, domain), tests), &transparent) in universe
        .spaces
        .iter()
        .zip(&universe.domains)
        .zip(&universe.tests)
        .zip(&universe.transparent)
    {
        let find = |wanted: &Val| domain.iter().position(|v| v == wanted);
        let index = match claims.get(&space.claim) {
            None => find(&Val::Absent)?,
            Some(Value::String(text)) => find(&Val::One(space.atom_of(text)?))?,
            Some(value @ (Value::Bool(_) | Value::Number(_))) => find(&Val::Json(value.clone()))?,
            Some(Value::Array(items)) => {
                let atoms: Vec<usize> = items
                    .iter()
                    .map(|v| v.as_str().and_then(|t| space.atom_of(t)))
                    .collect::<Option<_>>()?;
                let single = domain
                    .iter()
                    .position(|v| matches!(v, Val::List(ListKind::Single, a) if atoms.len() == 1 && a == &atoms));
                match (atoms.len(), single) {
                    (0, _) => domain
                        .iter()
                        .position(|v| matches!(v, Val::List(ListKind::Empty, _)))?,
                    (1, Some(index)) => index,
                    _ => {
                        let answers = answers_of(space, tests, &atoms);
                        let class = domain.iter().position(
                            |v| matches!(v, Val::List(ListKind::Many(x), _) if *x == answers),
                        );
                        // A transparent claim's list that answers as one string does: that
                        // string's cell.
                        match class {
                            Some(index) => index,
                            None if !transparent => return None,
                            None => (0..space.atoms.len())
                                .find(|&a| answers_of(space, tests, &[a]) == answers)
                                .and_then(|a| find(&Val::One(a)))?,
                        }
                    }
                }
            }
            Some(_) => return None,
        };
        cell.push(index);
    }
    // Claims the rules do not read must not matter; the caller model fixes the times.
    Some(cell)
}

/// For tests: whether the current and the proposed rules admit `claims`.
#[cfg(test)]
pub(crate) fn verdict_pair(
    current: &[Box<dyn Rule>],
    proposed: &[Box<dyn Rule>],
    claims: &Claims,
    now: i64,
) -> (bool, bool) {
    (
        access(current, claims, now) == Access::Yes,
        access(proposed, claims, now) == Access::Yes,
    )
}
