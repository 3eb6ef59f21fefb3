//! One claim's string values, cut into atoms: the non-empty Boolean combinations of the
//! languages the rules test it against. Every string in an atom passes and fails exactly the same
//! tests, so one witness per atom stands for all of them.
//!
//! All languages of a claim compile into ONE anchored multi-pattern DFA (`regex-automata`,
//! `MatchKind::All`); pattern 0 is "any valid UTF-8 string", so that byte strings a token cannot
//! carry are never taken as witnesses. A breadth-first walk of the DFA's states finds every
//! reachable set of matching patterns at the end of input: those are the atoms, each with a
//! shortest member. Emptiness of any combination is then a lookup.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};

use super::lang::Lang;

/// One non-empty combination of a claim's languages.
#[derive(Debug, Clone)]
pub struct Atom {
    /// Indexes (into [`ClaimSpace::langs`]) of the languages its strings belong to; the others
    /// they do not belong to.
    pub inside: BTreeSet<usize>,
    /// A member, as realistic as the candidates allowed (else a shortest one).
    pub witness: String,
}

#[derive(Debug)]
pub struct ClaimSpace {
    pub claim: String,
    pub langs: Vec<Lang>,
    pub atoms: Vec<Atom>,
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
    /// Languages that are a length limit in bytes, by index, with their limit.
    limits: Vec<(usize, usize)>,
}

/// Why a claim's space could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpaceError {
    TooLarge(String),
    Pattern(String),
}

/// Bytes tried first when walking the DFA, so that shortest members read like identifiers.
const PREFERRED: &[u8] = b"xabcdefghijklmnopqrstuvwyz0123456789-_./:";

impl ClaimSpace {
    /// `max_states`: the budget of DFA states (past it, [`SpaceError::TooLarge`]).
    pub fn build(
        claim: &str,
        langs: Vec<Lang>,
        candidates: &[String],
        max_states: usize,
    ) -> Result<ClaimSpace, SpaceError> {
        let mut patterns = vec![r"(?s:.)*\z".to_owned()];
        // A length limit matches everything in the automaton; the walk counts bytes.
        patterns.extend(langs.iter().map(|l| match l.byte_limit() {
            Some(_) => r"(?s-u:.)*\z".to_owned(),
            None => format!(r"(?:{})\z", l.regex),
        }));
        let limits: Vec<(usize, usize)> = langs
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.byte_limit().map(|n| (i, n)))
            .collect();
        let dfa = dense::Builder::new()
            // Byte-level patterns (a length in bytes, RE2's `\C`) are allowed; pattern 0 keeps
            // every atom to valid UTF-8.
            .syntax(syntax::Config::new().utf8(false))
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(max_states * 1024))
                    .determinize_size_limit(Some(max_states * 4096)),
            )
            .build_many(&patterns)
            .map_err(|e| {
                if e.to_string().contains("exceeded") {
                    SpaceError::TooLarge(format!(
                        "the constraints on {claim} need more than the DFA budget"
                    ))
                } else {
                    SpaceError::Pattern(format!("{claim}: {e}"))
                }
            })?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|e| SpaceError::Pattern(format!("{claim}: {e}")))?;
        let mut space = ClaimSpace {
            claim: claim.to_owned(),
            langs,
            atoms: Vec::new(),
            dfa,
            start,
            limits,
        };
        space.walk(max_states)?;
        space.prefer(candidates);
        Ok(space)
    }

    /// The atoms reachable from the start, each with the first (shortest) string reaching it.
    /// With length limits, a state is visited once per length up to the largest limit + 1
    /// (the lengths the limits tell apart).
    fn walk(&mut self, max_states: usize) -> Result<(), SpaceError> {
        let mut order: Vec<u8> = PREFERRED.to_vec();
        order.extend((0u8..=255).filter(|b| !PREFERRED.contains(b)));
        let cap = self.limits.iter().map(|(_, n)| n + 1).max().unwrap_or(0);
        // Counting lengths visits a state once per length; the budget grows with it, within
        // reason.
        let budget = if cap == 0 {
            max_states
        } else {
            max_states * 16
        };
        let classes = *self.dfa.byte_classes();
        let mut seen: HashSet<(StateID, usize)> = HashSet::new();
        let mut queue: VecDeque<(StateID, Vec<u8>)> = VecDeque::new();
        seen.insert((self.start, 0));
        queue.push_back((self.start, Vec::new()));
        let mut found: HashMap<BTreeSet<usize>, String> = HashMap::new();
        let mut found_order: Vec<BTreeSet<usize>> = Vec::new();
        while let Some((state, text)) = queue.pop_front() {
            if seen.len() > budget {
                return Err(SpaceError::TooLarge(format!(
                    "the constraints on {} need more than {budget} automaton states",
                    self.claim
                )));
            }
            if let Some(inside) = self.eoi_set(state, text.len())
                && !found.contains_key(&inside)
                && let Ok(text) = String::from_utf8(text.clone())
            {
                found_order.push(inside.clone());
                found.insert(inside, text);
            }
            // Bytes of one class lead to the same state: the first in preference order stands
            // for the others.
            let mut tried = [false; 256];
            for &byte in &order {
                let class = usize::from(classes.get(byte));
                if std::mem::replace(&mut tried[class], true) {
                    continue;
                }
                let next = self.dfa.next_state(state, byte);
                if self.dfa.is_dead_state(next) || self.dfa.is_quit_state(next) {
                    continue;
                }
                let length = (text.len() + 1).min(cap);
                if seen.insert((next, length)) {
                    let mut longer = text.clone();
                    longer.push(byte);
                    queue.push_back((next, longer));
                }
            }
        }
        self.atoms = found_order
            .into_iter()
            .map(|inside| Atom {
                witness: found[&inside].clone(),
                inside,
            })
            .collect();
        Ok(())
    }

    /// The languages matched by `length` bytes of input that led to `state`, or `None` when
    /// that input is not valid UTF-8 (pattern 0 did not match).
    fn eoi_set(&self, state: StateID, length: usize) -> Option<BTreeSet<usize>> {
        let end = self.dfa.next_eoi_state(state);
        if !self.dfa.is_match_state(end) {
            return None;
        }
        let mut valid = false;
        let mut inside = BTreeSet::new();
        for i in 0..self.dfa.match_len(end) {
            match self.dfa.match_pattern(end, i).as_usize() {
                0 => valid = true,
                n => {
                    inside.insert(n - 1);
                }
            }
        }
        for (index, limit) in &self.limits {
            if length > *limit {
                inside.remove(index);
            }
        }
        valid.then_some(inside)
    }

    /// Which languages `value` belongs to.
    pub fn languages_of(&self, value: &str) -> BTreeSet<usize> {
        let mut state = self.start;
        for &byte in value.as_bytes() {
            state = self.dfa.next_state(state, byte);
        }
        self.eoi_set(state, value.len()).unwrap_or_default()
    }

    /// The atom `value` lies in (every valid string lies in exactly one).
    pub fn atom_of(&self, value: &str) -> Option<usize> {
        let inside = self.languages_of(value);
        self.atoms.iter().position(|a| a.inside == inside)
    }

    /// Replaces each atom's witness by the most realistic candidate inside it, if any.
    fn prefer(&mut self, candidates: &[String]) {
        let mut best: Vec<Option<(u8, &String)>> = vec![None; self.atoms.len()];
        for candidate in candidates {
            let Some(atom) = self.atom_of(candidate) else {
                continue;
            };
            let score = realism(&self.claim, candidate);
            if best[atom].is_none_or(|(s, _)| score > s) {
                best[atom] = Some((score, candidate));
            }
        }
        for (atom, choice) in self.atoms.iter_mut().zip(best) {
            if let Some((_, text)) = choice {
                atom.witness = text.clone();
            }
        }
    }

    /// `a ⊆ b` over the claim's strings: no atom is in `a` and outside `b`.
    pub fn subset(&self, a: usize, b: usize) -> bool {
        !self
            .atoms
            .iter()
            .any(|atom| atom.inside.contains(&a) && !atom.inside.contains(&b))
    }
}

