//! A verification run for the Verify pane, off the UI thread: the plan is
//! verified on its own thread (it can take minutes, so it does not occupy the
//! worker's single thread), progress is sent every 300 ms, and at the end each
//! mismatched partition's first difference is read on both clusters so the
//! pane can show the two records side by side. When the plan names
//! registries, the schema check of `kdeck verify` follows on the same thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::engine::plan::Plan;
use crate::error::Failure;
use crate::inspect::offset_spec::parse_offset_specs;
use crate::schemas::verify::{check, Coverage, SchemaCheck, DEFAULT_SAMPLE};
use crate::schemas::{Registry, RegistrySettings};
use crate::verify::plan_run::{verify_plan, VerifyOptions, VerifyReport};
use crate::verify::read::Progress;

use super::panes::verify::{MismatchSample, VerifyOutcome, VerifyProgressView};
use super::worker::{read, InspectedRecord, Message, ReadChoice};

const PROGRESS_EVERY: Duration = Duration::from_millis(300);
/// Partitions whose first mismatch is read for the drill-down.
const SAMPLES: usize = 20;

/// What one verification needs.
pub struct Job {
    pub plan: Plan,
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    /// The plan's registries: with them, the copied records' schema ids are checked too.
    pub registries: Option<(RegistrySettings, RegistrySettings)>,
    pub timeout: Duration,
    /// A Connect `[runner]`'s cluster, whose connector offsets explain the lag.
    pub connect: Option<crate::connect::clusters::ConnectCluster>,
}

pub fn spawn(job: Job, deliver: impl Fn(Message) + Send + Clone + 'static) {
    let Job { plan, source, destination, registries, timeout, connect } = job;
    let progress = Arc::new(Progress::default());
    let done = Arc::new(AtomicBool::new(false));
    let (ticker_progress, ticker_done, ticker_deliver) = (progress.clone(), done.clone(), deliver.clone());
    std::thread::spawn(move || {
        while !ticker_done.load(Ordering::Relaxed) {
            ticker_deliver(Message::VerifyProgress(view(&ticker_progress)));
            std::thread::sleep(PROGRESS_EVERY);
        }
    });
    std::thread::spawn(move || {
        let options = VerifyOptions { timeout, connect, ..VerifyOptions::default() };
        let never = AtomicBool::new(false);
        let result = verify_plan(&plan, &source, &destination, &options, &progress, &never)
            .map(|report| {
                let samples = samples(&report, &source, &destination, timeout);
                let schemas = registries.as_ref().map(|pair| schema_check(pair, &report, &destination, timeout));
                VerifyOutcome { report, samples, schemas }
            })
            .map_err(|failure| failure.to_string());
        done.store(true, Ordering::Relaxed);
        deliver(Message::Verified(Box::new(result)));
    });
}

/// `kdeck verify`'s schema check on its default sample, over the compared topics' destination copies.
fn schema_check(
    (source, destination): &(RegistrySettings, RegistrySettings),
    report: &VerifyReport,
    cluster: &ResolvedCluster,
    timeout: Duration,
) -> Result<SchemaCheck, String> {
    let open = |settings| Registry::new(settings, timeout).map_err(|err| Failure::from(err).to_string());
    let (source, destination) = (open(source)?, open(destination)?);
    let topics: Vec<String> =
        report.topics.iter().filter(|t| t.verdict.is_some()).map(|t| t.destination_topic.clone()).collect();
    let coverage = Coverage::Sample(DEFAULT_SAMPLE);
    check(cluster, &topics, coverage, &source, &destination, timeout, &AtomicBool::new(false))
        .map_err(|failure| failure.to_string())
}

fn view(progress: &Progress) -> VerifyProgressView {
    VerifyProgressView {
        records_read: progress.records_read.load(Ordering::Relaxed),
        records_expected: progress.records_expected.load(Ordering::Relaxed),
        partitions_done: progress.partitions_done.load(Ordering::Relaxed),
        partitions_total: progress.partitions_total.load(Ordering::Relaxed),
    }
}

fn samples(
    report: &VerifyReport,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    timeout: Duration,
) -> Vec<MismatchSample> {
    let first_mismatches = report.topics.iter().flat_map(|topic| {
        topic.partitions.iter().filter_map(move |p| Some((topic, p.partition, p.diff.first_mismatch()?.clone())))
    });
    first_mismatches
        .take(SAMPLES)
        .map(|(topic, partition, anomaly)| MismatchSample {
            topic: topic.topic.clone(),
            partition,
            source: anomaly.source_offset.and_then(|o| one(source, &topic.topic, partition, o, timeout).ok().flatten()),
            destination: anomaly
                .destination_offset
                .and_then(|o| one(destination, &topic.destination_topic, partition, o, timeout).ok().flatten()),
            anomaly,
        })
        .collect()
}

/// The record at exactly `offset`, if there is one.
fn one(
    cluster: &ResolvedCluster,
    topic: &str,
    partition: i32,
    offset: i64,
    timeout: Duration,
) -> Result<Option<InspectedRecord>, Failure> {
    let spec = parse_offset_specs(&[offset.to_string()]).map_err(|err| Failure::runtime(err.to_string()))?;
    let choice = ReadChoice { topic, partition: Some(partition), spec: &spec, limit: 1 };
    Ok(read(cluster, &choice, timeout)?.into_iter().find(|record| record.offset == offset))
}
