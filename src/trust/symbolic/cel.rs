//! What the CEL-based evaluators read from a token (`trust::gcp`, `trust::kubernetes`;
//! docs/SEMANTICS.md §2, §5, §10): the issuer and audiences checks, and the languages each CEL
//! expression tests claims against.
//!
//! An expression is followed as terms: a claim read directly (`assertion.sub`,
//! `claims['x']`), strings and claims joined by `+`, literals, lists of them, and the mapped
//! values other expressions read (GCP's `attribute.*` and `google.*`, Kubernetes' `user.*`).
//! The tests on them (`==`, `!=`, `in` a literal list, `startsWith`, `endsWith`, `contains`,
//! `matches`, `has()`) become languages on the claims they read; a test on a claim joined
//! with text becomes languages on that claim (the strings that, joined, pass); a join of
//! several claims is followed only where the test is equality with literals (finitely many
//! splits). Every other form is refused, naming the part of the expression, so that the
//! analysis says "not proved" instead of guessing. The analysis evaluates each combination of
//! languages with the evaluators themselves, so the reading only has to see every test the
//! verdict can turn on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::lang::Lang;
use super::read::Reading;
use crate::trust::cel::{self, Dialect, Shape};
use crate::trust::gcp::{GcpProvider, SUBJECT_MAX_BYTES, default_audiences};
use crate::trust::kubernetes::{ClaimRule, JwtAuthenticator, PrefixedMapping, UsernameMapping};

/// What an expression's value is made of, as far as the analysis follows it.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    /// A claim's value as the token carries it.
    Claim(String),
    /// Text and claims joined by `+`, with at least one claim.
    Concat(Vec<Part>),
    Str(String),
    /// A literal of another JSON type.
    Json(Value),
    List(Vec<Term>),
    /// A boolean whose tests the reading has recorded.
    Bool,
    /// The same for every caller the analysis tells apart (an attribute no mapping sets, a
    /// double literal).
    Fixed,
    /// A value the analysis does not follow into tests, and why.
    Opaque(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Claim(String),
}

impl Term {
    /// Whether the value can differ between callers.
    fn varies(&self) -> bool {
        match self {
            Term::Claim(_) | Term::Concat(_) | Term::Bool | Term::Opaque(_) => true,
            Term::List(items) => items.iter().any(Term::varies),
            Term::Str(_) | Term::Json(_) | Term::Fixed => false,
        }
    }

    fn parts(self) -> Option<Vec<Part>> {
        match self {
            Term::Str(text) => Some(vec![Part::Text(text)]),
            Term::Claim(claim) => Some(vec![Part::Claim(claim)]),
            Term::Concat(parts) => Some(parts),
            _ => None,
        }
    }

    /// Joined parts, with adjacent text merged: text alone is a string, one claim alone the
    /// claim.
    fn joined(parts: Vec<Part>) -> Term {
        let mut merged: Vec<Part> = Vec::new();
        for part in parts {
            match (merged.last_mut(), part) {
                (_, Part::Text(t)) if t.is_empty() => {}
                (Some(Part::Text(last)), Part::Text(t)) => last.push_str(&t),
                (_, part) => merged.push(part),
            }
        }
        match merged.as_slice() {
            [] => Term::Str(String::new()),
            [Part::Text(t)] => Term::Str(t.clone()),
            [Part::Claim(c)] => Term::Claim(c.clone()),
            _ => Term::Concat(merged),
        }
    }
}

/// The claims of a join, each time it occurs.
fn claims_of(parts: &[Part]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|p| match p {
            Part::Claim(c) => Some(c.as_str()),
            Part::Text(_) => None,
        })
        .collect()
}

/// Claims the caller model fixes: a rule reading them is outside the analysis.
const TIME_CLAIMS: [&str; 3] = ["exp", "iat", "nbf"];

/// Most ways of splitting a literal among the claims of a join.
const MAX_SPLITS: usize = 10_000;

struct CelReader<'r> {
    reading: &'r mut Reading,
    dialect: Dialect,
    /// The variable holding the claims.
    claims: &'static str,
    /// Other variables' fields as terms.
    derived: BTreeMap<&'static str, BTreeMap<String, Term>>,
    /// Claims an expression reads: a list there is not the same as a string.
    read: BTreeSet<String>,
}

