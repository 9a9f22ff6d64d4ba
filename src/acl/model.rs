//! Kafka's ACL vocabulary: resource types, pattern types, operations, permissions
//! and the binding that ties them together. Names follow Kafka's Java enums.

use std::fmt;

/// The concrete resource types of `org.apache.kafka.common.resource.ResourceType`
/// (UNKNOWN and ANY are filter-only, so they are not representable here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Topic,
    Group,
    Cluster,
    TransactionalId,
    DelegationToken,
    User,
}

/// LITERAL or PREFIXED; the `*` wildcard is a LITERAL named `*`, as in Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternType {
    Literal,
    Prefixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    All,
    Read,
    Write,
    Create,
    Delete,
    Alter,
    Describe,
    ClusterAction,
    DescribeConfigs,
    AlterConfigs,
    IdempotentWrite,
    CreateTokens,
    DescribeTokens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    Allow,
    Deny,
}

/// The only name Kafka accepts for the CLUSTER resource.
pub const CLUSTER_NAME: &str = "kafka-cluster";
pub const WILDCARD: &str = "*";
pub const WILDCARD_PRINCIPAL: &str = "User:*";

/// Compares enum names the way users type them: `DescribeConfigs`,
/// `describe-configs` and `DESCRIBE_CONFIGS` are the same name.
fn folded(name: &str) -> String {
    name.chars().filter(|c| *c != '-' && *c != '_').flat_map(char::to_uppercase).collect()
}

macro_rules! kafka_enum {
    ($ty:ident, $what:literal, [$(($variant:ident, $kafka:literal, $pascal:literal)),+ $(,)?]) => {
        impl $ty {
            pub const ALL_VALUES: &'static [$ty] = &[$($ty::$variant),+];

            /// The name in Kafka's enum (`DESCRIBE_CONFIGS`).
            pub fn kafka_name(self) -> &'static str {
                match self { $($ty::$variant => $kafka),+ }
            }

            /// The name kafka-acls.sh prints and parses (`DescribeConfigs`).
            pub fn pascal_name(self) -> &'static str {
                match self { $($ty::$variant => $pascal),+ }
            }

            /// Parses a name case-insensitively, with `-`, `_` or nothing between words.
            pub fn parse(name: &str) -> Result<Self, String> {
                let wanted = folded(name.trim());
                Self::ALL_VALUES.iter().copied().find(|v| folded(v.kafka_name()) == wanted).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL_VALUES.iter().map(|v| v.kafka_name()).collect();
                    format!("unknown {} {:?} (expected one of {})", $what, name, names.join(", "))
                })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.kafka_name())
            }
        }
    };
}

kafka_enum!(
    ResourceType,
    "resource type",
    [
        (Topic, "TOPIC", "Topic"),
        (Group, "GROUP", "Group"),
        (Cluster, "CLUSTER", "Cluster"),
        (TransactionalId, "TRANSACTIONAL_ID", "TransactionalId"),
        (DelegationToken, "DELEGATION_TOKEN", "DelegationToken"),
        (User, "USER", "User"),
    ]
);

kafka_enum!(PatternType, "pattern type", [(Literal, "LITERAL", "Literal"), (Prefixed, "PREFIXED", "Prefixed")]);

kafka_enum!(
    Operation,
    "operation",
    [
        (All, "ALL", "All"),
        (Read, "READ", "Read"),
        (Write, "WRITE", "Write"),
        (Create, "CREATE", "Create"),
        (Delete, "DELETE", "Delete"),
        (Alter, "ALTER", "Alter"),
        (Describe, "DESCRIBE", "Describe"),
        (ClusterAction, "CLUSTER_ACTION", "ClusterAction"),
        (DescribeConfigs, "DESCRIBE_CONFIGS", "DescribeConfigs"),
        (AlterConfigs, "ALTER_CONFIGS", "AlterConfigs"),
        (IdempotentWrite, "IDEMPOTENT_WRITE", "IdempotentWrite"),
        (CreateTokens, "CREATE_TOKENS", "CreateTokens"),
        (DescribeTokens, "DESCRIBE_TOKENS", "DescribeTokens"),
    ]
);

kafka_enum!(Permission, "permission", [(Allow, "ALLOW", "Allow"), (Deny, "DENY", "Deny")]);

/// Checks the `Type:name` shape Kafka requires of principals (`SecurityUtils.parseKafkaPrincipal`
/// splits at the first colon, so names may contain colons).
pub fn check_principal(principal: &str) -> Result<(), String> {
    match principal.split_once(':') {
        Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(format!("principal {principal:?} is not Type:name (for example User:alice)")),
    }
}

/// One ACL: a resource pattern and an access control entry, as Kafka's `AclBinding`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AclBinding {
    pub resource_type: ResourceType,
    pub resource_name: String,
    pub pattern_type: PatternType,
    pub principal: String,
    pub host: String,
    pub operation: Operation,
    pub permission: Permission,
}

impl AclBinding {
    /// Whether this ACL's resource pattern covers the (literal) resource `name` of `resource_type`.
    pub fn covers(&self, resource_type: ResourceType, name: &str) -> bool {
        self.resource_type == resource_type
            && match self.pattern_type {
                PatternType::Literal => self.resource_name == name || self.resource_name == WILDCARD,
                PatternType::Prefixed => name.starts_with(&self.resource_name),
            }
    }
}

impl fmt::Display for AclBinding {
    /// Reads like the resource half of Kafka's audit log line, with the entry in front.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} on {}:{}:{} from host {}",
            self.permission,
            self.principal,
            self.operation,
            self.resource_type,
            self.pattern_type,
            self.resource_name,
            self.host
        )
    }
}
