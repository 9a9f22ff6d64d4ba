//! Watching a migration that another runner copies (Confluent Replicator,
//! MirrorMaker 2, any Kafka Connect source connector, or a kdeck engine): its
//! positions read from the clusters and Connect's REST API, with no JMX.

pub mod command;
pub mod connector;
pub mod flags;
pub mod lag;
pub mod positions;
pub mod read;
pub mod render;

use crate::engine::plan::Runner;

/// The runner in a few words: `replicator group replicator-2`.
pub fn describe(runner: &Runner) -> String {
    match runner {
        Runner::Kdeck => "kdeck".into(),
        Runner::Replicator { group } => format!("replicator group {group}"),
        Runner::MirrorMaker2 { source_alias, offsets_topic } => {
            format!("mirrormaker2 alias {source_alias} topic {offsets_topic}")
        }
        Runner::Connect { connect, connector } => format!("connect {connect} connector {connector}"),
    }
}
