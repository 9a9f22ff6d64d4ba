//! `kdeck acl probe`: the application's own credentials against the cluster, through
//! calls that change nothing (Metadata, OffsetFetch, DescribeConfigs). Each refusal
//! is reported with the operation and resource Kafka checked for that call (see
//! docs/ACL.md). A probe proves what is refused; `acl check` proves what is enough.

use crate::cli::AclProbeArgs;
use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::probe::{CallOutcome, Prober};

use super::command::Report;
use super::model::{Operation, ResourceType, CLUSTER_NAME};
use super::profiles::Profile;

/// One call and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRow {
    pub call: &'static str,
    pub operation: Operation,
    pub resource_type: ResourceType,
    pub resource_name: String,
    pub outcome: CallOutcome,
}

/// Which calls a kind of app gets probed with: consumers and anything with a group
/// also fetch the group's offsets.
pub struct ProbePlan {
    pub topics: Vec<String>,
    pub group: Option<String>,
}

impl ProbePlan {
    pub fn from_args(args: &AclProbeArgs) -> Result<ProbePlan, Failure> {
        let profile = Profile::parse(&args.profile).map_err(|err| Failure::usage(format!("--as: {err}")))?;
        if profile == Profile::Consumer && args.group.is_none() {
            return Err(Failure::usage("--as consumer needs --group GROUP (its offsets are probed)"));
        }
        Ok(ProbePlan { topics: args.topics.clone(), group: args.group.clone() })
    }
}

/// The operation and resource a refused call was checked against (KafkaApis: Metadata
/// and OffsetFetch need DESCRIBE, DescribeConfigs needs DESCRIBE_CONFIGS).
pub fn row(call: &'static str, topic: &str, group: Option<&str>, outcome: CallOutcome) -> ProbeRow {
    let call_operation = if call == "DescribeConfigs" { Operation::DescribeConfigs } else { Operation::Describe };
    let (resource_type, resource_name) = match (&outcome, group) {
        (CallOutcome::Denied { resource_type: ResourceType::Group, .. }, Some(group)) => {
            (ResourceType::Group, group.to_string())
        }
        (CallOutcome::Denied { resource_type: ResourceType::Cluster, .. }, _) => {
            (ResourceType::Cluster, CLUSTER_NAME.to_string())
        }
        (CallOutcome::Denied { resource_type, .. }, _) => (*resource_type, topic.to_string()),
        (_, Some(group)) if call == "OffsetFetch" => (ResourceType::Group, group.to_string()),
        _ => (ResourceType::Topic, topic.to_string()),
    };
    ProbeRow { call, operation: call_operation, resource_type, resource_name, outcome }
}

pub fn run_probes(plan: &ProbePlan, prober: &Prober) -> Result<Vec<ProbeRow>, Failure> {
    let mut rows = Vec::new();
    for topic in &plan.topics {
        let (metadata, partitions) = prober.topic_metadata(topic)?;
        rows.push(row("Metadata", topic, None, metadata));
        if let Some(group) = &plan.group {
            // Without the topic's partitions (refused or unknown), partition 0 still asks the group.
            let partitions = if partitions.is_empty() { vec![0] } else { partitions };
            rows.push(row("OffsetFetch", topic, Some(group), prober.offset_fetch(group, topic, &partitions)?));
        }
        rows.push(row("DescribeConfigs", topic, None, prober.describe_topic_configs(topic)?));
    }
    Ok(rows)
}

pub fn render(rows: &[ProbeRow]) -> String {
    let mut text = String::new();
    for row in rows {
        let (verdict, detail) = match &row.outcome {
            CallOutcome::Answered { detail } => ("ALLOWED", detail.clone()),
            CallOutcome::Denied { error, .. } => ("DENIED", error.clone()),
            CallOutcome::Failed { error } => ("FAILED", format!("not an ACL answer: {error}")),
        };
        let target = format!("{} {} {}", row.operation, row.resource_type, row.resource_name);
        text.push_str(&format!("{verdict:<8} {:<16} {target:<40} {detail}\n", row.call));
    }
    text
}

