//! What each kind of client needs: a list of (resource, operation) requirements, each
//! with the request that checks it. Where each comes from is in docs/ACL.md.

use std::fmt;

use super::model::{Operation, PatternType, ResourceType, CLUSTER_NAME};

/// One thing a client must be allowed to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub resource_type: ResourceType,
    /// The literal name, or the prefix when `pattern` is PREFIXED.
    pub name: String,
    /// How a fix should grant it: a prefix for names the client makes up at run time.
    pub pattern: PatternType,
    /// The name the authorizer is asked about: `name` itself, or a typical name under the prefix.
    pub example: String,
    pub operation: Operation,
    /// The request (or feature) that needs it.
    pub why: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Producer,
    IdempotentProducer,
    TransactionalProducer,
    Consumer,
    Streams,
    ConnectWorker,
    KdeckSource,
    KdeckDestination,
    MirrorMaker2Source,
    MirrorMaker2Target,
    ReplicatorSource,
    ReplicatorDestination,
}

impl Profile {
    pub const ALL: &'static [(Profile, &'static str)] = &[
        (Profile::Producer, "producer"),
        (Profile::IdempotentProducer, "idempotent-producer"),
        (Profile::TransactionalProducer, "transactional-producer"),
        (Profile::Consumer, "consumer"),
        (Profile::Streams, "streams"),
        (Profile::ConnectWorker, "connect-worker"),
        (Profile::KdeckSource, "kdeck-source"),
        (Profile::KdeckDestination, "kdeck-destination"),
        (Profile::MirrorMaker2Source, "mirrormaker2-source"),
        (Profile::MirrorMaker2Target, "mirrormaker2-target"),
        (Profile::ReplicatorSource, "replicator-source"),
        (Profile::ReplicatorDestination, "replicator-destination"),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(p, _)| *p == self).map_or("?", |(_, name)| name)
    }

    pub fn parse(name: &str) -> Result<Self, ProfileError> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(p, _)| *p).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
            ProfileError(format!("unknown profile {name:?} (expected one of {})", names.join(", ")))
        })
    }
}

/// The names a profile is filled in with; which ones are needed depends on the profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileInputs {
    pub topics: Vec<String>,
    pub output_topics: Vec<String>,
    pub group: Option<String>,
    pub transactional_id: Option<String>,
    pub application_id: Option<String>,
    pub plan_name: Option<String>,
    pub internal_topics: Vec<String>,
    pub create_topics: bool,
    pub exactly_once: bool,
    pub source_alias: Option<String>,
    pub target_alias: Option<String>,
}

/// A profile that lacks a name it needs. Displays as one line naming the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

struct Builder(Vec<Requirement>);

impl Builder {
    fn literal(&mut self, resource_type: ResourceType, name: &str, operations: &[Operation], why: &'static str) {
        for &operation in operations {
            self.0.push(Requirement {
                resource_type,
                name: name.to_string(),
                pattern: PatternType::Literal,
                example: name.to_string(),
                operation,
                why,
            });
        }
    }

    fn prefixed(
        &mut self,
        resource_type: ResourceType,
        prefix: &str,
        example_suffix: &str,
        operations: &[Operation],
        why: &'static str,
    ) {
        for &operation in operations {
            self.0.push(Requirement {
                resource_type,
                name: prefix.to_string(),
                pattern: PatternType::Prefixed,
                example: format!("{prefix}{example_suffix}"),
                operation,
                why,
            });
        }
    }

    fn topics(&mut self, topics: &[String], operations: &[Operation], why: &'static str) {
        for topic in topics {
            self.literal(ResourceType::Topic, topic, operations, why);
        }
    }
}

fn needs<'a>(value: &'a Option<String>, profile: Profile, flag: &str) -> Result<&'a str, ProfileError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ProfileError(format!("profile {} needs {flag}", profile.name())))
}

fn needs_topics(topics: &[String], profile: Profile) -> Result<(), ProfileError> {
    if topics.is_empty() {
        return Err(ProfileError(format!("profile {} needs at least one --topic", profile.name())));
    }
    Ok(())
}

