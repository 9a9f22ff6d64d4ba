//! `kdeck offsets -t TOPIC[:PARTITION[:TIMESTAMP_MS]]`, kdeck's form of
//! `kcat -Q -t t:p:ts`.
//!
//! kcat requires all three parts; kdeck lets the caller default the missing
//! ones (all partitions, latest offset). Deliberate deviations from kcat's
//! `add_topparoff`, which uses unchecked `strtoul`/`strtoll` with base 0:
//! numbers must be plain decimal without leading zeros (kcat would read `010`
//! as octal 8 and `0x10` as 16), trailing garbage is rejected (kcat ignores
//! it), a negative partition is rejected, and the only negative timestamps
//! accepted are kcat's pass-through sentinels -1 (latest) and -2 (earliest).
//! The topic must be a legal Kafka topic name.

use super::format::quoted;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicQuery {
    pub topic: String,
    pub partition: Option<i32>,
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuerySpecError {
    #[error("invalid topic query {}: expected TOPIC[:PARTITION[:TIMESTAMP_MS]]", quoted(.arg))]
    TooManyParts { arg: String },
    #[error("invalid topic query {}: expected a topic name of 1 to 249 characters from [a-zA-Z0-9._-], not \".\" or \"..\"", quoted(.arg))]
    InvalidTopic { arg: String },
    #[error("invalid topic query {}: expected PARTITION to be a decimal number from 0 to 2147483647", quoted(.arg))]
    InvalidPartition { arg: String },
    #[error("invalid topic query {}: expected TIMESTAMP_MS to be decimal milliseconds since the epoch, -1 (latest) or -2 (earliest)", quoted(.arg))]
    InvalidTimestamp { arg: String },
}

const MAX_TOPIC_NAME_LENGTH: usize = 249;

pub fn parse_topic_query(arg: &str) -> Result<TopicQuery, QuerySpecError> {
    let mut parts = arg.split(':');
    let topic = parts.next().unwrap_or_default();
    let partition = parts.next();
    let timestamp = parts.next();
    if parts.next().is_some() {
        return Err(QuerySpecError::TooManyParts { arg: arg.to_owned() });
    }
    if !is_legal_topic_name(topic) {
        return Err(QuerySpecError::InvalidTopic { arg: arg.to_owned() });
    }
    let partition = partition
        .map(|digits| {
            decimal(digits)
                .and_then(|value| i32::try_from(value).ok())
                .ok_or_else(|| QuerySpecError::InvalidPartition { arg: arg.to_owned() })
        })
        .transpose()?;
    let timestamp = timestamp
        .map(|text| {
            let value = match text {
                "-1" => Some(-1),
                "-2" => Some(-2),
                _ => decimal(text).and_then(|value| i64::try_from(value).ok()),
            };
            value.ok_or_else(|| QuerySpecError::InvalidTimestamp { arg: arg.to_owned() })
        })
        .transpose()?;
    Ok(TopicQuery { topic: topic.to_owned(), partition, timestamp })
}

pub fn is_legal_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOPIC_NAME_LENGTH
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Plain decimal: no sign, no leading zeros, no whitespace.
fn decimal(text: &str) -> Option<u64> {
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if plain {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(topic: &str, partition: Option<i32>, timestamp: Option<i64>) -> TopicQuery {
        TopicQuery { topic: topic.to_owned(), partition, timestamp }
    }

    #[test]
    fn accepts_valid_queries() {
        let long_topic = "t".repeat(249);
        let cases: &[(&str, TopicQuery)] = &[
            ("orders", query("orders", None, None)),
            ("orders.v1_eu-west", query("orders.v1_eu-west", None, None)),
            ("orders:0", query("orders", Some(0), None)),
            ("orders:2147483647", query("orders", Some(i32::MAX), None)),
            ("orders:3:1700000000000", query("orders", Some(3), Some(1_700_000_000_000))),
            ("orders:3:0", query("orders", Some(3), Some(0))),
            ("orders:3:-1", query("orders", Some(3), Some(-1))),
            ("orders:3:-2", query("orders", Some(3), Some(-2))),
            ("...", query("...", None, None)),
            (&long_topic, query(&long_topic, None, None)),
        ];
        for (arg, expected) in cases {
            assert_eq!(parse_topic_query(arg).as_ref(), Ok(expected), "{arg:?}");
        }
    }

    #[test]
    fn rejects_invalid_queries() {
        let too_long = "t".repeat(250);
        let cases: &[(&str, &str)] = &[
            ("a:1:2:3", "expected TOPIC[:PARTITION[:TIMESTAMP_MS]]"),
            ("", "expected a topic name"),
            (":1", "expected a topic name"),
            (".", "expected a topic name"),
            ("..:1", "expected a topic name"),
            ("or ders", "expected a topic name"),
            ("ordérs", "expected a topic name"),
            (&too_long, "expected a topic name"),
            ("orders:", "expected PARTITION"),
            ("orders::5", "expected PARTITION"),
            ("orders:-1", "expected PARTITION"),
            ("orders:+1", "expected PARTITION"),
            ("orders:010", "expected PARTITION"),
            ("orders:0x1", "expected PARTITION"),
            ("orders:1a", "expected PARTITION"),
            ("orders:2147483648", "expected PARTITION"),
            ("orders:1:", "expected TIMESTAMP_MS"),
            ("orders:1:-3", "expected TIMESTAMP_MS"),
            ("orders:1:abc", "expected TIMESTAMP_MS"),
            ("orders:1:0100", "expected TIMESTAMP_MS"),
            ("orders:1:99999999999999999999", "expected TIMESTAMP_MS"),
        ];
        for (arg, expected) in cases {
            let message = parse_topic_query(arg).unwrap_err().to_string();
            let prefix = format!("invalid topic query {}: {expected}", quoted(arg));
            assert!(message.starts_with(&prefix), "{arg:?} gave {message}");
        }
    }
}
