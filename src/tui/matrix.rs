//! The rules × tokens matrix: rows are caller groups with their token counts, columns
//! are rules, as before/after pairs when a proposed rule set is given.
//!
//! Public face: [`MatrixState`] (held in `Model::matrix`) and [`grid`], what the view draws;
//! [`CorpusSpec`], a corpus and rule files for `claimcheck preview --tui`; and the `update`
//! side: [`open`], [`on_key`], [`recompute`], [`on_computed`], [`on_progress`],
//! [`on_rule_file_changed`], [`on_sample_read`].
//!
//! Two sources. The tokens loaded in the main view: their grid is built from their verdicts on
//! demand, so it follows rule reloads and what-ifs with no bookkeeping. A corpus: streamed and
//! evaluated by `preview::matrix` off the UI thread (`worker` → `matrix_job`), recomputed when a
//! rule file changes; the last good grid stays on screen while a new one is computed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::keymap::{Action, Context, Key};
use super::model::{Entry, Model, NoticeKind, Pane, Signature};
use super::update::{Cmd, add_token, batch, claims_stand_in, notice, perform, reevaluate};
use crate::preview::corpus::{BadEntry, Location};
use crate::preview::group::{GroupBy, group_key};
use crate::preview::matrix::{OutcomeCounts, Preview};
use crate::report::SignatureReport;
use crate::token::{self, Claims, Limits};
use crate::trust::RuleId;

/// A corpus and the rule files to preview against it; `[KIND:]FILE` as on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSpec {
    /// A directory or a file (not stdin: the matrix re-reads it on every recompute).
    pub corpus: String,
    pub current: Vec<String>,
    /// Empty for a plain matrix without before/after.
    pub proposed: Vec<String>,
    pub group_by: GroupBy,
    /// `--now`: evaluate every entry at this instant instead of at its own issue time.
    pub pinned_now: Option<i64>,
}

impl CorpusSpec {
    /// The rule files without their `KIND:` prefixes: what the main view loads and the
    /// watcher watches.
    pub fn rule_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = Vec::new();
        for arg in self.current.iter().chain(&self.proposed) {
            let path = crate::app::rules::file_of(arg);
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        paths
    }
}

pub enum Source {
    /// The tokens loaded in the main view, against its rule files.
    Loaded,
    Corpus(Arc<CorpusSpec>),
}

pub struct MatrixState {
    pub source: Source,
    /// Shown instead of the main view. Closing keeps the state (cursor, corpus grid).
    pub open: bool,
    /// The last computed grid of a corpus; `None` until the first result.
    pub grid: Option<Grid>,
    /// Bumped on every recompute; results and progress carrying an older number are dropped.
    pub generation: u64,
    /// Entries read so far while a recompute runs.
    pub progress: Option<usize>,
    /// Why the last recompute failed (a rule file that does not parse…); the grid is then the
    /// last good one.
    pub error: Option<String>,
    pub row: usize,
    pub column: usize,
}

impl MatrixState {
    pub fn loaded() -> MatrixState {
        MatrixState::new(Source::Loaded)
    }

    pub fn corpus(spec: CorpusSpec) -> MatrixState {
        MatrixState::new(Source::Corpus(Arc::new(spec)))
    }

    fn new(source: Source) -> MatrixState {
        MatrixState {
            source,
            open: true,
            grid: None,
            generation: 0,
            progress: None,
            error: None,
            row: 0,
            column: 0,
        }
    }