pub fn requirements(profile: Profile, inputs: &ProfileInputs) -> Result<Vec<Requirement>, ProfileError> {
    use Operation::*;
    use ResourceType::*;
    let mut b = Builder(Vec::new());
    match profile {
        Profile::Producer | Profile::IdempotentProducer => {
            needs_topics(&inputs.topics, profile)?;
            let why = if profile == Profile::Producer {
                "Produce needs WRITE, Metadata needs DESCRIBE"
            } else {
                "Produce; on brokers >= 2.8 WRITE on a topic also authorizes InitProducerId (KIP-679)"
            };
            b.topics(&inputs.topics, &[Write, Describe], why);
            if inputs.create_topics {
                b.topics(&inputs.topics, &[Create], "auto-creation by Metadata or CreateTopics");
            }
        }
        Profile::TransactionalProducer => {
            needs_topics(&inputs.topics, profile)?;
            let id = needs(&inputs.transactional_id, profile, "--transactional-id")?;
            b.topics(&inputs.topics, &[Write, Describe], "Produce, AddPartitionsToTxn; Metadata");
            b.literal(TransactionalId, id, &[Write], "InitProducerId, AddPartitionsToTxn, EndTxn");
            b.literal(TransactionalId, id, &[Describe], "FindCoordinator for the transaction coordinator");
        }
        Profile::Consumer => {
            needs_topics(&inputs.topics, profile)?;
            let group = needs(&inputs.group, profile, "--group")?;
            b.topics(&inputs.topics, &[Read], "Fetch, OffsetCommit");
            b.topics(&inputs.topics, &[Describe], "Metadata, ListOffsets, OffsetFetch");
            b.literal(Group, group, &[Read], "JoinGroup, SyncGroup, Heartbeat, OffsetCommit");
            b.literal(Group, group, &[Describe], "FindCoordinator, OffsetFetch");
        }
        Profile::Streams => {
            let app = inputs.application_id.as_ref().or(inputs.group.as_ref()).cloned();
            let app = needs(&app, profile, "--application-id (or --group)")?.to_string();
            b.topics(&inputs.topics, &[Read, Describe], "input topics: Fetch, Metadata");
            b.topics(&inputs.output_topics, &[Write, Describe], "output topics: Produce, Metadata");
            let internal = format!("{app}-");
            b.prefixed(
                Topic,
                &internal,
                "store-changelog",
                &[Create, Read, Write, Describe],
                "internal repartition and changelog topics",
            );
            b.prefixed(Topic, &internal, "store-repartition", &[Delete], "DeleteRecords on repartition topics");
            b.literal(Group, &app, &[Read, Describe], "the consumer group is the application.id");
            if inputs.exactly_once {
                b.prefixed(
                    TransactionalId,
                    &internal,
                    "0-1",
                    &[Write, Describe],
                    "exactly-once: one transactional.id per thread",
                );
            }
        }
        Profile::ConnectWorker => {
            let group = inputs.group.clone().unwrap_or_else(|| "connect-cluster".to_string());
            b.literal(Group, &group, &[Read, Describe], "the worker group: group.id");
            let defaults = ["connect-configs", "connect-offsets", "connect-status"].map(String::from);
            let internal = if inputs.internal_topics.is_empty() { &defaults[..] } else { &inputs.internal_topics[..] };
            b.topics(internal, &[Read, Write, Describe], "config, offset and status storage topics");
            if inputs.create_topics {
                b.topics(internal, &[Create], "the worker creates its storage topics");
            }
        }
        Profile::KdeckSource => {
            needs_topics(&inputs.topics, profile)?;
            b.topics(&inputs.topics, &[Read], "lanes read in assign mode: Fetch");
            b.topics(&inputs.topics, &[Describe], "Metadata, ListOffsets");
        }
        Profile::KdeckDestination => {
            let plan = needs(&inputs.plan_name, profile, "--plan-name")?;
            b.topics(&inputs.topics, &[Write, Describe], "lanes copy into the same topic: Produce, Metadata");
            if inputs.create_topics {
                b.topics(&inputs.topics, &[Create], "topic sync creates missing topics");
            }
            let state = format!("_kdeck-{plan}-offsets");
            b.literal(Topic, &state, &[Read, Write, Create], "the state topic holds committed positions");
            b.prefixed(
                TransactionalId,
                &format!("kdeck-{plan}-lane-"),
                "0",
                &[Write, Describe],
                "one transactional.id per lane",
            );
        }
        Profile::MirrorMaker2Source => {
            needs_topics(&inputs.topics, profile)?;
            let target = inputs.target_alias.as_deref().unwrap_or("target");
            b.topics(&inputs.topics, &[Read, Describe], "replicated topics: Fetch, Metadata");
            b.topics(&inputs.topics, &[DescribeConfigs], "topic config sync");
            b.literal(Cluster, CLUSTER_NAME, &[Describe], "DescribeAcls for ACL sync, ListGroups");
            b.literal(Topic, &format!("mm2-offset-syncs.{target}.internal"), &[Create, Read, Write], "offset syncs");
            if let Some(group) = &inputs.group {
                b.literal(Group, group, &[Describe], "checkpointed group offsets: OffsetFetch");
            }
        }
        Profile::MirrorMaker2Target => {
            needs_topics(&inputs.topics, profile)?;
            let source = inputs.source_alias.as_deref().unwrap_or("source");
            let remote: Vec<String> = inputs.topics.iter().map(|t| format!("{source}.{t}")).collect();
            b.topics(&remote, &[Create, Write, Describe], "remote topics: CreateTopics, Produce");
            b.topics(&remote, &[Alter, AlterConfigs], "CreatePartitions, config sync");
            let internal = [
                format!("{source}.checkpoints.internal"),
                format!("{source}.heartbeats"),
                "heartbeats".to_string(),
                format!("mm2-configs.{source}.internal"),
                format!("mm2-offsets.{source}.internal"),
                format!("mm2-status.{source}.internal"),
            ];
            b.topics(&internal, &[Create, Read, Write], "checkpoints, heartbeats and Connect storage topics");
            if let Some(group) = &inputs.group {
                b.literal(Group, group, &[Read], "the Connect group, or synced consumer-group offsets");
            }
        }
        Profile::ReplicatorSource => {
            needs_topics(&inputs.topics, profile)?;
            b.topics(&inputs.topics, &[Read, Describe, DescribeConfigs], "replicated topics and their configs");
            if let Some(group) = &inputs.group {
                b.literal(Group, group, &[Read], "src.consumer.group.id, by default the connector name");
            }
        }
        Profile::ReplicatorDestination => {
            needs_topics(&inputs.topics, profile)?;
            b.topics(
                &inputs.topics,
                &[Create, Write, Read, Describe, DescribeConfigs, AlterConfigs],
                "replicated topics and their configs",
            );
            b.literal(Cluster, CLUSTER_NAME, &[Describe], "cluster metadata");
        }
    }
    Ok(b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> ProfileInputs {
        ProfileInputs {
            topics: vec!["orders".into()],
            group: Some("orders-app".into()),
            transactional_id: Some("orders-tx".into()),
            plan_name: Some("msk-to-ccloud".into()),
            ..ProfileInputs::default()
        }
    }

    fn rows(profile: Profile, inputs: &ProfileInputs) -> Vec<String> {
        requirements(profile, inputs)
            .unwrap()
            .iter()
            .map(|r| format!("{} {} {} {}", r.operation, r.resource_type, r.pattern, r.name))
            .collect()
    }

    #[test]
    fn consumer_needs_read_on_topic_and_group() {
        assert_eq!(
            rows(Profile::Consumer, &inputs()),
            [
                "READ TOPIC LITERAL orders",
                "DESCRIBE TOPIC LITERAL orders",
                "READ GROUP LITERAL orders-app",
                "DESCRIBE GROUP LITERAL orders-app"
            ]
        );
    }

    #[test]
    fn kdeck_destination_follows_engine_md() {
        let mut inputs = inputs();
        inputs.create_topics = true;
        let rows = rows(Profile::KdeckDestination, &inputs);
        for expected in [
            "WRITE TOPIC LITERAL orders",
            "CREATE TOPIC LITERAL orders",
            "READ TOPIC LITERAL _kdeck-msk-to-ccloud-offsets",
            "WRITE TOPIC LITERAL _kdeck-msk-to-ccloud-offsets",
            "CREATE TOPIC LITERAL _kdeck-msk-to-ccloud-offsets",
            "WRITE TRANSACTIONAL_ID PREFIXED kdeck-msk-to-ccloud-lane-",
            "DESCRIBE TRANSACTIONAL_ID PREFIXED kdeck-msk-to-ccloud-lane-",
        ] {
            assert!(rows.contains(&expected.to_string()), "{expected} missing from {rows:?}");
        }
    }

    #[test]
    fn every_profile_builds_from_full_inputs() {
        let mut inputs = inputs();
        inputs.application_id = Some("app".into());
        for (profile, name) in Profile::ALL {
            assert_eq!(Profile::parse(name).unwrap(), *profile);
            assert!(!requirements(*profile, &inputs).unwrap().is_empty(), "{name}");
        }
    }

    #[test]
    fn missing_inputs_name_the_flag() {
        let err = requirements(Profile::Consumer, &ProfileInputs { topics: vec!["t".into()], ..Default::default() });
        assert_eq!(err.unwrap_err().to_string(), "profile consumer needs --group");
        let err = requirements(
            Profile::TransactionalProducer,
            &ProfileInputs { topics: vec!["t".into()], ..Default::default() },
        );
        assert!(err.unwrap_err().to_string().contains("--transactional-id"));
        assert!(Profile::parse("consumr").unwrap_err().to_string().contains("consumer"));
    }

    #[test]
    fn prefixed_requirements_are_checked_on_an_example_name() {
        let reqs = requirements(Profile::KdeckDestination, &inputs()).unwrap();
        let lane = reqs.iter().find(|r| r.resource_type == ResourceType::TransactionalId).unwrap();
        assert_eq!(lane.example, "kdeck-msk-to-ccloud-lane-0");
    }
}