type Why = String;

impl<'r> CelReader<'r> {
    fn new(reading: &'r mut Reading, dialect: Dialect, claims: &'static str) -> CelReader<'r> {
        CelReader {
            reading,
            dialect,
            claims,
            derived: BTreeMap::new(),
            read: BTreeSet::new(),
        }
    }

    fn claim(&mut self, field: &str) -> Result<Term, Why> {
        if TIME_CLAIMS.contains(&field) {
            return Err(format!(
                "`{}.{field}` reads a time claim, which the caller model fixes",
                self.claims
            ));
        }
        self.reading.touch(field);
        self.read.insert(field.to_owned());
        Ok(Term::Claim(field.to_owned()))
    }

    fn term(&mut self, shape: &Shape) -> Result<Term, Why> {
        match shape {
            Shape::Field { variable, field } if variable == self.claims => self.claim(field),
            Shape::Has { variable, field } if variable == self.claims => {
                self.claim(field)?;
                Ok(Term::Bool)
            }
            Shape::Field { variable, field } | Shape::Has { variable, field } => {
                let Some(fields) = self.derived.get(variable.as_str()) else {
                    return Err(format!(
                        "`{}` reads `{variable}`, which the analysis does not follow",
                        shape.text()
                    ));
                };
                let term = fields.get(field).cloned().unwrap_or(Term::Fixed);
                if let Term::Opaque(why) = term {
                    return Err(why);
                }
                // A mapped value is present whenever the evaluator gets as far as the
                // condition (a failed mapping refuses the token first).
                Ok(match shape {
                    Shape::Has { .. } => Term::Bool,
                    _ => term,
                })
            }
            Shape::Str(s) => Ok(Term::Str(s.clone())),
            Shape::Int(i) => Ok(Term::Json(json!(i))),
            Shape::Bool(b) => Ok(Term::Json(json!(b))),
            Shape::Null => Ok(Term::Json(Value::Null)),
            Shape::OtherLiteral(_) => Ok(Term::Fixed),
            Shape::List(items) => Ok(Term::List(
                items
                    .iter()
                    .map(|i| self.term(i))
                    .collect::<Result<_, _>>()?,
            )),
            Shape::Call {
                function,
                target,
                args,
            } => self.call(shape, function, target.as_deref(), args),
            Shape::Ident(name) => Err(format!(
                "`{name}` is read as a whole, which the analysis does not follow"
            )),
            Shape::Other(what) => Err(format!("{what} is outside the analysis")),
        }
    }

    fn call(
        &mut self,
        shape: &Shape,
        function: &str,
        target: Option<&Shape>,
        args: &[Shape],
    ) -> Result<Term, Why> {
        match (function, target, args) {
            ("_&&_" | "_||_", None, [a, b]) => {
                self.boolean(a)?;
                self.boolean(b)?;
                Ok(Term::Bool)
            }
            ("!_", None, [a]) => {
                self.boolean(a)?;
                Ok(Term::Bool)
            }
            ("_?_:_", None, [test, then, otherwise]) => {
                self.boolean(test)?;
                let boolish =
                    |t: &Term| matches!(t, Term::Bool | Term::Fixed | Term::Json(Value::Bool(_)));
                let (then, otherwise) = (self.term(then)?, self.term(otherwise)?);
                if boolish(&then) && boolish(&otherwise) {
                    Ok(Term::Bool)
                } else {
                    Err(format!(
                        "`{}` chooses between values, which the analysis does not follow",
                        shape.text()
                    ))
                }
            }
            ("_==_" | "_!=_", None, [a, b]) => {
                let (a, b) = (self.term(a)?, self.term(b)?);
                self.equality(shape, a, b)?;
                Ok(Term::Bool)
            }
            ("@in", None, [needle, Shape::List(items)]) => {
                let needle = self.term(needle)?;
                for item in items {
                    let item = self.term(item)?;
                    self.equality(shape, needle.clone(), item)?;
                }
                Ok(Term::Bool)
            }
            ("@in", None, [needle, list]) => match (self.term(needle)?, self.term(list)?) {
                // Some value of the claim's list is the literal.
                (Term::Str(text), Term::Claim(claim)) => {
                    self.reading.lang(&claim, Lang::exact(&text));
                    self.reading.list_test(&claim, &[Lang::exact(&text)], true);
                    Ok(Term::Bool)
                }
                (needle, list) if !needle.varies() && !list.varies() => Ok(Term::Bool),
                _ => Err(format!(
                    "`{}` is membership in a list the rule does not spell out",
                    shape.text()
                )),
            },
            ("startsWith" | "endsWith" | "contains" | "matches", Some(target), [arg]) => {
                let (target, arg) = (self.term(target)?, self.term(arg)?);
                self.string_test(shape, function, target, arg)?;
                Ok(Term::Bool)
            }
            ("matches", None, [target, arg]) => {
                let (target, arg) = (self.term(target)?, self.term(arg)?);
                self.string_test(shape, function, target, arg)?;
                Ok(Term::Bool)
            }
            ("_+_", None, [a, b]) => {
                let (a, b) = (self.term(a)?, self.term(b)?);
                match (a.clone().parts(), b.clone().parts()) {
                    (Some(mut left), Some(right)) => {
                        left.extend(right);
                        Ok(Term::joined(left))
                    }
                    _ if !a.varies() && !b.varies() => Ok(Term::Fixed),
                    _ => Err(format!(
                        "`{}` joins values other than strings and claims",
                        shape.text()
                    )),
                }
            }
            _ => Err(format!(
                "`{}` is outside the analysis (it calls {})",
                shape.text(),
                written_function(function)
            )),
        }
    }

    /// An operand of `&&`, `||`, `!` or a whole condition.
    fn boolean(&mut self, shape: &Shape) -> Result<(), Why> {
        match self.term(shape)? {
            // A claim used as a boolean: its JSON true and false are told apart.
            Term::Claim(claim) => {
                self.reading.extra(&claim, json!(true));
                self.reading.extra(&claim, json!(false));
                Ok(())
            }
            Term::Opaque(why) => Err(why),
            // Anything else is a boolean already recorded, or a value that is not a boolean
            // (a CEL error or false whatever the claims hold).
            _ => Ok(()),
        }
    }

    fn equality(&mut self, shape: &Shape, a: Term, b: Term) -> Result<(), Why> {
        match (a, b) {
            (Term::Opaque(why), _) | (_, Term::Opaque(why)) => Err(why),
            (Term::Claim(claim), Term::Str(text)) | (Term::Str(text), Term::Claim(claim)) => {
                self.reading.lang(&claim, Lang::exact(&text));
                Ok(())
            }
            (Term::Claim(claim), Term::Json(value)) | (Term::Json(value), Term::Claim(claim)) => {
                // No string equals a literal of another type; a JSON value of that type might.
                if !value.is_null() {
                    self.reading.extra(&claim, value);
                }
                Ok(())
            }
            (Term::Claim(claim), Term::Bool) | (Term::Bool, Term::Claim(claim)) => {
                self.reading.extra(&claim, json!(true));
                self.reading.extra(&claim, json!(false));
                Ok(())
            }
            (Term::Concat(parts), Term::Str(text)) | (Term::Str(text), Term::Concat(parts)) => {
                self.join_equals(shape, &parts, &text)
            }
            (a, b) if a.varies() && b.varies() => {
                if a == Term::Bool && b == Term::Bool {
                    Ok(())
                } else {
                    Err(format!(
                        "`{}` compares claims with each other",
                        shape.text()
                    ))
                }
            }
            (a, b)
                if (a.varies() || b.varies())
                    && (matches!(a, Term::List(_)) || matches!(b, Term::List(_))) =>
            {
                Err(format!("`{}` compares a claim with a list", shape.text()))
            }
            _ => Ok(()),
        }
    }

    /// `a + '/' + b == 'x/y'`: each claim's candidate values are the pieces of the literal it
    /// can take in some split; any other value makes the join differ from the literal.
    fn join_equals(&mut self, shape: &Shape, parts: &[Part], text: &str) -> Result<(), Why> {
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut steps = 0usize;
        let mut stack = Vec::new();
        if !splits(parts, text, &mut stack, &mut found, &mut steps) {
            return Err(format!(
                "too large: `{}` splits its literal among claims in more than {MAX_SPLITS} ways",
                shape.text()
            ));
        }
        for (claim, values) in found {
            for value in values {
                self.reading.lang(&claim, Lang::exact(&value));
            }
        }
        Ok(())
    }

    fn string_test(
        &mut self,
        shape: &Shape,
        function: &str,
        target: Term,
        arg: Term,
    ) -> Result<(), Why> {
        let arg = match arg {
            Term::Str(arg) => arg,
            Term::Opaque(why) => return Err(why),
            arg if !arg.varies() && !target.varies() => return Ok(()),
            // A string test with a non-string literal is a CEL error for every value.
            arg if !arg.varies() => return Ok(()),
            _ => {
                return Err(format!(
                    "`{}` tests against a value taken from the claims",
                    shape.text()
                ));
            }
        };
        match target {
            Term::Claim(claim) => {
                if let Some(lang) = self.lang_for(function, &arg) {
                    self.reading.lang(&claim, lang);
                }
                Ok(())
            }
            Term::Concat(parts) => {
                let claims = claims_of(&parts);
                let [claim] = claims.as_slice() else {
                    return Err(format!(
                        "`{}` tests a join of several claims, which no per-claim language describes",
                        shape.text()
                    ));
                };
                let claim = (*claim).to_owned();
                let position = parts
                    .iter()
                    .position(|p| matches!(p, Part::Claim(_)))
                    .unwrap_or(0);
                let text = |ps: &[Part]| -> String {
                    ps.iter()
                        .map(|p| match p {
                            Part::Text(t) => t.as_str(),
                            Part::Claim(_) => "",
                        })
                        .collect()
                };
                let before = text(&parts[..position]);
                let after = text(&parts[position + 1..]);
                let langs = match function {
                    "startsWith" => starts_with_joined(&before, &after, &arg),
                    "endsWith" => ends_with_joined(&before, &after, &arg),
                    "contains" => contains_joined(&before, &after, &arg),
                    _ => {
                        return Err(format!(
                            "`{}` matches a pattern against a claim joined with text",
                            shape.text()
                        ));
                    }
                };
                for lang in langs {
                    self.reading.lang(&claim, lang);
                }
                Ok(())
            }
            Term::Opaque(why) => Err(why),
            // A string, or a value that is not one (a CEL error): the same for every caller.
            _ => Ok(()),
        }
    }

    /// The language of a test on the whole claim; `None` for a pattern the evaluator refuses
    /// (every evaluation is then the same CEL error).
    fn lang_for(&self, function: &str, arg: &str) -> Option<Lang> {
        match function {
            "startsWith" => Some(Lang::prefix(arg)),
            "endsWith" => Some(Lang::suffix(arg)),
            "contains" => Some(Lang::substring(arg)),
            _ => cel::matches_regex(self.dialect, arg)
                .ok()
                .map(|translated| Lang::search(arg, &translated)),
        }
    }

    /// A mapping that must give a non-empty string (a Kubernetes username expression).
    fn non_empty(&mut self, term: &Term) {
        let parts = match term {
            Term::Claim(claim) => vec![Part::Claim(claim.clone())],
            Term::Concat(parts) => parts.clone(),
            _ => return,
        };
        if parts
            .iter()
            .any(|p| matches!(p, Part::Text(t) if !t.is_empty()))
        {
            return;
        }
        for claim in claims_of(&parts) {
            self.reading.lang(claim, Lang::empty());
        }
    }

    /// A claim read where a list of strings is as good as a string (Kubernetes groups and
    /// extra values).
    fn list_valued(&mut self, term: &Term) {
        if let Term::Claim(claim) = term {
            self.reading.multi(claim);
        }
    }

    /// Lists and strings of the claims an expression reads are told apart; the audience check
    /// alone reads a string as the one-value list of it.
    fn finish(self) {
        for (claim, used) in self.reading.claims.iter_mut() {
            used.transparent = claim == "aud" && !self.read.contains(claim);
        }
    }
}

