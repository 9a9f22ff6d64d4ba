//! Reads ACL lists from files: the JSON of `confluent kafka acl list -o json`, or the
//! text `kafka-acls --list` prints. Either shape is recognised from the content.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::model::{check_principal, AclBinding, Operation, PatternType, Permission, ResourceType, WILDCARD};

/// A file that could not be read or understood. Displays as one line naming the file,
/// the line and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclFileError {
    pub path: PathBuf,
    /// 0 when the file could not be read at all.
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for AclFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "ACL file {}: {}", self.path.display(), self.message)
        } else {
            write!(f, "ACL file {} line {}: {}: {}", self.path.display(), self.line, self.field, self.message)
        }
    }
}

impl std::error::Error for AclFileError {}

pub fn load(path: &Path) -> Result<Vec<AclBinding>, AclFileError> {
    let text = std::fs::read_to_string(path).map_err(|err| AclFileError {
        path: path.to_path_buf(),
        line: 0,
        field: String::new(),
        message: format!("cannot read: {err}"),
    })?;
    parse(&text).map_err(|(line, field, message)| AclFileError { path: path.to_path_buf(), line, field, message })
}

/// (line, field, message)
type ParseError = (usize, String, String);

pub fn parse(text: &str) -> Result<Vec<AclBinding>, ParseError> {
    let start = text.trim_start();
    if start.starts_with('[') {
        parse_confluent_json(text)
    } else if start.starts_with('{') {
        // JSON, but not the array `confluent kafka acl list -o json` prints: say so
        // rather than report its first line as a bad kafka-acls line.
        let line = text.len() - start.len();
        let line = text[..line].matches('\n').count() + 1;
        Err((
            line,
            "format".to_string(),
            "a JSON object: expected the JSON array of `confluent kafka acl list -o json` or the text of `kafka-acls --list`".to_string(),
        ))
    } else {
        parse_kafka_acls_list(text)
    }
}

/// One element of `confluent kafka acl list -o json`. Cloud omits `host` (it is always `*`).
#[derive(Deserialize)]
struct ConfluentAcl {
    #[serde(deserialize_with = "principal")]
    principal: String,
    #[serde(deserialize_with = "kafka_name")]
    permission: Permission,
    #[serde(deserialize_with = "kafka_name")]
    operation: Operation,
    #[serde(deserialize_with = "kafka_name")]
    resource_type: ResourceType,
    #[serde(deserialize_with = "resource_name")]
    resource_name: String,
    #[serde(deserialize_with = "kafka_name")]
    pattern_type: PatternType,
    #[serde(default, deserialize_with = "host")]
    host: Option<String>,
}

trait KafkaName: Sized {
    const FIELD: &'static str;
    fn parse_name(name: &str) -> Result<Self, String>;
}

macro_rules! kafka_name_field {
    ($ty:ty, $field:literal) => {
        impl KafkaName for $ty {
            const FIELD: &'static str = $field;
            fn parse_name(name: &str) -> Result<Self, String> {
                <$ty>::parse(name)
            }
        }
    };
}
kafka_name_field!(Permission, "permission");
kafka_name_field!(Operation, "operation");
kafka_name_field!(ResourceType, "resource_type");
kafka_name_field!(PatternType, "pattern_type");

/// Every field error starts with "field `NAME`: " so the one-line error can name it;
/// serde's own "invalid type" message would not.
fn string_field<'de, D: Deserializer<'de>>(deserializer: D, field: &str) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Ok(text),
        other => Err(de::Error::custom(format!("field `{field}`: expected a string, found {other}"))),
    }
}

fn kafka_name<'de, D: Deserializer<'de>, T: KafkaName>(deserializer: D) -> Result<T, D::Error> {
    let name = string_field(deserializer, T::FIELD)?;
    T::parse_name(&name).map_err(|err| de::Error::custom(format!("field `{}`: {err}", T::FIELD)))
}

fn principal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = string_field(deserializer, "principal")?;
    check_principal(&name).map_err(|err| de::Error::custom(format!("field `principal`: {err}")))?;
    Ok(name)
}

fn resource_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    string_field(deserializer, "resource_name")
}

fn host<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    string_field(deserializer, "host").map(Some)
}

fn parse_confluent_json(text: &str) -> Result<Vec<AclBinding>, ParseError> {
    let entries: Vec<ConfluentAcl> = serde_json::from_str(text).map_err(|err| {
        let line = err.line().max(1);
        let full = err.to_string();
        // serde_json appends " at line L column C"; the line is reported separately.
        let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(head, _)| head).to_string();
        let (field, message) = split_field(&message);
        (line, field, message)
    })?;
    Ok(entries
        .into_iter()
        .map(|e| AclBinding {
            resource_type: e.resource_type,
            resource_name: e.resource_name,
            pattern_type: e.pattern_type,
            principal: e.principal,
            host: e.host.unwrap_or_else(|| WILDCARD.to_string()),
            operation: e.operation,
            permission: e.permission,
        })
        .collect())
}

