//! `kdeck acl probe`'s calls: harmless requests made with the application's own
//! credentials, answered with which call was refused and on which resource. Nothing
//! here joins a group, commits, writes or changes a config.

use std::time::{Duration, Instant};

use rdkafka::admin::{AdminOptions, ResourceSpecifier};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::TopicPartitionList;

use crate::acl::model::ResourceType;
use crate::config::ResolvedCluster;
use crate::error::Failure;

use super::client::consumer;

/// How one call went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// The broker answered; `detail` says what it showed (e.g. "6 partitions").
    Answered { detail: String },
    /// The broker refused for lack of an ACL on this kind of resource.
    Denied { resource_type: ResourceType, error: String },
    /// Anything else: unreachable, unsupported, unknown topic. Not an ACL verdict.
    Failed { error: String },
}

/// Kafka's name for an error code, e.g. TOPIC_AUTHORIZATION_FAILED.
fn code_name(code: RDKafkaErrorCode) -> String {
    let debug = format!("{code:?}");
    let mut name = String::with_capacity(debug.len() + 8);
    for (index, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

fn classify(code: RDKafkaErrorCode) -> CallOutcome {
    let resource_type = match code {
        RDKafkaErrorCode::TopicAuthorizationFailed => Some(ResourceType::Topic),
        RDKafkaErrorCode::GroupAuthorizationFailed => Some(ResourceType::Group),
        RDKafkaErrorCode::ClusterAuthorizationFailed => Some(ResourceType::Cluster),
        RDKafkaErrorCode::TransactionalIdAuthorizationFailed => Some(ResourceType::TransactionalId),
        _ => None,
    };
    match resource_type {
        Some(resource_type) => CallOutcome::Denied { resource_type, error: code_name(code) },
        None => CallOutcome::Failed { error: format!("{} ({code})", code_name(code)) },
    }
}

fn classify_error(err: &KafkaError) -> CallOutcome {
    match err.rdkafka_error_code() {
        Some(code) => classify(code),
        None => CallOutcome::Failed { error: err.to_string() },
    }
}

/// One client for every probe, made from the application's own profile.
/// `-m` bounds the whole probe, not each call: every call gets what is left.
pub struct Prober {
    cluster: ResolvedCluster,
    timeout: Duration,
    deadline: Instant,
}

impl Prober {
    pub fn new(cluster: &ResolvedCluster, timeout: Duration) -> Prober {
        Prober { cluster: cluster.clone(), timeout, deadline: Instant::now() + timeout }
    }

    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))
    }

    /// Metadata for one topic (DESCRIBE on the topic); also returns its partitions.
    pub fn topic_metadata(&self, topic: &str) -> Result<(CallOutcome, Vec<i32>), Failure> {
        let client = consumer(&self.cluster, self.timeout, &[])?;
        let metadata = match client.fetch_metadata(Some(topic), self.left()) {
            Ok(metadata) => metadata,
            Err(err) => return Ok((classify_error(&err), Vec::new())),
        };
        let Some(found) = metadata.topics().iter().find(|t| t.name() == topic) else {
            return Ok((CallOutcome::Failed { error: format!("no metadata for {topic}") }, Vec::new()));
        };
        if let Some(err) = found.error() {
            return Ok((classify(RDKafkaErrorCode::from(err)), Vec::new()));
        }
        let partitions: Vec<i32> = found.partitions().iter().map(|p| p.id()).collect();
        Ok((CallOutcome::Answered { detail: format!("{} partitions", partitions.len()) }, partitions))
    }

    /// The group's committed offsets on `partitions` (OffsetFetch: DESCRIBE on the
    /// group, then on the topic). The client carries the group id but never joins.
    pub fn offset_fetch(&self, group: &str, topic: &str, partitions: &[i32]) -> Result<CallOutcome, Failure> {
        let client = consumer(&self.cluster, self.timeout, &[("group.id", group)])?;
        let mut list = TopicPartitionList::new();
        for partition in partitions {
            list.add_partition(topic, *partition);
        }
        let committed = match client.committed_offsets(list, self.left()) {
            Ok(committed) => committed,
            Err(err) => return Ok(classify_error(&err)),
        };
        for element in committed.elements() {
            if let Err(err) = element.error() {
                return Ok(classify_error(&err));
            }
        }
        Ok(CallOutcome::Answered { detail: format!("offsets of {} partitions", committed.count()) })
    }

    /// The topic's configs (DescribeConfigs: DESCRIBE_CONFIGS on the topic).
    pub fn describe_topic_configs(&self, topic: &str) -> Result<CallOutcome, Failure> {
        let admin = super::client::admin(&self.cluster, self.timeout)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Failure::runtime(format!("cannot start an admin runtime: {err}")))?;
        let left = self.left();
        let options = AdminOptions::new().request_timeout(Some(left)).operation_timeout(Some(left));
        let answer = runtime.block_on(admin.describe_configs([&ResourceSpecifier::Topic(topic)], &options));
        Ok(match answer {
            Err(err) => classify_error(&err),
            Ok(results) => match results.into_iter().next() {
                Some(Ok(resource)) => CallOutcome::Answered { detail: format!("{} configs", resource.entries.len()) },
                Some(Err(code)) => classify(code),
                None => CallOutcome::Failed { error: "no answer".to_string() },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_errors_name_their_resource() {
        #[rustfmt::skip]
        let cases = [
            (RDKafkaErrorCode::TopicAuthorizationFailed, ResourceType::Topic, "TOPIC_AUTHORIZATION_FAILED"),
            (RDKafkaErrorCode::GroupAuthorizationFailed, ResourceType::Group, "GROUP_AUTHORIZATION_FAILED"),
            (RDKafkaErrorCode::ClusterAuthorizationFailed, ResourceType::Cluster, "CLUSTER_AUTHORIZATION_FAILED"),
            (RDKafkaErrorCode::TransactionalIdAuthorizationFailed, ResourceType::TransactionalId, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"),
        ];
        for (code, resource_type, error) in cases {
            assert_eq!(classify(code), CallOutcome::Denied { resource_type, error: error.to_string() });
        }
        match classify(RDKafkaErrorCode::UnknownTopicOrPartition) {
            CallOutcome::Failed { error } => assert!(error.starts_with("UNKNOWN_TOPIC_OR_PARTITION ("), "{error}"),
            other => panic!("{other:?}"),
        }
    }
}
