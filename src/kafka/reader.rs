//! Reading partitions in assign mode: no group membership, nothing committed.
//! Callers see plain events carrying borrowed [`RecordView`]s, never rdkafka types.

use std::ffi::CString;
use std::time::Duration;

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{Offset, Timestamp, TopicPartitionList};

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::record::{Header, RecordView, TimestampType};

use super::batch::{self, ConsumerQueue, ReadWaker};
use super::client::{self, describe, KafkaFailure};
use super::closer::ClosedInBackground;
use super::metadata::{fetch_metadata, ClusterMetadata};
use super::offsets::{list_offsets_of, log_boundaries, offsets_for_times, watermarks, Watermarks};

/// Where a partition starts, in librdkafka's terms. Timestamps are resolved by
/// [`PartitionReader::offsets_for_times`] first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    Beginning,
    End,
    /// The group's committed offset (`group.id` from the profile, else "kdeck").
    Stored,
    Offset(i64),
    /// This many records before the end.
    Tail(i64),
}

pub struct ReaderOptions<'a> {
    /// Collect headers (costs a Vec per record that has any).
    pub with_headers: bool,
    /// Report end-of-partition events (single-topic readers only).
    pub partition_ends: bool,
    /// More librdkafka properties, applied last (e.g. isolation.level).
    pub extra: &'a [(&'a str, &'a str)],
}

fn to_offset(start: StartPosition) -> Offset {
    match start {
        StartPosition::Beginning => Offset::Beginning,
        StartPosition::End => Offset::End,
        StartPosition::Stored => Offset::Stored,
        StartPosition::Offset(o) => Offset::Offset(o),
        StartPosition::Tail(n) => Offset::OffsetTail(n),
    }
}

pub enum ReadEvent<'a> {
    Record(RecordView<'a>),
    /// The partition has no more records for now; `offset` is where the next would be.
    PartitionEnd {
        topic: &'a str,
        partition: i32,
        offset: i64,
    },
    /// A read position fell outside the log (retention deleted it). librdkafka
    /// does not say which partition; the caller compares positions with watermarks.
    OffsetOutOfRange,
}

pub struct PartitionReader {
    // Declared first, so dropped first: the queue is released before the
    // consumer begins closing on its background thread.
    pub(super) queue: ConsumerQueue,
    consumer: ClosedInBackground<super::client::Consumer>,
    pub(super) cluster_name: String,
    timeout: Duration,
    pub(super) with_headers: bool,
    /// The assigned topic, kept as a C string for the watermark lookup at each partition end.
    topic: Option<CString>,
}

impl PartitionReader {
    /// `with_headers: false` skips collecting headers on the hot path.
    pub fn connect(cluster: &ResolvedCluster, timeout: Duration, with_headers: bool) -> Result<Self, Failure> {
        Self::connect_with(cluster, timeout, ReaderOptions { with_headers, partition_ends: true, extra: &[] })
    }

    pub fn connect_with(
        cluster: &ResolvedCluster,
        timeout: Duration,
        options: ReaderOptions<'_>,
    ) -> Result<Self, Failure> {
        let eof = if options.partition_ends { "true" } else { "false" };
        let mut settings = vec![("enable.partition.eof", eof)];
        settings.extend_from_slice(options.extra);
        let consumer = client::consumer(cluster, timeout, &settings)?;
        let queue = ConsumerQueue::of(consumer.client().native_ptr());
        Ok(PartitionReader {
            queue,
            // Assign mode, nothing committed: its close has nothing to do.
            consumer: ClosedInBackground::disposable(consumer),
            cluster_name: cluster.name.clone(),
            timeout,
            with_headers: options.with_headers,
            topic: None,
        })
    }

    /// Wakes this reader's `poll_batch` from another thread.
    pub fn waker(&self) -> ReadWaker {
        ReadWaker::of(self.consumer.client().native_ptr())
    }

    /// The cluster id, or "" when the broker does not report one.
    pub fn cluster_id(&self) -> String {
        self.consumer.client().fetch_cluster_id(self.timeout).unwrap_or_default()
    }

    /// Assigns partitions of several topics at once. End-of-partition events
    /// carry no topic, so readers of several topics turn them off.
    pub fn assign_partitions(&mut self, starts: &[(String, i32, StartPosition)]) -> Outcome {
        let mut list = TopicPartitionList::with_capacity(starts.len());
        for (topic, partition, start) in starts {
            list.add_partition_offset(topic, *partition, to_offset(*start))
                .map_err(|err| KafkaFailure::runtime(&format!("cannot start {topic} [{partition}]"), &err))?;
        }
        self.topic = starts.first().and_then(|(topic, ..)| CString::new(topic.as_str()).ok());
        self.consumer.assign(&list).map_err(|err| KafkaFailure::runtime("cannot assign partitions", &err))
    }