    pub fn spec(&self) -> Option<&CorpusSpec> {
        match &self.source {
            Source::Corpus(spec) => Some(spec),
            Source::Loaded => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// No proposal: the rules as they are.
    Only,
    Before,
    After,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub side: Side,
    pub rule: RuleId,
    /// For an `After` column: the `Before` column of the same rule (same kind and name, or
    /// the same position when both sets have as many rules), to compare cells with.
    pub before: Option<usize>,
}

/// Which token a row opens on Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sample {
    /// A token of the main view, by its id.
    Loaded(u64),
    /// The group's first entry in the corpus.
    Corpus(Location),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub tokens: usize,
    pub unsigned: usize,
    /// One per column.
    pub cells: Vec<OutcomeCounts>,
    pub lost: usize,
    pub gained: usize,
    pub sample: Sample,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    pub columns: Vec<Column>,
    /// By descending size, then key.
    pub rows: Vec<Row>,
    pub entries: usize,
    pub unsigned: usize,
    /// Entries that could not be used (bad lines, encrypted tokens).
    pub bad: usize,
    pub first_bad: Option<BadEntry>,
    /// Whether there is a proposal to compare with.
    pub compared: bool,
    pub lost: usize,
    pub gained: usize,
}

impl Grid {
    pub fn from_preview(preview: Preview) -> Grid {
        let compared = preview.proposed_rules.is_some();
        let current_side = if compared { Side::Before } else { Side::Only };
        let mut columns: Vec<Column> = preview
            .current_rules
            .iter()
            .map(|rule| Column {
                side: current_side,
                rule: rule.clone(),
                before: None,
            })
            .collect();
        let proposed = preview.proposed_rules.clone().unwrap_or_default();
        let same_count = proposed.len() == preview.current_rules.len();
        let mut paired = vec![false; preview.current_rules.len()];
        for (at, rule) in proposed.iter().enumerate() {
            let by_name = preview
                .current_rules
                .iter()
                .enumerate()
                .position(|(i, c)| !paired[i] && c.kind == rule.kind && c.name == rule.name);
            let before = by_name.or((same_count && !paired[at]).then_some(at));
            if let Some(i) = before {
                paired[i] = true;
            }
            columns.push(Column {
                side: Side::After,
                rule: rule.clone(),
                before,
            });
        }
        let rows = preview
            .groups
            .into_iter()
            .map(|group| {
                let mut cells = group.current;
                cells.extend(group.proposed.unwrap_or_default());
                Row {
                    key: group.key,
                    tokens: group.tokens,
                    unsigned: group.unsigned,
                    cells,
                    lost: group.lost,
                    gained: group.gained,
                    sample: Sample::Corpus(group.sample),
                }
            })
            .collect();
        let (lost, gained) = preview
            .changes
            .as_ref()
            .map_or((0, 0), |c| (c.lost, c.gained));
        Grid {
            columns,
            rows,
            entries: preview.entries,
            unsigned: preview.unsigned,
            bad: preview.bad,
            first_bad: preview.bad_listed.into_iter().next(),
            compared,
            lost,
            gained,
        }
    }

    /// Whether the cell differs from the same rule's cell before the proposal.
    pub fn changed(&self, row: &Row, column: usize) -> bool {
        self.columns
            .get(column)
            .and_then(|c| c.before)
            .is_some_and(|before| row.cells.get(before) != row.cells.get(column))
    }
}

/// The grid the matrix view shows, if the matrix is open and has one.
pub fn grid(model: &Model) -> Option<Cow<'_, Grid>> {
    let state = model.matrix.as_ref()?;
    match state.source {
        Source::Loaded => Some(Cow::Owned(loaded_grid(model))),
        Source::Corpus(_) => state.grid.as_ref().map(Cow::Borrowed),
    }
}

pub fn is_open(model: &Model) -> bool {
    model.matrix.as_ref().is_some_and(|m| m.open)
}

/// The main view's tokens grouped like a corpus, from the verdicts they already have.
fn loaded_grid(model: &Model) -> Grid {
    let columns: Vec<Column> = model
        .rule_files
        .iter()
        .flat_map(|file| file.rules.iter())
        .map(|rule| Column {
            side: Side::Only,
            rule: rule.id().clone(),
            before: None,
        })
        .collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut grid = Grid::default();
    for entry in &model.tokens {
        let Some(claims) = entry.claims() else {
            grid.bad += 1;
            continue;
        };
        grid.entries += 1;
        let unsigned = usize::from(entry.simulated.is_some());
        grid.unsigned += unsigned;
        let key = group_key(claims, &GroupBy::FoldedSubject);
        let at = *index.entry(key.clone()).or_insert_with(|| {
            rows.push(Row {
                key,
                tokens: 0,
                unsigned: 0,
                cells: vec![OutcomeCounts::default(); columns.len()],
                lost: 0,
                gained: 0,
                sample: Sample::Loaded(entry.id),
            });
            rows.len() - 1
        });
        let row = &mut rows[at];
        row.tokens += 1;
        row.unsigned += unsigned;
        for (cell, (_, verdict)) in row.cells.iter_mut().zip(&entry.verdicts) {
            cell.add(verdict.outcome);
        }
    }
    rows.sort_by(|a, b| b.tokens.cmp(&a.tokens).then_with(|| a.key.cmp(&b.key)));
    Grid {
        columns,
        rows,
        ..grid
    }
}

/// The matrix key: reopens a corpus matrix, or builds one from the loaded tokens.
pub fn open(model: &mut Model) -> Option<Cmd> {
    match &mut model.matrix {
        Some(state) if state.spec().is_some() => state.open = true,
        _ if model.tokens.len() >= 2 => {
            let keep = model
                .matrix
                .take()
                .map(|state| (state.row, state.column))
                .unwrap_or_default();
            let mut state = MatrixState::loaded();
            (state.row, state.column) = keep;
            model.matrix = Some(state);
            clamp(model);
        }
        _ => notice(
            model,
            NoticeKind::Error,
            "the matrix needs several tokens (add more with a or p), or a corpus: claimcheck preview --tokens DIR --rules FILE --tui",
        ),
    }
    None
}

