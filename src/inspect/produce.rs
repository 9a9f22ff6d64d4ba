//! `kdeck produce`: kcat -P. Input is split as it streams in, so a large file
//! never sits in memory whole.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::message::{Header as KafkaHeader, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::kafka::{client::describe, KafkaFailure};

use super::produce_input::{whole_file_record, InputRules, ProducerRecord, RecordSplitter};

pub struct ProduceRequest {
    pub topic: String,
    /// None lets librdkafka's partitioner choose.
    pub partition: Option<i32>,
    pub rules: InputRules,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Empty: read stdin.
    pub files: Vec<std::path::PathBuf>,
    /// Split the single file like stdin instead of sending it whole.
    pub split_files: bool,
    pub count: Option<u64>,
    pub compression: Option<String>,
    pub timeout: Duration,
}

/// Parses `-H name=value`; a header without `=` has a null value, as in kcat.
pub fn parse_header(arg: &str) -> Result<(String, Option<Vec<u8>>), Failure> {
    let (name, value) = match arg.split_once('=') {
        Some((name, value)) => (name, Some(value.as_bytes().to_vec())),
        None => (arg, None),
    };
    if name.is_empty() {
        return Err(Failure::usage(format!("invalid header {arg:?}: expected NAME=VALUE")));
    }
    Ok((name.to_string(), value))
}

/// Counts delivery failures and keeps the first reason.
#[derive(Default)]
struct DeliveryTally {
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ClientContext for DeliveryTally {}

impl ProducerContext for DeliveryTally {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((err, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = self.first_error.lock() {
                first.get_or_insert_with(|| describe(err));
            }
        }
    }
}

struct Sender<'a> {
    producer: &'a ThreadedProducer<DeliveryTally>,
    request: &'a ProduceRequest,
    headers: Option<OwnedHeaders>,
    sent: u64,
    stop: &'a AtomicBool,
}

impl Sender<'_> {
    fn limit_reached(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.request.count.is_some_and(|c| self.sent >= c)
    }

    fn send(&mut self, record: ProducerRecord) -> Outcome {
        if self.limit_reached() {
            return Ok(());
        }
        let mut base = BaseRecord::<Vec<u8>, Vec<u8>>::to(&self.request.topic);
        if let Some(p) = self.request.partition {
            base = base.partition(p);
        }
        if let Some(headers) = &self.headers {
            base = base.headers(headers.clone());
        }
        if let Some(key) = &record.key {
            base = base.key(key);
        }
        if let Some(value) = &record.value {
            base = base.payload(value);
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
                    return Err(KafkaFailure::runtime(&format!("cannot produce to {}", self.request.topic), &err))
                }
            }
        }
        self.sent += 1;
        Ok(())
    }
}

pub fn run(cluster: &ResolvedCluster, request: &ProduceRequest, stop: &AtomicBool) -> Result<u64, Failure> {
    let mut config = rdkafka::ClientConfig::new();
    config.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
    for (key, value) in cluster.properties.iter_exposed() {
        config.set(key, value);
    }
    if let Some(codec) = &request.compression {
        config.set("compression.codec", codec);
    }
    let transactional = cluster.properties.iter_exposed().any(|(key, _)| key == "transactional.id");
    let producer: ThreadedProducer<DeliveryTally> =
        config.create_with_context(DeliveryTally::default()).map_err(|err| {
            Failure::usage(format!("invalid client configuration for cluster {}: {}", cluster.name, describe(&err)))
        })?;
    if transactional {
        producer
            .init_transactions(request.timeout)
            .map_err(|err| KafkaFailure::runtime("cannot initialise the transaction", &err))?;
        producer.begin_transaction().map_err(|err| KafkaFailure::runtime("cannot begin the transaction", &err))?;
    }

    let headers = (!request.headers.is_empty()).then(|| {
        request.headers.iter().fold(OwnedHeaders::new(), |acc, (name, value)| {
            acc.insert(KafkaHeader { key: name, value: value.as_deref() })
        })
    });
    let mut sender = Sender { producer: &producer, request, headers, sent: 0, stop };

    if request.files.is_empty() {
        split_stream(io::stdin().lock(), "stdin", &request.rules, &mut sender)?;
    } else if request.split_files {
        let [path] = request.files.as_slice() else {
            return Err(Failure::usage("-l takes exactly one FILE"));
        };
        let file = open(path)?;
        split_stream(file, &path.display().to_string(), &request.rules, &mut sender)?;
    } else {
        for path in &request.files {
            let mut whole = Vec::new();
            open(path)?
                .read_to_end(&mut whole)
                .map_err(|err| Failure::runtime(format!("cannot read {}: {err}", path.display())))?;
            if let Some(record) = whole_file_record(&whole, &request.rules) {
                sender.send(record)?;
            }
        }
    }

    let sent = sender.sent;
    if transactional {
        producer
            .commit_transaction(request.timeout)
            .map_err(|err| KafkaFailure::runtime("cannot commit the transaction", &err))?;
    }
    producer.flush(request.timeout.max(Duration::from_secs(30))).map_err(|err| {
        KafkaFailure::runtime(&format!("cannot deliver to {} on {}", request.topic, cluster.name), &err)
    })?;
    let context = producer.context();
    let failed = context.failed.load(Ordering::Relaxed);
    if failed > 0 {
        let reason = context.first_error.lock().ok().and_then(|f| f.clone()).unwrap_or_default();
        return Err(Failure::runtime(format!(
            "{failed} of {sent} records to {} on {} were not delivered: {reason}",
            request.topic, cluster.name
        )));
    }
    Ok(sent)
}

fn open(path: &std::path::Path) -> Result<File, Failure> {
    File::open(path).map_err(|err| Failure::runtime(format!("cannot open {}: {err}", path.display())))
}

fn split_stream(mut input: impl Read, name: &str, rules: &InputRules, sender: &mut Sender<'_>) -> Outcome {
    let mut splitter = RecordSplitter::new(rules.clone());
    let mut chunk = vec![0u8; 256 * 1024];
    let mut outcome = Ok(());
    loop {
        if sender.limit_reached() {
            break;
        }
        let read = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Failure::runtime(format!("cannot read {name}: {err}"))),
        };
        splitter.push(&chunk[..read], |record| {
            if outcome.is_ok() {
                outcome = sender.send(record);
            }
        });
        if let Err(failure) = &outcome {
            return Err(failure.clone());
        }
    }
    splitter.finish(|record| {
        if outcome.is_ok() {
            outcome = sender.send(record);
        }
    });
    outcome
}
