//! How far the copy got on each source partition, from whoever copies the
//! plan: kdeck's engine (its state topic on the destination) or the runner the
//! plan's `[runner]` names, read the way `kdeck watch` reads it. Verify only
//! calls a tail of uncopied records "in flight" when this says so.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::connect::clusters::ConnectCluster;
use crate::engine::assignment::TopicPartition;
use crate::engine::plan::{Plan, Runner};
use crate::engine::recovery::read_state;
use crate::error::Failure;
use crate::watch::read::{connect_positions, mm2_positions, replicator_positions};

use super::explain::Keeper;

/// The next source offset per (topic, partition), and who recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyPositions {
    pub keeper: Keeper,
    next: BTreeMap<(String, i32), i64>,
}

impl CopyPositions {
    pub fn new(keeper: Keeper, next: BTreeMap<(String, i32), i64>) -> Self {
        CopyPositions { keeper, next }
    }

    pub fn next_offset(&self, topic: &str, partition: i32) -> Option<i64> {
        self.next.get(&(topic.to_string(), partition)).copied()
    }
}

/// Reads the positions of `partitions` from the plan's runner. `connect` is the
/// plan's `[connect.NAME]` cluster, resolved by the caller, for a Connect runner.
/// Read it **before** the destination: what a runner recorded as copied is on
/// the destination by then (Replicator and MirrorMaker 2 commit source
/// positions only after their producer flushed).
pub fn read_positions(
    plan: &Plan,
    (source, destination): (&ResolvedCluster, &ResolvedCluster),
    partitions: &[(String, i32)],
    connect: Option<&ConnectCluster>,
    timeout: Duration,
) -> Result<CopyPositions, Failure> {
    let keeper = match plan.runner {
        Runner::Kdeck => Keeper::Engine,
        ref runner => Keeper::Runner(runner.kind()),
    };
    let next: BTreeMap<(String, i32), i64> = match &plan.runner {
        Runner::Kdeck => {
            let state = read_state(destination, &plan.state_topic(), timeout)?;
            partitions
                .iter()
                .filter_map(|(topic, partition)| {
                    let position = state.position(&TopicPartition::new(topic.as_str(), *partition))?;
                    Some(((topic.clone(), *partition), position.next_offset))
                })
                .collect()
        }
        Runner::Replicator { group } => replicator_positions(source, group, partitions, timeout)?
            .into_iter()
            .map(|(key, position)| (key, position.next_offset))
            .collect(),
        Runner::MirrorMaker2 { source_alias, offsets_topic } => {
            mm2_positions(destination, offsets_topic, source_alias, timeout)?
                .into_iter()
                .map(|(key, position)| (key, position.next_offset))
                .collect()
        }
        Runner::Connect { connect: name, connector } => {
            let Some(cluster) = connect else {
                return Err(Failure::runtime(format!(
                    "plan {} is copied by Connect connector {connector} on [connect.{name}], whose positions this caller cannot read: run kdeck verify --plan",
                    plan.name
                )));
            };
            connect_positions(cluster, connector, timeout)?
                .into_iter()
                .map(|(key, position)| (key, position.next_offset))
                .collect()
        }
    };
    Ok(CopyPositions { keeper, next })
}
