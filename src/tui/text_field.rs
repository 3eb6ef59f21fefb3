//! The one-line text field every prompt of the view edits: the paste prompt, the filter, the
//! what-if editor, the rule file and key inputs, and the fetch menu's command and audience.
//! It owns the editing keys and pastes, so that every prompt edits the same way; what Enter,
//! Esc and Tab do belongs to the prompt. The text is always edited at its end (the prompt
//! shows that end with the cursor after it); `view::prompt::input_lines` draws it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    pub text: String,
    /// Why the last submission was refused, shown under the text until the next edit.
    pub error: Option<String>,
}

impl TextField {
    pub fn new(text: impl Into<String>) -> TextField {
        TextField {
            text: text.into(),
            error: None,
        }
    }

    /// Applies an editing key: a character, Backspace, or Ctrl-U (clear, as in a shell).
    /// Returns false, changing nothing, for any other key (Enter, Esc, Tab, other Ctrl keys),
    /// which the prompt handles itself.
    pub fn edit(&mut self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char('u') if ctrl => self.text.clear(),
            KeyCode::Char(c) if !ctrl => self.text.push(c),
            _ => return false,
        }
        self.error = None;
        true
    }

    /// A bracketed paste, as one edit. The line break a copied line usually ends with is
    /// dropped: it would otherwise end up inside a one-line value (a path, a command, an
    /// audience). Line breaks within the pasted text are kept (a pasted log is one paste).
    pub fn paste(&mut self, pasted: &str) {
        self.text.push_str(pasted.trim_end_matches(['\n', '\r']));
        self.error = None;
    }

    /// Refuses the text: it stays as typed, with `error` under it.
    pub fn refuse(&mut self, error: impl Into<String>) {
        self.error = Some(error.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn characters_append_and_backspace_removes_the_last_character() {
        let mut field = TextField::new("ab");
        assert!(field.edit(&key(KeyCode::Char('é'))));
        assert!(field.edit(&KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT)));
        assert_eq!(field.text, "abéC");
        assert!(field.edit(&key(KeyCode::Backspace)));
        assert!(field.edit(&key(KeyCode::Backspace)));
        assert_eq!(field.text, "ab");
        field.text.clear();
        assert!(
            field.edit(&key(KeyCode::Backspace)),
            "an empty field stays empty"
        );
        assert_eq!(field.text, "");
    }

    #[test]
    fn ctrl_u_clears_and_other_ctrl_keys_are_left_to_the_prompt() {
        let mut field = TextField::new("repo:acme/app");
        assert!(!field.edit(&ctrl('v')));
        assert!(!field.edit(&ctrl('f')));
        assert_eq!(field.text, "repo:acme/app");
        assert!(field.edit(&ctrl('u')));
        assert_eq!(field.text, "");
    }

    #[test]
    fn prompt_keys_are_not_edits() {
        let mut field = TextField::new("x");
        field.refuse("no such file");
        for code in [KeyCode::Enter, KeyCode::Esc, KeyCode::Tab, KeyCode::Left] {
            assert!(!field.edit(&key(code)), "{code:?}");
        }
        assert_eq!(field.text, "x");
        assert_eq!(
            field.error.as_deref(),
            Some("no such file"),
            "kept until an edit"
        );
    }

    #[test]
    fn every_edit_clears_the_error() {
        for event in [key(KeyCode::Char('a')), key(KeyCode::Backspace), ctrl('u')] {
            let mut field = TextField::new("abc");
            field.refuse("refused");
            field.edit(&event);
            assert_eq!(field.error, None, "{event:?}");
        }
        let mut field = TextField::new("abc");
        field.refuse("refused");
        field.paste("d");
        assert_eq!(field.error, None);
    }

    #[test]
    fn a_paste_is_appended_without_its_final_line_break() {
        let mut field = TextField::new("exec:");
        field.paste("gh auth token\r\n");
        assert_eq!(field.text, "exec:gh auth token");
        let mut field = TextField::default();
        field.paste("first line\nsecond line\n\n");
        assert_eq!(field.text, "first line\nsecond line");
    }
}
