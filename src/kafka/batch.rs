//! The hot read path: librdkafka's `rd_kafka_consume_batch_queue` hands over
//! up to a few thousand messages per call, read straight from librdkafka's
//! message structs. rust-rdkafka's `poll` allocates and reference-counts an
//! event per message, which made `kdeck consume` half as fast as kcat.

use std::ffi::CStr;
use std::ptr;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};

use crate::error::Failure;
use crate::record::{Header, RecordView, TimestampType};

use super::reader::{PartitionReader, ReadEvent};

/// Messages taken from librdkafka per call.
const BATCH: usize = 4096;

/// Owns the consumer queue handle; destroyed with the reader.
pub(super) struct ConsumerQueue(*mut rd::rd_kafka_queue_t);

// SAFETY: a librdkafka queue handle may be used from any thread; the reader
// that owns it is used from one thread at a time.
unsafe impl Send for ConsumerQueue {}

impl ConsumerQueue {
    pub(super) fn of(client: *mut rd::rd_kafka_t) -> Self {
        // SAFETY: `client` is a live consumer handle; the returned queue holds a reference of its own.
        ConsumerQueue(unsafe { rd::rd_kafka_queue_get_consumer(client) })
    }
}

impl Drop for ConsumerQueue {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the handle came from rd_kafka_queue_get_consumer and is destroyed once.
            unsafe { rd::rd_kafka_queue_destroy(self.0) }
        }
    }
}

/// Wakes a reader waiting in [`PartitionReader::poll_batch`] from another
/// thread, so a stop or rescale request is not waited out. It holds a queue
/// reference of its own: drop it before the reader's consumer closes.
pub struct ReadWaker(ConsumerQueue);

// SAFETY: rd_kafka_queue_yield may be called from any thread at any time.
unsafe impl Sync for ReadWaker {}

impl ReadWaker {
    pub(super) fn of(client: *mut rd::rd_kafka_t) -> Self {
        ReadWaker(ConsumerQueue::of(client))
    }

    pub fn wake(&self) {
        if !self.0 .0.is_null() {
            // SAFETY: the handle is live until this waker drops.
            unsafe { rd::rd_kafka_queue_yield(self.0 .0) }
        }
    }
}

/// Destroys every message of a batch, including those a callback never saw.
struct Batch(Vec<*mut rd::rd_kafka_message_t>);

impl Drop for Batch {
    fn drop(&mut self) {
        for &message in &self.0 {
            // SAFETY: each pointer came from rd_kafka_consume_batch_queue and is destroyed once.
            unsafe { rd::rd_kafka_message_destroy(message) }
        }
    }
}

impl PartitionReader {
    /// Waits up to `wait` for messages and hands each to `on_event` until it
    /// returns false. Returns how many events were handed over.
    pub fn poll_batch(&self, wait: Duration, on_event: impl FnMut(ReadEvent<'_>) -> bool) -> Result<usize, Failure> {
        self.poll_batch_at_most(wait, BATCH, on_event)
    }

    /// [`PartitionReader::poll_batch`] taking at most `max` messages off the
    /// queue; the rest stay queued for the next call.
    pub fn poll_batch_at_most(
        &self,
        wait: Duration,
        max: usize,
        mut on_event: impl FnMut(ReadEvent<'_>) -> bool,
    ) -> Result<usize, Failure> {
        let queue = self.queue.0;
        if queue.is_null() {
            return Err(Failure::runtime("the consumer has no queue"));
        }
        let max = max.clamp(1, BATCH);
        let mut slots: Vec<*mut rd::rd_kafka_message_t> = vec![ptr::null_mut(); max];
        // rd_kafka_consume_batch_queue waits until the whole batch is filled or
        // the wait is over, so it is only ever asked for what is already
        // queued; the wait goes to rd_kafka_consume_queue, which returns with
        // the first message to arrive.
        // SAFETY: `slots` has room for `max` pointers; librdkafka fills the first `n`.
        let mut n = unsafe { rd::rd_kafka_consume_batch_queue(queue, 0, slots.as_mut_ptr(), max) };
        if n == 0 && !wait.is_zero() {
            // SAFETY: the queue handle is live; the message, if any, is owned by the batch below.
            let first = unsafe { rd::rd_kafka_consume_queue(queue, wait.as_millis() as i32) };
            if !first.is_null() {
                slots[0] = first;
                // SAFETY: as above, for the `max - 1` slots after the first.
                let rest = unsafe { rd::rd_kafka_consume_batch_queue(queue, 0, slots.as_mut_ptr().add(1), max - 1) };
                n = 1 + rest.max(0);
            }
        }
        if n < 0 {
            return Err(Failure::runtime(format!("reading from {} failed", self.cluster_name)));
        }
        slots.truncate(n as usize);
        let batch = Batch(slots);
        let mut handed = 0;
        let mut headers: Vec<Header<'_>> = Vec::new();
        for &message in &batch.0 {
            // SAFETY: a message from the batch stays valid until `batch` drops, after this loop.
            let m = unsafe { &*message };
            let event = if m.err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.clear();
                if self.with_headers {
                    collect_headers(message, &mut headers);
                }
                // SAFETY: the pointers and lengths describe the message's own buffers.
                let (key, payload) = unsafe { (bytes(m.key, m.key_len), bytes(m.payload, m.len)) };
                let (timestamp, timestamp_type) = timestamp_of(message);
                ReadEvent::Record(RecordView {
                    topic: topic_name(m.rkt),
                    partition: m.partition,
                    offset: m.offset,
                    timestamp,
                    timestamp_type,
                    // SAFETY: reads the message's broker id field.
                    broker: unsafe { rd::rd_kafka_message_broker_id(message) },
                    key,
                    payload,
                    headers: &headers,
                })
            } else {
                let code = RDKafkaErrorCode::from(m.err);
                match code {
                    RDKafkaErrorCode::PartitionEOF => {
                        ReadEvent::PartitionEnd { topic: topic_name(m.rkt), partition: m.partition, offset: m.offset }
                    }
                    RDKafkaErrorCode::AutoOffsetReset | RDKafkaErrorCode::OffsetOutOfRange => {
                        ReadEvent::OffsetOutOfRange
                    }
                    code if is_transient(code) => {
                        tracing::warn!(cluster = %self.cluster_name, error = %code, "transient consume error");
                        continue;
                    }
                    code => {
                        // A client-level error (a refused response) names no partition;
                        // librdkafka's own text, in the payload, says why.
                        let what = match topic_name(m.rkt) {
                            "" => String::new(),
                            topic => format!(" {topic} [{}]", m.partition),
                        };
                        let why = error_text(m);
                        let why =
                            if why.is_empty() { String::new() } else { format!(": {}", crate::config::scrub(&why)) };
                        return Err(Failure::runtime(format!(
                            "consuming{what} from {}: {code}{why}",
                            self.cluster_name
                        )));
                    }
                }
            };
            handed += 1;
            if !on_event(event) {
                break;
            }
        }
        Ok(handed)
    }
}

pub(super) fn is_transient(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::BrokerTransportFailure
            | RDKafkaErrorCode::AllBrokersDown
            | RDKafkaErrorCode::RequestTimedOut
            | RDKafkaErrorCode::OperationTimedOut
            | RDKafkaErrorCode::NotLeaderForPartition
            | RDKafkaErrorCode::LeaderNotAvailable
    )
}

