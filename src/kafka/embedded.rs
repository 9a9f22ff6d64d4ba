//! An in-process Kafka cluster: librdkafka's mock broker set, real wire
//! protocol on loopback ports. It serves the demo; the tests use the same
//! mock directly. Not `Send`: it lives on the thread that made it.

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

use crate::error::Failure;

pub struct EmbeddedCluster {
    cluster: MockCluster<'static, DefaultProducerContext>,
    bootstrap: String,
}

impl EmbeddedCluster {
    pub fn start(name: &str, brokers: i32) -> Result<Self, Failure> {
        let cluster = MockCluster::new(brokers)
            .map_err(|err| Failure::runtime(format!("cannot start the {name} mock cluster: {err}")))?;
        let bootstrap = cluster.bootstrap_servers();
        Ok(EmbeddedCluster { cluster, bootstrap })
    }

    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Delays every answer of every broker by `delay`, as a network between sites would.
    pub fn set_round_trip(&self, brokers: i32, delay: std::time::Duration) -> Result<(), Failure> {
        for broker in 1..=brokers {
            self.cluster
                .broker_round_trip_time(broker, delay)
                .map_err(|err| Failure::runtime(format!("cannot delay mock broker {broker}: {err}")))?;
        }
        Ok(())
    }

    pub fn create_topic(&self, topic: &str, partitions: i32, replication_factor: i32) -> Result<(), Failure> {
        self.cluster
            .create_topic(topic, partitions, replication_factor)
            .map_err(|err| Failure::runtime(format!("cannot create topic {topic}: {err}")))
    }
}
