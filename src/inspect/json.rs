//! kcat's `-J` envelope for consumed records, byte-identical to kcat 1.7.1
//! (`json.c` driving yajl 2.1 with default generator options), checked against
//! the real binary and libyajl:
//!
//! `{"topic":..,"partition":..,"offset":..,"tstype":..,"ts":..,"broker":..,
//! "headers":[name,value,..],"key":..,"payload":..}` on one line, no spaces.
//! - `tstype`/`ts` are left out when the timestamp type is not available.
//! - `headers` is an array of alternating names and values (null for a null
//!   value), left out when the record has no headers. (`kcat -h` documents a
//!   `{name: value}` map, but 1.7.1 really prints this array.)
//! - Strings: `"` and `\` are escaped, `\b \f \n \r \t` by name, other bytes
//!   below 0x20 as `\u00XX` with upper-case hex. `/`, DEL and every byte from
//!   0x80 up, including invalid UTF-8, are copied raw: kcat does not turn on
//!   `yajl_gen_validate_utf8`.
//! - kcat passes topic and header names to yajl with `strlen`, so they end at a
//!   NUL byte; keys, values and header values keep theirs (`\u0000`).
//!
//! kcat ends each object with its `-D` delimiter (`\n` by default); see
//! [`write_envelope_with_terminator`]. The `"unknown"` tstype cannot arise
//! because [`TimestampType`] has no such variant.

use super::format::{push_i64, until_nul, Header, RecordView, TimestampType};

/// Appends one envelope followed by `\n`.
pub fn write_envelope(out: &mut Vec<u8>, record: &RecordView<'_>) {
    write_envelope_with_terminator(out, record, b"\n");
}

/// Appends one envelope followed by `terminator` (kcat's decoded `-D`).
pub fn write_envelope_with_terminator(out: &mut Vec<u8>, record: &RecordView<'_>, terminator: &[u8]) {
    write_envelope_head(out, record);
    out.extend_from_slice(b",\"key\":");
    push_json_string_or_null(out, record.key);
    out.extend_from_slice(b",\"payload\":");
    push_json_string_or_null(out, record.payload);
    out.push(b'}');
    out.extend_from_slice(terminator);
}

/// A key or value in an envelope of records decoded through a schema registry.
#[derive(Debug, Clone, Copy)]
pub enum EnvelopeField<'a> {
    /// Not asked to decode, or nothing to decode (null or empty): a string as without `-s`.
    Raw(Option<&'a [u8]>),
    /// The decoded JSON, embedded as JSON, followed by its schema id as kcat does
    /// (`"key_schema_id"`, `"value_schema_id"`).
    Decoded { json: &'a [u8], schema_id: u32 },
    /// Could not be decoded: the raw bytes as a string, then `"key_error"`/`"payload_error"`.
    Undecoded { raw: Option<&'a [u8]>, error: &'a str },
}

/// The `-J` envelope with `-s`: like [`write_envelope_with_terminator`], with
/// decoded fields and their schema ids.
pub fn write_decoded_envelope(
    out: &mut Vec<u8>,
    record: &RecordView<'_>,
    key: EnvelopeField<'_>,
    payload: EnvelopeField<'_>,
    terminator: &[u8],
) {
    write_envelope_head(out, record);
    push_field(out, "key", "key_schema_id", "key_error", key);
    push_field(out, "payload", "value_schema_id", "payload_error", payload);
    out.push(b'}');
    out.extend_from_slice(terminator);
}

fn push_field(out: &mut Vec<u8>, name: &str, id_name: &str, error_name: &str, field: EnvelopeField<'_>) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    match field {
        EnvelopeField::Raw(bytes) => push_json_string_or_null(out, bytes),
        EnvelopeField::Decoded { json, schema_id } => {
            out.extend_from_slice(json);
            out.extend_from_slice(b",\"");
            out.extend_from_slice(id_name.as_bytes());
            out.extend_from_slice(b"\":");
            push_i64(out, i64::from(schema_id));
        }
        EnvelopeField::Undecoded { raw, error } => {
            push_json_string_or_null(out, raw);
            out.extend_from_slice(b",\"");
            out.extend_from_slice(error_name.as_bytes());
            out.extend_from_slice(b"\":");
            push_json_string(out, error.as_bytes());
        }
    }
}

