//! A JSON line of claims read for the few claims the rules look at, while the whole line is
//! still checked to be what `serde_json` accepts as an object. It answers only when it is sure:
//! anything unusual (an escape in a key, a control character, deep nesting, a number `serde_json`
//! might refuse) makes it decline, and the caller parses the line in full as before, so an
//! invalid line is reported in the same words.

/// Where each wanted top-level claim's value is in the line: its JSON text, as written.
pub struct Wanted {
    names: Vec<String>,
    /// By the length of a name: the names of that length, as their first eight bytes and
    /// slot. Most keys of a line are not wanted, and a key is compared with few names.
    by_length: Vec<Vec<(u64, usize)>>,
}

/// Deeper than this, the line is left to `serde_json` (whose own limit is 128).
const MAX_DEPTH: usize = 64;

/// The first eight bytes of `key`, zero-padded.
fn head(key: &[u8]) -> u64 {
    let mut bytes = [0; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    u64::from_le_bytes(bytes)
}

impl Wanted {
    pub fn new(names: Vec<String>) -> Wanted {
        let mut by_length: Vec<Vec<(u64, usize)>> = Vec::new();
        for (slot, name) in names.iter().enumerate() {
            if by_length.len() <= name.len() {
                by_length.resize(name.len() + 1, Vec::new());
            }
            by_length[name.len()].push((head(name.as_bytes()), slot));
        }
        Wanted { names, by_length }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn slot(&self, key: &[u8]) -> Option<usize> {
        let candidates = self.by_length.get(key.len())?;
        if candidates.is_empty() {
            return None;
        }
        let first = head(key);
        candidates
            .iter()
            .find(|&&(head, slot)| {
                head == first
                    && self.names[slot].as_bytes()[8.min(key.len())..] == key[8.min(key.len())..]
            })
            .map(|&(_, slot)| slot)
    }

    /// Fills `values` (one per wanted name) with where the JSON text of each wanted claim of
    /// the object `text` is (start and end), `None` when absent; a repeated key keeps its last
    /// value, as `serde_json`'s map does. `None` unless `text` (already trimmed) is certainly a
    /// JSON object `serde_json` parses.
    pub fn scan(&self, text: &str, values: &mut [Option<(usize, usize)>]) -> Option<()> {
        values.fill(None);
        let mut scanner = Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
        };
        scanner.expect(b'{')?;
        scanner.whitespace();
        if scanner.peek() == Some(b'}') {
            scanner.at += 1;
        } else {
            loop {
                scanner.whitespace();
                let key = scanner.key()?;
                scanner.whitespace();
                scanner.expect(b':')?;
                scanner.whitespace();
                let start = scanner.at;
                scanner.value(1)?;
                if let Some(slot) = self.slot(key) {
                    values[slot] = Some((start, scanner.at));
                }
                scanner.whitespace();
                match scanner.next()? {
                    b',' => continue,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        scanner.whitespace();
        (scanner.at == scanner.bytes.len()).then_some(())
    }
}

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each of eight bytes that is below `n` (≤ 128). Above the lowest such byte a
/// bit may be set wrongly (a borrow carries into the next byte); the lowest is always right.
fn bytes_below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH_BITS
}

/// Marks the string bytes that need a look (a quote, a backslash, a control character): the
/// lowest mark is the first such byte, and no mark means none among the eight.
fn special_bytes(word: u64) -> u64 {
    bytes_below(word, 0x20)
        | bytes_below(word ^ (ONES * u64::from(b'"')), 1)
        | bytes_below(word ^ (ONES * u64::from(b'\\')), 1)
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// JSON's whitespace, which `serde_json` skips: space, tab, line feed, carriage return.
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// A key without escapes (an escaped key could spell a wanted name: left to `serde_json`).
    fn key(&mut self) -> Option<&'t [u8]> {
        let start = self.at + 1;
        if self.string()? {
            return None;
        }
        Some(&self.bytes[start..self.at - 1])
    }

    /// Skips a string; whether it had an escape. An escaped string is checked by `serde_json`
    /// itself (escapes have corners: surrogates, `\u` digits). A control character is refused.
    fn string(&mut self) -> Option<bool> {
        self.expect(b'"')?;
        let start = self.at - 1;
        let mut escaped = false;
        loop {
            let byte = loop {
                match self.bytes.get(self.at..self.at + 8) {
                    Some(chunk) => {
                        let mask = special_bytes(u64::from_le_bytes(
                            chunk.try_into().expect("eight bytes"),
                        ));
                        if mask == 0 {
                            self.at += 8;
                            continue;
                        }
                        self.at += (mask.trailing_zeros() / 8) as usize;
                        break self.bytes[self.at];
                    }
                    None => {
                        let byte = self.peek()?;
                        if byte == b'"' || byte == b'\\' || byte < 0x20 {
                            break byte;
                        }
                        self.at += 1;
                    }
                }
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.next()?;
                }
                _ => return None,
            }
        }
        if escaped {
            serde_json::from_str::<String>(&self.text[start..self.at]).ok()?;
        }
        Some(escaped)
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.at += 1;
                self.whitespace();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.whitespace();
                    self.string()?;
                    self.whitespace();
                    self.expect(b':')?;
                    self.whitespace();
                    self.value(depth + 1)?;
                    self.whitespace();
                    match self.next()? {
                        b',' => continue,
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                self.whitespace();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.whitespace();
                    self.value(depth + 1)?;
                    self.whitespace();
                    match self.next()? {
                        b',' => continue,
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Some(())
        } else {
            None
        }
    }

    /// JSON's number grammar. A short integer is certainly accepted; a fraction, an exponent or
    /// a long integer is handed to `serde_json` (it refuses a number out of `f64`'s range).
    fn number(&mut self) -> Option<()> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = self.digits();
        match digits {
            0 => return None,
            1 => {}
            _ if self.bytes[self.at - digits] == b'0' => return None,
            _ => {}
        }
        let mut plain = digits <= 18;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
            plain = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            plain = false;
        }
        if !plain {
            serde_json::from_str::<serde_json::Value>(&self.text[start..self.at]).ok()?;
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn wanted() -> Wanted {
        Wanted::new(vec![
            "sub".into(),
            "aud".into(),
            "exp".into(),
            "a".into(),
            "job_workflow_ref".into(),
            "job_workflow_sha".into(),
        ])
    }

    /// What `serde_json` makes of the line, projected on the wanted names.
    fn reference(text: &str, wanted: &Wanted) -> Option<Vec<Option<Value>>> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(
                wanted
                    .names()
                    .iter()
                    .map(|name| map.get(name).cloned())
                    .collect(),
            ),
            _ => None,
        }
    }

    fn scanned(text: &str, wanted: &Wanted) -> Option<Vec<Option<Value>>> {
        let mut values = vec![None; wanted.len()];
        wanted.scan(text, &mut values)?;
        Some(
            values
                .iter()
                .map(|v| {
                    v.map(|(start, end)| {
                        serde_json::from_str(&text[start..end]).expect("a scanned value parses")
                    })
                })
                .collect(),
        )
    }

    /// The scanner may decline a line `serde_json` accepts (the caller then parses it in full),
    /// never accept one it refuses, and then finds the same values.
    fn agrees(text: &str) -> Result<(), String> {
        let wanted = wanted();
        match (scanned(text, &wanted), reference(text, &wanted)) {
            (Some(ours), Some(theirs)) if ours == theirs => Ok(()),
            (None, _) => Ok(()),
            (ours, theirs) => Err(format!("{text:?}: scanned {ours:?}, serde_json {theirs:?}")),
        }
    }

    #[test]
    fn accepts_what_serde_json_accepts_and_finds_the_same_values() {
        let accepted = [
            r#"{}"#,
            r#"{ }"#,
            r#"{"sub":"x","aud":["a","b"],"exp":1800000000,"n":null,"t":true,"f":false}"#,
            "{\"sub\" :\t\"x\" ,\r\n \"other\": {\"sub\": \"inner\", \"l\": [1, -2, 0, [], {}]}}",
            r#"{"sub":"first","sub":"last"}"#,
            r#"{"a":1.5e3,"exp":-0,"aud":"\u00e9\"\\"}"#,
            r#"{"a":"é ☃ 𝄞"}"#,
        ];
        for text in accepted {
            assert!(scanned(text, &wanted()).is_some(), "{text}");
            agrees(text).unwrap();
        }
        assert_eq!(
            scanned(r#"{"sub":"first","sub":"last"}"#, &wanted()).unwrap()[0],
            Some(Value::from("last"))
        );
    }

    #[test]
    fn eight_bytes_at_a_time_find_the_first_special_byte() {
        for special in [b'"', b'\\', 0x00, 0x1f] {
            for at in 0..8 {
                // Special bytes after the first must not move it.
                for later in [b'a', 0x00, b'"', b'\\', 0x1f, 0xff] {
                    let mut bytes = *b"abcdefgh";
                    bytes[at] = special;
                    bytes[at + 1..].fill(later);
                    let mask = special_bytes(u64::from_le_bytes(bytes));
                    assert_eq!(mask.trailing_zeros() / 8, at as u32, "{special} at {at}");
                }
            }
        }
        for ordinary in [b' ', b'~', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']', 0x20] {
            assert_eq!(special_bytes(u64::from_le_bytes([ordinary; 8])), 0);
        }
    }

    #[test]
    fn never_accepts_what_serde_json_refuses() {
        let refused = [
            r#"{"sub":"x",}"#,
            r#"{"sub":"x"} x"#,
            r#"{"sub":"x"}}"#,
            r#"{"sub":01}"#,
            r#"{"sub":1.}"#,
            r#"{"sub":.5}"#,
            r#"{"sub":+1}"#,
            r#"{"sub":1e}"#,
            r#"{"sub":1e400}"#,
            r#"{"sub":"\x"}"#,
            r#"{"sub":"\ud800"}"#,
            "{\"sub\":\"a\u{1}b\"}",
            r#"{"sub":tru}"#,
            r#"{"sub":[1,]}"#,
            r#"{"sub" "x"}"#,
            r#"{sub:"x"}"#,
            r#"["sub"]"#,
            r#"{"sub":"x""#,
            "{\"sub\":\u{a0}\"x\"}",
        ];
        for text in refused {
            assert!(reference(text, &wanted()).is_none(), "{text}");
            assert!(scanned(text, &wanted()).is_none(), "{text}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(scanned(&deep, &wanted()).is_none());
    }

    fn json_text() -> impl Strategy<Value = String> {
        // Pieces of JSON, valid and not, glued at random: most lines are near misses.
        let piece = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just(" ".to_owned()),
            Just("\"sub\"".to_owned()),
            Just("\"aud\"".to_owned()),
            Just("\"exp\"".to_owned()),
            Just("\"a\\\"b\"".to_owned()),
            Just("\"\\u00e9\"".to_owned()),
            Just("\"\\ud834\\udd1e\"".to_owned()),
            Just("\"\\udd1e\"".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?[0-9]{1,22}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,4})?",
            "\"[a-z\u{1}\u{e9}/:*?]{0,6}\"",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    fn object_text() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            Just("\"x\"".to_owned()),
            Just("[\"a\", \"b\"]".to_owned()),
            Just("{\"sub\": 1}".to_owned()),
            Just("1800000000".to_owned()),
            Just("-1.25e2".to_owned()),
            Just("null".to_owned()),
            Just("\"\\u0041\\n\"".to_owned()),
        ];
        let key = prop_oneof![
            Just("sub"),
            Just("aud"),
            Just("exp"),
            Just("a"),
            Just("other"),
            Just("su"),
            Just("job_workflow_ref"),
            Just("job_workflow_rex"),
            Just("job_workflow_sha"),
            Just("job_workf")
        ];
        prop::collection::vec((key, value), 0..8).prop_map(|pairs| {
            let fields: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!("{{{}}}", fields.join(", "))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_text_is_never_accepted_wrongly(text in json_text()) {
            prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
        }

        #[test]
        fn random_objects_are_read_as_serde_json_reads_them(text in object_text()) {
            prop_assert!(scanned(&text, &wanted()).is_some(), "{}", text);
            prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
        }
    }
}