/// Every way `parts` spells `text`, collecting each claim's piece; false past the budget.
fn splits(
    parts: &[Part],
    text: &str,
    stack: &mut Vec<(String, String)>,
    found: &mut BTreeMap<String, BTreeSet<String>>,
    steps: &mut usize,
) -> bool {
    *steps += 1;
    if *steps > MAX_SPLITS {
        return false;
    }
    match parts.split_first() {
        None => {
            if text.is_empty() {
                for (claim, value) in stack.iter() {
                    found
                        .entry(claim.clone())
                        .or_default()
                        .insert(value.clone());
                }
            }
            true
        }
        Some((Part::Text(t), rest)) => match text.strip_prefix(t.as_str()) {
            Some(remaining) => splits(rest, remaining, stack, found, steps),
            None => true,
        },
        Some((Part::Claim(claim), rest)) => {
            let ends: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            for end in ends {
                stack.push((claim.clone(), text[..end].to_owned()));
                let ok = splits(rest, &text[end..], stack, found, steps);
                stack.pop();
                if !ok {
                    return false;
                }
            }
            true
        }
    }
}

fn boundaries(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect()
}

/// `before + c + after` starts with `p`: `c` starts with the rest of `p`, or `c` is a
/// proper beginning of it that `after` completes.
fn starts_with_joined(before: &str, after: &str, p: &str) -> Vec<Lang> {
    if p.len() <= before.len() {
        return Vec::new();
    }
    let Some(rest) = p.strip_prefix(before) else {
        return Vec::new();
    };
    let mut langs = vec![Lang::prefix(rest)];
    for i in boundaries(rest) {
        if i < rest.len() && after.starts_with(&rest[i..]) {
            langs.push(Lang::exact(&rest[..i]));
        }
    }
    langs
}

