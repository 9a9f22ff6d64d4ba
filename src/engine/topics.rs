//! Topic sync: which source topics the plan copies, and making sure each has a
//! destination topic with enough partitions and the synced configs.

use std::collections::BTreeMap;

use crate::kafka::admin::{Admin, TopicCreation};
use crate::kafka::ClusterMetadata;

use super::plan::Plan;
use super::status::TopicState;

#[derive(Clone, Debug, PartialEq)]
pub struct TopicEntry {
    pub destination: String,
    pub partitions: i32,
    pub state: TopicState,
}

/// Source topics the plan selects, by name, with partition counts.
pub fn selected_topics(plan: &Plan, source: &ClusterMetadata) -> BTreeMap<String, i32> {
    source
        .topics
        .iter()
        .filter(|t| t.error.is_none() && !t.partitions.is_empty() && plan.topics.selects(&t.name))
        .map(|t| (t.name.clone(), t.partitions.len() as i32))
        .collect()
}

/// Makes sure `topic` can be copied: the destination topic exists (created
/// with the source's partition count and synced configs) and has at least as
/// many partitions. A problem is an error on this topic only.
pub fn sync_topic(
    plan: &Plan,
    topic: &str,
    partitions: i32,
    source_admin: &Admin,
    destination_admin: &Admin,
    destination: &ClusterMetadata,
) -> TopicEntry {
    let destination_topic = plan.topics.destination_topic(&plan.source, topic);
    let entry = |state| TopicEntry { destination: destination_topic.clone(), partitions, state };
    if let Some(existing) = destination.topic(&destination_topic).filter(|t| t.error.is_none()) {
        let have = existing.partitions.len() as i32;
        return if have < partitions {
            entry(TopicState::Error(format!(
                "destination topic {destination_topic} has {have} partitions, the source has {partitions}"
            )))
        } else {
            entry(TopicState::Copying)
        };
    }
    let configs: Vec<(String, String)> = if plan.sync.configs {
        source_admin.topic_configs(topic).into_iter().filter(|(key, _)| plan.sync.should_sync(key)).collect()
    } else {
        Vec::new()
    };
    let factor = plan.sync.replication_factor_for_create();
    match destination_admin.create_topic(&destination_topic, partitions, factor, &configs) {
        Ok(TopicCreation::Created | TopicCreation::AlreadyExists) => entry(TopicState::Copying),
        Ok(TopicCreation::Unsupported(why)) => {
            tracing::warn!(topic = %destination_topic, %why, "destination cannot create topics; relying on auto-creation");
            entry(TopicState::Copying)
        }
        Err(failure) => entry(TopicState::Error(failure.to_string())),
    }
}