/// Keys while the matrix is shown (help closed). Actions that concern one token do nothing here.
pub fn on_key(model: &mut Model, key: Key) -> Option<Cmd> {
    let action = model
        .keymap
        .lookup(&[Context::Matrix, Context::Global], key)?;
    match action {
        Action::Down => move_row(model, 1),
        Action::Up => move_row(model, -1),
        Action::Top => move_row(model, isize::MIN),
        Action::Bottom => move_row(model, isize::MAX),
        Action::PageDown => move_row(model, crate::tui::view::page(model)),
        Action::PageUp => move_row(model, -crate::tui::view::page(model)),
        Action::NextToken => move_column(model, 1),
        Action::PrevToken => move_column(model, -1),
        Action::OpenWhy => return open_cell(model),
        Action::Close | Action::OpenMatrix => close(model),
        Action::ReloadRules => {
            let reload = perform(model, Action::ReloadRules);
            let again = recompute(model);
            return batch(reload.into_iter().chain(again).collect());
        }
        Action::Quit | Action::Help => return perform(model, action),
        _ => {}
    }
    None
}

fn close(model: &mut Model) {
    if model.tokens.is_empty() {
        // Nothing behind the matrix but the paste prompt, which would take the matrix key.
        notice(
            model,
            NoticeKind::Info,
            "no token opened yet: Enter opens one of the selected group; q quits",
        );
        return;
    }
    if let Some(state) = &mut model.matrix {
        state.open = false;
    }
}

fn step(cursor: usize, len: usize, delta: isize) -> usize {
    if len == 0 {
        return 0;
    }
    match delta {
        isize::MIN => 0,
        isize::MAX => len - 1,
        d => cursor.saturating_add_signed(d).min(len - 1),
    }
}

fn move_row(model: &mut Model, delta: isize) {
    let len = grid(model).map_or(0, |g| g.rows.len());
    if let Some(state) = &mut model.matrix {
        state.row = step(state.row, len, delta);
    }
}

fn move_column(model: &mut Model, delta: isize) {
    let len = grid(model).map_or(0, |g| g.columns.len());
    if let Some(state) = &mut model.matrix {
        state.column = step(state.column, len, delta);
    }
}

/// Keeps the cursor inside the grid after it changed shape.
fn clamp(model: &mut Model) {
    let (rows, columns) = grid(model).map_or((0, 0), |g| (g.rows.len(), g.columns.len()));
    if let Some(state) = &mut model.matrix {
        state.row = state.row.min(rows.saturating_sub(1));
        state.column = state.column.min(columns.saturating_sub(1));
    }
}

/// Enter: the selected group's representative token in the main view, with the selected
/// rule's why panel open.
fn open_cell(model: &mut Model) -> Option<Cmd> {
    let state = model.matrix.as_ref()?;
    let (row, column) = (state.row, state.column);
    let spec_corpus = state.spec().map(|spec| spec.corpus.clone());
    let target = grid(model).and_then(|g| {
        let row = g.rows.get(row)?;
        let rule = g.columns.get(column)?.rule.clone();
        Some((row.sample.clone(), rule, column))
    });
    let Some((sample, rule, column)) = target else {
        notice(
            model,
            NoticeKind::Error,
            "no cell selected: the matrix is empty",
        );
        return None;
    };
    match (sample, spec_corpus) {
        (Sample::Loaded(id), _) => {
            let index = model.tokens.iter().position(|e| e.id == id)?;
            model.selected = index;
            model.claim_cursor = 0;
            // Loaded columns are the verdicts, in order.
            show_why(model, |at, _| at == column);
            None
        }
        (Sample::Corpus(location), Some(corpus)) => Some(Cmd::ReadSample {
            corpus,
            location,
            rule,
        }),
        (Sample::Corpus(_), None) => None,
    }
}

/// Closes the matrix and opens the why panel on the first verdict `wanted` accepts (index,
/// rule), or focuses the rules pane with a notice when none does.
fn show_why(model: &mut Model, wanted: impl Fn(usize, &RuleId) -> bool) {
    if let Some(state) = &mut model.matrix {
        state.open = false;
    }
    let found = model.current().and_then(|entry| {
        entry
            .verdicts
            .iter()
            .enumerate()
            .position(|(at, (_, verdict))| wanted(at, &verdict.rule))
    });
    match found {
        Some(at) => {
            model.rule_cursor = at;
            model.why_open = true;
            model.why_scroll = 0;
            model.why_passed_open = false;
            model.focus = Pane::Why;
        }
        None => {
            model.rule_cursor = 0;
            model.focus = Pane::Rules;
            notice(
                model,
                NoticeKind::Error,
                "that rule is not loaded in this view (yet): see the rules pane",
            );
        }
    }
}