/// # Safety
/// `data` must point to `len` readable bytes that outlive `'a`, or be null.
unsafe fn bytes<'a>(data: *mut std::ffi::c_void, len: usize) -> Option<&'a [u8]> {
    if data.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(data as *const u8, len))
    }
}

/// The error string librdkafka puts in an error message's payload.
fn error_text(message: &rd::rd_kafka_message_t) -> String {
    if message.payload.is_null() || message.len == 0 {
        return String::new();
    }
    // SAFETY: for an error message, payload holds `len` bytes of error text.
    let bytes = unsafe { std::slice::from_raw_parts(message.payload as *const u8, message.len) };
    String::from_utf8_lossy(bytes).trim_end_matches('\0').to_string()
}

fn topic_name<'a>(topic: *mut rd::rd_kafka_topic_t) -> &'a str {
    if topic.is_null() {
        return "";
    }
    // SAFETY: a message's topic handle lives as long as the message; the name is a C string.
    unsafe { CStr::from_ptr(rd::rd_kafka_topic_name(topic)) }.to_str().unwrap_or("")
}

fn timestamp_of(message: *mut rd::rd_kafka_message_t) -> (Option<i64>, TimestampType) {
    let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    // SAFETY: reads the message's timestamp fields.
    let ts = unsafe { rd::rd_kafka_message_timestamp(message, &mut kind) };
    match kind {
        rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_CREATE_TIME => (Some(ts), TimestampType::CreateTime),
        rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME => (Some(ts), TimestampType::LogAppendTime),
        _ => (None, TimestampType::NotAvailable),
    }
}

fn collect_headers<'a>(message: *mut rd::rd_kafka_message_t, out: &mut Vec<Header<'a>>) {
    let mut hdrs: *mut rd::rd_kafka_headers_t = ptr::null_mut();
    // SAFETY: the headers belong to the message and live as long as it does.
    let err = unsafe { rd::rd_kafka_message_headers(message, &mut hdrs) };
    if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR || hdrs.is_null() {
        return;
    }
    let mut index = 0;
    loop {
        let (mut name, mut value, mut size) = (ptr::null(), ptr::null(), 0usize);
        // SAFETY: index-based reads of the message's header list; stops at the end.
        let found = unsafe { rd::rd_kafka_header_get_all(hdrs, index, &mut name, &mut value, &mut size) };
        if found != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR || name.is_null() {
            break;
        }
        // SAFETY: the name is a C string and the value `size` bytes, both owned by the message.
        let name = unsafe { CStr::from_ptr(name) }.to_str().unwrap_or("");
        let value = unsafe { bytes(value as *mut _, size) };
        out.push(Header { name, value });
        index += 1;
    }
}