/// Exit 1 when any call was refused: the app would fail the same way. Exit 1 too
/// when no call got an answer at all: nothing was proven, so nothing may pass.
pub fn report(cluster: &ResolvedCluster, rows: &[ProbeRow]) -> Report {
    let failed = rows.iter().filter(|row| matches!(row.outcome, CallOutcome::Failed { .. })).count();
    if failed > 0 && failed == rows.len() {
        let first = rows.iter().find_map(|row| match &row.outcome {
            CallOutcome::Failed { error } => Some(error.as_str()),
            _ => None,
        });
        let reason = format!(
            "every probe against {} failed without an ACL answer ({failed} of {failed}; first: {}), so nothing was checked",
            cluster.name,
            first.unwrap_or_default()
        );
        return Report { text: render(rows), denied: Some(reason) };
    }
    let denied: Vec<String> = rows
        .iter()
        .filter(|row| matches!(row.outcome, CallOutcome::Denied { .. }))
        .map(|row| format!("{} {} {}", row.operation, row.resource_type, row.resource_name))
        .collect();
    let reason = (!denied.is_empty())
        .then(|| format!("{} refused {} of {} probes: {}", cluster.name, denied.len(), rows.len(), denied.join(", ")));
    Report { text: render(rows), denied: reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(resource_type: ResourceType, error: &str) -> CallOutcome {
        CallOutcome::Denied { resource_type, error: error.to_string() }
    }

    #[test]
    fn refusals_name_the_operation_and_resource_kafka_checked() {
        let ok = CallOutcome::Answered { detail: "x".into() };
        #[rustfmt::skip]
        let cases = [
            ("Metadata", None, denied(ResourceType::Topic, "T"), Operation::Describe, ResourceType::Topic, "orders"),
            ("OffsetFetch", Some("app"), denied(ResourceType::Group, "G"), Operation::Describe, ResourceType::Group, "app"),
            ("OffsetFetch", Some("app"), denied(ResourceType::Topic, "T"), Operation::Describe, ResourceType::Topic, "orders"),
            ("OffsetFetch", Some("app"), ok.clone(), Operation::Describe, ResourceType::Group, "app"),
            ("DescribeConfigs", None, denied(ResourceType::Topic, "T"), Operation::DescribeConfigs, ResourceType::Topic, "orders"),
            ("DescribeConfigs", None, ok.clone(), Operation::DescribeConfigs, ResourceType::Topic, "orders"),
            ("Metadata", None, denied(ResourceType::Cluster, "C"), Operation::Describe, ResourceType::Cluster, "kafka-cluster"),
        ];
        for (call, group, outcome, operation, resource_type, name) in cases {
            let row = row(call, "orders", group, outcome);
            assert_eq!(
                (row.operation, row.resource_type, row.resource_name.as_str()),
                (operation, resource_type, name),
                "{call}"
            );
        }
    }

    #[test]
    fn every_probe_failing_is_not_a_pass() {
        let cluster = ResolvedCluster {
            name: "prod".into(),
            production: false,
            color: None,
            properties: crate::config::ClientProperties::new(),
        };
        let failed = |call| row(call, "orders", None, CallOutcome::Failed { error: "BrokerTransportFailure".into() });
        let all_failed = report(&cluster, &[failed("Metadata"), failed("DescribeConfigs")]);
        let reason = all_failed.denied.expect("all failed must exit 1");
        assert!(
            reason.contains("every probe against prod failed") && reason.contains("BrokerTransportFailure"),
            "{reason}"
        );
        let answered = row("Metadata", "orders", None, CallOutcome::Answered { detail: "1 partition".into() });
        assert_eq!(report(&cluster, &[answered, failed("DescribeConfigs")]).denied, None);
    }

    #[test]
    fn report_lines_and_exit_reason() {
        let rows = vec![
            row("Metadata", "orders", None, CallOutcome::Answered { detail: "3 partitions".into() }),
            row("OffsetFetch", "orders", Some("app"), denied(ResourceType::Group, "GROUP_AUTHORIZATION_FAILED")),
            row("DescribeConfigs", "orders", None, CallOutcome::Failed { error: "UNSUPPORTED".into() }),
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ALLOWED  Metadata         DESCRIBE TOPIC orders"), "{text}");
        assert!(
            lines[1].starts_with("DENIED   OffsetFetch      DESCRIBE GROUP app")
                && lines[1].ends_with("GROUP_AUTHORIZATION_FAILED")
        );
        assert!(lines[2].ends_with("not an ACL answer: UNSUPPORTED"));
    }
}
