//! `kdeck consume`: kcat -C. Assign-mode, no group membership, output written
//! through one reused buffer so the hot path allocates nothing per record.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::kafka::{self, metadata::topic_partitions, KafkaFailure};

use super::format::{Format, Header, RecordView, TimestampType};
use super::json;
use super::offset_spec::{OffsetSpec, StartOffset};

/// Flush to stdout once this much output is pending.
const FLUSH_AT: usize = 64 * 1024;

pub enum Output {
    Format(Format),
    /// The JSON envelope, each object followed by the `-D` delimiter, as kcat does.
    Json {
        terminator: Vec<u8>,
    },
}

pub struct ConsumeRequest {
    pub topic: String,
    pub partition: Option<i32>,
    pub spec: OffsetSpec,
    pub exit_at_end: bool,
    pub count: Option<u64>,
    pub output: Output,
    pub null_text: Option<Vec<u8>>,
    pub unbuffered: bool,
    pub quiet: bool,
    pub timeout: Duration,
}

/// Where each assigned partition stands: still reading, or finished (at its end
/// with -e, or past the e@ timestamp).
struct Progress {
    done: Vec<bool>,
    remaining: usize,
}

impl Progress {
    fn new(partitions: &[i32]) -> Self {
        let size = partitions.iter().copied().max().unwrap_or(0) as usize + 1;
        Progress { done: vec![false; size], remaining: partitions.len() }
    }

    /// Marks a partition finished; true when it was the last one.
    fn finish(&mut self, partition: i32) -> bool {
        if let Some(slot) = self.done.get_mut(partition as usize) {
            if !*slot {
                *slot = true;
                self.remaining -= 1;
            }
        }
        self.remaining == 0
    }

    fn is_done(&self, partition: i32) -> bool {
        self.done.get(partition as usize).copied().unwrap_or(true)
    }
}

pub fn run(
    cluster: &ResolvedCluster,
    request: &ConsumeRequest,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stop: &AtomicBool,
) -> Outcome {
    let consumer = kafka::consumer(cluster, request.timeout, &[("enable.partition.eof", "true")])?;
    let metadata = kafka::fetch_metadata(&consumer, &cluster.name, Some(&request.topic), request.timeout)?;
    let all_partitions = topic_partitions(&metadata, &cluster.name, &request.topic)?;
    let partitions = match request.partition {
        Some(p) if all_partitions.contains(&p) => vec![p],
        Some(p) => {
            return Err(Failure::runtime(format!(
                "topic {:?} on {} has no partition {p} (it has {})",
                request.topic,
                cluster.name,
                all_partitions.len()
            )))
        }
        None => all_partitions,
    };
    assign(&consumer, &request.topic, &partitions, &request.spec, request.timeout)?;

    let mut progress = Progress::new(&partitions);
    let mut pending: Vec<u8> = Vec::with_capacity(FLUSH_AT * 2);
    let needs_headers = match &request.output {
        Output::Format(f) => f.needs_headers(),
        Output::Json { .. } => true,
    };
    let mut consumed: u64 = 0;
    let null_text = request.null_text.as_deref();

    let result = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        let Some(polled) = consumer.poll(Duration::from_millis(100)) else {
            if let Err(err) = drain(stdout, &mut pending) {
                break Err(err);
            }
            continue;
        };
        match polled {
            Ok(message) => {
                let partition = message.partition();
                if progress.is_done(partition) {
                    continue;
                }
                let timestamp = message.timestamp();
                if let (Some(end), Some(ts)) = (request.spec.end_timestamp, timestamp.to_millis()) {
                    if ts >= end {
                        let last = progress.finish(partition);
                        pause(&consumer, &request.topic, partition);
                        notice(
                            stderr,
                            request.quiet,
                            &format!(
                                "Reached stop timestamp for topic {} [{partition}] at offset {}{}",
                                request.topic,
                                message.offset(),
                                if last { ": exiting" } else { "" }
                            ),
                        );
                        if last {
                            break Ok(());
                        }
                        continue;
                    }
                }
                // An empty Vec does not allocate, so records without headers cost nothing here.
                let mut header_views: Vec<Header<'_>> = Vec::new();
                if needs_headers {
                    if let Some(h) = message.headers() {
                        header_views.extend(h.iter().map(|h| Header { name: h.key, value: h.value }));
                    }
                }
                let record = RecordView {
                    topic: &request.topic,
                    partition,
                    offset: message.offset(),
                    timestamp: timestamp.to_millis(),
                    timestamp_type: match timestamp {
                        rdkafka::Timestamp::NotAvailable => TimestampType::NotAvailable,
                        rdkafka::Timestamp::CreateTime(_) => TimestampType::CreateTime,
                        rdkafka::Timestamp::LogAppendTime(_) => TimestampType::LogAppendTime,
                    },
                    broker: broker_of(&message),
                    key: message.key(),
                    payload: message.payload(),
                    headers: &header_views,
                };
                match &request.output {
                    Output::Format(format) => format.write(&mut pending, &record, null_text),
                    Output::Json { terminator } => {
                        json::write_envelope_with_terminator(&mut pending, &record, terminator)
                    }
                }
                consumed += 1;
                let limit_reached = request.count.is_some_and(|c| consumed >= c);
                if limit_reached || request.unbuffered || pending.len() >= FLUSH_AT {
                    if let Err(err) = drain(stdout, &mut pending) {
                        break Err(err);
                    }
                }
                if limit_reached {
                    break Ok(());
                }
            }
            Err(KafkaError::PartitionEOF(partition)) => {
                if let Err(err) = drain(stdout, &mut pending) {
                    break Err(err);
                }
                let offset = position(&consumer, &request.topic, partition);
                let last = request.exit_at_end && progress.finish(partition);
                notice(
                    stderr,
                    request.quiet,
                    &format!(
                        "Reached end of topic {} [{partition}] at offset {offset}{}",
                        request.topic,
                        if last { ": exiting" } else { "" }
                    ),
                );
                if last {
                    break Ok(());
                }
            }
            Err(err) => {
                if let Some(failure) = consume_error(&cluster.name, &request.topic, &err) {
                    break Err(failure);
                }
            }
        }
    };
    match result {
        Err(Failure::Runtime(m)) if m == BROKEN_PIPE => Ok(()),
        Err(e) => Err(e),
        Ok(()) => match drain(stdout, &mut pending) {
            Err(Failure::Runtime(m)) if m == BROKEN_PIPE => Ok(()),
            other => other,
        },
    }
}

