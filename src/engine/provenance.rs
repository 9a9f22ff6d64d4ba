//! The `kdeck-provenance` header: every copied record says, on the destination itself,
//! which source record it is a copy of, so a migration can be audited without kdeck.
//!
//! The value is text, `<source_cluster_id>/<topic>/<partition>/<offset>`, readable in
//! kcat's output. Topic names cannot contain `/` or `%`, but cluster ids are whatever the
//! broker reports (empty on some, free text on others), so `/`, `%` and ASCII control
//! characters are percent-encoded in both text fields: the four fields always split
//! cleanly and the header always prints on one line.

use std::fmt;

/// The header's name. Kafka header names are case-sensitive; this is matched exactly.
pub const HEADER_NAME: &str = "kdeck-provenance";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Provenance {
    pub cluster_id: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    #[error("provenance header is not UTF-8")]
    NotUtf8,
    #[error("provenance header has {found} '/'-separated fields, expected 4 (cluster/topic/partition/offset)")]
    FieldCount { found: usize },
    #[error("provenance header has a bad percent escape in its {field}")]
    BadEscape { field: &'static str },
    #[error("provenance header has an empty topic")]
    EmptyTopic,
    #[error("provenance header's {field} is not a non-negative decimal number")]
    BadNumber { field: &'static str },
}

impl Provenance {
    pub fn new(cluster_id: impl Into<String>, topic: impl Into<String>, partition: i32, offset: i64) -> Self {
        Provenance { cluster_id: cluster_id.into(), topic: topic.into(), partition, offset }
    }

    /// The header value. Total for any field values, but [`decode`] only accepts what a real
    /// record can have: a non-empty topic and non-negative partition and offset.
    pub fn encode(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// The (name, value) pair to append to a copied record's headers.
    pub fn header(&self) -> (&'static str, Vec<u8>) {
        (HEADER_NAME, self.encode())
    }
}

/// The header value as text, exactly what [`Provenance::encode`] writes.
impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.cluster_id)?;
        f.write_str("/")?;
        write_escaped(f, &self.topic)?;
        write!(f, "/{}/{}", self.partition, self.offset)
    }
}

pub fn decode(value: &[u8]) -> Result<Provenance, ProvenanceError> {
    let text = std::str::from_utf8(value).map_err(|_| ProvenanceError::NotUtf8)?;
    let fields: Vec<&str> = text.split('/').collect();
    let [cluster_id, topic, partition, offset] = fields.as_slice() else {
        return Err(ProvenanceError::FieldCount { found: fields.len() });
    };
    let cluster_id = unescape(cluster_id).ok_or(ProvenanceError::BadEscape { field: "cluster id" })?;
    let topic = unescape(topic).ok_or(ProvenanceError::BadEscape { field: "topic" })?;
    if topic.is_empty() {
        return Err(ProvenanceError::EmptyTopic);
    }
    let partition = parse_non_negative(partition).ok_or(ProvenanceError::BadNumber { field: "partition" })?;
    let offset = parse_non_negative(offset).ok_or(ProvenanceError::BadNumber { field: "offset" })?;
    Ok(Provenance { cluster_id, topic, partition, offset })
}

/// The provenance of a record from its headers, in their order on the record.
///
/// A record that went through two kdeck hops carries two headers, and the last one
/// appended names the hop that wrote this copy. If that last header is null or garbled
/// the answer is `None` rather than an earlier header, which would name the wrong hop.
pub fn find_provenance<'a>(headers: impl IntoIterator<Item = (&'a str, Option<&'a [u8]>)>) -> Option<Provenance> {
    let (_, value) = headers.into_iter().filter(|(name, _)| *name == HEADER_NAME).last()?;
    decode(value?).ok()
}

fn needs_escape(c: char) -> bool {
    c == '/' || c == '%' || c.is_ascii_control()
}

