//! Record bytes as the Inspector shows them: text, escapes, hex, pretty JSON,
//! timestamps, and shell-quoted words for the kcat command it copies.

/// Quotes a word for a POSIX shell unless it is plainly safe.
pub fn shell_word(word: &str) -> String {
    let safe = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "._:,@/=+-".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Bytes as text when they are UTF-8, else as `\xNN` escapes.
pub fn bytes_text(bytes: Option<&[u8]>) -> String {
    match bytes {
        None => "(null)".to_owned(),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => bytes.iter().map(|b| format!("\\x{b:02x}")).collect(),
        },
    }
}

/// `0000  7b 22 6f ...  {"o...` lines, 16 bytes each.
pub fn hex_dump(bytes: &[u8]) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String =
                chunk.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
            format!("{:04x}  {:<47}  {ascii}", row * 16, hex.join(" "))
        })
        .collect()
}

/// Pretty JSON when the value is JSON, else its text.
pub fn value_text(value: Option<&[u8]>) -> String {
    if let Some(json) = value.and_then(|v| serde_json::from_slice::<serde_json::Value>(v).ok()) {
        if let Ok(pretty) = serde_json::to_string_pretty(&json) {
            return pretty;
        }
    }
    bytes_text(value)
}

/// RFC 3339 in UTC with milliseconds; `–` when the record has no timestamp.
pub fn timestamp_text(ms: i64) -> String {
    let Ok(ms) = u64::try_from(ms) else { return "–".to_owned() };
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_forms() {
        assert_eq!(bytes_text(None), "(null)");
        assert_eq!(bytes_text(Some(b"plain")), "plain");
        assert_eq!(bytes_text(Some(&[0xff, 0x00])), "\\xff\\x00");
        assert_eq!(value_text(Some(br#"{"a":1}"#)), "{\n  \"a\": 1\n}");
        assert_eq!(value_text(Some(b"not json")), "not json");
        assert_eq!(hex_dump(b"hi"), vec![format!("0000  {:<47}  hi", "68 69")]);
        assert_eq!(hex_dump(&[0u8; 17]).len(), 2);
        assert_eq!(timestamp_text(-1), "–");
        assert_eq!(timestamp_text(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("orders.v1"), "orders.v1");
        assert_eq!(shell_word("s@1700000000000"), "s@1700000000000");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("${env:BROKERS}"), "'${env:BROKERS}'");
    }
}
