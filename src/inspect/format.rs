//! kcat `-f` format strings, and the output kcat prints when no `-f` is given.
//!
//! Follows kcat 1.7.1 (`format.c`, `kcat.c`), checked against the real binary.
//! Deliberate deviations:
//! - `\x` takes 1 or 2 hex digits of either case (`\xff` is byte 0xFF). kcat only
//!   decodes `\x` when a decimal digit follows, then swallows every further hex
//!   digit and keeps the low byte (`\x4142` is `B`); before a letter it drops the
//!   `x` and prints the letter (`\xff` is `ff`).
//! - `\x` without a hex digit is an error (kcat reads past the end of its buffer).
//! - Escapes that yield a NUL byte emit it. kcat cuts the literal at the NUL, and
//!   aborts with a write error when nothing precedes it in the literal.
//! - Delimiters (`-D`, `-K`) for the default format are taken literally after
//!   escape decoding. kcat pastes them into a format string, so a `%` inside them
//!   is read as a formatter (`-D %` is fatal, `-K %%` prints `%`).
//! - `-O` is accepted and ignored, exactly like kcat 1.7.1 (it prints no offset).
//!
//! Unknown formatters and a trailing `%` are errors, as in kcat.

use std::fmt;

pub use crate::record::{Header, RecordView, TimestampType};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("unsupported formatter %{token} in format {}: expected one of %s %S %R %k %K %T %h %t %p %o %%", quoted(.format))]
    UnsupportedFormatter { token: char, format: String },
    #[error("empty formatter at end of format {}: expected a formatter character after %", quoted(.format))]
    EmptyFormatter { format: String },
    #[error("invalid escape \\x at byte {position} of {}: expected 1 or 2 hex digits after \\x", quoted(.input))]
    HexEscapeWithoutDigits { input: String, position: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(Vec<u8>),
    Offset,
    Key,
    KeyLength,
    Payload,
    PayloadLength,
    PayloadLengthBinary,
    Topic,
    Partition,
    Timestamp,
    Headers,
}

/// A parsed kcat output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    segments: Vec<Segment>,
}

/// Decodes kcat's backslash escapes: `\n \r \t`, `\xH`/`\xHH`, `\` + digits as a
/// C number (decimal, `0` octal, `0x` hex; low byte kept, overflow gives 0xFF),
/// `\` + anything else gives that character, a trailing `\` stays.
pub(crate) fn decode_escapes(input: &str) -> Result<Vec<u8>, FormatError> {
    let mut decoded = Vec::with_capacity(input.len());
    decode_escapes_into(input, 0, input.len(), &mut decoded)?;
    Ok(decoded)
}

fn decode_escapes_into(whole: &str, start: usize, end: usize, out: &mut Vec<u8>) -> Result<(), FormatError> {
    let bytes = whole.as_bytes().get(start..end).unwrap_or_default();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = match (byte, bytes.get(i + 1)) {
            (b'\\', Some(&next)) => next,
            _ => {
                out.push(byte);
                i += 1;
                continue;
            }
        };
        let rest = &bytes[i + 1..];
        let (value, consumed) = match escaped {
            b'n' => (b'\n', 1),
            b'r' => (b'\r', 1),
            b't' => (b'\t', 1),
            b'x' => match hex_byte(&rest[1..]) {
                Some((value, digits)) => (value, 1 + digits),
                None => {
                    return Err(FormatError::HexEscapeWithoutDigits { input: whole.to_owned(), position: start + i })
                }
            },
            b'0'..=b'9' => c_number_byte(rest),
            other => (other, 1),
        };
        out.push(value);
        i += 1 + consumed;
    }
    Ok(())
}

/// Up to two hex digits; returns the byte and how many digits were used.
fn hex_byte(digits: &[u8]) -> Option<(u8, usize)> {
    let mut value = 0u8;
    let mut used = 0;
    for &digit in digits.iter().take(2) {
        let Some(nibble) = (digit as char).to_digit(16) else {
            break;
        };
        value = value * 16 + nibble as u8;
        used += 1;
    }
    (used > 0).then_some((value, used))
}