/// The mirror of [`starts_with_joined`].
fn ends_with_joined(before: &str, after: &str, s: &str) -> Vec<Lang> {
    if s.len() <= after.len() {
        return Vec::new();
    }
    let Some(rest) = s.strip_suffix(after) else {
        return Vec::new();
    };
    let mut langs = vec![Lang::suffix(rest)];
    for i in boundaries(rest) {
        if i > 0 && before.ends_with(&rest[..i]) {
            langs.push(Lang::exact(&rest[i..]));
        }
    }
    langs
}

/// `before + c + after` contains `s`: inside `c`, or across `c`'s start, end, or both.
fn contains_joined(before: &str, after: &str, s: &str) -> Vec<Lang> {
    if before.contains(s) || after.contains(s) {
        return Vec::new();
    }
    let cuts = boundaries(s);
    let mut langs = vec![Lang::substring(s)];
    for &j in &cuts {
        if j > 0 && j < s.len() && before.ends_with(&s[..j]) {
            langs.push(Lang::prefix(&s[j..]));
        }
        if j > 0 && j < s.len() && after.starts_with(&s[j..]) {
            langs.push(Lang::suffix(&s[..j]));
        }
    }
    for &j in &cuts {
        for &k in cuts.iter().filter(|&&k| k >= j) {
            if before.ends_with(&s[..j]) && after.starts_with(&s[k..]) {
                langs.push(Lang::exact(&s[j..k]));
            }
        }
    }
    langs
}