    /// Adds partitions to the assignment without touching the ones already
    /// assigned: their fetch positions and queued records stay as they are.
    pub fn add_partitions(&mut self, starts: &[(String, i32, StartPosition)]) -> Outcome {
        let mut list = TopicPartitionList::with_capacity(starts.len());
        for (topic, partition, start) in starts {
            list.add_partition_offset(topic, *partition, to_offset(*start))
                .map_err(|err| KafkaFailure::runtime(&format!("cannot start {topic} [{partition}]"), &err))?;
        }
        if self.topic.is_none() {
            self.topic = starts.first().and_then(|(topic, ..)| CString::new(topic.as_str()).ok());
        }
        self.consumer.incremental_assign(&list).map_err(|err| KafkaFailure::runtime("cannot add partitions", &err))
    }

    /// Moves an assigned partition's read position, e.g. back to the last
    /// committed offset after an aborted transaction.
    pub fn seek(&self, topic: &str, partition: i32, offset: i64) -> Outcome {
        self.consumer
            .seek(topic, partition, Offset::Offset(offset), self.timeout)
            .map_err(|err| KafkaFailure::runtime(&format!("cannot seek {topic} [{partition}] to {offset}"), &err))
    }

    pub fn resume_partition(&self, topic: &str, partition: i32) {
        let mut list = TopicPartitionList::with_capacity(1);
        list.add_partition(topic, partition);
        let _ = self.consumer.resume(&list);
    }

    pub fn metadata(&self, topic: Option<&str>) -> Result<ClusterMetadata, Failure> {
        fetch_metadata(&self.consumer, &self.cluster_name, topic, self.timeout, false)
    }

    /// [`Self::metadata`], with the answering broker always named by its id
    /// (`kdeck meta` prints it), at the cost of a second request when the
    /// bootstrap address is not one the brokers advertise.
    pub fn metadata_with_origin(&self, topic: Option<&str>) -> Result<ClusterMetadata, Failure> {
        fetch_metadata(&self.consumer, &self.cluster_name, topic, self.timeout, true)
    }

    pub fn watermarks(&self, topic: &str, partition: i32) -> Result<Watermarks, Failure> {
        watermarks(&self.consumer, topic, partition, self.timeout)
    }

    pub fn offsets_for_times(&self, topic: &str, queries: &[(i32, i64)]) -> Result<Vec<(i32, Option<i64>)>, Failure> {
        offsets_for_times(&self.consumer, topic, queries, self.timeout)
    }

    /// Learns the leaders of `topics` before they are assigned (see
    /// [`client::look_up_topics`]).
    pub fn look_up_topics(&self, topics: &[&str]) {
        client::look_up_topics(self.consumer.client(), topics, self.timeout);
    }

    /// Log-start offsets from ListOffsets, one request per leader.
    pub fn earliest_offsets(&self, topic: &str, partitions: &[i32]) -> Result<Vec<(i32, Option<i64>)>, Failure> {
        log_boundaries(&self.consumer, topic, partitions, Offset::Beginning, self.timeout)
    }

    /// Log-end offsets from ListOffsets, one request per leader.
    pub fn latest_offsets(&self, topic: &str, partitions: &[i32]) -> Result<Vec<(i32, Option<i64>)>, Failure> {
        log_boundaries(&self.consumer, topic, partitions, Offset::End, self.timeout)
    }

    /// Log-end offsets of partitions of many topics in one ListOffsets round
    /// (librdkafka sends one request per leader), in the order asked.
    pub fn latest_offsets_of(&self, partitions: &[(&str, i32)]) -> Result<Vec<Option<i64>>, Failure> {
        list_offsets_of(&self.consumer, partitions, Offset::End, self.timeout)
    }

    /// Log-start offsets of partitions of many topics, as [`Self::latest_offsets_of`].
    pub fn earliest_offsets_of(&self, partitions: &[(&str, i32)]) -> Result<Vec<Option<i64>>, Failure> {
        list_offsets_of(&self.consumer, partitions, Offset::Beginning, self.timeout)
    }

    pub fn assign(&mut self, topic: &str, starts: &[(i32, StartPosition)]) -> Outcome {
        let all: Vec<(String, i32, StartPosition)> = starts.iter().map(|&(p, s)| (topic.to_string(), p, s)).collect();
        self.assign_partitions(&all)
    }

    /// Stops fetching a partition, so its records stop arriving.
    pub fn stop_partition(&self, topic: &str, partition: i32) {
        let mut list = TopicPartitionList::with_capacity(1);
        list.add_partition(topic, partition);
        let _ = self.consumer.pause(&list);
    }

