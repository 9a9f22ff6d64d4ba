//! The plan's partitions as the clusters hold them, read by the worker: what the
//! Lag pane shows before the engine runs (the size of the job), and the
//! destination's high watermarks the engine's own snapshots do not carry.

use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::connect::clusters::ConnectCluster;
use crate::engine::assignment::TopicPartition;
use crate::engine::plan::{Plan, Runner, StartPolicy};
use crate::engine::status::PartitionStatus;
use crate::engine::topics::selected_topics;
use crate::error::Failure;
use crate::kafka::reader::PartitionReader;

pub struct PlanClusters<'a> {
    pub source: &'a ResolvedCluster,
    pub destination: &'a ResolvedCluster,
    /// The `[connect.NAME]` cluster a `kind = "connect"` runner names, when the config has it.
    pub connect: Option<&'a ConnectCluster>,
}

/// Every partition the plan selects on the source, with its watermarks and the
/// destination topic's high watermark (-1 when unknown). With `positions`, each
/// partition stands where the engine would resume it (its committed position in
/// the plan's state topic, else where the start policy puts it); without, at -1.
pub fn fetch(
    plan: &Plan,
    clusters: &PlanClusters<'_>,
    positions: bool,
    timeout: Duration,
) -> Result<Vec<PartitionStatus>, Failure> {
    let source = PartitionReader::connect(clusters.source, timeout, false)?;
    let selected = selected_topics(plan, &source.metadata(None)?);
    let destination = PartitionReader::connect(clusters.destination, timeout, false)?;
    let watched = match &plan.runner {
        Runner::Kdeck => None,
        runner => Some(runner_positions(plan, runner, clusters, &selected, timeout)?),
    };
    let state = if positions && watched.is_none() {
        Some(crate::engine::recovery::read_state(clusters.destination, &plan.state_topic(), timeout)?)
    } else {
        None
    };
    // One ListOffsets round per boundary and cluster for the whole plan: at
    // 3,000 partitions, three requests per topic every refresh was most of an
    // idle cockpit's CPU.
    let wanted: Vec<(&str, i32)> =
        selected.iter().flat_map(|(topic, count)| (0..*count).map(move |p| (topic.as_str(), p))).collect();
    let lows = source.earliest_offsets_of(&wanted)?;
    let highs = source.latest_offsets_of(&wanted)?;
    let destination_highs = destination_highs(plan, &destination, &wanted)?;
    let mut partitions = Vec::with_capacity(wanted.len());
    for (index, &(topic, number)) in wanted.iter().enumerate() {
        let destination_topic = plan.topics.destination_topic(&plan.source, topic);
        let (low, high) = (lows[index].unwrap_or(-1), highs[index].unwrap_or(-1));
        let tp = TopicPartition::new(topic, number);
        let committed = state.as_ref().and_then(|state| state.position(&tp));
        let next_source_offset = match (&state, committed) {
            // No position yet: the runner has the whole log to copy, as `kdeck watch` counts it.
            _ if watched.is_some() => watched
                .as_ref()
                .and_then(|w| w.get(&(topic.to_owned(), number)))
                .map_or(low, |position| position.next_offset),
            (None, _) => -1,
            (Some(_), Some(position)) => position.next_offset,
            (Some(_), None) if plan.engine.start == StartPolicy::Latest => high,
            (Some(_), None) => low,
        };
        partitions.push(PartitionStatus {
            source: tp,
            destination_topic,
            source_high_watermark: high,
            next_source_offset,
            destination_high_watermark: destination_highs[index],
            records_copied: committed.map_or(0, |position| position.records),
        });
    }
    Ok(partitions)
}

/// The destination's high watermark of each wanted source partition, -1 where
/// the destination has no such topic or partition yet (the engine has not
/// created it): unknown, not an error.
fn destination_highs(plan: &Plan, destination: &PartitionReader, wanted: &[(&str, i32)]) -> Result<Vec<i64>, Failure> {
    let held: std::collections::HashMap<String, i32> = destination
        .metadata(None)?
        .topics
        .into_iter()
        .filter(|t| t.error.is_none())
        .map(|t| (t.name, t.partitions.len() as i32))
        .collect();
    let names: Vec<String> =
        wanted.iter().map(|(topic, _)| plan.topics.destination_topic(&plan.source, topic)).collect();
    let present: Vec<usize> =
        (0..wanted.len()).filter(|&i| held.get(&names[i]).is_some_and(|&count| wanted[i].1 < count)).collect();
    let asked: Vec<(&str, i32)> = present.iter().map(|&i| (names[i].as_str(), wanted[i].1)).collect();
    let answers = destination.latest_offsets_of(&asked).unwrap_or_else(|err| {
        tracing::debug!(%err, "the destination's high watermarks could not be read: shown as unknown");
        vec![None; asked.len()]
    });
    let mut highs = vec![-1; wanted.len()];
    for (&i, answer) in present.iter().zip(answers) {
        highs[i] = answer.unwrap_or(-1);
    }
    Ok(highs)
}

/// The positions of the runner that copies the plan, on its selected partitions.
fn runner_positions(
    plan: &Plan,
    runner: &Runner,
    clusters: &PlanClusters<'_>,
    selected: &std::collections::BTreeMap<String, i32>,
    timeout: Duration,
) -> Result<crate::watch::positions::Positions, Failure> {
    use crate::watch::read;
    match runner {
        Runner::Kdeck => Ok(Default::default()),
        Runner::Replicator { group } => {
            let partitions: Vec<(String, i32)> =
                selected.iter().flat_map(|(topic, count)| (0..*count).map(|p| (topic.clone(), p))).collect();
            read::replicator_positions(clusters.source, group, &partitions, timeout)
        }
        Runner::MirrorMaker2 { source_alias, offsets_topic } => {
            read::mm2_positions(clusters.destination, offsets_topic, source_alias, timeout)
        }
        Runner::Connect { connect, connector } => match clusters.connect {
            Some(cluster) => read::connect_positions(cluster, connector, timeout),
            None => Err(Failure::usage(format!(
                "plan {}: [runner] names Connect cluster \"{connect}\", which the config does not define: expected a [connect.{connect}] section",
                plan.name
            ))),
        },
    }
}