/// How much a value looks like what its issuer really sends: well-formed GitHub and GitLab
/// subjects, `https://` issuers, no empty or one-letter values.
pub fn realism(claim: &str, value: &str) -> u8 {
    let mut score = 1;
    if value.len() > 1 {
        score += 1;
    }
    if claim == "sub" && (github_subject(value) || gitlab_subject(value)) {
        score += 4;
    }
    if claim == "iss" && value.starts_with("https://") {
        score += 2;
    }
    if !value.contains('*') && !value.contains('?') {
        score += 1;
    }
    score
}

/// `repo:OWNER/REPO:` followed by one of GitHub's subject forms.
pub fn github_subject(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("repo:") else {
        return false;
    };
    let Some((repository, context)) = rest.split_once(':') else {
        return false;
    };
    let well_named = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let Some((owner, name)) = repository.split_once('/') else {
        return false;
    };
    if !well_named(owner) || !well_named(name) {
        return false;
    }
    context == "pull_request"
        || context
            .strip_prefix("ref:refs/heads/")
            .or_else(|| context.strip_prefix("ref:refs/tags/"))
            .or_else(|| context.strip_prefix("environment:"))
            .is_some_and(|tail| !tail.is_empty() && !tail.contains(['*', '?', ':']))
}

/// `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME`.
pub fn gitlab_subject(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("project_path:") else {
        return false;
    };
    let Some((path, tail)) = rest.split_once(":ref_type:") else {
        return false;
    };
    path.contains('/')
        && !path.contains(['*', '?'])
        && (tail.starts_with("branch:ref:") || tail.starts_with("tag:ref:"))
        && tail
            .split_once(":ref:")
            .is_some_and(|(_, name)| !name.is_empty() && !name.contains(['*', '?']))
}
