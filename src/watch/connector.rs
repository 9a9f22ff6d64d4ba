//! A Connect pane connector's runner, from its config: Enter-to-lag for a
//! Confluent Replicator or a MirrorMaker 2 source connector. Pure.
//!
//! - Replicator commits its source positions to its consumer group on the source
//!   (`src.consumer.group.id`, by default the connector's name; Confluent's
//!   Replicator configuration reference), and copies `topic.whitelist` (names),
//!   `topic.regex`, less `topic.blacklist` (names).
//! - MirrorMaker 2's `MirrorSourceConnector` run on a Connect cluster keeps its
//!   positions in that cluster's own `offset.storage.topic`, whose name the REST
//!   API does not tell; KIP-875's `GET /connectors/{name}/offsets` reads them
//!   wherever they are, so it is watched as a Connect connector. It copies
//!   `topics` less `topics.exclude` (regular expressions; MirrorMaker 2's
//!   defaults when unset, apache/kafka `DefaultTopicFilter`).

use std::collections::BTreeMap;

use crate::engine::plan::Runner;
use crate::import::connector::{names_as_patterns, split_list};

pub const REPLICATOR_CLASS: &str = "io.confluent.connect.replicator.ReplicatorSourceConnector";
pub const MM2_SOURCE_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
/// `DefaultTopicFilter`'s `topics.exclude` default.
const MM2_DEFAULT_EXCLUDES: &[&str] = &[r".*[\-\.]internal", r".*\.replica", "__.*"];

/// Who a connector's positions belong to, and which source topics it copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorRunner {
    pub runner: Runner,
    /// Regular expressions; empty: every topic.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// `connector` on the Connect cluster `connect`, from its `config`; `Err` says
/// why it cannot be watched, in one line.
pub fn runner_of_connector(
    connect: &str,
    connector: &str,
    config: &BTreeMap<String, String>,
) -> Result<ConnectorRunner, String> {
    let class = config.get("connector.class").map(|class| class.trim()).unwrap_or_default();
    let value = |key: &str| config.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let derived = match class {
        REPLICATOR_CLASS => {
            let group = value("src.consumer.group.id").unwrap_or(connector).to_string();
            let mut include = value("topic.whitelist").map(names_as_patterns).unwrap_or_default();
            include.extend(value("topic.regex").map(str::to_string));
            let exclude = value("topic.blacklist").map(names_as_patterns).unwrap_or_default();
            ConnectorRunner { runner: Runner::Replicator { group }, include, exclude }
        }
        MM2_SOURCE_CLASS => {
            let patterns = |key: &str| value(key).map(|list| split_list(list).map(str::to_string).collect::<Vec<_>>());
            let include = patterns("topics").or_else(|| patterns("topics.whitelist")).unwrap_or_default();
            let exclude = patterns("topics.exclude")
                .or_else(|| patterns("topics.blacklist"))
                .unwrap_or_else(|| MM2_DEFAULT_EXCLUDES.iter().map(|p| p.to_string()).collect());
            let runner = Runner::Connect { connect: connect.to_string(), connector: connector.to_string() };
            ConnectorRunner { runner, include, exclude }
        }
        "" => return Err(format!("{connector}: its config names no connector.class")),
        other => {
            let short = other.rsplit('.').next().unwrap_or(other);
            return Err(format!(
                "{connector} is a {short}: only Replicator and MirrorMaker 2 source connectors have a lag to open (or :watch connect {connector})"
            ));
        }
    };
    let checked =
        |key: &str, patterns: &[String]| super::flags::check_patterns(&format!("{connector}: {key}"), patterns);
    checked("its topics", &derived.include)?;
    checked("its excluded topics", &derived.exclude)?;
    // `.*` selects what no include does: every topic.
    let include = if derived.include.iter().any(|p| p == ".*") { Vec::new() } else { derived.include };
    Ok(ConnectorRunner { include, ..derived })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn replicator_group_defaults_to_the_connector_name() {
        let derived = runner_of_connector("prod", "replicator-2", &config(&[("connector.class", REPLICATOR_CLASS)]));
        let derived = derived.unwrap();
        assert_eq!(derived.runner, Runner::Replicator { group: "replicator-2".into() });
        assert!(derived.include.is_empty() && derived.exclude.is_empty());
    }

    #[test]
    fn replicator_group_and_topics_from_its_config() {
        let derived = runner_of_connector(
            "prod",
            "rep",
            &config(&[
                ("connector.class", REPLICATOR_CLASS),
                ("src.consumer.group.id", " replicator-2 "),
                ("topic.whitelist", "orders.eu, payments"),
                ("topic.regex", "audit-.*"),
                ("topic.blacklist", "orders.tmp"),
                ("tasks.max", "30"),
            ]),
        )
        .unwrap();
        assert_eq!(derived.runner, Runner::Replicator { group: "replicator-2".into() });
        assert_eq!(derived.include, [r"orders\.eu", "payments", "audit-.*"]);
        assert_eq!(derived.exclude, [r"orders\.tmp"]);
    }

    #[test]
    fn mirror_maker_reads_through_kip_875_with_its_topic_filter() {
        let derived = runner_of_connector(
            "prod",
            "mm2-source",
            &config(&[
                ("connector.class", MM2_SOURCE_CLASS),
                ("source.cluster.alias", "msk"),
                ("target.cluster.alias", "cc"),
                ("topics", "orders.*, payments"),
                ("topics.exclude", r"orders\.tmp"),
            ]),
        )
        .unwrap();
        assert_eq!(derived.runner, Runner::Connect { connect: "prod".into(), connector: "mm2-source".into() });
        assert_eq!(
            (derived.include, derived.exclude),
            (vec!["orders.*".into(), "payments".into()], vec![r"orders\.tmp".into()])
        );
    }

    #[test]
    fn mirror_maker_defaults_every_topic_less_its_default_excludes() {
        let derived =
            runner_of_connector("c", "m", &config(&[("connector.class", MM2_SOURCE_CLASS), ("topics", ".*")]));
        let derived = derived.unwrap();
        assert!(derived.include.is_empty());
        assert_eq!(derived.exclude, MM2_DEFAULT_EXCLUDES);
        let plan = super::super::flags::plan_for(&derived.runner, &derived.include, &derived.exclude).unwrap();
        assert!(plan.topics.selects("orders") && !plan.topics.selects("orders.replica"));
    }

    #[test]
    fn other_connectors_and_bad_patterns_are_refused_in_one_line() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector")],
                "jdbc-orders is a JdbcSourceConnector: only",
            ),
            (&[], "jdbc-orders: its config names no connector.class"),
            (
                &[("connector.class", REPLICATOR_CLASS), ("topic.regex", "orders[")],
                "jdbc-orders: its topics orders[: expected a regular expression",
            ),
        ];
        for (pairs, expected) in cases {
            let error = runner_of_connector("c", "jdbc-orders", &config(pairs)).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
            assert_eq!(error.lines().count(), 1);
        }
    }
}
