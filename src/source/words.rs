//! Splitting an `exec:` command into argv the way a POSIX shell splits words, but without
//! running a shell: quotes and backslashes are honoured, nothing is expanded (no variables, no
//! globs). Unquoted characters that would make a shell do more than split words (pipes,
//! redirections, `;`, `&`, `$`, backquotes, subshells) are refused, so that `exec:'a | b'`
//! does not silently pass `|` to `a` as an argument; the error points to `sh:'…'`, which runs
//! the text with `sh -c`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordsError {
    #[error("the command is empty")]
    Empty,
    #[error("a {0} quote is not closed")]
    UnclosedQuote(&'static str),
    #[error(
        "`{0}` means something only to a shell, and exec: runs no shell; quote it, or use sh:'COMMAND' to run the command with sh -c"
    )]
    ShellSyntax(char),
}

/// Characters a shell would act on when unquoted (besides splitting on blanks).
const SHELL_SYNTAX: [char; 8] = ['|', '&', ';', '<', '>', '`', '$', '('];

pub fn split(text: &str) -> Result<Vec<String>, WordsError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once any of its characters (or an empty pair of quotes) has been seen.
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => word.push(inner),
                        None => return Err(WordsError::UnclosedQuote("single")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        // Inside double quotes a backslash escapes only these (POSIX 2.2.3).
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(WordsError::UnclosedQuote("double")),
                        },
                        Some(inner) => word.push(inner),
                        None => return Err(WordsError::UnclosedQuote("double")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(escaped) => word.push(escaped),
                    None => word.push('\\'),
                }
            }
            c if SHELL_SYNTAX.contains(&c) => return Err(WordsError::ShellSyntax(c)),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err(WordsError::Empty);
    }
    Ok(words)
}

/// The argv shown back to the user: words that need it are single-quoted, so what is printed
/// can be pasted into a shell and means the same.
pub fn join(words: &[String]) -> String {
    words
        .iter()
        .map(|word| {
            let plain = !word.is_empty()
                && word.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c) || !c.is_ascii()
                });
            if plain {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split(text).unwrap()
    }

    #[test]
    fn splits_like_a_shell_without_expanding() {
        assert_eq!(words("cat  token.jwt"), ["cat", "token.jwt"]);
        assert_eq!(
            words(r#"gp idp token --audience 'https://x y'"#),
            ["gp", "idp", "token", "--audience", "https://x y"]
        );
        assert_eq!(
            words(r#"echo "a \"b\" \$HOME \n""#),
            ["echo", r#"a "b" $HOME \n"#]
        );
        assert_eq!(words(r"echo a\ b ''"), ["echo", "a b", ""]);
        assert_eq!(words("echo '$HOME|x'"), ["echo", "$HOME|x"]);
        assert_eq!(words("tool a\\\nb"), ["tool", "ab"]);
    }

    #[test]
    fn refuses_what_only_a_shell_would_understand() {
        assert_eq!(split("   "), Err(WordsError::Empty));
        assert_eq!(split("echo 'x"), Err(WordsError::UnclosedQuote("single")));
        assert_eq!(split("echo \"x"), Err(WordsError::UnclosedQuote("double")));
        assert_eq!(split("cat f | jq"), Err(WordsError::ShellSyntax('|')));
        assert_eq!(split("echo $TOKEN"), Err(WordsError::ShellSyntax('$')));
        assert_eq!(split("a > b"), Err(WordsError::ShellSyntax('>')));
        assert!(
            split("a; b")
                .unwrap_err()
                .to_string()
                .contains("sh:'COMMAND'")
        );
    }

    #[test]
    fn joined_words_split_back_to_the_same() {
        let cases = [
            vec!["cat".to_owned(), "token.jwt".to_owned()],
            vec!["echo".to_owned(), "it's a $x".to_owned(), String::new()],
        ];
        for argv in cases {
            let shown = join(&argv);
            assert_eq!(split(&shown).unwrap(), argv, "{shown}");
        }
        assert_eq!(join(&["cat".into(), "/tmp/t.jwt".into()]), "cat /tmp/t.jwt");
    }
}
