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
    let mut partitions = Vec::new();
    for (topic, count) in selected {
        let numbers: Vec<i32> = (0..count).collect();
        let destination_topic = plan.topics.destination_topic(&plan.source, &topic);
        let lows = source.earliest_offsets(&topic, &numbers)?;
        let highs = source.latest_offsets(&topic, &numbers)?;
        // A destination topic the engine has not created yet has no watermark: unknown, not an error.
        let destination_highs = destination.latest_offsets(&destination_topic, &numbers).unwrap_or_default();
        for number in numbers {
            let found = |list: &[(i32, Option<i64>)]| list.iter().find(|(p, _)| *p == number).and_then(|(_, o)| *o);
            let (low, high) = (found(&lows).unwrap_or(-1), found(&highs).unwrap_or(-1));
            let tp = TopicPartition::new(topic.as_str(), number);
            let committed = state.as_ref().and_then(|state| state.position(&tp));
            let next_source_offset = match (&state, committed) {
                // No position yet: the runner has the whole log to copy, as `kdeck watch` counts it.
                _ if watched.is_some() => watched
                    .as_ref()
                    .and_then(|w| w.get(&(topic.clone(), number)))
                    .map_or(low, |position| position.next_offset),
                (None, _) => -1,
                (Some(_), Some(position)) => position.next_offset,
                (Some(_), None) if plan.engine.start == StartPolicy::Latest => high,
                (Some(_), None) => low,
            };
            partitions.push(PartitionStatus {
                source: tp,
                destination_topic: destination_topic.clone(),
                source_high_watermark: high,
                next_source_offset,
                destination_high_watermark: found(&destination_highs).unwrap_or(-1),
                records_copied: committed.map_or(0, |position| position.records),
            });
        }
    }
    Ok(partitions)
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
