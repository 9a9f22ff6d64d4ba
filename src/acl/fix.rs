//! The commands that add what a check found missing, for kafka-acls or the confluent
//! CLI. They name the bootstrap as given (a placeholder or a profile's address),
//! never a credential.

use super::check::Row;
use super::model::{AclBinding, Operation, PatternType, ResourceType};
use crate::cheatsheet::security::Security;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixFormat {
    KafkaAcls,
    Confluent,
}

impl FixFormat {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "kafka-acls" => Ok(FixFormat::KafkaAcls),
            "confluent" => Ok(FixFormat::Confluent),
            other => Err(format!("unknown fix format {other:?} (expected kafka-acls or confluent)")),
        }
    }
}

/// One grant to add: a resource pattern and the operations it lacks.
struct Grant {
    resource_type: ResourceType,
    name: String,
    pattern: PatternType,
    operations: Vec<Operation>,
}

/// Comment lines (`# ...`) explain; every other line is a command to run.
pub fn fix_commands(format: FixFormat, principal: &str, rows: &[Row], bootstrap: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut denies: Vec<&AclBinding> = Vec::new();
    let mut grants: Vec<Grant> = Vec::new();
    for row in rows.iter().filter(|row| !row.decision.allowed) {
        if let Some(deny) = row.decision.deciding_deny() {
            if !denies.contains(&deny) {
                denies.push(deny);
            }
            continue;
        }
        let r = &row.requirement;
        match grants
            .iter_mut()
            .find(|g| g.resource_type == r.resource_type && g.name == r.name && g.pattern == r.pattern)
        {
            Some(grant) if !grant.operations.contains(&r.operation) => grant.operations.push(r.operation),
            Some(_) => {}
            None => grants.push(Grant {
                resource_type: r.resource_type,
                name: r.name.clone(),
                pattern: r.pattern,
                operations: vec![r.operation],
            }),
        }
    }
    for deny in denies {
        lines.push(format!("# {deny} wins over any ALLOW: remove it (or ask why it is there)"));
        lines.push(match format {
            FixFormat::KafkaAcls => kafka_acls_remove(deny, bootstrap),
            FixFormat::Confluent => confluent_delete(deny),
        });
    }
    for mut grant in grants {
        drop_implied(&mut grant.operations);
        lines.push(match format {
            FixFormat::KafkaAcls => kafka_acls_add(principal, &grant, bootstrap),
            FixFormat::Confluent => confluent_create(principal, &grant),
        });
    }
    lines
}

/// The file kafka-acls reads a secured cluster's client settings from.
pub const CLIENT_CONFIG_FILE: &str = "kdeck-client.properties";

/// kafka-acls commands for a secured cluster: first a line that writes the client
/// settings (secrets as `$VARIABLES` the shell fills in, so the file is usable and
/// the screen shows none), then each command with `--command-config`.
pub fn with_client_config(format: FixFormat, lines: Vec<String>, security: &Security) -> Vec<String> {
    if format != FixFormat::KafkaAcls || security.is_plaintext() || lines.is_empty() {
        return lines;
    }
    let settings: Vec<String> =
        security.java.iter().map(|(key, value)| shell_expanding(&format!("{key}={value}"))).collect();
    let mut secured = vec![
        format!("# {}: kafka-acls needs its client settings; export the $VARIABLES first", security.label),
        format!("printf '%s\\n' {} > {CLIENT_CONFIG_FILE}", settings.join(" ")),
    ];
    for line in lines {
        secured.push(match line.starts_with("kafka-acls ") {
            true => format!("{line} --command-config {CLIENT_CONFIG_FILE}"),
            false => line,
        });
    }
    secured
}

/// Double quotes when the text names a `$VARIABLE` (the shell fills it in), else single quotes.
fn shell_expanding(text: &str) -> String {
    match text.contains('$') {
        true => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('`', "\\`")),
        false => shell_quote(text),
    }
}

/// An ALLOW of READ, WRITE, DELETE or ALTER already grants DESCRIBE, and ALTER_CONFIGS
/// grants DESCRIBE_CONFIGS, so the shortest fix leaves those out.
fn drop_implied(operations: &mut Vec<Operation>) {
    let has = |ops: &[Operation], wanted: &[Operation]| ops.iter().any(|op| wanted.contains(op));
    let snapshot = operations.clone();
    operations.retain(|op| match op {
        Operation::Describe => {
            !has(&snapshot, &[Operation::Read, Operation::Write, Operation::Delete, Operation::Alter])
        }
        Operation::DescribeConfigs => !has(&snapshot, &[Operation::AlterConfigs]),
        _ => true,
    });
}

