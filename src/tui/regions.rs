//! The Regions list beside the matrix: who gains or loses access with the proposal, for every
//! possible caller rather than the corpus (`trust::symbolic::compare`), or, with one rule set,
//! who can get in at all (`trust::symbolic::reach`). Enter on a region adds its witness, a
//! claim set the analysis built and the evaluators re-checked, as a SIMULATED what-if and
//! opens it with the why panel, which for a change explains both the current and the proposed
//! verdict ([`witness_sides`]), so the reviewer sees what the change flips.
//!
//! Public face: [`RegionsState`] (held in `Model::regions`), [`Item`] / [`Change`] (what the
//! view lists), [`witness_sides`] (what the why panel shows for a witness) and the `update`
//! side: [`ensure`], [`recompute`], [`on_key`], [`on_computed`], [`on_rule_file_changed`].
//!
//! The analysis runs off the UI thread (`worker` → `regions_job`) and reads the rule files
//! itself, as the matrix's computation does; the last good result stays on screen while a new
//! one is computed.

use std::path::{Path, PathBuf};

use super::keymap::{Action, Context, Key};

use super::model::{Entry, Model, NoticeKind, Pane, Signature};
use super::regions_job::{Analysis, RegionsJob, RuleReach};
use super::update::{Cmd, batch, claims_stand_in, make_room, notice, reevaluate};
use crate::report::SignatureReport;
use crate::token::Claims;
use crate::trust::symbolic::{Conclusion, Region};
use crate::trust::{Outcome, RuleId, Verdict};

pub struct RegionsState {
    /// The last analysis; `None` until the first result.
    pub analysis: Option<Analysis>,
    /// Bumped on every request; older results are dropped.
    pub generation: u64,
    /// An analysis is under way.
    pub running: bool,
    /// Why the last analysis failed (a rule file that does not parse…).
    pub error: Option<String>,
    /// The list has the keys (Tab moves between it and the matrix).
    pub focused: bool,
    pub cursor: usize,
    /// The rule arguments analysed: the current set, and the proposed one when comparing.
    pub current: Vec<String>,
    pub proposed: Option<Vec<String>>,
}

/// What a region says about access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The proposal lets these callers in.
    Gains,
    /// The proposal shuts these callers out.
    Loses,
    /// One rule set: these callers get in.
    Admitted,
}

impl Change {
    pub fn verb(self) -> &'static str {
        match self {
            Change::Gains => "gains access",
            Change::Loses => "loses access",
            Change::Admitted => "gets in",
        }
    }
}

/// One line of the list: numbered within its kind, as `claimcheck preview` and `who` number
/// them.
pub struct Item<'a> {
    pub change: Change,
    pub number: usize,
    pub region: &'a Region,
    /// For a rule's reach: the rule, and its short name.
    pub rule: Option<(&'a RuleId, String)>,
}

impl Item<'_> {
    /// "region 2 that gains access", "region 1 that aws-deploy-role lets in".
    pub fn label(&self) -> String {
        match &self.rule {
            Some((_, rule)) => format!("region {} that {rule} lets in", self.number),
            None => format!("region {} that {}", self.number, self.change.verb()),
        }
    }
}

/// A rule by its file's name when it has one (AWS trust policies are all "trust policy"),
/// followed by its own name when its file holds several (Entra credentials).
fn short_name(rule: &RuleId, rules: &[RuleReach]) -> String {
    let stem = |id: &RuleId| {
        id.file
            .as_deref()
            .and_then(|file| Path::new(file).file_stem())
            .map(|stem| stem.to_string_lossy().into_owned())
    };
    match stem(rule) {
        Some(file) if rules.iter().filter(|r| r.rule.file == rule.file).count() > 1 => {
            format!("{file}/{}", rule.name)
        }
        Some(file) => file,
        None => rule.name.clone(),
    }
}