/// Starts computing the corpus matrix again (rules or corpus changed). Nothing for a matrix of
/// loaded tokens, which is always current.
pub fn recompute(model: &mut Model) -> Option<Cmd> {
    let now = model.now;
    let state = model.matrix.as_mut()?;
    let Source::Corpus(spec) = &state.source else {
        return None;
    };
    state.generation += 1;
    state.progress = Some(0);
    Some(Cmd::ComputeMatrix {
        generation: state.generation,
        spec: Arc::clone(spec),
        now,
    })
}

pub fn on_rule_file_changed(model: &mut Model, path: &Path) -> Option<Cmd> {
    let watched = model
        .matrix
        .as_ref()
        .and_then(MatrixState::spec)
        .is_some_and(|spec| spec.rule_paths().iter().any(|p| p == path));
    if watched { recompute(model) } else { None }
}

pub fn on_progress(model: &mut Model, generation: u64, read: usize) {
    if let Some(state) = &mut model.matrix
        && state.generation == generation
        && state.progress.is_some()
    {
        state.progress = Some(read);
    }
}

pub fn on_computed(model: &mut Model, generation: u64, result: Result<Box<Grid>, String>) {
    let Some(state) = &mut model.matrix else {
        return;
    };
    if state.generation != generation {
        return;
    }
    state.progress = None;
    match result {
        Ok(grid) => {
            state.grid = Some(*grid);
            state.error = None;
        }
        Err(error) => state.error = Some(error),
    }
    clamp(model);
}

/// A corpus entry read back for Enter: added to the main view (once) and explained.
pub fn on_sample_read(
    model: &mut Model,
    location: Location,
    rule: RuleId,
    result: Result<String, String>,
) -> Option<Cmd> {
    let source = format!("corpus {location}");
    let existing = model.tokens.iter().position(|e| e.source == source);
    let cmd = match (existing, result) {
        (Some(index), _) => {
            model.selected = index;
            None
        }
        (None, Err(error)) => {
            notice(
                model,
                NoticeKind::Error,
                format!("cannot open {source}: {error}"),
            );
            return None;
        }
        (None, Ok(text)) => match add_entry(model, &text, source) {
            Ok(cmd) => cmd,
            Err(error) => {
                notice(model, NoticeKind::Error, error);
                return None;
            }
        },
    };
    model.input = None;
    model.claim_cursor = 0;
    show_why(model, |_, id| *id == rule);
    if model.why_open {
        notice(
            model,
            NoticeKind::Info,
            format!("{location}: the first token of its group · M returns to the matrix"),
        );
    }
    cmd
}

/// Adds a corpus entry as the selected token: a token as it is (its signature is then checked
/// like any other), a claims object as an unsigned what-if.
fn add_entry(model: &mut Model, text: &str, source: String) -> Result<Option<Cmd>, String> {
    let limits = Limits::default();
    let cmd = match token::decode(text, &limits) {
        Ok(decoded) => add_token(model, decoded, source),
        Err(token::DecodeError::NoTokenInJson { .. }) => {
            let claims: Claims = match serde_json::from_str(text) {
                Ok(Value::Object(claims)) => claims,
                _ => return Err(format!("{source} is neither a token nor claims")),
            };
            add_unsigned(model, claims, source)?;
            None
        }
        Err(error) => return Err(format!("{source} is no longer a token: {error}")),
    };
    model.selected = model.tokens.len() - 1;
    Ok(cmd)
}

fn add_unsigned(model: &mut Model, claims: Claims, source: String) -> Result<(), String> {
    // The main view shows tokens; claims without one get a stand-in whose claims are marked
    // simulated, exactly like a what-if, and which has no header for a rule to judge: the
    // matrix evaluated the claims alone.
    let stand_in = claims_stand_in(&claims).map_err(|e| format!("{source}: {e}"))?;
    super::update::make_room(model);
    let id = model.next_id;
    model.next_id += 1;
    model.tokens.push(Entry {
        id,
        token: stand_in,
        source,
        simulated: Some(claims),
        witness_of: None,
        signature: Signature::Done(SignatureReport::not_checked(
            "SIMULATED: claims from the corpus, not a token; nothing signed them",
        )),
        generation: 0,
        verdicts: Vec::new(),
        decision: None,
    });
    reevaluate(model);
    Ok(())
}