    /// Waits up to `wait` for one event and hands it to `on_event`. Returns
    /// false when nothing arrived. Transient errors (a broker restarting) are
    /// logged and librdkafka retries; fatal ones end the read.
    pub fn poll<T>(&self, wait: Duration, on_event: impl FnOnce(ReadEvent<'_>) -> T) -> Result<Option<T>, Failure> {
        let Some(polled) = self.consumer.poll(wait) else { return Ok(None) };
        match polled {
            Ok(message) => {
                // An empty Vec does not allocate: records without headers cost nothing here.
                let mut headers: Vec<Header<'_>> = Vec::new();
                if self.with_headers {
                    if let Some(h) = message.headers() {
                        headers.extend(h.iter().map(|h| Header { name: h.key, value: h.value }));
                    }
                }
                let (timestamp, timestamp_type) = match message.timestamp() {
                    Timestamp::NotAvailable => (None, TimestampType::NotAvailable),
                    Timestamp::CreateTime(ts) => (Some(ts), TimestampType::CreateTime),
                    Timestamp::LogAppendTime(ts) => (Some(ts), TimestampType::LogAppendTime),
                };
                let record = RecordView {
                    topic: message.topic(),
                    partition: message.partition(),
                    offset: message.offset(),
                    timestamp,
                    timestamp_type,
                    broker: broker_of(&message),
                    key: message.key(),
                    payload: message.payload(),
                    headers: &headers,
                };
                Ok(Some(on_event(ReadEvent::Record(record))))
            }
            Err(KafkaError::PartitionEOF(partition)) => {
                let offset = self.cached_end(partition);
                let topic = self.topic.as_ref().and_then(|t| t.to_str().ok()).unwrap_or_default();
                Ok(Some(on_event(ReadEvent::PartitionEnd { topic, partition, offset })))
            }
            Err(err)
                if matches!(
                    err.rdkafka_error_code(),
                    Some(RDKafkaErrorCode::AutoOffsetReset | RDKafkaErrorCode::OffsetOutOfRange)
                ) =>
            {
                Ok(Some(on_event(ReadEvent::OffsetOutOfRange)))
            }
            Err(err) if is_transient(&err) => {
                tracing::warn!(cluster = %self.cluster_name, error = %describe(&err), "transient consume error");
                Ok(None)
            }
            Err(err) => Err(KafkaFailure::runtime(&format!("consuming from {}", self.cluster_name), &err)),
        }
    }

    /// The read positions of `partitions`: the offset after the last record
    /// handed out or, past a transaction marker, after the marker (librdkafka
    /// moves the position past control records and the aborted records they
    /// close). None where nothing has been read yet. No request is sent.
    pub fn positions(&self, partitions: &[(&str, i32)]) -> Vec<Option<i64>> {
        let mut list = TopicPartitionList::with_capacity(partitions.len());
        for &(topic, partition) in partitions {
            list.add_partition(topic, partition);
        }
        // SAFETY: the handle is owned by `self.consumer` and the list by this
        // function; rd_kafka_position only writes offsets into the list.
        let err = unsafe { rdkafka::bindings::rd_kafka_position(self.consumer.client().native_ptr(), list.ptr()) };
        if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
            return vec![None; partitions.len()];
        }
        // In the order they were added (rd_kafka_position keeps it): no lookup per partition.
        list.elements()
            .iter()
            .map(|element| match element.offset() {
                Offset::Offset(offset) => Some(offset),
                _ => None,
            })
            .collect()
    }

    /// The high watermark of the fetch that reached the end, cached by
    /// librdkafka: the offset kcat prints at end-of-partition. (The consumer's
    /// position is unset until a record has been read, so it cannot serve.)
    fn cached_end(&self, partition: i32) -> i64 {
        let Some(topic) = &self.topic else { return -1 };
        self.cached_watermarks_c(topic, partition).map_or(-1, |(high, _)| high)
    }

    /// (high, low) watermarks from librdkafka's cache of the last fetch: no
    /// request is sent. None before the first fetch of that partition.
    pub fn cached_watermarks(&self, topic: &str, partition: i32) -> Option<(i64, i64)> {
        let topic = CString::new(topic).ok()?;
        self.cached_watermarks_c(&topic, partition)
    }

    fn cached_watermarks_c(&self, topic: &CString, partition: i32) -> Option<(i64, i64)> {
        let (mut low, mut high) = (-1i64, -1i64);
        // SAFETY: the handle is owned by `self.consumer`, the topic is a valid C
        // string for the call, and the function only reads librdkafka's cache.
        let err = unsafe {
            rdkafka::bindings::rd_kafka_get_watermark_offsets(
                self.consumer.client().native_ptr(),
                topic.as_ptr(),
                partition,
                &mut low,
                &mut high,
            )
        };
        (err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0).then_some((high, low))
    }
}

fn is_transient(err: &KafkaError) -> bool {
    !matches!(err, KafkaError::MessageConsumptionFatal(_)) && err.rdkafka_error_code().is_some_and(batch::is_transient)
}

fn broker_of(message: &BorrowedMessage<'_>) -> i32 {
    // SAFETY: `message.ptr()` is valid for the message's lifetime and the call only reads it.
    unsafe { rdkafka::bindings::rd_kafka_message_broker_id(message.ptr()) }
}