fn written_function(function: &str) -> String {
    match function {
        "_[_]" => "an index with a computed key".to_owned(),
        "_?._" | "_[?_]" => "an optional field".to_owned(),
        name if name.starts_with('.') => format!("the nested field {name}"),
        name if name.starts_with('_') || name.starts_with('@') || name.ends_with('_') => {
            format!(
                "the operator {}",
                name.trim_matches(['_', '@']).replace('_', " ")
            )
        }
        name => format!("{name}()"),
    }
}

/// GCP (docs/SEMANTICS.md §2): the issuer exact, the audience among the allowed audiences (or
/// the provider's two default forms), every mapping (a CEL error or a `google.subject` that is
/// not a string of at most 127 bytes refuses the token), then the condition over the claims
/// and the mapped attributes.
pub fn read_gcp(provider: &GcpProvider) -> Reading {
    let config = provider.config();
    let mut reading = Reading::default();
    reading.touch("iss");
    if let Some(issuer) = &config.issuer_uri {
        reading.lang("iss", Lang::exact(issuer));
    }
    let audiences: Vec<String> = if config.allowed_audiences.is_empty() {
        config
            .name
            .iter()
            .flat_map(|name| default_audiences(name))
            .collect()
    } else {
        config.allowed_audiences.clone()
    };
    let audiences: Vec<Lang> = audiences.iter().map(|a| Lang::exact(a)).collect();
    for lang in &audiences {
        reading.lang("aud", lang.clone());
    }
    reading.list_test("aud", &audiences, true);
    if let Some(member) = provider.member() {
        reading.refuse(format!(
            "the IAM member check ({member}) is outside the analysis"
        ));
    }
    let mut reader = CelReader::new(&mut reading, Dialect::Gcp, "assertion");
    let mut google = BTreeMap::new();
    let mut attribute = BTreeMap::new();
    for (target, expression) in provider.mapping_expressions() {
        // One that does not compile makes every verdict an error, which the evaluation shows.
        let Some(expression) = expression else {
            continue;
        };
        let term = match reader.term(&expression.shape()) {
            Ok(term) => term,
            Err(why) => {
                reader.reading.refuse(format!(
                    "attributeMapping {target} = {}: {why}",
                    expression.source()
                ));
                Term::Opaque(format!(
                    "{target} comes from a mapping outside the analysis"
                ))
            }
        };
        if target == "google.subject" {
            subject_limit(&mut reader, expression.source(), &term);
        }
        if let Some(name) = target.strip_prefix("google.") {
            google.insert(name.to_owned(), term);
        } else if let Some(name) = target.strip_prefix("attribute.") {
            attribute.insert(name.to_owned(), term);
        }
    }
    reader.derived.insert("google", google);
    reader.derived.insert("attribute", attribute);
    if let Some(Some(condition)) = provider.condition_expression()
        && let Err(why) = reader.boolean(&condition.shape())
    {
        reader
            .reading
            .refuse(format!("attributeCondition {}: {why}", condition.source()));
    }
    reader.finish();
    reading
}

