//! Splitting producer input into records like `kcat -P` (kcat 1.7.1 `kcat.c`
//! `producer_run` and `input.c`), checked against the real binary:
//! - Input is cut at each `-D` delimiter (default `\n`); a final chunk without
//!   a trailing delimiter is still a record; empty chunks are skipped.
//! - With `-K`, the key ends at the FIRST key delimiter and the value is the
//!   rest (which may be empty or contain the delimiter again). A chunk without
//!   it is all value and has no key.
//! - `-k` is the key of every record that has no key of its own; an empty key
//!   before `-K` still counts as its own key unless `-Z` made it null.
//! - `-Z` turns an empty key or an empty value found around `-K` into null.
//!   It has no other effect: empty chunks and empty files are never sent.
//! - Files without `-l` are one record each ([`whole_file_record`]), keyed
//!   by `-k`; `-K` is not applied to them.
//!
//! Deliberate deviations: `-D`/`-K` go through the same escape decoder as
//! `-f` (see `format.rs`); kcat's producer only decodes `\n`, `\t` and `\xHEX`
//! there, so its `-D '\r\n'` splits on a literal backslash, `r`, newline.
//! An empty `-K` is rejected (kcat silently never finds it). kcat aborts on a
//! record larger than `message.max.bytes`; here the caller enforces limits,
//! using [`RecordSplitter::pending_len`].

