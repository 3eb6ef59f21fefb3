//! The flexible-credential matching language (FFL, `languageVersion: 1`, preview):
//! `claims['<name>'] eq|matches '<value>'` clauses joined by `and` (docs/SEMANTICS.md §3.2, from the
//! Entra doc workload-identities-flexible-federated-identity-credentials.md).
//!
//! A tokenizer and a recursive-descent parser; syntax errors carry the column and render with a
//! caret under the offending spot. Choices the docs leave open:
//! - `''` inside a quoted string is an escaped quote (subvectors' reading; unverified);
//! - keywords are lowercase as in every documented example;
//! - runs of whitespace are accepted, but the verdict says when the expression uses anything
//!   other than the single spaces the docs show ([`Expression::irregular_spacing`]).

use std::fmt;

use crate::trust::wildcard::star_question;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Matches,
}

impl Operator {
    pub fn keyword(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Matches => "matches",
        }
    }

    /// `eq` is exact and case-sensitive; `matches` is anchored with `*` (any run, possibly
    /// empty) and `?` (one character) — anchoring and the empty `*` are inferred, not
    /// documented (docs/SEMANTICS.md §3.2, §9.4).
    pub fn test(self, comparand: &str, actual: &str) -> bool {
        match self {
            Operator::Eq => comparand == actual,
            Operator::Matches => star_question(comparand, actual),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub claim: String,
    pub operator: Operator,
    pub comparand: String,
    /// The comparand contained `''`, read as an escaped quote (unverified).
    pub escaped_quote: bool,
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "claims['{}'] {} '{}'",
            self.claim.replace('\'', "''"),
            self.operator.keyword(),
            self.comparand.replace('\'', "''")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub clauses: Vec<Clause>,
    pub irregular_spacing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub source: String,
    /// 1-based column in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "claimsMatchingExpression: {} at column {}\n  {}\n  {}^",
            self.message,
            self.column,
            self.source,
            " ".repeat(self.column - 1)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Word(String),
    Quoted { text: String, escaped_quote: bool },
    Open,
    Close,
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    /// 0-based character index.
    at: usize,
}

fn tokenize(source: &str) -> Result<(Vec<Token>, bool), SyntaxError> {
    let chars: Vec<char> = source.chars().collect();
    let error = |at: usize, message: &str| SyntaxError {
        source: source.to_owned(),
        column: at + 1,
        message: message.to_owned(),
    };
    let mut tokens = Vec::new();
    let mut irregular_spacing = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let run = &chars[start..i];
            if run != [' '] || start == 0 || i == chars.len() {
                irregular_spacing = true;
            }
            continue;
        }
        let at = i;
        let kind = match c {
            '[' => {
                i += 1;
                Kind::Open
            }
            ']' => {
                i += 1;
                Kind::Close
            }
            '\'' => {
                let mut text = String::new();
                let mut escaped_quote = false;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(error(at, "this quote is never closed")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            escaped_quote = true;
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                Kind::Quoted {
                    text,
                    escaped_quote,
                }
            }
            '"' => {
                return Err(error(
                    at,
                    "strings are written in single quotes ('…'), not double quotes",
                ));
            }
            '(' | ')' => {
                return Err(error(
                    at,
                    "parentheses are not part of the language (version 1 has only clauses joined by 'and')",
                ));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = String::new();
                while let Some(&c) = chars.get(i).filter(|c| c.is_alphanumeric() || **c == '_') {
                    word.push(c);
                    i += 1;
                }
                Kind::Word(word)
            }
            _ => return Err(error(at, &format!("unexpected character '{c}'"))),
        };
        tokens.push(Token { kind, at });
    }
    tokens.push(Token {
        kind: Kind::End,
        at: chars.len(),
    });
    Ok((tokens, irregular_spacing))
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.next]
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.next].clone();
        if token.kind != Kind::End {
            self.next += 1;
        }
        token
    }

    fn error(&self, token: &Token, message: String) -> SyntaxError {
        SyntaxError {
            source: self.source.to_owned(),
            column: token.at + 1,
            message,
        }
    }

    fn describe(kind: &Kind) -> String {
        match kind {
            Kind::Word(w) => format!("'{w}'"),
            Kind::Quoted { text, .. } => format!("the string '{text}'"),
            Kind::Open => "'['".to_owned(),
            Kind::Close => "']'".to_owned(),
            Kind::End => "the end of the expression".to_owned(),
        }
    }

    fn expect(&mut self, wanted: Kind, what: &str) -> Result<(), SyntaxError> {
        let token = self.advance();
        if token.kind == wanted {
            Ok(())
        } else {
            Err(self.error(
                &token,
                format!("expected {what}, found {}", Self::describe(&token.kind)),
            ))
        }
    }

    fn quoted(&mut self, what: &str) -> Result<(String, bool), SyntaxError> {
        let token = self.advance();
        match &token.kind {
            Kind::Quoted {
                text,
                escaped_quote,
            } => Ok((text.clone(), *escaped_quote)),
            other => Err(self.error(
                &token,
                format!(
                    "expected {what} in single quotes, found {}",
                    Self::describe(other)
                ),
            )),
        }
    }

    fn clause(&mut self) -> Result<Clause, SyntaxError> {
        let start = self.advance();
        match &start.kind {
            Kind::Word(w) if w == "claims" => {}
            Kind::Word(w) if w.eq_ignore_ascii_case("claims") => {
                return Err(self.error(&start, format!("write 'claims' in lowercase, not '{w}'")));
            }
            other => {
                return Err(self.error(
                    &start,
                    format!("expected claims['<name>'], found {}", Self::describe(other)),
                ));
            }
        }
        self.expect(Kind::Open, "'[' after 'claims'")?;
        let (claim, claim_escaped) = self.quoted("the claim name")?;
        self.expect(Kind::Close, "']' after the claim name")?;
        let op_token = self.advance();
        let operator = match &op_token.kind {
            Kind::Word(w) if w == "eq" => Operator::Eq,
            Kind::Word(w) if w == "matches" => Operator::Matches,
            Kind::Word(w) if w.eq_ignore_ascii_case("eq") || w.eq_ignore_ascii_case("matches") => {
                return Err(self.error(
                    &op_token,
                    format!("operators are lowercase: write '{}'", w.to_lowercase()),
                ));
            }
            other => {
                return Err(self.error(
                    &op_token,
                    format!(
                        "expected 'eq' or 'matches', found {}",
                        Self::describe(other)
                    ),
                ));
            }
        };
        let (comparand, comparand_escaped) = self.quoted("the value to compare with")?;
        Ok(Clause {
            claim,
            operator,
            comparand,
            escaped_quote: claim_escaped || comparand_escaped,
        })
    }

    fn expression(&mut self) -> Result<Vec<Clause>, SyntaxError> {
        let mut clauses = vec![self.clause()?];
        loop {
            let token = self.advance();
            match &token.kind {
                Kind::End => return Ok(clauses),
                Kind::Word(w) if w == "and" => clauses.push(self.clause()?),
                Kind::Word(w) if w == "or" || w == "not" => {
                    return Err(self.error(
                        &token,
                        format!("'{w}' is not part of the language (version 1 only joins clauses with 'and'); use one credential per alternative"),
                    ));
                }
                other => {
                    return Err(self.error(
                        &token,
                        format!(
                            "expected 'and' or the end of the expression, found {}",
                            Self::describe(other)
                        ),
                    ));
                }
            }
        }
    }
}

