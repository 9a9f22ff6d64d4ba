//! Topic sync: which source topics the plan copies, and making sure each has a
//! destination topic with enough partitions and the synced configs.

use std::collections::BTreeMap;

use crate::kafka::admin::{Admin, TopicConfig, TopicCreation};
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
        source_admin
            .topic_configs(topic)
            .into_iter()
            .filter(|c| plan.sync.should_sync(&c.name) && worth_syncing(c))
            .map(|c| (c.name, c.value))
            .collect()
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

/// Apache Kafka's defaults for the configs a plan may sync.
const KAFKA_DEFAULTS: &[(&str, &str)] = &[
    ("cleanup.policy", "delete"),
    ("retention.ms", "604800000"),
    ("retention.bytes", "-1"),
    ("segment.bytes", "1073741824"),
    ("segment.ms", "604800000"),
    ("segment.index.bytes", "10485760"),
    ("delete.retention.ms", "86400000"),
    ("min.compaction.lag.ms", "0"),
    ("max.compaction.lag.ms", "9223372036854775807"),
    ("min.cleanable.dirty.ratio", "0.5"),
    ("compression.type", "producer"),
    ("max.message.bytes", "1048588"),
    ("min.insync.replicas", "1"),
    ("message.timestamp.type", "CreateTime"),
];

/// A config set on the topic is synced. One the broker calls a default is
/// synced only when it differs from Kafka's own default: some brokers (tansu)
/// label explicit topic configs as defaults, and a real default copied over
/// would pin the destination to the source broker's settings.
fn worth_syncing(config: &TopicConfig) -> bool {
    config.set_on_topic || KAFKA_DEFAULTS.iter().any(|(name, default)| *name == config.name && *default != config.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_explicit_configs_and_non_default_values() {
        let config = |name: &str, value: &str, set_on_topic| TopicConfig {
            name: name.into(),
            value: value.into(),
            set_on_topic,
        };
        let cases = [
            (config("retention.ms", "604800000", true), true),
            (config("retention.ms", "604800000", false), false),
            (config("cleanup.policy", "compact", false), true),
            (config("cleanup.policy", "delete", false), false),
            (config("unlisted.config", "x", false), false),
            (config("unlisted.config", "x", true), true),
        ];
        for (c, expected) in cases {
            assert_eq!(worth_syncing(&c), expected, "{c:?}");
        }
    }
}
