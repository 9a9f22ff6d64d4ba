//! Runs a profile's requirements through the authorizer and lays the answers out
//! as one row per requirement.

use super::authorizer::{authorize, AuthorizerConfig, Decision, Request};
use super::model::{AclBinding, PatternType};
use super::profiles::Requirement;

#[derive(Debug, Clone)]
pub struct Row {
    pub requirement: Requirement,
    pub decision: Decision,
}

pub fn check(
    acls: &[AclBinding],
    config: &AuthorizerConfig,
    principal: &str,
    host: &str,
    requirements: Vec<Requirement>,
) -> Vec<Row> {
    requirements
        .into_iter()
        .map(|requirement| {
            let request = Request {
                principal,
                host,
                operation: requirement.operation,
                resource_type: requirement.resource_type,
                resource_name: &requirement.example,
            };
            let decision = authorize(acls, config, &request);
            Row { requirement, decision }
        })
        .collect()
}

/// How a requirement's resource reads in a row: prefixes are marked, so a reader
/// does not take `kdeck-x-lane-` for a literal name.
pub fn resource_label(requirement: &Requirement) -> String {
    match requirement.pattern {
        PatternType::Literal => format!("{} {}", requirement.resource_type, requirement.name),
        PatternType::Prefixed => format!("{} {} (prefix)", requirement.resource_type, requirement.name),
    }
}

pub fn render_rows(rows: &[Row]) -> String {
    let operation_width = rows.iter().map(|r| r.requirement.operation.kafka_name().len()).max().unwrap_or(0);
    let resource_width = rows.iter().map(|r| resource_label(&r.requirement).len()).max().unwrap_or(0);
    let mut out = String::new();
    for row in rows {
        let verdict = if row.decision.allowed { "ALLOWED" } else { "DENIED" };
        out.push_str(&format!(
            "{verdict:<7}  {:<operation_width$}  {:<resource_width$}  {}  ({})\n",
            row.requirement.operation.kafka_name(),
            resource_label(&row.requirement),
            row.decision.reason,
            row.requirement.why,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::profiles::{requirements, Profile, ProfileInputs};
    use crate::acl::source::parse;

    /// The reference migration's failure: the app may read its topic but has nothing on its group.
    #[test]
    fn consumer_without_group_acl_is_denied_on_group_read() {
        let acls = parse(
            "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:app, host=*, operation=READ, permissionType=ALLOW)\n",
        )
        .unwrap();
        let inputs =
            ProfileInputs { topics: vec!["orders".into()], group: Some("orders-app".into()), ..Default::default() };
        let rows = check(
            &acls,
            &AuthorizerConfig::default(),
            "User:app",
            "*",
            requirements(Profile::Consumer, &inputs).unwrap(),
        );
        let verdicts: Vec<bool> = rows.iter().map(|r| r.decision.allowed).collect();
        assert_eq!(verdicts, [true, true, false, false]);
        let text = render_rows(&rows);
        assert!(text.contains("DENIED   READ      GROUP orders-app  no matching ACL"), "{text}");
    }
}