/// A reader that went away (`| head`) ends the command quietly, like kcat under SIGPIPE.
const BROKEN_PIPE: &str = "broken pipe";

fn drain(stdout: &mut dyn Write, pending: &mut Vec<u8>) -> Outcome {
    if pending.is_empty() {
        return Ok(());
    }
    let written = stdout.write_all(pending).and_then(|()| stdout.flush());
    pending.clear();
    written.map_err(|err| {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Failure::runtime(BROKEN_PIPE)
        } else {
            Failure::runtime(format!("cannot write to stdout: {err}"))
        }
    })
}

fn notice(stderr: &mut dyn Write, quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(stderr, "% {text}");
    }
}

/// Fatal consume errors end the command; transient ones (a broker restarting)
/// are logged and librdkafka retries.
fn consume_error(cluster: &str, topic: &str, err: &KafkaError) -> Option<Failure> {
    let code = err.rdkafka_error_code();
    let transient = matches!(
        code,
        Some(RDKafkaErrorCode::BrokerTransportFailure)
            | Some(RDKafkaErrorCode::AllBrokersDown)
            | Some(RDKafkaErrorCode::RequestTimedOut)
            | Some(RDKafkaErrorCode::OperationTimedOut)
            | Some(RDKafkaErrorCode::NotLeaderForPartition)
            | Some(RDKafkaErrorCode::LeaderNotAvailable)
    );
    if transient && !matches!(err, KafkaError::MessageConsumptionFatal(_)) {
        tracing::warn!(cluster, topic, error = %kafka::client::describe(err), "transient consume error");
        return None;
    }
    Some(KafkaFailure::runtime(&format!("consuming {topic} from {cluster}"), err))
}

fn assign(consumer: &BaseConsumer, topic: &str, partitions: &[i32], spec: &OffsetSpec, timeout: Duration) -> Outcome {
    let starts: Vec<(i32, Offset)> = match spec.start {
        StartOffset::Beginning => partitions.iter().map(|&p| (p, Offset::Beginning)).collect(),
        StartOffset::End => partitions.iter().map(|&p| (p, Offset::End)).collect(),
        StartOffset::Stored => partitions.iter().map(|&p| (p, Offset::Stored)).collect(),
        StartOffset::Absolute(o) => partitions.iter().map(|&p| (p, Offset::Offset(o))).collect(),
        StartOffset::FromEnd(n) => partitions.iter().map(|&p| (p, Offset::OffsetTail(n))).collect(),
        StartOffset::Timestamp(ts) => {
            let queries: Vec<(i32, i64)> = partitions.iter().map(|&p| (p, ts)).collect();
            kafka::offsets_for_times(consumer, topic, &queries, timeout)?
                .into_iter()
                .map(|(p, found)| (p, found.map_or(Offset::End, Offset::Offset)))
                .collect()
        }
    };
    let mut list = TopicPartitionList::with_capacity(starts.len());
    for (partition, offset) in starts {
        list.add_partition_offset(topic, partition, offset)
            .map_err(|err| KafkaFailure::runtime(&format!("cannot start {topic} [{partition}]"), &err))?;
    }
    consumer.assign(&list).map_err(|err| KafkaFailure::runtime(&format!("cannot assign {topic}"), &err))
}

/// Stops fetching a finished partition so its records stop arriving.
fn pause(consumer: &BaseConsumer, topic: &str, partition: i32) {
    let mut list = TopicPartitionList::with_capacity(1);
    list.add_partition(topic, partition);
    let _ = consumer.pause(&list);
}

/// The next offset to be fetched: at end-of-partition, the end offset kcat prints.
fn position(consumer: &BaseConsumer, topic: &str, partition: i32) -> i64 {
    consumer
        .position()
        .ok()
        .and_then(|list| list.find_partition(topic, partition).map(|e| e.offset()))
        .and_then(|offset| offset.to_raw())
        .unwrap_or(-1)
}

fn broker_of(message: &rdkafka::message::BorrowedMessage<'_>) -> i32 {
    // SAFETY: `message.ptr()` is valid for the message's lifetime and the call only reads it.
    unsafe { rdkafka::bindings::rd_kafka_message_broker_id(message.ptr()) }
}