/// Everything before the key: topic, partition, offset, timestamp, broker, headers.
fn write_envelope_head(out: &mut Vec<u8>, record: &RecordView<'_>) {
    out.extend_from_slice(b"{\"topic\":");
    push_json_string(out, until_nul(record.topic.as_bytes()));
    out.extend_from_slice(b",\"partition\":");
    push_i64(out, i64::from(record.partition));
    out.extend_from_slice(b",\"offset\":");
    push_i64(out, record.offset);
    let tstype: Option<&[u8]> = match record.timestamp_type {
        TimestampType::NotAvailable => None,
        TimestampType::CreateTime => Some(b"create"),
        TimestampType::LogAppendTime => Some(b"logappend"),
    };
    if let Some(tstype) = tstype {
        out.extend_from_slice(b",\"tstype\":\"");
        out.extend_from_slice(tstype);
        out.extend_from_slice(b"\",\"ts\":");
        push_i64(out, record.timestamp_or_minus_one());
    }
    out.extend_from_slice(b",\"broker\":");
    push_i64(out, i64::from(record.broker));
    if !record.headers.is_empty() {
        out.extend_from_slice(b",\"headers\":");
        push_headers(out, record.headers);
    }
}

fn push_headers(out: &mut Vec<u8>, headers: &[Header<'_>]) {
    out.push(b'[');
    for (index, header) in headers.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_json_string(out, until_nul(header.name.as_bytes()));
        out.push(b',');
        push_json_string_or_null(out, header.value);
    }
    out.push(b']');
}

fn push_json_string_or_null(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(bytes) => push_json_string(out, bytes),
        None => out.extend_from_slice(b"null"),
    }
}