impl RegionsState {
    fn new() -> RegionsState {
        RegionsState {
            analysis: None,
            generation: 0,
            running: false,
            error: None,
            focused: false,
            cursor: 0,
            current: Vec::new(),
            proposed: None,
        }
    }

    /// Gains first (the reason to look), then losses; or the admitted regions.
    pub fn items(&self) -> Vec<Item<'_>> {
        match &self.analysis {
            Some(Analysis::Compared(comparison)) => {
                let mut items = numbered(Change::Gains, &comparison.gains);
                items.extend(numbered(Change::Loses, &comparison.loses));
                items
            }
            Some(Analysis::Reach(rules)) => rules
                .iter()
                .flat_map(|rule| {
                    let name = short_name(&rule.rule, rules);
                    numbered(Change::Admitted, &rule.reach.admitted)
                        .into_iter()
                        .map(move |item| Item {
                            rule: Some((&rule.rule, name.clone())),
                            ..item
                        })
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// The rule files the analysis reads, as the watcher reports them.
    fn paths(&self) -> Vec<PathBuf> {
        self.current
            .iter()
            .chain(self.proposed.iter().flatten())
            .map(|arg| crate::app::rules::file_of(arg))
            .collect()
    }
}

fn numbered(change: Change, regions: &[Region]) -> Vec<Item<'_>> {
    regions
        .iter()
        .enumerate()
        .map(|(at, region)| Item {
            change,
            number: at + 1,
            region,
            rule: None,
        })
        .collect()
}

/// What the matrix on screen compares: its corpus's current and proposed rules, or, for a
/// matrix of the loaded tokens, the view's rule files as one set. `None` without rules.
fn request(model: &Model) -> Option<(Vec<String>, Option<Vec<String>>, i64)> {
    let matrix = model.matrix.as_ref()?;
    match matrix.spec() {
        Some(spec) if !spec.current.is_empty() => Some((
            spec.current.clone(),
            (!spec.proposed.is_empty()).then(|| spec.proposed.clone()),
            spec.pinned_now.unwrap_or(model.now),
        )),
        Some(_) => None,
        None => {
            let files: Vec<String> = model
                .rule_files
                .iter()
                .map(|file| file.path.to_string_lossy().into_owned())
                .collect();
            (!files.is_empty()).then_some((files, None, model.now))
        }
    }
}

/// When the matrix opens: analyses its rules unless the list already answers for them.
pub fn ensure(model: &mut Model) -> Option<Cmd> {
    let wanted = request(model);
    let same = match (&model.regions, &wanted) {
        (Some(state), Some((current, proposed, _))) => {
            state.current == *current && state.proposed == *proposed
        }
        _ => false,
    };
    if same { None } else { recompute(model) }
}

/// Starts the analysis again (rules changed). The last result stays shown meanwhile, unless
/// it answered for other rules.
pub fn recompute(model: &mut Model) -> Option<Cmd> {
    let Some((current, proposed, now)) = request(model) else {
        model.regions = None;
        return None;
    };
    let state = model.regions.get_or_insert_with(RegionsState::new);
    if state.current != current || state.proposed != proposed {
        state.analysis = None;
        state.error = None;
        state.cursor = 0;
    }
    state.generation += 1;
    state.running = true;
    state.current = current.clone();
    state.proposed = proposed.clone();
    Some(Cmd::ComputeRegions(RegionsJob {
        generation: state.generation,
        current,
        proposed,
        now,
    }))
}

pub fn on_rule_file_changed(model: &mut Model, path: &Path) -> Option<Cmd> {
    let watched = model
        .regions
        .as_ref()
        .is_some_and(|state| state.paths().iter().any(|p| p == path));
    if watched { recompute(model) } else { None }
}

pub fn on_computed(model: &mut Model, generation: u64, result: Result<Box<Analysis>, String>) {
    let Some(state) = &mut model.regions else {
        return;
    };
    if state.generation != generation {
        return;
    }
    state.running = false;
    match result {
        Ok(analysis) => {
            state.analysis = Some(*analysis);
            state.error = None;
        }
        Err(error) => state.error = Some(error),
    }
    let len = state.items().len();
    state.cursor = state.cursor.min(len.saturating_sub(1));
}

/// Keys while the matrix is shown: `Some` when the Regions list took the key (Tab to and
/// from it, moves and Enter while it has the focus, and a recompute of both on reload).
pub fn on_key(model: &mut Model, key: Key) -> Option<Option<Cmd>> {
    let focused = model.regions.as_ref()?.focused;
    let contexts: &[Context] = if focused {
        &[Context::Regions, Context::Matrix, Context::Global]
    } else {
        &[Context::Matrix, Context::Global]
    };
    let action = model.keymap.lookup(contexts, key)?;
    let len = model.regions.as_ref()?.items().len();
    let page = crate::tui::view::page(model);
    let delta = match action {
        Action::NextPane | Action::PrevPane => {
            let state = model.regions.as_mut()?;
            state.focused = !state.focused;
            return Some(None);
        }
        Action::ReloadRules => {
            let mut cmds = match super::matrix::on_key(model, key) {
                Some(Cmd::Batch(cmds)) => cmds,
                other => other.into_iter().collect(),
            };
            cmds.extend(recompute(model));
            return Some(batch(cmds));
        }
        _ if !focused => return None,
        Action::OpenWitness => return Some(open_witness(model)),
        Action::Down => 1,
        Action::Up => -1,
        Action::Top => isize::MIN,
        Action::Bottom => isize::MAX,
        Action::PageDown => page,
        Action::PageUp => -page,
        _ => return None,
    };
    let state = model.regions.as_mut()?;
    let last = len.saturating_sub(1);
    state.cursor = match delta {
        isize::MIN => 0,
        isize::MAX => last,
        d => state.cursor.saturating_add_signed(d).min(last),
    };
    Some(None)
}

/// Enter: the selected region's witness as a SIMULATED entry of the main view (once), shown
/// with the why panel, which for a change explains the current and the proposed verdict.
fn open_witness(model: &mut Model) -> Option<Cmd> {
    let selected = model.regions.as_ref().and_then(|state| {
        let items = state.items();
        let item = items.get(state.cursor)?;
        let rule = item.rule.as_ref().map(|(id, _)| (*id).clone());
        Some((item.label(), item.change, item.region.witness.clone(), rule))
    });
    let Some((label, change, witness, rule)) = selected else {
        notice(model, NoticeKind::Error, "no region selected");
        return None;
    };
    let source = format!("witness of {label}");
    let existing = model
        .tokens
        .iter()
        .position(|e| e.source == source && e.simulated.as_ref() == Some(&witness));
    match existing {
        Some(index) => model.selected = index,
        None => {
            let reason = format!(
                "SIMULATED: the witness of {label}, a claim set built by the analysis of the rules; no token, nothing signed it"
            );
            if let Err(error) = add_witness(model, witness, change, source, reason) {
                notice(model, NoticeKind::Error, error);
                return None;
            }
            model.selected = model.tokens.len() - 1;
        }
    }
    model.input = None;
    model.claim_cursor = 0;
    if let Some(matrix) = &mut model.matrix {
        matrix.open = false;
    }
    show_both_sides(model, &label, change, rule.as_ref());
    None
}

/// Adds a witness as an entry of the main view: its claims, SIMULATED, under a stand-in token
/// without a header (`update::claims_stand_in`): the analysis speaks of claims.
fn add_witness(
    model: &mut Model,
    claims: Claims,
    change: Change,
    source: String,
    reason: String,
) -> Result<(), String> {
    let stand_in = claims_stand_in(&claims).map_err(|error| format!("{source}: {error}"))?;
    make_room(model);
    let id = model.next_id;
    model.next_id += 1;
    model.tokens.push(Entry {
        id,
        token: stand_in,
        source,
        simulated: Some(claims),
        witness_of: Some(change),
        signature: Signature::Done(SignatureReport::not_checked(reason)),
        generation: 0,
        verdicts: Vec::new(),
        decision: None,
    });
    reevaluate(model);
    Ok(())
}

/// The rule files of the proposed set, when the list compares two sets.
fn proposed_paths(model: &Model) -> Option<Vec<PathBuf>> {
    let args = model.regions.as_ref()?.proposed.as_ref()?;
    Some(
        args.iter()
            .map(|arg| crate::app::rules::file_of(arg))
            .collect(),
    )
}

fn on_proposed_side(model: &Model, proposed: &[PathBuf], file: usize) -> bool {
    model
        .rule_files
        .get(file)
        .is_some_and(|f| proposed.contains(&f.path))
}

/// The verdict that answers for one side: a rule that lets the caller in when one does (any
/// rule admitting is access), otherwise the first that refuses it.
fn deciding<'m>(
    verdicts: impl Iterator<Item = &'m (usize, Verdict)> + Clone,
) -> Option<&'m (usize, Verdict)> {
    let mut all = verdicts.clone();
    verdicts
        .clone()
        .find(|(_, v)| v.outcome == Outcome::Allowed)
        .or_else(|| verdicts.clone().find(|(_, v)| v.outcome == Outcome::Denied))
        .or_else(|| all.next())
}