use super::format::{decode_escapes, FormatError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRules {
    pub message_delim: Vec<u8>,
    pub key_delim: Option<Vec<u8>>,
    pub fixed_key: Option<Vec<u8>>,
    pub empty_as_null: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputRulesError {
    #[error("invalid message delimiter \"\": expected at least one byte after decoding escapes")]
    EmptyMessageDelimiter,
    #[error("invalid key delimiter \"\": expected at least one byte after decoding escapes")]
    EmptyKeyDelimiter,
    #[error(transparent)]
    Escape(#[from] FormatError),
}

impl InputRules {
    /// Builds the rules from raw `-D`, `-K`, `-k` and `-Z`. Delimiters are
    /// escape-decoded; the fixed key is used as typed, as kcat does.
    pub fn new(
        message_delim: &str,
        key_delim: Option<&str>,
        fixed_key: Option<&str>,
        empty_as_null: bool,
    ) -> Result<InputRules, InputRulesError> {
        let message_delim = decode_escapes(message_delim)?;
        if message_delim.is_empty() {
            return Err(InputRulesError::EmptyMessageDelimiter);
        }
        let key_delim = key_delim.map(decode_escapes).transpose()?;
        if key_delim.as_ref().is_some_and(Vec::is_empty) {
            return Err(InputRulesError::EmptyKeyDelimiter);
        }
        Ok(InputRules {
            message_delim,
            key_delim,
            fixed_key: fixed_key.map(|key| key.as_bytes().to_vec()),
            empty_as_null,
        })
    }
}

impl Default for InputRules {
    fn default() -> Self {
        InputRules { message_delim: b"\n".to_vec(), key_delim: None, fixed_key: None, empty_as_null: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

/// Splits a whole input at once; see [`RecordSplitter`] for streams.
pub fn split_records(input: &[u8], rules: &InputRules) -> Vec<ProducerRecord> {
    let mut records = Vec::new();
    let mut splitter = RecordSplitter::new(rules.clone());
    splitter.push(input, |record| records.push(record));
    splitter.finish(|record| records.push(record));
    records
}

/// A file sent whole (no `-l`): `None` for an empty file, which kcat skips.
pub fn whole_file_record(contents: &[u8], rules: &InputRules) -> Option<ProducerRecord> {
    (!contents.is_empty()).then(|| ProducerRecord { key: rules.fixed_key.clone(), value: Some(contents.to_vec()) })
}

/// Incremental splitter: only the unfinished last record is buffered.
#[derive(Debug, Clone)]
pub struct RecordSplitter {
    rules: InputRules,
    pending: Vec<u8>,
    // Where the next delimiter search may start; earlier positions in
    // `pending` were already ruled out.
    scan_from: usize,
}

impl RecordSplitter {
    pub fn new(rules: InputRules) -> RecordSplitter {
        RecordSplitter { rules, pending: Vec::new(), scan_from: 0 }
    }

    /// Feeds the next chunk and emits every record it completes.
    pub fn push(&mut self, chunk: &[u8], mut emit: impl FnMut(ProducerRecord)) {
        self.pending.extend_from_slice(chunk);
        let delim = self.rules.message_delim.as_slice();
        let mut record_start = 0;
        let mut search_from = self.scan_from;
        while let Some(found) = find(self.pending.get(search_from..).unwrap_or_default(), delim) {
            let delim_at = search_from + found;
            if let Some(record) = record_from_chunk(&self.rules, &self.pending[record_start..delim_at]) {
                emit(record);
            }
            record_start = delim_at + delim.len();
            search_from = record_start;
        }
        self.pending.drain(..record_start);
        // The delimiter may straddle this chunk and the next one.
        self.scan_from = (self.pending.len() + 1).saturating_sub(delim.len());
    }

    /// Emits what is left after the last delimiter, as kcat does at EOF.
    pub fn finish(self, mut emit: impl FnMut(ProducerRecord)) {
        if let Some(record) = record_from_chunk(&self.rules, &self.pending) {
            emit(record);
        }
    }

    /// Bytes buffered for the record in progress, for enforcing size limits.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

fn record_from_chunk(rules: &InputRules, chunk: &[u8]) -> Option<ProducerRecord> {
    if chunk.is_empty() {
        return None;
    }
    let split = rules.key_delim.as_deref().and_then(|key_delim| find(chunk, key_delim).map(|at| (at, key_delim.len())));
    let (key, value) = match split {
        Some((at, delim_len)) => {
            let key = &chunk[..at];
            let value = &chunk[at + delim_len..];
            let keep = |part: &[u8]| (!rules.empty_as_null || !part.is_empty()).then(|| part.to_vec());
            (keep(key), keep(value))
        }
        None => (None, Some(chunk.to_vec())),
    };
    Some(ProducerRecord { key: key.or_else(|| rules.fixed_key.clone()), value })
}

/// First occurrence of `needle`; an empty needle never matches.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut from = 0;
    while from <= last_start {
        let at = from + haystack[from..=last_start].iter().position(|&b| b == first)?;
        if haystack[at + 1..at + needle.len()] == *rest {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: Option<&str>, value: Option<&str>) -> ProducerRecord {
        ProducerRecord { key: key.map(|k| k.as_bytes().to_vec()), value: value.map(|v| v.as_bytes().to_vec()) }
    }

    fn rules(delim: &str, key_delim: Option<&str>, fixed_key: Option<&str>, null: bool) -> InputRules {
        InputRules::new(delim, key_delim, fixed_key, null).unwrap()
    }

    // kcat 1.7.1 -P produced the same records for every case except `\r\n`,
    // which is the documented escape deviation.
    #[test]
    fn splits_like_kcat() {
        let cases: &[(&str, InputRules, Vec<ProducerRecord>)] = &[
            ("a\nb\n", InputRules::default(), vec![rec(None, Some("a")), rec(None, Some("b"))]),
            ("a\n\n\nb", InputRules::default(), vec![rec(None, Some("a")), rec(None, Some("b"))]),
            ("", InputRules::default(), vec![]),
            ("\n\n", InputRules::default(), vec![]),
            (
                "k1:v1\n:emptykey\nk3:\nnokey\nk5:a:b\n",
                rules("\\n", Some(":"), None, false),
                vec![
                    rec(Some("k1"), Some("v1")),
                    rec(Some(""), Some("emptykey")),
                    rec(Some("k3"), Some("")),
                    rec(None, Some("nokey")),
                    rec(Some("k5"), Some("a:b")),
                ],
            ),
            (
                "k1:v1\n:\n:ev\nk3:\nnokey\n",
                rules("\\n", Some(":"), None, true),
                vec![
                    rec(Some("k1"), Some("v1")),
                    rec(None, None),
                    rec(None, Some("ev")),
                    rec(Some("k3"), None),
                    rec(None, Some("nokey")),
                ],
            ),
            ("a:b\n", rules("\\n", None, Some("FIXED"), false), vec![rec(Some("FIXED"), Some("a:b"))]),
            (":x\n", rules("\\n", Some(":"), Some("FIX"), false), vec![rec(Some(""), Some("x"))]),
            (":zz\n", rules("\\n", Some(":"), Some("FIXED"), true), vec![rec(Some("FIXED"), Some("zz"))]),
            (
                "x\ny",
                rules("\\n", Some(":"), Some("F"), false),
                vec![rec(Some("F"), Some("x")), rec(Some("F"), Some("y"))],
            ),
            ("ab:cd\n", rules("\\n", Some("\\x3a"), None, false), vec![rec(Some("ab"), Some("cd"))]),
            (
                "a\r\nb\\r\nc\r\n",
                rules("\\r\\n", None, None, false),
                vec![rec(None, Some("a")), rec(None, Some("b\\r\nc"))],
            ),
            (
                "Key1;KeyDel;Value1:MyDilemma:;KeyDel;Value2:MyDilemma:Key3;KeyDel;",
                rules(":MyDilemma:", Some(";KeyDel;"), None, false),
                vec![rec(Some("Key1"), Some("Value1")), rec(Some(""), Some("Value2")), rec(Some("Key3"), Some(""))],
            ),
            ("aaab", rules("aa", None, None, false), vec![rec(None, Some("ab"))]),
        ];
        for (input, rules, expected) in cases {
            assert_eq!(&split_records(input.as_bytes(), rules), expected, "{input:?}");
        }
    }

    #[test]
    fn chunk_boundaries_inside_delimiters() {
        let inputs: &[(&str, &str, Option<&str>)] = &[
            ("k1<=>v1||k2<=>v2||||tail", "||", Some("<=>")),
            ("aXYZbXYXYZcXY", "XYZ", None),
            ("aaa;aaaa;a", "aa", Some(";")),
            ("one\ntwo\n", "\\n", None),
        ];
        for (input, delim, key_delim) in inputs {
            let rules = rules(delim, *key_delim, None, true);
            let expected = split_records(input.as_bytes(), &rules);
            let bytes = input.as_bytes();
            for first_cut in 0..=bytes.len() {
                for second_cut in first_cut..=bytes.len() {
                    let mut splitter = RecordSplitter::new(rules.clone());
                    let mut got = Vec::new();
                    for chunk in [&bytes[..first_cut], &bytes[first_cut..second_cut], &bytes[second_cut..]] {
                        splitter.push(chunk, |r| got.push(r));
                    }
                    splitter.finish(|r| got.push(r));
                    assert_eq!(got, expected, "{input:?} cut at {first_cut},{second_cut}");
                }
            }
            let mut splitter = RecordSplitter::new(rules.clone());
            let mut got = Vec::new();
            for byte in bytes {
                splitter.push(std::slice::from_ref(byte), |r| got.push(r));
            }
            splitter.finish(|r| got.push(r));
            assert_eq!(got, expected, "{input:?} byte by byte");
        }
    }

    #[test]
    fn pending_holds_only_the_unfinished_record() {
        let mut splitter = RecordSplitter::new(InputRules::default());
        let mut count = 0;
        splitter.push(b"a\nbb\ncc", |_| count += 1);
        assert_eq!((count, splitter.pending_len()), (2, 2));
        splitter.push(b"c", |_| count += 1);
        assert_eq!(splitter.pending_len(), 3);
    }

    #[test]
    fn whole_files() {
        let keyed = rules("\\n", Some(":"), Some("k"), true);
        assert_eq!(whole_file_record(b"", &keyed), None);
        assert_eq!(whole_file_record(b"a:b\n", &keyed), Some(rec(Some("k"), Some("a:b\n"))));
        assert_eq!(whole_file_record(b"x", &InputRules::default()), Some(rec(None, Some("x"))));
    }

    #[test]
    fn rule_errors() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("", None, "invalid message delimiter \"\": expected at least one byte after decoding escapes"),
            ("\\n", Some(""), "invalid key delimiter \"\": expected at least one byte after decoding escapes"),
            ("\\xq", None, "invalid escape \\x at byte 0 of \"\\xq\": expected 1 or 2 hex digits after \\x"),
            ("\\n", Some("a\\x"), "invalid escape \\x at byte 1 of \"a\\x\": expected 1 or 2 hex digits after \\x"),
        ];
        for (delim, key_delim, message) in cases {
            let error = InputRules::new(delim, *key_delim, None, false).unwrap_err();
            assert_eq!(&error.to_string(), message);
        }
        let raw_key = InputRules::new("\\n", None, Some("\\n"), false).unwrap();
        assert_eq!(raw_key.fixed_key.as_deref(), Some(&b"\\n"[..]));
    }

    #[test]
    fn hand_built_rules_with_empty_delimiters_do_not_loop() {
        let rules = InputRules { message_delim: Vec::new(), key_delim: Some(Vec::new()), ..InputRules::default() };
        assert_eq!(split_records(b"a\nb", &rules), vec![rec(None, Some("a\nb"))]);
    }
}