/// Pulls the field name out of "field `x`: ..." and "missing field `x`" messages.
fn split_field(message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("field `") {
        if let Some((field, tail)) = rest.split_once("`: ") {
            return (field.to_string(), tail.to_string());
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        return (field.to_string(), "missing (expected principal, permission, operation, resource_type, resource_name, pattern_type, optional host)".to_string());
    }
    ("JSON".to_string(), format!("{message} (expected the array `confluent kafka acl list -o json` prints)"))
}

const RESOURCE_HEADER: &str = "Current ACLs for resource `ResourcePattern(";

/// `kafka-acls --list` output (AclCommand.scala):
/// ```text
/// Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=foo, patternType=LITERAL)`:
///     (principal=User:alice, host=*, operation=READ, permissionType=ALLOW)
/// ```
fn parse_kafka_acls_list(text: &str) -> Result<Vec<AclBinding>, ParseError> {
    let mut acls = Vec::new();
    let mut resource: Option<(ResourceType, String, PatternType)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        let fail = |field: &str, message: String| (line_number, field.to_string(), message);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(RESOURCE_HEADER) {
            let body = rest.trim_end_matches(':').trim_end().trim_end_matches('`').trim_end_matches(')');
            resource = Some(parse_resource_pattern(body).map_err(|(field, message)| fail(field, message))?);
        } else if line.starts_with("(principal=") {
            let Some((resource_type, name, pattern_type)) = &resource else {
                return Err(fail("resource", "an ACL entry before any `Current ACLs for resource` line".to_string()));
            };
            let body = line.trim_start_matches('(').trim_end_matches(')');
            let entry = parse_entry(body).map_err(|(field, message)| fail(field, message))?;
            acls.push(AclBinding {
                resource_type: *resource_type,
                resource_name: name.clone(),
                pattern_type: *pattern_type,
                principal: entry.0,
                host: entry.1,
                operation: entry.2,
                permission: entry.3,
            });
        } else {
            return Err(fail(
                "line",
                format!("unexpected {line:?} (expected `Current ACLs for resource `ResourcePattern(...)`:` or `(principal=..., host=..., operation=..., permissionType=...)` as kafka-acls --list prints)"),
            ));
        }
    }
    Ok(acls)
}

type FieldError = (&'static str, String);

/// Splits "k1=v1, k2=v2, k3=v3" from the right, so the first value (a group name
/// or a principal like `User:CN=a,OU=b`) may itself contain ", ".
fn split_fields<'a>(body: &'a str, keys: &[&'static str]) -> Result<Vec<&'a str>, FieldError> {
    let mut values = Vec::with_capacity(keys.len());
    let mut rest = body;
    for (position, key) in keys.iter().enumerate().rev() {
        let marker = if position == 0 { format!("{key}=") } else { format!(", {key}=") };
        let found = if position == 0 {
            rest.strip_prefix(marker.as_str()).map(|v| ("", v))
        } else {
            rest.rsplit_once(marker.as_str())
        };
        let Some((head, value)) = found else {
            return Err((key, format!("missing `{key}=` in {body:?}")));
        };
        values.push(value.trim());
        rest = head;
    }
    values.reverse();
    Ok(values)
}

fn parse_resource_pattern(body: &str) -> Result<(ResourceType, String, PatternType), FieldError> {
    let values = split_fields(body, &["resourceType", "name", "patternType"])?;
    let resource_type = ResourceType::parse(values[0]).map_err(|e| ("resourceType", e))?;
    let pattern_type = PatternType::parse(values[2]).map_err(|e| ("patternType", e))?;
    if values[1].is_empty() {
        return Err(("name", "empty resource name".to_string()));
    }
    Ok((resource_type, values[1].to_string(), pattern_type))
}

fn parse_entry(body: &str) -> Result<(String, String, Operation, Permission), FieldError> {
    let values = split_fields(body, &["principal", "host", "operation", "permissionType"])?;
    check_principal(values[0]).map_err(|e| ("principal", e))?;
    let operation = Operation::parse(values[2]).map_err(|e| ("operation", e))?;
    let permission = Permission::parse(values[3]).map_err(|e| ("permissionType", e))?;
    Ok((values[0].to_string(), values[1].to_string(), operation, permission))
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