pub fn parse_expression(source: &str) -> Result<Expression, SyntaxError> {
    let (tokens, irregular_spacing) = tokenize(source)?;
    let mut parser = Parser {
        source,
        tokens,
        next: 0,
    };
    if parser.peek().kind == Kind::End {
        return Err(SyntaxError {
            source: source.to_owned(),
            column: 1,
            message: "the expression is empty".to_owned(),
        });
    }
    let clauses = parser.expression()?;
    Ok(Expression {
        clauses,
        irregular_spacing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_forms() {
        // Entra doc workload-identities-flexible-federated-identity-credentials.md examples.
        let single =
            parse_expression("claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*'")
                .unwrap();
        assert_eq!(single.clauses.len(), 1);
        assert_eq!(single.clauses[0].operator, Operator::Matches);
        assert!(!single.irregular_spacing);
        let chain = parse_expression(
            "claims['sub'] eq 'repo:contoso/contoso-repo:ref:refs/heads/main' and claims['job_workflow_ref'] matches 'foo-org/bar-repo/.github/workflows/*@refs/heads/main'",
        )
        .unwrap();
        assert_eq!(chain.clauses.len(), 2);
        assert_eq!(chain.clauses[1].claim, "job_workflow_ref");
        assert_eq!(
            chain.clauses[1].to_string(),
            "claims['job_workflow_ref'] matches 'foo-org/bar-repo/.github/workflows/*@refs/heads/main'"
        );
        // subvectors' reading of "single quotes are escape characters": '' is one quote.
        let escaped = parse_expression("claims['sub'] eq 'it''s'").unwrap();
        assert_eq!(escaped.clauses[0].comparand, "it's");
        assert!(escaped.clauses[0].escaped_quote);
        assert!(
            parse_expression("claims['sub']  eq 'x'")
                .unwrap()
                .irregular_spacing
        );
    }

    #[test]
    fn syntax_errors_name_the_column() {
        // Malformed forms; the grammar is docs/SEMANTICS.md §3.2. (input, column, message start)
        let rows: &[(&str, usize, &str)] = &[
            ("", 1, "the expression is empty"),
            ("claims['sub'] eq 'x", 18, "this quote is never closed"),
            (
                "claims[\"sub\"] eq 'x'",
                8,
                "strings are written in single quotes",
            ),
            (
                "claims['sub' eq 'x'",
                14,
                "expected ']' after the claim name, found 'eq'",
            ),
            (
                "claims['sub'] equals 'x'",
                15,
                "expected 'eq' or 'matches', found 'equals'",
            ),
            (
                "claims['sub'] EQ 'x'",
                15,
                "operators are lowercase: write 'eq'",
            ),
            (
                "claims['sub'] eq x",
                18,
                "expected the value to compare with in single quotes, found 'x'",
            ),
            (
                "claims['sub'] eq 'x' and",
                25,
                "expected claims['<name>'], found the end of the expression",
            ),
            (
                "claims['sub'] eq 'x' or claims['sub'] eq 'y'",
                22,
                "'or' is not part of the language",
            ),
            (
                "(claims['sub'] eq 'x')",
                1,
                "parentheses are not part of the language",
            ),
            ("claims.sub eq 'x'", 7, "unexpected character '.'"),
            (
                "claim['sub'] eq 'x'",
                1,
                "expected claims['<name>'], found 'claim'",
            ),
            (
                "claims['sub'] eq 'x' claims['aud'] eq 'y'",
                22,
                "expected 'and' or the end of the expression, found 'claims'",
            ),
            (
                "claims[sub] eq 'x'",
                8,
                "expected the claim name in single quotes, found 'sub'",
            ),
        ];
        for &(input, column, message) in rows {
            let error = parse_expression(input).unwrap_err();
            assert_eq!(error.column, column, "{input:?}: {}", error.message);
            assert!(
                error.message.starts_with(message),
                "{input:?}: {}",
                error.message
            );
        }
    }

    proptest::proptest! {
        /// No input panics, and a parsed expression printed back parses to the same clauses.
        #[test]
        fn never_panics_and_round_trips(source in "(claims|\\[|\\]|'[a-z*?' ]{0,6}'|eq|matches|and|or| |x|\"|\\(|é){0,14}") {
            if let Ok(expression) = parse_expression(&source) {
                let printed: Vec<String> = expression.clauses.iter().map(ToString::to_string).collect();
                let reparsed = parse_expression(&printed.join(" and ")).unwrap();
                proptest::prop_assert_eq!(reparsed.clauses, expression.clauses);
            } else {
                let error = parse_expression(&source).unwrap_err();
                proptest::prop_assert!(error.column >= 1 && error.column <= source.chars().count() + 1);
            }
        }
    }

    #[test]
    fn rendering_has_a_caret() {
        let error = parse_expression("claims['sub'] equals 'x'").unwrap_err();
        assert_eq!(
            error.to_string(),
            "claimsMatchingExpression: expected 'eq' or 'matches', found 'equals' at column 15\n  claims['sub'] equals 'x'\n                ^"
        );
    }
}
