//! Producing records: a librdkafka producer with its own delivery thread that counts delivery
//! failures, with kcat's transaction behaviour when `transactional.id` is set
//! (everything in one transaction, committed at the end).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::message::{Header as KafkaHeader, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::record::Header;

use super::client::{self, base_config, creation_failure, describe, with_token, KafkaFailure, WithToken};
use super::closer::ClosedInBackground;
use super::flush;
use super::polled::PolledProducer;

/// How many batches the engine can have in flight at once: each record is
/// tagged with its batch's slot, and the slot counts the batch's reports.
pub const DELIVERY_SLOTS: usize = 64;

/// Counts delivery failures and keeps the first reason; counts delivery
/// reports per slot, so a pipelined (at-least-once) sender can tell when a
/// batch is fully reported without waiting for a flush.
struct DeliveryTally {
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
    reported: [AtomicU64; DELIVERY_SLOTS],
}

impl Default for DeliveryTally {
    fn default() -> Self {
        DeliveryTally {
            failed: AtomicU64::new(0),
            first_error: Mutex::new(None),
            reported: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl ClientContext for DeliveryTally {}

impl ProducerContext for DeliveryTally {
    /// 0: untagged; n: slot n - 1.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, tag: usize) {
        if let Err((err, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert_with(|| describe(err));
            }
        }
        if let Some(slot) = tag.checked_sub(1).and_then(|slot| self.reported.get(slot)) {
            // Release: a reader that sees the count also sees the failure flag above.
            slot.fetch_add(1, Ordering::Release);
        }
    }
}

pub struct RecordWriter {
    producer: ClosedInBackground<WithToken<PolledProducer<DeliveryTally>>>,
    cluster_name: String,
    transactional: bool,
    timeout: Duration,
    sent: u64,
}

/// One record to write; `partition: None` lets librdkafka's partitioner choose.
pub struct OutgoingRecord<'a> {
    pub topic: &'a str,
    pub partition: Option<i32>,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [Header<'a>],
    /// CreateTime to keep; None lets the producer stamp the record.
    pub timestamp: Option<i64>,
}

impl RecordWriter {
    /// `extra` properties come last, e.g. `compression.codec` from `-z`.
    pub fn open(cluster: &ResolvedCluster, timeout: Duration, extra: &[(&str, &str)]) -> Result<Self, Failure> {
        let mut config = base_config(cluster, timeout)?;
        for (key, value) in extra {
            config.set(*key, *value);
        }
        let transactional = config.get("transactional.id").is_some();
        let producer =
            PolledProducer::create(&config, DeliveryTally::default()).map_err(|err| creation_failure(cluster, &err))?;
        let producer = with_token(cluster, producer, |producer| producer.client().native_ptr())?;
        if transactional {
            producer
                .init_transactions(timeout)
                .map_err(|err| KafkaFailure::runtime("cannot initialise the transaction", &err))?;
            producer.begin_transaction().map_err(|err| KafkaFailure::runtime("cannot begin the transaction", &err))?;
        }
        Ok(RecordWriter {
            producer: ClosedInBackground::new(producer),
            cluster_name: cluster.name.clone(),
            transactional,
            timeout,
            sent: 0,
        })
    }

    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Queues one record, waiting for room when librdkafka's queue is full.
    pub fn send(&mut self, record: &OutgoingRecord<'_>) -> Outcome {
        self.send_tagged(record, 0)
    }

    /// `tag` 0 is untagged; `slot + 1` counts the record's report in that slot.
    fn send_tagged(&mut self, record: &OutgoingRecord<'_>, tag: usize) -> Outcome {
        let mut base = BaseRecord::<[u8], [u8], usize>::with_opaque_to(record.topic, tag);
        if let Some(p) = record.partition {
            base = base.partition(p);
        }
        if let Some(key) = record.key {
            base = base.key(key);
        }
        if let Some(value) = record.value {
            base = base.payload(value);
        }
        if let Some(ts) = record.timestamp {
            base = base.timestamp(ts);
        }
        if !record.headers.is_empty() {
            let headers =
                record.headers.iter().fold(OwnedHeaders::new_with_capacity(record.headers.len()), |acc, h| {
                    acc.insert(KafkaHeader { key: h.name, value: h.value })
                });
            base = base.headers(headers);
        }
        loop {
            match self.producer.send(base) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The queue drains on the producer's own thread; wait for room.
                    base = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((err, _)) => {
                    return Err(KafkaFailure::runtime(
                        &format!("cannot produce to {} on {}", record.topic, self.cluster_name),
                        &err,
                    ))
                }
            }
        }
        self.sent += 1;
        Ok(())
    }

    /// Commits the transaction if there is one, waits for every delivery, and
    /// fails when any record was not delivered.
    pub fn finish(self) -> Result<u64, Failure> {
        if self.transactional {
            self.producer
                .commit_transaction(self.timeout)
                .map_err(|err| KafkaFailure::runtime("cannot commit the transaction", &err))?;
        }
        // -m bounds the wait, as it bounds every other request.
        self.producer.flush(self.timeout).map_err(|err| {
            KafkaFailure::runtime(
                &format!("cannot deliver to {} within {} s (-m)", self.cluster_name, self.timeout.as_secs()),
                &err,
            )
        })?;
        let context = self.producer.context();
        let failed = context.failed.load(Ordering::Relaxed);
        if failed > 0 {
            let reason = context.first_error.lock().ok().and_then(|f| f.clone()).unwrap_or_default();
            return Err(Failure::runtime(format!(
                "{failed} of {} records to {} were not delivered: {reason}",
                self.sent, self.cluster_name
            )));
        }
        Ok(self.sent)
    }
}

/// How a transactional call failed, which decides what the engine does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnFailure {
    /// Another producer with the same transactional id took over: stop for good.
    Fenced(String),
    /// Abort the transaction, rewind, and try the batch again.
    Abortable(String),
    /// Try the same call again.
    Retriable(String),
    /// Nothing sensible can be retried.
    Fatal(String),
}

