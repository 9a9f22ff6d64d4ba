//! The response mapping at the librdkafka API level: bindings built by librdkafka
//! itself (`rd_kafka_AclBinding_new`, the same type DescribeAcls answers with) are
//! read back through the accessors `describe_acls` uses.

use std::ffi::CString;

use super::*;
use rd::rd_kafka_AclOperation_t as Op;
use rd::rd_kafka_AclPermissionType_t as Perm;
use rd::rd_kafka_ResourcePatternType_t as Pat;
use rd::rd_kafka_ResourceType_t as Res;

fn map(res: Res, name: &str, pattern: Pat, principal: &str, host: &str, op: Op, perm: Perm) -> Option<AclBinding> {
    let (name, principal, host) =
        (CString::new(name).unwrap(), CString::new(principal).unwrap(), CString::new(host).unwrap());
    let mut errstr = [0 as c_char; 256];
    // SAFETY: valid C strings and a writable errstr; the binding is destroyed by the guard.
    let binding = Guard(
        unsafe {
            rd::rd_kafka_AclBinding_new(
                res,
                name.as_ptr(),
                pattern,
                principal.as_ptr(),
                host.as_ptr(),
                op,
                perm,
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        },
        rd::rd_kafka_AclBinding_destroy,
    );
    assert!(!binding.0.is_null(), "{}", unsafe { text(errstr.as_ptr()) });
    // SAFETY: a valid binding, alive until the guard drops after this call.
    unsafe { from_librdkafka(binding.0) }
}

#[test]
fn maps_every_field_of_a_binding() {
    let acl = map(
        Res::RD_KAFKA_RESOURCE_TOPIC,
        "orders",
        Pat::RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
        "User:CN=app,OU=eng",
        "10.1.2.3",
        Op::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
        Perm::RD_KAFKA_ACL_PERMISSION_TYPE_DENY,
    );
    assert_eq!(
        acl,
        Some(AclBinding {
            resource_type: ResourceType::Topic,
            resource_name: "orders".into(),
            pattern_type: PatternType::Prefixed,
            principal: "User:CN=app,OU=eng".into(),
            host: "10.1.2.3".into(),
            operation: Operation::DescribeConfigs,
            permission: Permission::Deny,
        })
    );
}

#[test]
fn maps_resource_types_and_operations() {
    let cases = [
        (Res::RD_KAFKA_RESOURCE_GROUP, Op::RD_KAFKA_ACL_OPERATION_READ, ResourceType::Group, Operation::Read),
        (
            Res::RD_KAFKA_RESOURCE_BROKER,
            Op::RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE,
            ResourceType::Cluster,
            Operation::IdempotentWrite,
        ),
        (
            Res::RD_KAFKA_RESOURCE_TRANSACTIONAL_ID,
            Op::RD_KAFKA_ACL_OPERATION_WRITE,
            ResourceType::TransactionalId,
            Operation::Write,
        ),
        (Res::RD_KAFKA_RESOURCE_TOPIC, Op::RD_KAFKA_ACL_OPERATION_ALL, ResourceType::Topic, Operation::All),
        (
            Res::RD_KAFKA_RESOURCE_TOPIC,
            Op::RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION,
            ResourceType::Topic,
            Operation::ClusterAction,
        ),
    ];
    for (res, op, resource_type, operation) in cases {
        let acl = map(
            res,
            "x",
            Pat::RD_KAFKA_RESOURCE_PATTERN_LITERAL,
            "User:*",
            "*",
            op,
            Perm::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
        )
        .unwrap();
        assert_eq!((acl.resource_type, acl.operation, acl.permission), (resource_type, operation, Permission::Allow));
    }
}
