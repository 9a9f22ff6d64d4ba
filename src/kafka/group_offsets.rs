//! Moving a consumer group to another cluster: how many members the group has
//! there (DescribeGroups), and committing offsets for it without joining it.

use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::ResolvedCluster;
use crate::error::{Failure, Outcome};

use super::client::{self, KafkaFailure};

/// The group's active members on `cluster` (0 for a group the cluster does not know).
pub fn group_members(cluster: &ResolvedCluster, group: &str, timeout: Duration) -> Result<usize, Failure> {
    let consumer = client::consumer(cluster, timeout, &[])?;
    let list = consumer.fetch_group_list(Some(group), timeout).map_err(|err| {
        KafkaFailure::runtime(&format!("cannot describe consumer group {group} on {}", cluster.name), &err)
    })?;
    Ok(list.groups().iter().filter(|g| g.name() == group).map(|g| g.members().len()).sum())
}

/// Commits `offsets` (topic, partition, offset) for `group` on `cluster`. The
/// committing consumer never subscribes, so it never joins the group; a broker
/// refuses the commit while the group has live members.
pub fn commit_group_offsets(
    cluster: &ResolvedCluster,
    group: &str,
    offsets: &[(String, i32, i64)],
    timeout: Duration,
) -> Outcome {
    let consumer = client::consumer(cluster, timeout, &[("group.id", group)])?;
    let mut list = TopicPartitionList::with_capacity(offsets.len());
    for (topic, partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .map_err(|err| KafkaFailure::runtime(&format!("cannot commit {topic} [{partition}] at {offset}"), &err))?;
    }
    consumer.commit(&list, CommitMode::Sync).map_err(|err| {
        KafkaFailure::runtime(&format!("cannot commit the offsets of group {group} on {}", cluster.name), &err)
    })
}
