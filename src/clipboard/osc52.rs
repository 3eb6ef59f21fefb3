//! OSC 52: asking the terminal emulator to set the clipboard. It works over SSH because the
//! *local* terminal does the copying.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`, BEL-terminated (the form most
/// terminals accept, as gitui sends it).
pub fn sequence(text: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", STANDARD.encode(text))
}

/// `sequence` wrapped in tmux's DCS passthrough (`ESC P tmux; … ESC \`, every ESC inside doubled),
/// so tmux forwards it to the outer terminal even without `set-clipboard on`.
pub fn tmux_wrapped(text: &str) -> String {
    let inner = sequence(text).replace('\u{1b}', "\u{1b}\u{1b}");
    format!("\u{1b}Ptmux;{inner}\u{1b}\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sequence_bytes() {
        // gitui's test (src/clipboard.rs) pins the same bytes for "foo".
        assert_eq!(sequence("foo").as_bytes(), b"\x1b]52;c;Zm9v\x07");
        assert_eq!(sequence("").as_bytes(), b"\x1b]52;c;\x07");
        assert_eq!(
            sequence("eyJ.a-b_c").as_bytes(),
            b"\x1b]52;c;ZXlKLmEtYl9j\x07"
        );
    }

    #[test]
    fn tmux_wrapped_bytes() {
        assert_eq!(
            tmux_wrapped("foo").as_bytes(),
            b"\x1bPtmux;\x1b\x1b]52;c;Zm9v\x07\x1b\\"
        );
    }
}
