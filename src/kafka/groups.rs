//! Consumer groups: their state (ListGroups + DescribeGroups), the offsets they
//! committed (OffsetFetch) and the high watermarks those offsets are measured
//! against. Reading a group's offsets never joins it: the consumer that asks
//! carries the group's id but never subscribes, so the group's members are not
//! rebalanced by a look.

use std::time::Duration;

use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};

use crate::config::ResolvedCluster;
use crate::error::Failure;

use super::client::{self, KafkaFailure};
use super::metadata::fetch_metadata;

/// One consumer group as the broker describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub name: String,
    /// The broker's word: Stable, Empty, PreparingRebalance, Dead...
    pub state: String,
    /// "consumer" for Kafka consumers; empty for groups that only commit offsets.
    pub protocol_type: String,
    pub members: usize,
}

/// A group's committed offset on one partition; `None` when it committed none there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: i32,
    pub committed: Option<i64>,
}

/// A cluster-wide view for groups: listing, partitions and watermarks share one client.
pub struct GroupReader {
    consumer: super::client::Consumer,
    cluster: ResolvedCluster,
    timeout: Duration,
}

impl GroupReader {
    pub fn connect(cluster: &ResolvedCluster, timeout: Duration) -> Result<Self, Failure> {
        let consumer = client::consumer(cluster, timeout, &[])?;
        Ok(GroupReader { consumer, cluster: cluster.clone(), timeout })
    }

    /// Every group the cluster knows, by name.
    pub fn groups(&self) -> Result<Vec<GroupSummary>, Failure> {
        let list = self.consumer.fetch_group_list(None, self.timeout).map_err(|err| {
            KafkaFailure::runtime(&format!("cannot list the consumer groups of {}", self.cluster.name), &err)
        })?;
        let mut groups: Vec<GroupSummary> = list
            .groups()
            .iter()
            .map(|group| GroupSummary {
                name: group.name().to_owned(),
                state: group.state().to_owned(),
                protocol_type: group.protocol_type().to_owned(),
                members: group.members().len(),
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(groups)
    }

    /// Each topic's partition ids, internal topics (`__consumer_offsets`...) left out.
    pub fn topic_partitions(&self) -> Result<Vec<(String, Vec<i32>)>, Failure> {
        let metadata = fetch_metadata(&self.consumer, &self.cluster.name, None, self.timeout, false)?;
        let mut topics: Vec<(String, Vec<i32>)> = metadata
            .topics
            .into_iter()
            .filter(|topic| topic.error.is_none() && !topic.name.starts_with("__"))
            .map(|topic| (topic.name, topic.partitions.iter().map(|partition| partition.id).collect()))
            .collect();
        topics.sort();
        Ok(topics)
    }

    pub fn high_watermark(&self, topic: &str, partition: i32) -> Result<i64, Failure> {
        super::offsets::watermarks(&self.consumer, topic, partition, self.timeout).map(|marks| marks.high)
    }

    /// What `group` committed on each of `partitions` (OffsetFetch), in their order.
    pub fn committed_offsets(
        &self,
        group: &str,
        partitions: &[(String, i32)],
    ) -> Result<Vec<CommittedOffset>, Failure> {
        if partitions.is_empty() {
            return Ok(Vec::new());
        }
        // The group id is what OffsetFetch asks about; without subscribe() the consumer never joins.
        let consumer = client::consumer(&self.cluster, self.timeout, &[("group.id", group)])?;
        let mut list = TopicPartitionList::new();
        for (topic, partition) in partitions {
            list.add_partition(topic, *partition);
        }
        let committed = consumer.committed_offsets(list, self.timeout).map_err(|err| {
            KafkaFailure::runtime(
                &format!("cannot read the offsets group {group} committed on {}", self.cluster.name),
                &err,
            )
        })?;
        Ok(committed
            .elements()
            .iter()
            .map(|element| CommittedOffset {
                topic: element.topic().to_owned(),
                partition: element.partition(),
                committed: match element.offset() {
                    Offset::Offset(offset) if offset >= 0 => Some(offset),
                    _ => None,
                },
            })
            .collect())
    }
}
