//! Topic sync: which source topics the plan copies, and making sure each has a
//! destination topic with enough partitions and the synced configs.

use std::collections::BTreeMap;

use crate::kafka::admin::{Admin, NewTopicRequest, TopicConfig, TopicCreation, CREATE_WAIT};
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

/// Makes sure each selected topic can be copied: its destination topic exists
/// (created with the source's partition count and synced configs) and has at
/// least as many partitions. One DescribeConfigs and one CreateTopics cover
/// every missing topic, each bounded by [`CREATE_WAIT`], so a plan of
/// thousands of topics, or a broker that never answers, costs seconds, not a
/// timeout per topic. A problem is an error on that topic alone.
pub fn sync_topics(
    plan: &Plan,
    wanted: &BTreeMap<String, i32>,
    source_admin: &Admin,
    destination_admin: &Admin,
    destination: &ClusterMetadata,
) -> BTreeMap<String, TopicEntry> {
    let mut entries = BTreeMap::new();
    let mut missing: Vec<(&str, String, i32)> = Vec::new();
    for (topic, &partitions) in wanted {
        let destination_topic = plan.topics.destination_topic(&plan.source, topic);
        match destination.topic(&destination_topic).filter(|t| t.error.is_none() && !t.partitions.is_empty()) {
            Some(existing) => {
                let state = existing_state(&destination_topic, existing.partitions.len() as i32, partitions);
                entries.insert(topic.clone(), TopicEntry { destination: destination_topic, partitions, state });
            }
            None => missing.push((topic, destination_topic, partitions)),
        }
    }
    if missing.is_empty() {
        return entries;
    }
    let mut configs = if plan.sync.configs {
        let sources: Vec<&str> = missing.iter().map(|(topic, ..)| *topic).collect();
        source_admin.topics_configs(&sources, CREATE_WAIT).unwrap_or_else(|why| {
            tracing::warn!(%why, "cannot read the source's topic configs; creating destination topics without them");
            BTreeMap::new()
        })
    } else {
        BTreeMap::new()
    };
    let requests: Vec<NewTopicRequest> = missing
        .iter()
        .map(|(topic, destination_topic, partitions)| NewTopicRequest {
            name: destination_topic.clone(),
            partitions: *partitions,
            replication_factor: plan.sync.replication_factor_for_create(),
            configs: configs
                .remove(*topic)
                .unwrap_or_default()
                .into_iter()
                .filter(|c| plan.sync.should_sync(&c.name) && worth_syncing(c))
                .map(|c| (c.name, c.value))
                .collect(),
        })
        .collect();
    let answers = destination_admin.create_topics(&requests, CREATE_WAIT);
    for ((topic, destination_topic, partitions), answer) in missing.into_iter().zip(answers) {
        let state = creation_state(&destination_topic, &plan.destination, answer);
        entries.insert(topic.to_string(), TopicEntry { destination: destination_topic, partitions, state });
    }
    entries
}

/// An existing destination topic can take the copy when it has at least the
/// source's partitions: records keep their partition numbers.
fn existing_state(destination_topic: &str, have: i32, want: i32) -> TopicState {
    if have < want {
        TopicState::Error(format!("destination topic {destination_topic} has {have} partitions, the source has {want}"))
    } else {
        TopicState::Copying
    }
}

/// A destination topic that was not created cannot be copied into. Relying
/// on auto-creation would give it the broker's default partition count.
fn creation_state(
    destination_topic: &str,
    destination_cluster: &str,
    answer: Result<TopicCreation, crate::error::Failure>,
) -> TopicState {
    match answer {
        Ok(TopicCreation::Created | TopicCreation::AlreadyExists) => TopicState::Copying,
        Ok(TopicCreation::Unsupported(why)) => TopicState::Error(format!(
            "destination topic {destination_topic} does not exist and {destination_cluster} did not create it ({why})"
        )),
        Err(failure) => TopicState::Error(failure.to_string()),
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
    fn an_existing_topic_needs_the_source_partitions() {
        assert_eq!(existing_state("d", 6, 6), TopicState::Copying);
        assert_eq!(existing_state("d", 8, 6), TopicState::Copying);
        assert_eq!(
            existing_state("d", 4, 6),
            TopicState::Error("destination topic d has 4 partitions, the source has 6".into())
        );
    }

    #[test]
    fn a_topic_not_created_is_an_error_naming_why() {
        assert_eq!(creation_state("d", "dst", Ok(TopicCreation::Created)), TopicState::Copying);
        assert_eq!(creation_state("d", "dst", Ok(TopicCreation::AlreadyExists)), TopicState::Copying);
        assert_eq!(
            creation_state("d", "dst", Ok(TopicCreation::Unsupported("no answer to CreateTopics within 5s".into()))),
            TopicState::Error(
                "destination topic d does not exist and dst did not create it (no answer to CreateTopics within 5s)"
                    .into()
            )
        );
        let refused = crate::error::Failure::runtime("cannot create topic d on dst: Broker: Policy violation");
        assert_eq!(
            creation_state("d", "dst", Err(refused)),
            TopicState::Error("cannot create topic d on dst: Broker: Policy violation".into())
        );
    }

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