fn write_escaped(f: &mut fmt::Formatter<'_>, field: &str) -> fmt::Result {
    for c in field.chars() {
        if needs_escape(c) {
            // Every escaped char is ASCII, so one %XX covers it.
            write!(f, "%{:02X}", u32::from(c))?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

/// Decodes any `%XX` (either hex case), not only the ones we write, so a value typed by hand
/// still reads. `None` for a truncated or non-hex escape or for escapes that are not UTF-8.
fn unescape(field: &str) -> Option<String> {
    if !field.contains('%') {
        return Some(field.to_owned());
    }
    let mut bytes = Vec::with_capacity(field.len());
    let mut rest = field.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let (&high, &low) = (tail.first()?, tail.get(1)?);
            bytes.push((hex_value(high)? << 4) | hex_value(low)?);
            rest = tail.get(2..)?;
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|value| u8::try_from(value).ok())
}

/// Digits only: `str::parse` alone would also take a leading `+` or `-`.
fn parse_non_negative<T: std::str::FromStr>(text: &str) -> Option<T> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_to_the_documented_text() {
        let cases = [
            (Provenance::new("lkc-AbC_12-x", "orders", 3, 1234), "lkc-AbC_12-x/orders/3/1234"),
            (Provenance::new("", "orders.v2_x-y", 0, 0), "/orders.v2_x-y/0/0"),
            (Provenance::new("a/b", "t", 1, 2), "a%2Fb/t/1/2"),
            (Provenance::new("100%", "t", 1, 2), "100%25/t/1/2"),
            (Provenance::new("line\nbreak\t\u{7f}", "t", 1, 2), "line%0Abreak%09%7F/t/1/2"),
            (Provenance::new("clüster ☃", "t", 1, 2), "clüster ☃/t/1/2"),
            (Provenance::new("c", "t", i32::MAX, i64::MAX), "c/t/2147483647/9223372036854775807"),
        ];
        for (provenance, text) in cases {
            assert_eq!(String::from_utf8(provenance.encode()).ok().as_deref(), Some(text), "{provenance:?}");
            assert_eq!(provenance.to_string(), text);
        }
    }

    #[test]
    fn round_trips() {
        let cluster_ids = [
            "",
            "lkc-123",
            "MkU3OEVBNTcwNTJENDM2Qg",
            "a/b/c",
            "%2F",
            "%",
            "//",
            "odd id with spaces",
            "\u{0}\r\n",
            "ü/☃%",
        ];
        let topics = ["orders", "a", "__consumer_offsets", "x.y-z_0", "strange/topic%"];
        for cluster_id in cluster_ids {
            for topic in topics {
                for (partition, offset) in [(0, 0), (7, 123_456_789), (i32::MAX, i64::MAX)] {
                    let provenance = Provenance::new(cluster_id, topic, partition, offset);
                    assert_eq!(decode(&provenance.encode()), Ok(provenance.clone()));
                    let (name, value) = provenance.header();
                    assert_eq!(name, HEADER_NAME);
                    assert_eq!(decode(&value), Ok(provenance));
                }
            }
        }
    }

    #[test]
    fn decodes_lenient_escapes() {
        let cases = [("a%2fb/t/1/2", "a/b"), ("%41%62/t/1/2", "Ab"), ("%C3%BC/t/1/2", "ü")];
        for (text, cluster_id) in cases {
            assert_eq!(decode(text.as_bytes()).map(|p| p.cluster_id), Ok(cluster_id.to_owned()), "{text}");
        }
    }

    #[test]
    fn rejects_garbage() {
        use ProvenanceError::*;
        let cases: &[(&[u8], ProvenanceError)] = &[
            (b"", FieldCount { found: 1 }),
            (b"garbage", FieldCount { found: 1 }),
            (b"c/t/1", FieldCount { found: 3 }),
            (b"c/t/1/2/3", FieldCount { found: 5 }),
            (b"a/b/t/1/2", FieldCount { found: 5 }),
            (b"\xff\xfe/t/1/2", NotUtf8),
            (b"c//1/2", EmptyTopic),
            (b"c/%/1/2", BadEscape { field: "topic" }),
            (b"%/t/1/2", BadEscape { field: "cluster id" }),
            (b"%2/t/1/2", BadEscape { field: "cluster id" }),
            (b"%zz/t/1/2", BadEscape { field: "cluster id" }),
            (b"%FF/t/1/2", BadEscape { field: "cluster id" }),
            (b"c/t//2", BadNumber { field: "partition" }),
            (b"c/t/x/2", BadNumber { field: "partition" }),
            (b"c/t/+1/2", BadNumber { field: "partition" }),
            (b"c/t/-1/2", BadNumber { field: "partition" }),
            (b"c/t/ 1/2", BadNumber { field: "partition" }),
            (b"c/t/2147483648/2", BadNumber { field: "partition" }),
            (b"c/t/1/", BadNumber { field: "offset" }),
            (b"c/t/1/-5", BadNumber { field: "offset" }),
            (b"c/t/1/9223372036854775808", BadNumber { field: "offset" }),
            (b"c/t/1/2\n", BadNumber { field: "offset" }),
            (b"c/t/1/1e3", BadNumber { field: "offset" }),
        ];
        for (value, expected) in cases {
            assert_eq!(decode(value).as_ref(), Err(expected), "{:?}", String::from_utf8_lossy(value));
        }
    }

    #[test]
    fn truncated_and_corrupted_values_never_panic() {
        let value = Provenance::new("a/%ü", "orders", 12, 3456).encode();
        for cut in 0..=value.len() {
            let _ = decode(&value[..cut]);
        }
        for index in 0..value.len() {
            for byte in [0u8, b'/', b'%', b'-', b'9', 0x80, 0xff] {
                let mut corrupted = value.clone();
                corrupted[index] = byte;
                if let Ok(decoded) = decode(&corrupted) {
                    assert_eq!(decode(&decoded.encode()), Ok(decoded));
                }
            }
        }
    }

    #[test]
    fn negative_numbers_encode_but_do_not_decode() {
        let provenance = Provenance::new("c", "t", -1, -1);
        assert_eq!(decode(&provenance.encode()), Err(ProvenanceError::BadNumber { field: "partition" }));
    }

    #[test]
    fn errors_display_on_one_line() {
        for value in [&b"\xff"[..], b"x", b"%/t/1/2", b"c//1/2", b"c/t/x/1"] {
            let message = decode(value).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!message.is_empty() && !message.contains('\n'), "{message:?}");
        }
    }

    #[test]
    fn find_provenance_takes_the_last_header() {
        let first = Provenance::new("src", "orders", 1, 10).encode();
        let second = Provenance::new("mid", "orders", 4, 99).encode();
        let (first, second) = (Some(first.as_slice()), Some(second.as_slice()));
        type Header<'a> = (&'a str, Option<&'a [u8]>);
        // (headers in record order, the expected (cluster id, offset))
        type Case<'a> = (Vec<Header<'a>>, Option<(&'a str, i64)>);
        let cases: Vec<Case> = vec![
            (vec![], None),
            (vec![("trace-id", Some(b"x"))], None),
            (vec![(HEADER_NAME, first)], Some(("src", 10))),
            (vec![("a", None), (HEADER_NAME, first), ("b", Some(b"y"))], Some(("src", 10))),
            (vec![(HEADER_NAME, first), (HEADER_NAME, second)], Some(("mid", 99))),
            (vec![(HEADER_NAME, second), (HEADER_NAME, first)], Some(("src", 10))),
            (vec![(HEADER_NAME, first), (HEADER_NAME, Some(b"garbage"))], None),
            (vec![(HEADER_NAME, first), (HEADER_NAME, None)], None),
            (vec![("Kdeck-Provenance", first)], None),
            (vec![(HEADER_NAME, first), ("kdeck-provenance ", second)], Some(("src", 10))),
        ];
        for (headers, expected) in cases {
            let found = find_provenance(headers.clone());
            assert_eq!(
                found.map(|p| (p.cluster_id, p.offset)),
                expected.map(|(c, o)| (c.to_owned(), o)),
                "{headers:?}"
            );
        }
    }
}
