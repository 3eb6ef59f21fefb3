//! Getting token text from where the user has it. Every source returns text; the `token` module
//! finds and decodes the token in it.
//!
//! Public face: [`read_input`] for the `INPUT` argument of the commands (a token, a file, `-`, or
//! piped standard input).

mod input;

pub use input::{InputError, InputOrigin, RawInput, read_input};