/// The two verdicts the why panel explains for the witness of a gained or lost region: one
/// of the current rule set and one of the proposed, the same verdicts the rules pane lists.
/// The side of the rule selected in the rules pane shows that rule; the other side shows the
/// rule that decides it.
pub struct WitnessSides<'m> {
    pub current: &'m (usize, Verdict),
    pub proposed: &'m (usize, Verdict),
}

/// `Some` when the selected entry is a comparison's witness (added by Enter on a region that
/// gains or loses access) and both rule sets have a verdict on it.
pub fn witness_sides(model: &Model) -> Option<WitnessSides<'_>> {
    let proposed = proposed_paths(model)?;
    let entry = model.current()?;
    if !matches!(entry.witness_of, Some(Change::Gains | Change::Loses)) {
        return None;
    }
    let proposed: &[PathBuf] = &proposed;
    let side = |on_proposed: bool| {
        let verdicts = entry
            .verdicts
            .iter()
            .filter(move |(file, _)| on_proposed_side(model, proposed, *file) == on_proposed);
        let selected = model
            .selected_verdict()
            .filter(|(file, _)| on_proposed_side(model, proposed, *file) == on_proposed);
        selected.or_else(|| deciding(verdicts))
    };
    Some(WitnessSides {
        current: side(false)?,
        proposed: side(true)?,
    })
}

