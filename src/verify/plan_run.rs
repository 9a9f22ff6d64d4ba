//! Verification of a whole plan: which topics it covers, what each topic's
//! partitions say, and the one verdict the exit code reflects.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::Serialize;

use crate::config::ResolvedCluster;
use crate::connect::clusters::ConnectCluster;
use crate::engine::plan::Plan;
use crate::engine::topics::selected_topics;
use crate::error::Failure;
use crate::kafka::admin::Admin;
use crate::kafka::reader::PartitionReader;

use super::explain::{explain, in_flight, worst, PartitionContext, Verdict};
use super::positions::read_positions;
use super::read::{verify_partitions, PartitionJob, PartitionResult, Progress, VerifyRequest};

#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Only these source topics (each must be a topic of the source).
    pub topics: Vec<String>,
    pub parallel: usize,
    pub window: usize,
    pub settle: Duration,
    pub timeout: Duration,
    /// The `[connect.NAME]` cluster of a plan whose `[runner]` is a Connect connector.
    pub connect: Option<ConnectCluster>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            topics: Vec::new(),
            parallel: super::read::default_parallel(),
            window: 10_000,
            settle: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
            connect: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicReport {
    pub topic: String,
    pub destination_topic: String,
    /// None for an excluded topic: it is not compared.
    pub verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
    pub missing_on_destination: bool,
    /// Set when the destination topic has fewer partitions than the source's: not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_counts: Option<String>,
    pub source_records: u64,
    pub destination_records: u64,
    pub duplicates: u64,
    pub lag: u64,
    pub partitions: Vec<PartitionResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerifyReport {
    pub plan: String,
    pub source: String,
    pub destination: String,
    pub verdict: Verdict,
    pub topics: Vec<TopicReport>,
}

impl VerifyReport {
    pub fn mismatched_topics(&self) -> usize {
        self.topics.iter().filter(|t| t.verdict == Some(Verdict::Mismatch)).count()
    }
}

/// How long a finished verification still waits for the topic configs.
const CONFIG_GRACE: Duration = Duration::from_millis(500);

/// The topics whose `cleanup.policy` includes `compact`; none when the broker cannot say.
fn compacted_topics(source: &ResolvedCluster, topics: &[String], timeout: Duration) -> Vec<String> {
    let Ok(admin) = Admin::connect(source, timeout) else { return Vec::new() };
    topics
        .iter()
        .filter(|topic| {
            admin.topic_configs(topic).iter().any(|c| c.name == "cleanup.policy" && c.value.contains("compact"))
        })
        .cloned()
        .collect()
}

/// Reads both clusters and verifies every selected topic (or `options.topics`).
pub fn verify_plan(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    options: &VerifyOptions,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<VerifyReport, Failure> {
    let clock = std::time::Instant::now();
    let source_reader = PartitionReader::connect(source, options.timeout, false)?;
    let source_meta = source_reader.metadata(None)?;
    let destination_reader = PartitionReader::connect(destination, options.timeout, false)?;
    let destination_meta = destination_reader.metadata(None)?;
    for wanted in &options.topics {
        if source_meta.topic(wanted).is_none_or(|t| t.error.is_some()) {
            return Err(Failure::usage(format!(
                "--topic {wanted}: no such topic on the source cluster {} (expected one of the plan's topics)",
                plan.source
            )));
        }
        if let Some(reason) = plan.topics.exclusion_reason(wanted) {
            return Err(Failure::usage(format!(
                "--topic {wanted}: not a topic of plan {} ({reason}); expected one of the plan's topics",
                plan.name
            )));
        }
    }
    let wanted = |topic: &str| options.topics.is_empty() || options.topics.iter().any(|t| t == topic);
    let selected: BTreeMap<String, i32> =
        selected_topics(plan, &source_meta).into_iter().filter(|(t, _)| wanted(t)).collect();
    if selected.is_empty() {
        return Err(Failure::runtime(format!(
            "plan {} selects no topic on {}: include {} matches none of its {} topics, so there is nothing to verify",
            plan.name,
            plan.source,
            plan.topics.include_patterns().collect::<Vec<_>>().join(", "),
            source_meta.topics.len()
        )));
    }
    plan.check_renames(source_meta.topics.iter().map(|t| t.name.as_str()))?;
    // Read before the destination: whatever the engine (or the plan's runner)
    // committed by now is on the destination when it is read, so a tail past
    // this position is in flight.
    let asked: Vec<(String, i32)> =
        selected.iter().flat_map(|(topic, count)| (0..*count).map(move |p| (topic.clone(), p))).collect();
    let positions = read_positions(plan, (source, destination), &asked, options.connect.as_ref(), options.timeout)?;
    let committed = |topic: &str, partition| positions.next_offset(topic, partition);
    let mut jobs = Vec::new();
    let mut topics = Vec::new();
    for (topic, partitions) in &selected {
        let destination_topic = plan.topics.destination_topic(&plan.source, topic);
        let destination_partitions =
            destination_meta.topic(&destination_topic).filter(|t| t.error.is_none()).map(|t| t.partitions.len() as i32);
        let on_destination = destination_partitions.is_some();
        let too_few = destination_partitions.filter(|have| have < partitions);
        if let Some(have) = too_few {
            tracing::debug!(%topic, have, partitions, "partition counts differ");
        }
        if on_destination && too_few.is_none() {
            for partition in 0..*partitions {
                jobs.push(PartitionJob {
                    topic: topic.clone(),
                    destination_topic: destination_topic.clone(),
                    partition,
                    compacted: false,
                    source_low: -1,
                    source_high: -1,
                    destination_span: 0,
                    committed: committed(topic, partition),
                    keeper: positions.keeper,
                });
            }
        }
        let partition_counts = too_few.map(|have| {
            format!("partition counts differ: {destination_topic} has {have} on the destination, {topic} has {partitions} on the source")
        });
        topics.push(TopicReport {
            topic: topic.clone(),
            destination_topic,
            verdict: (!on_destination || too_few.is_some()).then_some(Verdict::Mismatch),
            excluded: None,
            partition_counts,
            missing_on_destination: !on_destination,
            source_records: 0,
            destination_records: 0,
            duplicates: 0,
            lag: 0,
            partitions: Vec::new(),
        });
    }
    // Every partition's watermarks in one ListOffsets round per side of the
    // log, not a request per partition.
    let asked: Vec<(&str, i32)> = jobs.iter().map(|j| (j.topic.as_str(), j.partition)).collect();
    let lows = source_reader.earliest_offsets_of(&asked)?;
    let highs = source_reader.latest_offsets_of(&asked)?;
    for (job, (low, high)) in jobs.iter_mut().zip(lows.into_iter().zip(highs)) {
        let (Some(low), Some(high)) = (low, high) else {
            return Err(Failure::runtime(format!(
                "cannot read the watermarks of {} [{}] on {}",
                job.topic, job.partition, plan.source
            )));
        };
        (job.source_low, job.source_high) = (low, high);
    }
    // The destination's spans only size the chunks: one that cannot be read is 0.
    let on_destination: Vec<(&str, i32)> = jobs.iter().map(|j| (j.destination_topic.as_str(), j.partition)).collect();
    let destination_lows = destination_reader.earliest_offsets_of(&on_destination).unwrap_or_default();
    let destination_highs = destination_reader.latest_offsets_of(&on_destination).unwrap_or_default();
    for (job, (low, high)) in jobs.iter_mut().zip(destination_lows.into_iter().zip(destination_highs)) {
        if let (Some(low), Some(high)) = (low, high) {
            job.destination_span = (high - low).max(0);
        }
    }
    tracing::debug!(elapsed = ?clock.elapsed(), partitions = jobs.len(), "verification planned");
    let request = VerifyRequest {
        source: source.clone(),
        destination: destination.clone(),
        jobs,
        parallel: options.parallel,
        window: options.window,
        settle: options.settle,
        timeout: options.timeout,
    };
    // Topic configs only explain differences, and a broker without DescribeConfigs
    // (the mock) answers only at the timeout: ask while the partitions are read.
    // Not waited for beyond a short grace: an unanswered lookup means "not known to be compacted".
    let (sender, answer) = std::sync::mpsc::channel();
    let (config_source, topic_names, timeout) =
        (source.clone(), selected.keys().cloned().collect::<Vec<_>>(), options.timeout);
    std::thread::spawn(move || sender.send(compacted_topics(&config_source, &topic_names, timeout)));
    let mut results = verify_partitions(&request, progress, stop)?;
    let compacted = answer.recv_timeout(CONFIG_GRACE).unwrap_or_default();
    for result in results.iter_mut().filter(|r| compacted.contains(&r.topic)) {
        let context = PartitionContext {
            source_low: result.source_low,
            compacted: true,
            committed: committed(&result.topic, result.partition),
            keeper: positions.keeper,
        };
        (result.verdict, result.notes) = explain(&result.diff, context);
    }
    for result in results {
        if let Some(report) = topics.iter_mut().find(|t| t.topic == result.topic) {
            report.source_records += result.diff.source.records;
            report.destination_records += result.diff.destination.records;
            report.duplicates += result.diff.duplicates;
            report.lag += in_flight(&result.diff, committed(&result.topic, result.partition));
            report.verdict = Some(report.verdict.map_or(result.verdict, |v| worst(v, result.verdict)));
            report.partitions.push(result);
        }
    }
    for topic in &mut topics {
        topic.verdict.get_or_insert(Verdict::Match);
    }
    let mut excluded: Vec<TopicReport> = source_meta
        .topics
        .iter()
        .filter(|t| wanted(&t.name))
        .filter_map(|t| Some((t, plan.topics.exclusion_reason(&t.name)?)))
        .map(|(t, reason)| TopicReport {
            topic: t.name.clone(),
            destination_topic: String::new(),
            verdict: None,
            excluded: Some(reason.to_string()),
            missing_on_destination: false,
            partition_counts: None,
            source_records: 0,
            destination_records: 0,
            duplicates: 0,
            lag: 0,
            partitions: Vec::new(),
        })
        .collect();
    excluded.sort_by(|a, b| a.topic.cmp(&b.topic));
    topics.extend(excluded);
    let verdict = topics.iter().filter_map(|t| t.verdict).fold(Verdict::Match, worst);
    Ok(VerifyReport {
        plan: plan.name.clone(),
        source: plan.source.clone(),
        destination: plan.destination.clone(),
        verdict,
        topics,
    })
}
