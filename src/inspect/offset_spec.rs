//! The consumer's `-o` grammar, as in kcat 1.7.1 `kcat.c`:
//! `beginning | end | stored | N | -N | s@TIMESTAMP_MS | e@TIMESTAMP_MS`,
//! repeatable.
//!
//! Combination rules copied from kcat: the last of `beginning`/`end`/`stored`/
//! `N`/`-N` wins; the last `s@` wins and, whatever the order, beats those
//! (kcat keeps the start timestamp apart and prefers it); the last `e@` sets
//! the exclusive stop timestamp. Without any start spec the consumer starts
//! at the beginning, like `kcat -C` (kcat's `-G` mode uses the group's
//! committed offsets instead, a decision left to the caller).
//!
//! Deliberate deviations: kcat parses numbers with unchecked `strtoll`, so
//! `abc` means offset 0, `5x` means 5 and `s@abc`/`s@0`/`e@0` are silently
//! ignored; all of these are errors here, as are an empty spec, `-0` (kcat
//! reads it as absolute offset 0), a sign other than one leading `-`,
//! whitespace, and negative timestamps.

use super::format::quoted;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartOffset {
    Beginning,
    End,
    Stored,
    Absolute(i64),
    /// `-N`: N records before the end (N >= 1).
    FromEnd(i64),
    /// `s@ms`: the first record with a timestamp at or after ms.
    Timestamp(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetSpec {
    pub start: StartOffset,
    /// `e@ms`: stop before the first record with a timestamp at or after ms.
    pub end_timestamp: Option<i64>,
}

impl Default for OffsetSpec {
    fn default() -> Self {
        OffsetSpec { start: StartOffset::Beginning, end_timestamp: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffsetSpecError {
    #[error("invalid offset spec {}: expected beginning, end, stored, N, -N, s@TIMESTAMP_MS or e@TIMESTAMP_MS", quoted(.spec))]
    Unrecognized { spec: String },
    #[error("invalid offset spec {}: expected -N with N >= 1 (kcat reads -0 as absolute offset 0; write 0 or end)", quoted(.spec))]
    NegativeZero { spec: String },
    #[error("invalid offset spec {}: expected {prefix}TIMESTAMP_MS with TIMESTAMP_MS a positive number of milliseconds since the epoch", quoted(.spec))]
    BadTimestamp { spec: String, prefix: &'static str },
}

enum Item {
    Start(StartOffset),
    End(i64),
}

/// Parses every `-o` argument in command-line order into one spec.
pub fn parse_offset_specs(args: &[String]) -> Result<OffsetSpec, OffsetSpecError> {
    let mut plain_start = None;
    let mut timestamp_start = None;
    let mut end_timestamp = None;
    for arg in args {
        match parse_one(arg)? {
            Item::Start(StartOffset::Timestamp(ms)) => timestamp_start = Some(ms),
            Item::Start(start) => plain_start = Some(start),
            Item::End(ms) => end_timestamp = Some(ms),
        }
    }
    let start = timestamp_start.map(StartOffset::Timestamp).or(plain_start).unwrap_or(StartOffset::Beginning);
    Ok(OffsetSpec { start, end_timestamp })
}

fn parse_one(spec: &str) -> Result<Item, OffsetSpecError> {
    let item = match spec {
        "beginning" => Item::Start(StartOffset::Beginning),
        "end" => Item::Start(StartOffset::End),
        "stored" => Item::Start(StartOffset::Stored),
        _ => {
            if let Some(ms) = spec.strip_prefix("s@") {
                Item::Start(StartOffset::Timestamp(positive_timestamp(spec, ms, "s@")?))
            } else if let Some(ms) = spec.strip_prefix("e@") {
                Item::End(positive_timestamp(spec, ms, "e@")?)
            } else if let Some(count) = spec.strip_prefix('-') {
                match unsigned(spec, count)? {
                    0 => return Err(OffsetSpecError::NegativeZero { spec: spec.to_owned() }),
                    count => Item::Start(StartOffset::FromEnd(count)),
                }
            } else {
                Item::Start(StartOffset::Absolute(unsigned(spec, spec)?))
            }
        }
    };
    Ok(item)
}

fn unsigned(spec: &str, digits: &str) -> Result<i64, OffsetSpecError> {
    parse_digits(digits).ok_or_else(|| OffsetSpecError::Unrecognized { spec: spec.to_owned() })
}

fn positive_timestamp(spec: &str, digits: &str, prefix: &'static str) -> Result<i64, OffsetSpecError> {
    match parse_digits(digits) {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(OffsetSpecError::BadTimestamp { spec: spec.to_owned(), prefix }),
    }
}

/// ASCII digits only: `str::parse` would also take a leading `+`.
fn parse_digits(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use StartOffset::*;

    fn specs(args: &[&str]) -> Result<OffsetSpec, OffsetSpecError> {
        let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        parse_offset_specs(&owned)
    }

    #[test]
    fn accepts_kcat_specs() {
        let cases: &[(&[&str], StartOffset, Option<i64>)] = &[
            (&[], Beginning, None),
            (&["beginning"], Beginning, None),
            (&["end"], End, None),
            (&["stored"], Stored, None),
            (&["0"], Absolute(0), None),
            (&["007"], Absolute(7), None),
            (&["9223372036854775807"], Absolute(i64::MAX), None),
            (&["-1"], FromEnd(1), None),
            (&["-250"], FromEnd(250), None),
            (&["s@1700000000000"], Timestamp(1_700_000_000_000), None),
            (&["e@1700000000000"], Beginning, Some(1_700_000_000_000)),
            (&["s@10", "e@20"], Timestamp(10), Some(20)),
            (&["e@20", "-5"], FromEnd(5), Some(20)),
            (&["end", "beginning"], Beginning, None),
            (&["beginning", "42"], Absolute(42), None),
            (&["s@10", "end"], Timestamp(10), None),
            (&["end", "s@10"], Timestamp(10), None),
            (&["s@10", "s@30"], Timestamp(30), None),
            (&["e@20", "e@10"], Beginning, Some(10)),
        ];
        for (args, start, end) in cases {
            let expected = OffsetSpec { start: *start, end_timestamp: *end };
            assert_eq!(specs(args), Ok(expected), "{args:?}");
        }
    }

    #[test]
    fn rejects_what_kcat_would_misread() {
        const EXPECTED: &str = "expected beginning, end, stored, N, -N, s@TIMESTAMP_MS or e@TIMESTAMP_MS";
        const TS: &str = "TIMESTAMP_MS with TIMESTAMP_MS a positive number of milliseconds since the epoch";
        let cases: &[(&str, String)] = &[
            ("", format!("invalid offset spec \"\": {EXPECTED}")),
            ("abc", format!("invalid offset spec \"abc\": {EXPECTED}")),
            ("5x", format!("invalid offset spec \"5x\": {EXPECTED}")),
            ("+5", format!("invalid offset spec \"+5\": {EXPECTED}")),
            (" 5", format!("invalid offset spec \" 5\": {EXPECTED}")),
            ("-", format!("invalid offset spec \"-\": {EXPECTED}")),
            ("--5", format!("invalid offset spec \"--5\": {EXPECTED}")),
            ("Beginning", format!("invalid offset spec \"Beginning\": {EXPECTED}")),
            ("9223372036854775808", format!("invalid offset spec \"9223372036854775808\": {EXPECTED}")),
            ("1\n", format!("invalid offset spec \"1\\n\": {EXPECTED}")),
            ("-0", "invalid offset spec \"-0\": expected -N with N >= 1 (kcat reads -0 as absolute offset 0; write 0 or end)".to_owned()),
            ("-000", "invalid offset spec \"-000\": expected -N with N >= 1 (kcat reads -0 as absolute offset 0; write 0 or end)".to_owned()),
            ("s@abc", format!("invalid offset spec \"s@abc\": expected s@{TS}")),
            ("s@", format!("invalid offset spec \"s@\": expected s@{TS}")),
            ("s@0", format!("invalid offset spec \"s@0\": expected s@{TS}")),
            ("s@-1", format!("invalid offset spec \"s@-1\": expected s@{TS}")),
            ("e@12x", format!("invalid offset spec \"e@12x\": expected e@{TS}")),
        ];
        for (spec, message) in cases {
            let error = specs(&["end", spec]).unwrap_err();
            assert_eq!(&error.to_string(), message, "{spec:?}");
        }
    }
}