/// Mimics `(char)strtoul(s, &end, 0)` where `s` starts with a decimal digit.
fn c_number_byte(text: &[u8]) -> (u8, usize) {
    let has_hex_prefix = matches!(text, [b'0', b'x' | b'X', third, ..] if third.is_ascii_hexdigit());
    let (radix, prefix) = match text {
        _ if has_hex_prefix => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let mut value: u64 = 0;
    let mut overflowed = false;
    let mut used = prefix;
    for &digit in &text[prefix..] {
        let Some(digit) = (digit as char).to_digit(radix) else {
            break;
        };
        match value.checked_mul(u64::from(radix)).and_then(|v| v.checked_add(u64::from(digit))) {
            Some(next) => value = next,
            None => overflowed = true,
        }
        used += 1;
    }
    // strtoul saturates at ULONG_MAX on overflow, whose low byte is 0xFF.
    let byte = if overflowed { 0xFF } else { value as u8 };
    (byte, used)
}

#[derive(Default)]
struct Builder {
    segments: Vec<Segment>,
    literal: Vec<u8>,
}

impl Builder {
    fn flush_literal(&mut self) {
        if !self.literal.is_empty() {
            let literal = std::mem::take(&mut self.literal);
            self.segments.push(Segment::Literal(literal));
        }
    }

    fn push(&mut self, segment: Segment) {
        self.flush_literal();
        self.segments.push(segment);
    }

    fn finish(mut self) -> Format {
        self.flush_literal();
        Format { segments: self.segments }
    }
}

impl Format {
    /// Parses a kcat `-f` format string.
    pub fn parse(spec: &str) -> Result<Format, FormatError> {
        let bytes = spec.as_bytes();
        let mut builder = Builder::default();
        let mut literal_start = 0;
        while let Some(relative) = bytes[literal_start..].iter().position(|&b| b == b'%') {
            let percent = literal_start + relative;
            // kcat splits on `%` before decoding escapes, so `\%s` is `\` then %s.
            decode_escapes_into(spec, literal_start, percent, &mut builder.literal)?;
            let token = spec.get(percent + 1..).and_then(|rest| rest.chars().next());
            let segment = match token {
                None => return Err(FormatError::EmptyFormatter { format: spec.to_owned() }),
                Some('%') => None,
                Some('o') => Some(Segment::Offset),
                Some('k') => Some(Segment::Key),
                Some('K') => Some(Segment::KeyLength),
                Some('s') => Some(Segment::Payload),
                Some('S') => Some(Segment::PayloadLength),
                Some('R') => Some(Segment::PayloadLengthBinary),
                Some('t') => Some(Segment::Topic),
                Some('p') => Some(Segment::Partition),
                Some('T') => Some(Segment::Timestamp),
                Some('h') => Some(Segment::Headers),
                Some(other) => return Err(FormatError::UnsupportedFormatter { token: other, format: spec.to_owned() }),
            };
            match segment {
                Some(segment) => builder.push(segment),
                None => builder.literal.push(b'%'),
            }
            literal_start = percent + 2;
        }
        decode_escapes_into(spec, literal_start, bytes.len(), &mut builder.literal)?;
        Ok(builder.finish())
    }

    /// The format kcat uses without `-f`: `%k<key_delim>%s<message_delim>`, or
    /// `%s<message_delim>` without `-K`.
    pub fn from_delimiters(
        key_delim: Option<&str>,
        message_delim: &str,
        print_offset: bool,
    ) -> Result<Format, FormatError> {
        // kcat 1.7.1 parses -O but never reads the flag when building this format.
        let _ = print_offset;
        let mut builder = Builder::default();
        if let Some(key_delim) = key_delim {
            builder.push(Segment::Key);
            builder.literal = decode_escapes(key_delim)?;
        }
        builder.push(Segment::Payload);
        builder.literal = decode_escapes(message_delim)?;
        Ok(builder.finish())
    }

    /// True when `%h` is used, so headers only need collecting then.
    pub fn needs_headers(&self) -> bool {
        self.segments.contains(&Segment::Headers)
    }

    /// Appends `record` rendered like kcat's `fmt_msg_output_str`.
    /// `null_str` is what `-Z` prints for an empty or null key/payload.
    pub fn write(&self, out: &mut Vec<u8>, record: &RecordView<'_>, null_str: Option<&[u8]>) {
        for segment in &self.segments {
            match segment {
                Segment::Literal(bytes) => out.extend_from_slice(bytes),
                Segment::Offset => push_i64(out, record.offset),
                Segment::Key => push_field(out, record.key, null_str),
                Segment::KeyLength => push_i64(out, length_or_minus_one(record.key)),
                Segment::Payload => push_field(out, record.payload, null_str),
                Segment::PayloadLength => push_i64(out, length_or_minus_one(record.payload)),
                Segment::PayloadLengthBinary => {
                    // kcat casts the length to uint32 before byte-swapping.
                    let length = length_or_minus_one(record.payload) as u32;
                    out.extend_from_slice(&length.to_be_bytes());
                }
                Segment::Topic => out.extend_from_slice(record.topic.as_bytes()),
                Segment::Partition => push_i64(out, i64::from(record.partition)),
                Segment::Timestamp => push_i64(out, record.timestamp_or_minus_one()),
                Segment::Headers => push_headers(out, record.headers),
            }
        }
    }
}

// kcat tests the length, not null-ness: an empty key prints null_str too.
fn push_field(out: &mut Vec<u8>, field: Option<&[u8]>, null_str: Option<&[u8]>) {
    match (field, null_str) {
        (Some(bytes), _) if !bytes.is_empty() => out.extend_from_slice(bytes),
        (_, Some(null_str)) => out.extend_from_slice(null_str),
        _ => {}
    }
}

fn length_or_minus_one(field: Option<&[u8]>) -> i64 {
    field.map_or(-1, |bytes| bytes.len() as i64)
}

fn push_headers(out: &mut Vec<u8>, headers: &[Header<'_>]) {
    for (index, header) in headers.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        // kcat prints both with printf("%s"/"%.*s"), which stop at a NUL byte.
        out.extend_from_slice(until_nul(header.name.as_bytes()));
        out.push(b'=');
        match header.value {
            None => out.extend_from_slice(b"NULL"),
            Some(value) => out.extend_from_slice(until_nul(value)),
        }
    }
}

pub(crate) fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// Appends the decimal form of `value` without going through `fmt`.
pub(crate) fn push_i64(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[start..]);
}