impl TxnFailure {
    fn classify(what: &str, err: &KafkaError) -> Self {
        let text = format!("{what}: {}", describe(err));
        let code = err.rdkafka_error_code();
        if matches!(
            code,
            Some(RDKafkaErrorCode::ProducerFenced | RDKafkaErrorCode::InvalidProducerEpoch | RDKafkaErrorCode::Fenced)
        ) {
            return TxnFailure::Fenced(text);
        }
        match err {
            KafkaError::Transaction(e) if e.is_fatal() => TxnFailure::Fatal(text),
            KafkaError::Transaction(e) if e.txn_requires_abort() => TxnFailure::Abortable(text),
            KafkaError::Transaction(e) if e.is_retriable() => TxnFailure::Retriable(text),
            _ => TxnFailure::Abortable(text),
        }
    }

    fn from_raw(what: &str, raw: flush::RawTxnError) -> Self {
        let text = format!("{what}: {}", raw.message);
        if matches!(
            raw.code,
            RDKafkaErrorCode::ProducerFenced | RDKafkaErrorCode::InvalidProducerEpoch | RDKafkaErrorCode::Fenced
        ) {
            TxnFailure::Fenced(text)
        } else if raw.fatal {
            TxnFailure::Fatal(text)
        } else if raw.requires_abort {
            TxnFailure::Abortable(text)
        } else if raw.retriable {
            TxnFailure::Retriable(text)
        } else {
            TxnFailure::Abortable(text)
        }
    }

    pub fn message(&self) -> &str {
        match self {
            TxnFailure::Fenced(m) | TxnFailure::Abortable(m) | TxnFailure::Retriable(m) | TxnFailure::Fatal(m) => m,
        }
    }
}