/// `google.subject` holds at most [`SUBJECT_MAX_BYTES`] bytes: a language on the one claim it
/// is made of; a join of several claims ties their lengths together.
fn subject_limit(reader: &mut CelReader, source: &str, term: &Term) {
    let why = "the google.subject limit";
    match term {
        Term::Claim(claim) => reader
            .reading
            .lang(claim, Lang::max_bytes(SUBJECT_MAX_BYTES, why)),
        Term::Concat(parts) => match claims_of(parts).as_slice() {
            [claim] => {
                let text: usize = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.len(),
                        Part::Claim(_) => 0,
                    })
                    .sum();
                if text <= SUBJECT_MAX_BYTES {
                    reader
                        .reading
                        .lang(claim, Lang::max_bytes(SUBJECT_MAX_BYTES - text, why));
                }
            }
            _ => reader.reading.refuse(format!(
                "attributeMapping google.subject = {source}: the {SUBJECT_MAX_BYTES}-byte limit on the joined value ties the lengths of several claims together"
            )),
        },
        _ => {}
    }
}

/// Kubernetes (docs/SEMANTICS.md §5): the issuer exact (another is skipped), some audience
/// among `issuer.audiences` (MatchAny), required claims exact, claim validation rules, the
/// mappings (a CEL error or a value of the wrong shape refuses the token; an expression
/// username must not be empty; username `email` needs `email_verified` true when present),
/// then user validation rules over the mapped user.
pub fn read_kubernetes(rule: &JwtAuthenticator) -> Reading {
    let mut reading = Reading::default();
    reading.touch("iss");
    // An entry the API server refuses makes every verdict an error, which the evaluation shows.
    let Ok(config) = rule.config() else {
        return reading;
    };
    reading.lang("iss", Lang::exact(&config.issuer_url));
    if config.issuer_url == "https://accounts.google.com" {
        reading.lang("iss", Lang::exact("accounts.google.com"));
    }
    let audiences: Vec<Lang> = config.audiences.iter().map(|a| Lang::exact(a)).collect();
    for lang in &audiences {
        reading.lang("aud", lang.clone());
    }
    reading.list_test("aud", &audiences, true);
    let mut reader = CelReader::new(&mut reading, Dialect::Kubernetes, "claims");
    for rule in &config.claim_rules {
        match rule {
            ClaimRule::Required { claim, value } => match reader.claim(claim) {
                Ok(_) => reader.reading.lang(claim, Lang::exact(value)),
                Err(why) => reader
                    .reading
                    .refuse(format!("claimValidationRules {claim}: {why}")),
            },
            ClaimRule::Cel(rule) => {
                if let Err(why) = reader.boolean(&rule.expression.shape()) {
                    reader.reading.refuse(format!(
                        "claimValidationRules {}: {why}",
                        rule.expression.source()
                    ));
                }
            }
        }
    }
    let mut user = BTreeMap::new();
    fn refuse(reader: &mut CelReader, place: &str, source: &str, why: Why) -> Term {
        reader
            .reading
            .refuse(format!("claimMappings.{place} {source}: {why}"));
        Term::Opaque(format!(
            "`user.{place}` comes from a mapping outside the analysis"
        ))
    }
    let username = match &config.username {
        UsernameMapping::Claim { claim, prefix } => match reader.claim(claim) {
            Ok(term) => {
                if claim == "email" {
                    // A present email_verified must be the JSON true.
                    reader.reading.touch("email_verified");
                    reader.reading.extra("email_verified", json!(true));
                    reader.reading.extra("email_verified", json!(false));
                }
                let mut parts = vec![Part::Text(prefix.clone())];
                parts.extend(term.parts().unwrap_or_default());
                Term::joined(parts)
            }
            Err(why) => refuse(&mut reader, "username", claim, why),
        },
        UsernameMapping::Expression(expression) => match reader.term(&expression.shape()) {
            Ok(term) => {
                reader.non_empty(&term);
                term
            }
            Err(why) => refuse(&mut reader, "username", expression.source(), why),
        },
    };
    user.insert("username".to_owned(), username);
    let opaque_groups = Term::Opaque("`user.groups` is outside the analysis".to_owned());
    match &config.groups {
        None => {}
        Some(PrefixedMapping::Claim { claim, .. }) => match reader.claim(claim) {
            Ok(term) => reader.list_valued(&term),
            Err(why) => {
                refuse(&mut reader, "groups", claim, why);
            }
        },
        Some(PrefixedMapping::Expression(expression)) => match reader.term(&expression.shape()) {
            Ok(term) => reader.list_valued(&term),
            Err(why) => {
                refuse(&mut reader, "groups", expression.source(), why);
            }
        },
    }
    user.insert("groups".to_owned(), opaque_groups);
    let uid = match &config.uid {
        None => Term::Str(String::new()),
        Some(PrefixedMapping::Claim { claim, .. }) => match reader.claim(claim) {
            Ok(term) => term,
            Err(why) => refuse(&mut reader, "uid", claim, why),
        },
        Some(PrefixedMapping::Expression(expression)) => match reader.term(&expression.shape()) {
            Ok(term) => term,
            Err(why) => refuse(&mut reader, "uid", expression.source(), why),
        },
    };
    user.insert("uid".to_owned(), uid);
    for (key, expression) in &config.extra {
        match reader.term(&expression.shape()) {
            Ok(term) => reader.list_valued(&term),
            Err(why) => {
                refuse(
                    &mut reader,
                    &format!("extra[{key}]"),
                    expression.source(),
                    why,
                );
            }
        }
    }
    user.insert(
        "extra".to_owned(),
        Term::Opaque("`user.extra` is outside the analysis".to_owned()),
    );
    reader.derived.insert("user", user);
    for rule in &config.user_rules {
        if let Err(why) = reader.boolean(&rule.expression.shape()) {
            reader.reading.refuse(format!(
                "userValidationRules {}: {why}",
                rule.expression.source()
            ));
        }
    }
    reader.finish();
    reading
}
