//! `kdeck consume`: kcat -C. Output goes through one reused buffer, so the hot
//! path allocates nothing per record.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::{PartitionReader, ReadEvent, StartPosition};

use super::decoded::{DecodedFields, RecordDecoder};
use super::format::Format;
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
    /// `-s`: keys and/or values decoded through this registry.
    pub decode: Option<(crate::schemas::RegistrySettings, DecodedFields)>,
}

/// Which assigned partitions are finished: at their end under -e, or past the e@ time.
struct Progress {
    done: Vec<bool>,
    remaining: usize,
}

impl Progress {
    fn new(partitions: &[i32]) -> Self {
        let size = partitions.iter().copied().max().map_or(0, |p| p as usize + 1);
        let mut done = vec![true; size];
        for &p in partitions {
            done[p as usize] = false;
        }
        Progress { done, remaining: partitions.len() }
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

/// Under -e, where each partition's log ended at the last fetch, as far as
/// read. librdkafka reports a partition's end (kcat's "Reached end of
/// topic") on the fetch reply *after* the one that brought its last records
/// (`rd_kafka_fetch_reply_handle_partition` compares the fetch position with
/// the high watermark before it reads the records), and the broker holds that
/// fetch for `fetch.wait.max.ms` (500 ms) when nothing new comes: that is
/// most of kcat's time on `-o -10 -e`. The reply that brought a record also
/// brought the high watermark, which librdkafka caches: a record just below
/// it is the last one, and the partition ends there, half a second sooner.
/// (Where the log ends in a transaction marker or an open transaction no
/// record reaches the watermark, and librdkafka's own report still serves.)
struct Ends {
    /// Per partition, the high watermark last looked up; records below it need no lookup.
    known: Vec<i64>,
}

impl Ends {
    fn new(partitions: &[i32]) -> Self {
        let size = partitions.iter().copied().max().map_or(0, |p| p as usize + 1);
        Ends { known: vec![0; size] }
    }

    /// Whether the record at `offset` is the last one of its partition for now.
    fn reached(&mut self, reader: &PartitionReader, topic: &str, partition: i32, offset: i64) -> bool {
        let Some(known) = self.known.get_mut(partition as usize) else { return false };
        if offset + 1 < *known {
            return false;
        }
        match reader.cached_watermarks(topic, partition) {
            Some((high, _)) => {
                *known = high;
                offset + 1 >= high
            }
            None => false,
        }
    }
}

/// A partition reached its end at `offset`: what was read goes to stdout,
/// then kcat's notice to stderr; under -e, the last partition to end stops the read.
#[allow(clippy::too_many_arguments)] // the consume loop's state, borrowed piecewise
fn reach_end(
    stdout: &mut dyn Write,
    pending: &mut Vec<u8>,
    failed: &mut Option<Failure>,
    stderr: &mut dyn Write,
    request: &ConsumeRequest,
    progress: &mut Progress,
    partition: i32,
    offset: i64,
) -> Step {
    let last = request.exit_at_end && progress.finish(partition);
    // Records before the notice reach stdout before it, as with kcat's stdio.
    match drain(stdout, pending) {
        Ok(true) => {}
        Ok(false) => return Step::Stop,
        // A full stdout is a failure (exit 1), not an end.
        Err(err) => {
            *failed = Some(err);
            return Step::Stop;
        }
    }
    let text = format!("Reached end of topic {} [{partition}] at offset {offset}", request.topic);
    notice(stderr, request.quiet, &text, last);
    if last {
        Step::Stop
    } else {
        Step::Continue
    }
}

/// What one event asks the loop to do next.
enum Step {
    Continue,
    Flush,
    Stop,
}

pub fn run(
    cluster: &ResolvedCluster,
    request: &ConsumeRequest,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stop: &AtomicBool,
) -> Outcome {
    let with_headers = match &request.output {
        Output::Format(f) => f.needs_headers(),
        Output::Json { .. } => true,
    };
    let mut decoder = match &request.decode {
        Some((settings, fields)) => {
            let registry = crate::schemas::Registry::new(settings, request.timeout)?;
            Some(RecordDecoder::new(crate::schemas::SchemaCache::new(registry), *fields))
        }
        None => None,
    };
    let mut reader = PartitionReader::connect(cluster, request.timeout, with_headers)?;
    let metadata = reader.metadata(Some(&request.topic))?;
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
    let starts = start_positions(&reader, &request.topic, &partitions, &request.spec)?;
    reader.assign(&request.topic, &starts)?;

    let mut progress = Progress::new(&partitions);
    let mut ends = Ends::new(&partitions);
    let mut pending: Vec<u8> = Vec::with_capacity(FLUSH_AT * 2);
    let mut consumed: u64 = 0;
    let null_text = request.null_text.as_deref();

    let mut step = Step::Continue;
    let mut failed: Option<Failure> = None;
    while !stop.load(Ordering::Relaxed) {
        let handed = reader.poll_batch(Duration::from_millis(100), |event| {
            step = match event {
                ReadEvent::Record(record) if progress.is_done(record.partition) => Step::Continue,
                ReadEvent::Record(record)
                    if request.spec.end_timestamp.is_some_and(|end| record.timestamp.is_some_and(|ts| ts >= end)) =>
                {
                    let last = progress.finish(record.partition);
                    reader.stop_partition(&request.topic, record.partition);
                    let text = format!(
                        "Reached stop timestamp for topic {} [{}] at offset {}",
                        record.topic, record.partition, record.offset
                    );
                    notice(stderr, request.quiet, &text, last);
                    if last {
                        Step::Stop
                    } else {
                        Step::Continue
                    }
                }
                ReadEvent::Record(record) => {
                    match decoder.as_mut() {
                        Some(decoder) => {
                            write_decoded(decoder, &record, &request.output, null_text, &mut pending, stderr)
                        }
                        None => match &request.output {
                            Output::Format(format) => format.write(&mut pending, &record, null_text),
                            Output::Json { terminator } => {
                                json::write_envelope_with_terminator(&mut pending, &record, terminator)
                            }
                        },
                    }
                    consumed += 1;
                    if request.count.is_some_and(|c| consumed >= c) {
                        Step::Stop
                    } else if request.exit_at_end
                        && ends.reached(&reader, &request.topic, record.partition, record.offset)
                    {
                        let partition = record.partition;
                        let step = reach_end(
                            stdout,
                            &mut pending,
                            &mut failed,
                            stderr,
                            request,
                            &mut progress,
                            partition,
                            record.offset + 1,
                        );
                        if matches!(step, Step::Continue) {
                            // Its records are skipped from now on; fetching them would only cost.
                            reader.stop_partition(&request.topic, partition);
                        }
                        step
                    } else if request.unbuffered || pending.len() >= FLUSH_AT {
                        Step::Flush
                    } else {
                        Step::Continue
                    }
                }
                ReadEvent::OffsetOutOfRange => Step::Continue,
                // Under -e, a partition whose end was seen at its last record is finished and announced.
                ReadEvent::PartitionEnd { partition, .. } if request.exit_at_end && progress.is_done(partition) => {
                    Step::Continue
                }
                ReadEvent::PartitionEnd { partition, offset, .. } => {
                    reach_end(stdout, &mut pending, &mut failed, stderr, request, &mut progress, partition, offset)
                }
            };
            if matches!(step, Step::Flush) && !matches!(drain(stdout, &mut pending), Ok(true)) {
                step = Step::Stop;
            }
            !matches!(step, Step::Stop)
        })?;
        if let Some(err) = failed.take() {
            return Err(err);
        }
        if matches!(step, Step::Stop) {
            break;
        }
        if handed == 0 && !drain(stdout, &mut pending)? {
            return raw_summary(decoder.as_ref());
        }
    }
    drain(stdout, &mut pending)?;
    raw_summary(decoder.as_ref())
}

/// One record with `-s`: decoded where it could be, raw (with a note) where not.
fn write_decoded(
    decoder: &mut RecordDecoder,
    record: &crate::record::RecordView<'_>,
    output: &Output,
    null_text: Option<&[u8]>,
    pending: &mut Vec<u8>,
    stderr: &mut dyn Write,
) {
    let (key, value) = decoder.decode(record);
    for (which, outcome) in [("key", &key), ("value", &value)] {
        if let Some(note) = decoder.note(record, which, outcome) {
            let _ = writeln!(stderr, "% {note}");
        }
    }
    match output {
        Output::Format(format) => format.write(pending, &decoder.view(record, &key, &value), null_text),
        Output::Json { terminator } => {
            let (key_field, value_field) = decoder.envelope_fields(record, &key, &value);
            json::write_decoded_envelope(pending, record, key_field, value_field, terminator);
        }
    }
}

/// Never success over records that were printed raw when decoding was asked.
fn raw_summary(decoder: Option<&RecordDecoder>) -> Outcome {
    match decoder {
        Some(decoder) if decoder.printed_raw > 0 => Err(Failure::runtime(format!(
            "{} record(s) printed raw: they could not be decoded through schema registry {} (first: {})",
            decoder.printed_raw,
            decoder.registry_shown(),
            decoder.first_reason.as_deref().unwrap_or("unknown")
        ))),
        _ => Ok(()),
    }
}

/// Where each partition starts for an offset spec; `s@` is looked up per partition.
pub fn start_positions(
    reader: &PartitionReader,
    topic: &str,
    partitions: &[i32],
    spec: &OffsetSpec,
) -> Result<Vec<(i32, StartPosition)>, Failure> {
    let same = |start: StartPosition| partitions.iter().map(|&p| (p, start)).collect();
    Ok(match spec.start {
        StartOffset::Beginning => same(StartPosition::Beginning),
        StartOffset::End => same(StartPosition::End),
        StartOffset::Stored => same(StartPosition::Stored),
        StartOffset::Absolute(o) => same(StartPosition::Offset(o)),
        StartOffset::FromEnd(n) => same(StartPosition::Tail(n)),
        StartOffset::Timestamp(ts) => {
            let queries: Vec<(i32, i64)> = partitions.iter().map(|&p| (p, ts)).collect();
            reader
                .offsets_for_times(topic, &queries)?
                .into_iter()
                .map(|(p, found)| (p, found.map_or(StartPosition::End, StartPosition::Offset)))
                .collect()
        }
    })
}

/// Writes what is pending; false when the reader went away (`| head`). kcat
/// dies of SIGPIPE there; kdeck stops reading and exits 0.
fn drain(stdout: &mut dyn Write, pending: &mut Vec<u8>) -> Result<bool, Failure> {
    if pending.is_empty() {
        return Ok(true);
    }
    let written = stdout.write_all(pending).and_then(|()| stdout.flush());
    pending.clear();
    match written {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(Failure::runtime(format!("cannot write to stdout: {err}"))),
    }
}

fn notice(stderr: &mut dyn Write, quiet: bool, text: &str, exiting: bool) {
    if !quiet {
        let _ = writeln!(stderr, "% {text}{}", if exiting { ": exiting" } else { "" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_tracks_only_assigned_partitions() {
        let mut progress = Progress::new(&[1, 3]);
        assert!(progress.is_done(0));
        assert!(!progress.is_done(1));
        assert!(progress.is_done(7));
        assert!(!progress.finish(1));
        assert!(!progress.finish(1), "finishing twice counts once");
        assert!(progress.finish(3));
    }
}