impl RecordWriter {
    /// A writer for the engine: transactional when `transactional_id` is given
    /// (init_transactions fences any zombie holding the id), otherwise an
    /// idempotent producer whose `commit` waits for every delivery.
    pub fn open_engine(
        cluster: &ResolvedCluster,
        timeout: Duration,
        transactional_id: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Result<Self, TxnFailure> {
        let mut config = base_config(cluster, timeout).map_err(|failure| TxnFailure::Fatal(failure.to_string()))?;
        config.set("enable.idempotence", "true").set("acks", "all");
        if let Some(id) = transactional_id {
            config.set("transactional.id", id);
            config.set("transaction.timeout.ms", "60000");
        }
        for (key, value) in extra {
            config.set(*key, *value);
        }
        let producer = PolledProducer::create(&config, DeliveryTally::default())
            .map_err(|err| TxnFailure::Fatal(creation_failure(cluster, &err).to_string()))?;
        let producer = with_token(cluster, producer, |producer| producer.client().native_ptr())
            .map_err(|failure| TxnFailure::Fatal(failure.to_string()))?;
        if transactional_id.is_some() {
            // init_transactions asks for the transaction coordinator only once a
            // broker connection is up, and otherwise retries after 500 ms: a
            // metadata answer first brings one up.
            let _ = producer.client().fetch_metadata(None, timeout);
            producer
                .init_transactions(timeout)
                .map_err(|err| TxnFailure::classify(&format!("init_transactions on {}", cluster.name), &err))?;
        }
        Ok(RecordWriter {
            producer: ClosedInBackground::new(producer),
            cluster_name: cluster.name.clone(),
            transactional: transactional_id.is_some(),
            timeout,
            sent: 0,
        })
    }

    /// Learns where `topics` live before the first record is sent: an
    /// idempotent producer also asks for its producer id on that first
    /// metadata answer instead of 500 ms after it was created.
    pub fn look_up_topics(&self, topics: &[&str]) {
        client::look_up_topics(self.producer.client(), topics, self.timeout);
    }

    pub fn is_transactional(&self) -> bool {
        self.transactional
    }

    pub fn begin(&self) -> Result<(), TxnFailure> {
        if self.transactional {
            self.producer
                .begin_transaction()
                .map_err(|err| TxnFailure::classify(&format!("begin_transaction on {}", self.cluster_name), &err))?;
        }
        Ok(())
    }

    /// Queues a record inside the open transaction.
    pub fn send_in_batch(&mut self, record: &OutgoingRecord<'_>) -> Result<(), TxnFailure> {
        self.send(record).map_err(|failure| TxnFailure::Abortable(failure.to_string()))
    }

    /// Like `send_in_batch`, counting the record's delivery report in `slot`
    /// (below [`DELIVERY_SLOTS`]).
    pub fn send_in_slot(&mut self, record: &OutgoingRecord<'_>, slot: usize) -> Result<(), TxnFailure> {
        self.send_tagged(record, slot + 1).map_err(|failure| TxnFailure::Abortable(failure.to_string()))
    }

    /// Delivery reports (successes and failures) counted in `slot` so far.
    pub fn reported(&self, slot: usize) -> u64 {
        self.producer.context().reported.get(slot).map_or(0, |count| count.load(Ordering::Acquire))
    }

    /// Makes `slot` count from zero for its next batch.
    pub fn clear_slot(&self, slot: usize) {
        if let Some(count) = self.producer.context().reported.get(slot) {
            count.store(0, Ordering::Release);
        }
    }

    /// A delivery that failed since the last check, without waiting.
    pub fn delivery_failure(&self) -> Option<TxnFailure> {
        let context = self.producer.context();
        if context.failed.swap(0, Ordering::Acquire) == 0 {
            return None;
        }
        let reason = context.first_error.lock().ok().and_then(|mut f| f.take()).unwrap_or_default();
        Some(TxnFailure::Abortable(format!("delivery to {} failed: {reason}", self.cluster_name)))
    }

    /// Commits the transaction, or (idempotent mode) waits until every queued
    /// record is delivered. Any failed delivery fails the batch.
    pub fn commit(&self) -> Result<(), TxnFailure> {
        let client = self.producer.client().native_ptr();
        if self.transactional {
            flush::commit_transaction(client, self.timeout)
                .map_err(|raw| TxnFailure::from_raw(&format!("commit_transaction on {}", self.cluster_name), raw))
        } else {
            flush::flush(client, self.timeout).map_err(|code| {
                TxnFailure::Retriable(format!("flush to {}: {code} (records still in flight)", self.cluster_name))
            })?;
            self.delivery_failure().map_or(Ok(()), Err)
        }
    }

    pub fn abort(&self) -> Result<(), TxnFailure> {
        if self.transactional {
            self.producer
                .abort_transaction(self.timeout)
                .map_err(|err| TxnFailure::classify(&format!("abort_transaction on {}", self.cluster_name), &err))
        } else {
            Ok(())
        }
    }
}
