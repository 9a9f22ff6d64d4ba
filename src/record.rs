//! A consumed record as plain borrowed data: what the Kafka layer hands up
//! and what formats, the cockpit and verification read. No rdkafka types here.

/// One consumed record, borrowed from the Kafka client's message.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub timestamp_type: TimestampType,
    pub broker: i32,
    pub key: Option<&'a [u8]>,
    pub payload: Option<&'a [u8]>,
    pub headers: &'a [Header<'a>],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: Option<&'a [u8]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    NotAvailable,
    CreateTime,
    LogAppendTime,
}

impl RecordView<'_> {
    /// The timestamp as librdkafka reports it: -1 when the broker sent none.
    pub fn timestamp_or_minus_one(&self) -> i64 {
        match self.timestamp_type {
            TimestampType::NotAvailable => -1,
            _ => self.timestamp.unwrap_or(-1),
        }
    }
}