/// Single-quotes what a POSIX shell would otherwise expand or split.
pub fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.:/=@,+".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

fn kafka_acls_resource(resource_type: ResourceType, name: &str, pattern: PatternType) -> String {
    let flag = match resource_type {
        ResourceType::Cluster => return "--cluster".to_string(),
        ResourceType::Topic => "--topic",
        ResourceType::Group => "--group",
        ResourceType::TransactionalId => "--transactional-id",
        ResourceType::DelegationToken => "--delegation-token",
        ResourceType::User => "--user-principal",
    };
    let pattern = match pattern {
        PatternType::Literal => String::new(),
        PatternType::Prefixed => " --resource-pattern-type prefixed".to_string(),
    };
    format!("{flag} {}{pattern}", shell_quote(name))
}

fn kafka_acls_add(principal: &str, grant: &Grant, bootstrap: &str) -> String {
    let operations: Vec<String> =
        grant.operations.iter().map(|op| format!("--operation {}", op.pascal_name())).collect();
    format!(
        "kafka-acls --bootstrap-server {} --add --allow-principal {} {} {}",
        shell_quote(bootstrap),
        shell_quote(principal),
        operations.join(" "),
        kafka_acls_resource(grant.resource_type, &grant.name, grant.pattern)
    )
}

fn kafka_acls_remove(deny: &AclBinding, bootstrap: &str) -> String {
    format!(
        "kafka-acls --bootstrap-server {} --remove --force --deny-principal {} --deny-host {} --operation {} {}",
        shell_quote(bootstrap),
        shell_quote(&deny.principal),
        shell_quote(&deny.host),
        deny.operation.pascal_name(),
        kafka_acls_resource(deny.resource_type, &deny.resource_name, deny.pattern_type)
    )
}

/// `--service-account sa-x` for Cloud service accounts, `--principal` for anything else.
fn confluent_principal(principal: &str) -> String {
    // `--service-account 0` is the CLI's spelling of User:*, which nobody would guess; --principal is plainer.
    match principal.strip_prefix("User:") {
        Some(account) if account.starts_with("sa-") => format!("--service-account {}", shell_quote(account)),
        _ => format!("--principal {}", shell_quote(principal)),
    }
}

/// The confluent CLI covers four resource types and has no `all` operation.
fn confluent_resource(resource_type: ResourceType, name: &str, pattern: PatternType) -> Option<String> {
    let resource = match resource_type {
        ResourceType::Cluster => return Some("--cluster-scope".to_string()),
        ResourceType::Topic => format!("--topic {}", shell_quote(name)),
        ResourceType::Group => format!("--consumer-group {}", shell_quote(name)),
        ResourceType::TransactionalId => format!("--transactional-id {}", shell_quote(name)),
        ResourceType::DelegationToken | ResourceType::User => return None,
    };
    Some(match pattern {
        PatternType::Literal => resource,
        PatternType::Prefixed => format!("{resource} --prefix"),
    })
}

fn confluent_operation(operation: Operation) -> Option<String> {
    match operation {
        Operation::All | Operation::CreateTokens | Operation::DescribeTokens => None,
        other => Some(other.kafka_name().to_lowercase().replace('_', "-")),
    }
}

fn confluent_create(principal: &str, grant: &Grant) -> String {
    let operations: Option<Vec<String>> = grant.operations.iter().map(|op| confluent_operation(*op)).collect();
    match (operations, confluent_resource(grant.resource_type, &grant.name, grant.pattern)) {
        (Some(operations), Some(resource)) => format!(
            "confluent kafka acl create --allow {} --operations {} {resource}",
            confluent_principal(principal),
            operations.join(",")
        ),
        _ => format!(
            "# the confluent CLI cannot grant {} on {} {}: use kafka-acls",
            grant.operations.iter().map(|op| op.kafka_name()).collect::<Vec<_>>().join(","),
            grant.resource_type,
            grant.name
        ),
    }
}

fn confluent_delete(deny: &AclBinding) -> String {
    let operation = confluent_operation(deny.operation);
    match (operation, confluent_resource(deny.resource_type, &deny.resource_name, deny.pattern_type)) {
        (Some(operation), Some(resource)) => format!(
            "confluent kafka acl delete --deny {} --operations {operation} {resource}",
            confluent_principal(&deny.principal)
        ),
        _ => format!("# the confluent CLI cannot delete this ACL ({} has no CLI name): use kafka-acls", deny.operation),
    }
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