/// Quotes user input for one-line error messages: control characters are
/// escaped, backslashes are kept as typed.
pub(crate) fn quoted(text: &str) -> Quoted<'_> {
    Quoted(text)
}

pub(crate) struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                c if c.is_control() => write!(f, "{}", c.escape_default())?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: &[Header<'static>] = &[
        Header { name: "a", value: Some(b"1") },
        Header { name: "nul", value: None },
        Header { name: "empty", value: Some(b"") },
        Header { name: "cut", value: Some(b"x\0y") },
    ];

    fn record<'a>(key: Option<&'a [u8]>, payload: Option<&'a [u8]>) -> RecordView<'a> {
        RecordView {
            topic: "orders.v1",
            partition: 3,
            offset: 42,
            timestamp: Some(1_700_000_000_123),
            timestamp_type: TimestampType::CreateTime,
            broker: 1,
            key,
            payload,
            headers: HEADERS,
        }
    }

    fn render(format: &Format, record: &RecordView<'_>, null_str: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::new();
        format.write(&mut out, record, null_str);
        out
    }

    #[test]
    fn renders_every_token() {
        let full = record(Some(b"k1"), Some(b"hello"));
        let cases: &[(&str, &[u8])] = &[
            ("%t [%p] @%o: %k=%s\\n", b"orders.v1 [3] @42: k1=hello\n"),
            ("%K|%S|%T", b"2|5|1700000000123"),
            ("%R", &[0, 0, 0, 5]),
            ("%h", b"a=1,nul=NULL,empty=,cut=x"),
            ("100%% %s%%", b"100% hello%"),
            ("\\%s", b"\\hello"),
            ("", b""),
            ("plain", b"plain"),
            ("\\t\\r\\q\\\\|", b"\t\rq\\|"),
            ("\\x41\\x4a\\xff\\xA\\x4142", b"AJ\xff\x0aA42"),
            ("\\101\\012\\0x41\\300\\08", b"e\nA,\x008"),
            ("\\99999999999999999999999|", b"\xff|"),
            ("\\0xg", b"\0xg"),
            ("a\\x00b", b"a\0b"),
            ("end\\", b"end\\"),
            ("\\é%s", "éhello".as_bytes()),
        ];
        for (spec, expected) in cases {
            let format = Format::parse(spec).expect(spec);
            assert_eq!(render(&format, &full, None), expected.to_vec(), "format {spec:?}");
        }
    }

    #[test]
    fn null_and_empty_fields() {
        let format = Format::parse("[%k|%K|%s|%S]").unwrap();
        type Bytes = Option<&'static [u8]>;
        let cases: &[(Bytes, Bytes, Bytes, &[u8])] = &[
            (None, None, None, b"[|-1||-1]"),
            (None, None, Some(b"NULL"), b"[NULL|-1|NULL|-1]"),
            (Some(b""), Some(b""), None, b"[|0||0]"),
            (Some(b""), Some(b""), Some(b"NULL"), b"[NULL|0|NULL|0]"),
            (Some(b"k"), Some(b"v"), Some(b"NULL"), b"[k|1|v|1]"),
        ];
        for (key, payload, null_str, expected) in cases {
            let got = render(&format, &record(*key, *payload), *null_str);
            assert_eq!(got, expected.to_vec(), "{key:?} {payload:?} {null_str:?}");
        }
        let binary = Format::parse("%R").unwrap();
        assert_eq!(render(&binary, &record(None, None), None), vec![0xFF; 4]);
    }

    #[test]
    fn timestamp_and_headers_edge_cases() {
        let format = Format::parse("%T|%h|").unwrap();
        let mut no_ts = record(None, None);
        no_ts.timestamp_type = TimestampType::NotAvailable;
        no_ts.headers = &[];
        assert_eq!(render(&format, &no_ts, None), b"-1||");
        let mut log_append = record(None, None);
        log_append.timestamp_type = TimestampType::LogAppendTime;
        log_append.timestamp = None;
        assert!(render(&format, &log_append, None).starts_with(b"-1|a=1"));
    }

    #[test]
    fn parse_errors_name_the_input() {
        let cases: &[(&str, &str)] = &[
            (
                "%s %q",
                r#"unsupported formatter %q in format "%s %q": expected one of %s %S %R %k %K %T %h %t %p %o %%"#,
            ),
            ("%é", r#"unsupported formatter %é in format "%é": expected one of %s %S %R %k %K %T %h %t %p %o %%"#),
            ("abc%", r#"empty formatter at end of format "abc%": expected a formatter character after %"#),
            ("%s\\xg", r#"invalid escape \x at byte 2 of "%s\xg": expected 1 or 2 hex digits after \x"#),
            ("a\\x", r#"invalid escape \x at byte 1 of "a\x": expected 1 or 2 hex digits after \x"#),
            ("%s\\x%k", r#"invalid escape \x at byte 2 of "%s\x%k": expected 1 or 2 hex digits after \x"#),
            ("\n%z", r#"unsupported formatter %z in format "\n%z": expected one of %s %S %R %k %K %T %h %t %p %o %%"#),
        ];
        for (spec, message) in cases {
            let error = Format::parse(spec).unwrap_err().to_string();
            assert_eq!(&error, message);
            assert!(!error.contains('\n'));
        }
    }

    #[test]
    fn default_format_from_delimiters() {
        let full = record(Some(b"k"), Some(b"v"));
        let cases: &[(Option<&str>, &str, bool, &[u8])] = &[
            (None, "\\n", false, b"v\n"),
            (None, "\\n", true, b"v\n"),
            (Some("\\t"), "\\r\\n", true, b"k\tv\r\n"),
            (Some("%"), "%s", false, b"k%v%s"),
            (Some(""), "", false, b"kv"),
            (Some("\\x3a"), "\\x00", false, b"k:v\0"),
        ];
        for (key_delim, delim, offset, expected) in cases {
            let format = Format::from_delimiters(*key_delim, delim, *offset).unwrap();
            assert_eq!(render(&format, &full, None), expected.to_vec());
            assert!(!format.needs_headers());
        }
        let null_key = record(None, Some(b"v"));
        let format = Format::from_delimiters(Some("#"), "\\n", false).unwrap();
        assert_eq!(render(&format, &null_key, Some(b"NULL")), b"NULL#v\n");
        assert!(Format::from_delimiters(None, "\\x", false).is_err());
    }

    #[test]
    fn needs_headers_only_with_h() {
        assert!(Format::parse("%s %h").unwrap().needs_headers());
        assert!(!Format::parse("%s %%h").unwrap().needs_headers());
    }

    #[test]
    fn decodes_escapes_for_delimiters() {
        let cases: &[(&str, &[u8])] = &[
            ("", b""),
            ("\\n", b"\n"),
            ("\\t\\n\\n", b"\t\n\n"),
            ("\\x54!\\x45\\x53T", b"T!EST"),
            ("\\x30", b"0"),
            (";KeyDel;", b";KeyDel;"),
            ("%", b"%"),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_escapes(input).unwrap(), expected.to_vec(), "{input:?}");
        }
    }

    #[test]
    fn integers_render_like_printf() {
        for value in [0, 7, -1, 10, 1_795_626_275_696, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_i64(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }
}
