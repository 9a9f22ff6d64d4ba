//! `kdeck produce`: kcat -P. Input is split as it streams in, so a large file
//! never sits in memory whole.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::kafka::reader::PartitionReader;
use crate::kafka::writer::{OutgoingRecord, RecordWriter};
use crate::record::Header;

use super::produce_input::{whole_file_record, InputRules, ProducerRecord, RecordSplitter};

pub struct ProduceRequest {
    pub topic: String,
    /// None lets librdkafka's partitioner choose.
    pub partition: Option<i32>,
    pub rules: InputRules,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Empty: read stdin.
    pub files: Vec<PathBuf>,
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

struct Sender<'a> {
    writer: RecordWriter,
    request: &'a ProduceRequest,
    headers: Vec<Header<'a>>,
    stop: &'a AtomicBool,
}

impl Sender<'_> {
    fn limit_reached(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.request.count.is_some_and(|c| self.writer.sent() >= c)
    }

    fn send(&mut self, record: ProducerRecord) -> Outcome {
        if self.limit_reached() {
            return Ok(());
        }
        self.writer.send(&OutgoingRecord {
            topic: &self.request.topic,
            partition: self.request.partition,
            key: record.key.as_deref(),
            value: record.value.as_deref(),
            headers: &self.headers,
            timestamp: None,
        })
    }
}

/// Returns how many records were delivered.
pub fn run(cluster: &ResolvedCluster, request: &ProduceRequest, stop: &AtomicBool) -> Result<u64, Failure> {
    let codec = request.compression.as_deref().map(|codec| ("compression.codec", codec));
    reach(cluster, &request.topic, request.timeout)?;
    let writer = RecordWriter::open(cluster, request.timeout, codec.as_slice())?;
    let headers = request.headers.iter().map(|(name, value)| Header { name, value: value.as_deref() }).collect();
    let mut sender = Sender { writer, request, headers, stop };

    if request.files.is_empty() {
        split_stream(StoppableStdin::spawn(), "stdin", &request.rules, &mut sender)?;
    } else if request.split_files {
        let [path] = request.files.as_slice() else {
            return Err(Failure::usage("-l takes exactly one FILE"));
        };
        split_stream(open(path)?, &path.display().to_string(), &request.rules, &mut sender)?;
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
    sender.writer.finish()
}

/// Fails within `-m` when no broker answers, naming the brokers asked: otherwise
/// the records would wait in librdkafka's queue for a delivery that never comes.
fn reach(cluster: &ResolvedCluster, topic: &str, timeout: Duration) -> Outcome {
    let answered = PartitionReader::connect(cluster, timeout, false)?.metadata(Some(topic));
    match answered {
        Err(failure) if cluster.name != cluster.bootstrap() => {
            Err(Failure::runtime(format!("{} (brokers {})", failure.message(), cluster.bootstrap())))
        }
        Err(failure) => Err(failure),
        Ok(_) => Ok(()),
    }
}

/// stdin read on a thread of its own, so Ctrl-C and SIGTERM are seen while a
/// terminal or a pipe keeps stdin open without sending anything.
struct StoppableStdin {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    stop: std::sync::Arc<AtomicBool>,
    pending: Vec<u8>,
}

impl StoppableStdin {
    fn spawn() -> Self {
        let (sender, chunks) = mpsc::sync_channel(4);
        let reading = std::thread::Builder::new().name("kdeck-stdin".into()).spawn(move || {
            let mut stdin = io::stdin().lock();
            loop {
                let mut chunk = vec![0u8; 256 * 1024];
                let read = match stdin.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) => {
                        let _ = sender.send(Err(err));
                        break;
                    }
                };
                chunk.truncate(read);
                if sender.send(Ok(chunk)).is_err() {
                    break;
                }
            }
        });
        let (sender, failed) = mpsc::sync_channel(1);
        let chunks = match reading {
            Ok(_) => chunks,
            Err(err) => {
                let _ = sender.send(Err(err));
                failed
            }
        };
        StoppableStdin { chunks, stop: crate::signals::stop_flag(), pending: Vec::new() }
    }
}

impl Read for StoppableStdin {
    /// `Ok(0)` at the end of input, and as soon as a stop was asked for.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(0);
            }
            match self.chunks.recv_timeout(Duration::from_millis(50)) {
                Ok(chunk) => self.pending = chunk?,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

fn open(path: &Path) -> Result<File, Failure> {
    File::open(path).map_err(|err| Failure::runtime(format!("cannot open {}: {err}", path.display())))
}

fn split_stream(mut input: impl Read, name: &str, rules: &InputRules, sender: &mut Sender<'_>) -> Outcome {
    let mut splitter = RecordSplitter::new(rules.clone());
    let mut chunk = vec![0u8; 256 * 1024];
    let mut outcome = Ok(());
    while !sender.limit_reached() {
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
