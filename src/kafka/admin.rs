//! Admin calls the engine needs: cluster id, topic configs, topic creation.
//! rust-rdkafka's admin API is async; each call runs to completion on a
//! small current-thread runtime owned by the [`Admin`], with a timeout.

use std::time::Duration;

use rdkafka::admin::{AdminOptions, ConfigSource, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;

use crate::config::ResolvedCluster;
use crate::error::Failure;

use super::closer::ClosedInBackground;

pub struct Admin {
    client: ClosedInBackground<super::client::Admin>,
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

/// One topic for [`Admin::create_topics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopicRequest {
    pub name: String,
    pub partitions: i32,
    /// -1: the broker's default.
    pub replication_factor: i32,
    pub configs: Vec<(String, String)>,
}

/// A broker without CreateTopics never answers: it must not cost a long timeout.
pub const CREATE_WAIT: Duration = Duration::from_secs(5);

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
        let client = super::client::admin(cluster, timeout)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Failure::runtime(format!("cannot start an admin runtime: {err}")))?;
        Ok(Admin { client: ClosedInBackground::new(client), runtime, cluster_name: cluster.name.clone(), timeout })
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
        self.topics_configs(&[topic], self.timeout).ok().and_then(|mut all| all.remove(topic)).unwrap_or_default()
    }

    /// The configs of many topics in one DescribeConfigs, waiting at most
    /// `wait`. Err names why none could be read (a broker without
    /// DescribeConfigs never answers); a topic the broker refused is absent.
    pub fn topics_configs(
        &self,
        topics: &[&str],
        wait: Duration,
    ) -> Result<std::collections::BTreeMap<String, Vec<TopicConfig>>, String> {
        let resources: Vec<ResourceSpecifier<'_>> = topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let options = AdminOptions::new().request_timeout(Some(wait)).operation_timeout(Some(wait));
        let results = self
            .runtime
            .block_on(self.client.describe_configs(resources.iter(), &options))
            .map_err(|err| format!("DescribeConfigs on {}: {err}", self.cluster_name))?;
        let mut configs = std::collections::BTreeMap::new();
        for (topic, result) in topics.iter().zip(results) {
            let Ok(resource) = result else { continue };
            let entries = resource
                .entries
                .into_iter()
                .filter(|entry| !entry.is_sensitive)
                .filter_map(|entry| {
                    let set_on_topic = matches!(entry.source, ConfigSource::DynamicTopic | ConfigSource::Unknown);
                    entry.value.map(|value| TopicConfig { name: entry.name, value, set_on_topic })
                })
                .collect();
            configs.insert((*topic).to_string(), entries);
        }
        Ok(configs)
    }

    /// `replication_factor` -1 means the broker default.
    pub fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication_factor: i32,
        configs: &[(String, String)],
    ) -> Result<TopicCreation, Failure> {
        let request =
            NewTopicRequest { name: topic.to_string(), partitions, replication_factor, configs: configs.to_vec() };
        let wait = self.timeout.min(CREATE_WAIT);
        self.create_topics(std::slice::from_ref(&request), wait).pop().unwrap_or_else(|| {
            Err(Failure::runtime(format!("creating topic {topic} on {}: no answer", self.cluster_name)))
        })
    }

    /// Creates many topics in one CreateTopics, waiting at most `wait` for
    /// all of them: one answer per request, in order.
    pub fn create_topics(&self, requests: &[NewTopicRequest], wait: Duration) -> Vec<Result<TopicCreation, Failure>> {
        let new_topics: Vec<NewTopic<'_>> = requests
            .iter()
            .map(|request| {
                let replication = TopicReplication::Fixed(request.replication_factor);
                request
                    .configs
                    .iter()
                    .fold(NewTopic::new(&request.name, request.partitions, replication), |t, (k, v)| t.set(k, v))
            })
            .collect();
        let options = AdminOptions::new().request_timeout(Some(wait)).operation_timeout(Some(wait));
        let results = match self.runtime.block_on(self.client.create_topics(new_topics.iter(), &options)) {
            Ok(results) => results,
            Err(err)
                if matches!(
                    err.rdkafka_error_code(),
                    Some(RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::RequestTimedOut)
                ) =>
            {
                let why = format!("no answer to CreateTopics within {}s", wait.as_secs_f64().ceil());
                return requests.iter().map(|_| Ok(TopicCreation::Unsupported(why.clone()))).collect();
            }
            Err(err) => {
                return requests
                    .iter()
                    .map(|r| {
                        Err(Failure::runtime(format!("cannot create topic {} on {}: {err}", r.name, self.cluster_name)))
                    })
                    .collect()
            }
        };
        let mut answers: std::collections::BTreeMap<String, Result<TopicCreation, Failure>> = results
            .into_iter()
            .map(|result| match result {
                Ok(topic) => (topic, Ok(TopicCreation::Created)),
                Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => (topic, Ok(TopicCreation::AlreadyExists)),
                Err((topic, code @ (RDKafkaErrorCode::UnsupportedVersion | RDKafkaErrorCode::InvalidRequest))) => {
                    (topic, Ok(TopicCreation::Unsupported(code.to_string())))
                }
                Err((topic, code)) => {
                    let failure =
                        Failure::runtime(format!("cannot create topic {topic} on {}: {code}", self.cluster_name));
                    (topic, Err(failure))
                }
            })
            .collect();
        requests
            .iter()
            .map(|r| {
                answers.remove(&r.name).unwrap_or_else(|| {
                    Err(Failure::runtime(format!("creating topic {} on {}: no answer", r.name, self.cluster_name)))
                })
            })
            .collect()
    }
}
