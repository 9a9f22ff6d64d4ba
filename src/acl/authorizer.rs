//! A pure port of Kafka's `StandardAuthorizer.authorize` decision (KRaft; the removed
//! ZooKeeper `AclAuthorizer` decided the same way). See docs/ACL.md.

use std::fmt;

use super::model::{AclBinding, Operation, Permission, ResourceType, WILDCARD, WILDCARD_PRINCIPAL};

/// The broker settings that change a decision besides the ACLs themselves.
#[derive(Debug, Clone, Default)]
pub struct AuthorizerConfig {
    /// `super.users`, each `Type:name`, compared exactly (case-sensitive), as Kafka does.
    pub super_users: Vec<String>,
    /// `allow.everyone.if.no.acl.found`.
    pub allow_everyone_if_no_acl_found: bool,
}

impl AuthorizerConfig {
    /// Parses `super.users` the way StandardAuthorizer does: split at `;`, trim, require `Type:name`.
    pub fn parse_super_users(list: &str) -> Result<Vec<String>, String> {
        list.split(';')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                super::model::check_principal(entry)
                    .map(|()| entry.to_string())
                    .map_err(|e| format!("super users: {e}"))
            })
            .collect()
    }
}

/// What is being asked: may `principal`, connecting from `host`, do `operation` on the resource?
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: &'a str,
    pub host: &'a str,
    pub operation: Operation,
    pub resource_type: ResourceType,
    pub resource_name: &'a str,
}

/// Why the authorizer decided as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    SuperUser,
    Acl(AclBinding),
    /// The resource has ACLs, but none for this principal, host and operation.
    NoMatchingAcl,
    /// The resource has no ACL at all, for anyone, and the broker allows everyone then.
    AllowEveryoneIfNoAclFound,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SuperUser => f.write_str("super user"),
            Reason::Acl(acl) => write!(f, "{acl}"),
            Reason::NoMatchingAcl => f.write_str("no matching ACL"),
            Reason::AllowEveryoneIfNoAclFound => f.write_str("allow.everyone.if.no.acl.found"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
}

impl Decision {
    /// The DENY ACL that decided, when one did: adding an ALLOW cannot fix that.
    pub fn deciding_deny(&self) -> Option<&AclBinding> {
        match &self.reason {
            Reason::Acl(acl) if acl.permission == Permission::Deny => Some(acl),
            _ => None,
        }
    }
}

pub fn authorize(acls: &[AclBinding], config: &AuthorizerConfig, request: &Request<'_>) -> Decision {
    if config.super_users.iter().any(|user| user == request.principal) {
        return Decision { allowed: true, reason: Reason::SuperUser };
    }
    let covering: Vec<&AclBinding> =
        acls.iter().filter(|acl| acl.covers(request.resource_type, request.resource_name)).collect();
    // Any ACL on the resource, for anyone, closes it: allow.everyone only opens untouched resources.
    if covering.is_empty() {
        return if config.allow_everyone_if_no_acl_found {
            Decision { allowed: true, reason: Reason::AllowEveryoneIfNoAclFound }
        } else {
            Decision { allowed: false, reason: Reason::NoMatchingAcl }
        };
    }
    let applicable = covering.into_iter().filter(|acl| {
        (acl.principal == request.principal || acl.principal == WILDCARD_PRINCIPAL)
            && (acl.host == WILDCARD || acl.host == request.host)
    });
    // Any matching ALLOW decides as well as another; the one naming the operation itself
    // (then ALL, then an implying one) is the clearest to show.
    let mut allow: Option<(u8, &AclBinding)> = None;
    for acl in applicable {
        match acl.permission {
            // DENY wins whatever its specificity, so the first one decides.
            Permission::Deny if denies(acl.operation, request.operation) => {
                return Decision { allowed: false, reason: Reason::Acl(acl.clone()) };
            }
            Permission::Allow if allows(acl.operation, request.operation) => {
                let rank = match acl.operation {
                    op if op == request.operation => 0,
                    Operation::All => 1,
                    _ => 2,
                };
                if allow.is_none_or(|(best, _)| rank < best) {
                    allow = Some((rank, acl));
                }
            }
            _ => {}
        }
    }
    match allow {
        Some((_, acl)) => Decision { allowed: true, reason: Reason::Acl(acl.clone()) },
        None => Decision { allowed: false, reason: Reason::NoMatchingAcl },
    }
}

/// DENY never implies: only ALL or the exact operation deny.
fn denies(acl_operation: Operation, requested: Operation) -> bool {
    acl_operation == Operation::All || acl_operation == requested
}

/// ALLOW implications of `AclOperation`'s javadoc, as `StandardAuthorizerData` implements them.
pub fn allows(acl_operation: Operation, requested: Operation) -> bool {
    use Operation::*;
    acl_operation == All
        || acl_operation == requested
        || (requested == Describe && matches!(acl_operation, Read | Write | Delete | Alter))
        || (requested == DescribeConfigs && acl_operation == AlterConfigs)
}

#[cfg(test)]
#[path = "authorizer_tests.rs"]
mod tests;