/// yajl_gen_string's escaping, without UTF-8 validation.
fn push_json_string(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut unescaped_from = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let named: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[unescaped_from..index]);
        unescaped_from = index + 1;
        if named.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX_DIGITS[usize::from(byte >> 4)]);
            out.push(HEX_DIGITS[usize::from(byte & 0x0F)]);
        } else {
            out.extend_from_slice(named);
        }
    }
    out.extend_from_slice(&bytes[unescaped_from..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(headers: &'a [Header<'a>], key: Option<&'a [u8]>, payload: Option<&'a [u8]>) -> RecordView<'a> {
        RecordView {
            topic: "t2",
            partition: 0,
            offset: 5,
            timestamp: Some(1_795_626_275_696),
            timestamp_type: TimestampType::CreateTime,
            broker: 1,
            key,
            payload,
            headers,
        }
    }

    fn envelope(record: &RecordView<'_>) -> String {
        let mut out = Vec::new();
        write_envelope(&mut out, record);
        String::from_utf8_lossy(&out).into_owned()
    }

    // Expected lines were produced by kcat 1.7.1 against a librdkafka mock cluster.
    #[test]
    fn matches_kcat_output() {
        let headers = [
            Header { name: "h1", value: Some(b"v1") },
            Header { name: "h2", value: None },
            Header { name: "h3", value: Some(b"") },
        ];
        let payload = b"caf\xc3\xa9 \"q\" \\ / \x01\x1f\x7f tab\there end";
        let cases: &[(RecordView<'_>, &str)] = &[
            (
                record(&headers, Some(b"k6"), Some(payload)),
                "{\"topic\":\"t2\",\"partition\":0,\"offset\":5,\"tstype\":\"create\",\"ts\":1795626275696,\"broker\":1,\"headers\":[\"h1\",\"v1\",\"h2\",null,\"h3\",\"\"],\"key\":\"k6\",\"payload\":\"caf\u{e9} \\\"q\\\" \\\\ / \\u0001\\u001F\u{7f} tab\\there end\"}\n",
            ),
            (
                record(&[], None, None),
                "{\"topic\":\"t2\",\"partition\":0,\"offset\":5,\"tstype\":\"create\",\"ts\":1795626275696,\"broker\":1,\"key\":null,\"payload\":null}\n",
            ),
            (
                record(&[], Some(b""), Some(b"")),
                "{\"topic\":\"t2\",\"partition\":0,\"offset\":5,\"tstype\":\"create\",\"ts\":1795626275696,\"broker\":1,\"key\":\"\",\"payload\":\"\"}\n",
            ),
        ];
        for (record, expected) in cases {
            assert_eq!(envelope(record), *expected);
        }
    }

    #[test]
    fn timestamp_types() {
        let cases: &[(TimestampType, Option<i64>, &str)] = &[
            (TimestampType::NotAvailable, Some(9), "\"offset\":5,\"broker\":1,"),
            (TimestampType::LogAppendTime, Some(9), "\"tstype\":\"logappend\",\"ts\":9,"),
            (TimestampType::CreateTime, None, "\"tstype\":\"create\",\"ts\":-1,"),
        ];
        for (tstype, timestamp, fragment) in cases {
            let mut view = record(&[], None, None);
            view.timestamp_type = *tstype;
            view.timestamp = *timestamp;
            assert!(envelope(&view).contains(fragment), "{tstype:?}");
        }
    }

    #[test]
    fn escapes_every_byte_like_yajl() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut out = Vec::new();
        push_json_string(&mut out, &all);
        let mut expected =
            b"\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E\\u000F".to_vec();
        for byte in 0x10..0x20u8 {
            expected.extend_from_slice(format!("\\u{byte:04X}").as_bytes());
        }
        expected.extend_from_slice(b" !\\\"");
        expected.extend(0x23..=0x5Bu8);
        expected.extend_from_slice(b"\\\\");
        expected.extend(0x5D..=0xFFu8);
        expected.push(b'"');
        assert_eq!(out, expected);
    }

    #[test]
    fn names_stop_at_nul_values_do_not() {
        let headers = [Header { name: "a\0b", value: Some(b"x\0y") }];
        let view = record(&headers, Some(b"\0"), None);
        let line = envelope(&view);
        assert!(line.contains("\"headers\":[\"a\",\"x\\u0000y\"]"), "{line}");
        assert!(line.contains("\"key\":\"\\u0000\""), "{line}");
    }

    #[test]
    fn custom_terminator() {
        let mut out = Vec::new();
        write_envelope_with_terminator(&mut out, &record(&[], None, None), b"XX");
        assert!(out.ends_with(b"}XX"));
        out.clear();
        write_envelope_with_terminator(&mut out, &record(&[], None, None), b"");
        assert!(out.ends_with(b"}"));
    }

    #[test]
    fn decoded_envelope_embeds_json_and_names_schema_ids_and_errors() {
        let record = record(&[], Some(b"\x00\x00\x00\x00\x01k"), Some(b"raw\x00"));
        let mut out = Vec::new();
        write_decoded_envelope(
            &mut out,
            &record,
            EnvelopeField::Decoded { json: b"\"k\"", schema_id: 1 },
            EnvelopeField::Undecoded { raw: Some(b"raw\x00"), error: "schema id 9: 404" },
            b"\n",
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(concat!(
                r#","key":"k","key_schema_id":1,"payload":"raw\u0000","payload_error":"schema id 9: 404"}"#,
                "\n"
            )),
            "{text}"
        );
        let mut raw = Vec::new();
        write_decoded_envelope(&mut raw, &record, EnvelopeField::Raw(None), EnvelopeField::Raw(Some(b"v")), b"\n");
        assert!(String::from_utf8(raw).unwrap().ends_with(concat!(r#","key":null,"payload":"v"}"#, "\n")));
    }
}