/// Opens the why panel on the rule the change is about (a proposed rule when comparing, the
/// admitting rule otherwise; the panel adds the current side for a change) and says both
/// sides' answers on the status line.
fn show_both_sides(model: &mut Model, label: &str, change: Change, rule: Option<&RuleId>) {
    let proposed = proposed_paths(model).unwrap_or_default();
    let is_proposed = |file: usize| on_proposed_side(model, &proposed, file);
    let Some(entry) = model.current() else {
        return;
    };
    let access = |side: &dyn Fn(usize) -> bool| {
        let mut outcomes = entry
            .verdicts
            .iter()
            .filter(|(file, _)| side(*file))
            .map(|(_, v)| v.outcome)
            .peekable();
        outcomes.peek()?;
        Some(if outcomes.any(|o| o == Outcome::Allowed) {
            "✓ allowed"
        } else {
            "✗ denied"
        })
    };
    let wanted = match change {
        Change::Admitted => Outcome::Allowed,
        Change::Gains => Outcome::Allowed,
        Change::Loses => Outcome::Denied,
    };
    // The region's own rule for a reach; the proposed side's deciding rule for a change.
    let decides = |file: usize, id: &RuleId| match change {
        Change::Admitted => rule.is_none_or(|rule| rule == id),
        Change::Gains | Change::Loses => is_proposed(file),
    };
    let target = entry
        .verdicts
        .iter()
        .position(|(file, v)| decides(*file, &v.rule) && v.outcome == wanted)
        .or_else(|| {
            entry
                .verdicts
                .iter()
                .position(|(file, v)| decides(*file, &v.rule))
        });
    let text = match change {
        Change::Admitted => format!(
            "witness of {label}: {} · M returns to the matrix",
            access(&|_| true).unwrap_or("no verdict yet")
        ),
        Change::Gains | Change::Loses => format!(
            "witness of {label}: current {} → proposed {} · both explained in Why · M: matrix",
            access(&|file| !is_proposed(file)).unwrap_or("no verdict yet"),
            access(&is_proposed).unwrap_or("no verdict yet"),
        ),
    };
    match target {
        Some(at) => {
            model.rule_cursor = at;
            model.why_open = true;
            model.why_scroll = 0;
            model.why_passed_open = false;
            model.focus = Pane::Why;
            notice(model, NoticeKind::Info, text);
        }
        None => {
            model.rule_cursor = 0;
            model.focus = Pane::Rules;
            notice(
                model,
                NoticeKind::Error,
                "the rules are not loaded in this view (yet): see the rules pane",
            );
        }
    }
}

