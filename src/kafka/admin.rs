//! Admin calls the engine needs: cluster id, topic configs, topic creation.
//! rust-rdkafka's admin API is async; each call runs to completion on a
//! small current-thread runtime owned by the [`Admin`], with a timeout.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, ConfigSource, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::ResolvedCluster;
use crate::error::Failure;

use super::client::{base_config, creation_failure};
use super::closer::ClosedInBackground;

pub struct Admin {
    client: ClosedInBackground<AdminClient<DefaultClientContext>>,
    runtime: tokio::runtime::Runtime,
    cluster_name: String,
    timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfig {
    pub name: String,
    pub value: String,
    /// The broker reports it as set on the topic (rather than a default).
    pub set_on_topic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicCreation {
    Created,
    AlreadyExists,
    /// The broker has no CreateTopics (librdkafka's mock cluster): the topic
    /// will be auto-created, with the broker's default partition count, on first write.
    Unsupported(String),
}

impl Admin {
    pub fn connect(cluster: &ResolvedCluster, timeout: Duration) -> Result<Self, Failure> {
        let client = base_config(cluster, timeout).create().map_err(|err| creation_failure(cluster, &err))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Failure::runtime(format!("cannot start an admin runtime: {err}")))?;
        Ok(Admin { client: ClosedInBackground::new(client), runtime, cluster_name: cluster.name.clone(), timeout })
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new().request_timeout(Some(self.timeout)).operation_timeout(Some(self.timeout))
    }

    /// The cluster id, or "" when the broker does not report one. librdkafka
    /// waits for metadata carrying an id; brokers that never send one (the
    /// mock) would cost the whole timeout, so the wait is short.
    pub fn cluster_id(&self) -> String {
        self.client.inner().fetch_cluster_id(Duration::from_millis(1500).min(self.timeout)).unwrap_or_default()
    }

    /// The topic's configs with whether the broker says they were set on the
    /// topic. Empty when the broker cannot describe configs (the mock cluster).
    pub fn topic_configs(&self, topic: &str) -> Vec<TopicConfig> {
        let answer =
            self.runtime.block_on(self.client.describe_configs([&ResourceSpecifier::Topic(topic)], &self.options()));
        let Ok(results) = answer else { return Vec::new() };
        results
            .into_iter()
            .flatten()
            .flat_map(|resource| resource.entries)
            .filter(|entry| !entry.is_sensitive)
            .filter_map(|entry| {
                let set_on_topic = matches!(entry.source, ConfigSource::DynamicTopic | ConfigSource::Unknown);
                entry.value.map(|value| TopicConfig { name: entry.name, value, set_on_topic })
            })
            .collect()
    }

    /// `replication_factor` -1 means the broker default.
    pub fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication_factor: i32,
        configs: &[(String, String)],
    ) -> Result<TopicCreation, Failure> {
        let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication_factor));
        for (key, value) in configs {
            new_topic = new_topic.set(key, value);
        }
        // A broker without CreateTopics never answers: do not let it cost the full timeout.
        let wait = self.timeout.min(Duration::from_secs(5));
        let options = AdminOptions::new().request_timeout(Some(wait)).operation_timeout(Some(wait));
        let results = match self.runtime.block_on(self.client.create_topics([&new_topic], &options)) {
            Ok(results) => results,
            Err(err)
                if matches!(
                    err.rdkafka_error_code(),
                    Some(RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::RequestTimedOut)
                ) =>
            {
                return Ok(TopicCreation::Unsupported(format!("no answer to CreateTopics within {}s", wait.as_secs())));
            }
            Err(err) => {
                return Err(Failure::runtime(format!("cannot create topic {topic} on {}: {err}", self.cluster_name)))
            }
        };
        match results.into_iter().next() {
            Some(Ok(_)) => Ok(TopicCreation::Created),
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => Ok(TopicCreation::AlreadyExists),
            Some(Err((_, code @ (RDKafkaErrorCode::UnsupportedVersion | RDKafkaErrorCode::InvalidRequest)))) => {
                Ok(TopicCreation::Unsupported(code.to_string()))
            }
            Some(Err((_, code))) => {
                Err(Failure::runtime(format!("cannot create topic {topic} on {}: {code}", self.cluster_name)))
            }
            None => Err(Failure::runtime(format!("creating topic {topic} on {}: no answer", self.cluster_name))),
        }
    }
}