/// The claims a witness shows in one line: without the times every witness carries.
pub fn witness_text(claims: &Claims) -> String {
    let shown: serde_json::Map<String, serde_json::Value> = claims
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "iat" | "exp" | "nbf"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    serde_json::Value::Object(shown).to_string()
}

/// The conclusion in one line, with the glyph that says it without colour.
pub fn conclusion_line(state: &RegionsState) -> Option<(Outcome, String)> {
    Some(match state.analysis.as_ref()? {
        Analysis::Compared(comparison) => {
            let (outcome, glyph) = match comparison.conclusion {
                Conclusion::ProvedNoNewAccess => (Outcome::Allowed, "✓"),
                Conclusion::GainsAccess => (Outcome::Denied, "✗"),
                Conclusion::NotProved => (Outcome::Error, "?"),
            };
            (outcome, format!("{glyph} {}", comparison.summary))
        }
        Analysis::Reach(rules) => {
            let n: usize = rules.iter().map(|r| r.reach.admitted.len()).sum();
            let s = if n == 1 { "" } else { "s" };
            let incomplete = rules.iter().filter(|r| !r.reach.complete).count();
            let of = format!(
                "{} rule{}",
                rules.len(),
                if rules.len() == 1 { "" } else { "s" }
            );
            match incomplete {
                0 => (
                    Outcome::NotApplicable,
                    format!("{n} region{s} of callers get in, over {of}"),
                ),
                k => (
                    Outcome::Error,
                    format!("? at least {n} region{s} of callers get in; {k} of {of} not complete"),
                ),
            }
        }
    })
}

/// Why the analysis is not a proof (or not complete), and analysis errors.
pub fn reasons(state: &RegionsState) -> Vec<String> {
    match &state.analysis {
        Some(Analysis::Compared(comparison)) => comparison
            .not_proved
            .iter()
            .map(|why| format!("? {why}"))
            .chain(
                comparison
                    .analysis_errors
                    .iter()
                    .map(|error| format!("! analysis error (a bug in claimcheck): {error}")),
            )
            .collect(),
        Some(Analysis::Reach(rules)) => rules
            .iter()
            .flat_map(|rule| {
                let name = short_name(&rule.rule, rules);
                rule.reach
                    .not_proved
                    .iter()
                    .map(move |why| format!("? {name}: {why}"))
            })
            .collect(),
        None => Vec::new(),
    }
}
