//! DescribeAcls, which rust-rdkafka does not wrap: librdkafka's `rd_kafka_DescribeAcls`
//! through `rdkafka::bindings`. Every raw handle is owned by one guard and destroyed once.
//!
//! Neither test broker serves ACL APIs (librdkafka's mock and tansu), so the tests
//! cover the mapping of librdkafka's `rd_kafka_AclBinding_t` objects and the failure
//! against a broker without DescribeAcls; a live answer is not exercised.

use std::ffi::{c_char, CStr};
use std::ptr;
use std::time::Duration;

use rdkafka::bindings as rd;

use crate::acl::model::{AclBinding, Operation, PatternType, Permission, ResourceType};
use crate::config::ResolvedCluster;
use crate::error::Failure;

/// Every ACL the cluster's authorizer holds (a filter matching anything). Needs
/// DESCRIBE on the cluster. ACLs of types librdkafka cannot name (DELEGATION_TOKEN,
/// USER) are left out: they never decide a topic, group, cluster or transactional id.
pub fn describe_acls(cluster: &ResolvedCluster, timeout: Duration) -> Result<Vec<AclBinding>, Failure> {
    let client = super::client::admin(cluster, timeout)?;
    let rk = client.inner().native_ptr();
    let failure = |detail: String| Failure::runtime(format!("DescribeAcls on cluster {}: {detail}", cluster.name));
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);

    let mut errstr = [0 as c_char; 512];
    // SAFETY: null name/principal/host mean "any" for a filter; errstr is writable for its length.
    let filter = Guard(
        unsafe {
            rd::rd_kafka_AclBindingFilter_new(
                rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_ANY,
                ptr::null(),
                rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_ANY,
                ptr::null(),
                ptr::null(),
                rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_ANY,
                rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        },
        rd::rd_kafka_AclBinding_destroy,
    );
    if filter.0.is_null() {
        // SAFETY: librdkafka NUL-terminates errstr on failure.
        return Err(failure(unsafe { text(errstr.as_ptr()) }));
    }
    // SAFETY: rk is the live client handle, borrowed for the duration of this function.
    let options = Guard(
        unsafe { rd::rd_kafka_AdminOptions_new(rk, rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS) },
        rd::rd_kafka_AdminOptions_destroy,
    );
    // SAFETY: options is a valid handle; errstr as above. A rejected timeout keeps the default.
    unsafe { rd::rd_kafka_AdminOptions_set_request_timeout(options.0, timeout_ms, errstr.as_mut_ptr(), errstr.len()) };
    // SAFETY: rk is live; the queue is destroyed by its guard before the client drops.
    let queue = Guard(unsafe { rd::rd_kafka_queue_new(rk) }, rd::rd_kafka_queue_destroy);
    // SAFETY: all three handles are valid; librdkafka copies the filter and options.
    unsafe { rd::rd_kafka_DescribeAcls(rk, filter.0, options.0, queue.0) };
    // The request timeout bounds the answer; the margin lets librdkafka report it itself.
    let wait_ms = timeout_ms.saturating_add(1000);
    // SAFETY: queue is valid; the event (if any) is destroyed by its guard.
    let event = Guard(unsafe { rd::rd_kafka_queue_poll(queue.0, wait_ms) }, rd::rd_kafka_event_destroy);
    if event.0.is_null() {
        return Err(failure(format!("no answer within {} ms", wait_ms)));
    }
    // SAFETY: event is a valid admin result event.
    let code = unsafe { rd::rd_kafka_event_error(event.0) };
    if code != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        // SAFETY: the string lives as long as the event.
        return Err(failure(unsafe { text(rd::rd_kafka_event_error_string(event.0)) }));
    }
    // SAFETY: the event is a DescribeAcls result; the array and bindings live as long as the event.
    let bindings = unsafe {
        let result = rd::rd_kafka_event_DescribeAcls_result(event.0);
        if result.is_null() {
            return Err(failure("the answer was not a DescribeAcls result".to_string()));
        }
        let mut count = 0usize;
        let array = rd::rd_kafka_DescribeAcls_result_acls(result, &mut count);
        if array.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(array, count).iter().filter_map(|&binding| from_librdkafka(binding)).collect()
        }
    };
    Ok(bindings)
}

/// Owns one librdkafka handle and destroys it on every path out.
struct Guard<T>(*mut T, unsafe extern "C" fn(*mut T));

impl<T> Drop for Guard<T> {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from the matching constructor and is destroyed only here.
            unsafe { (self.1)(self.0) }
        }
    }
}

/// SAFETY: `s` is null or a NUL-terminated string valid for the call.
unsafe fn text(s: *const c_char) -> String {
    if s.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }
}

/// Maps one librdkafka binding; None for what kdeck's model cannot hold. librdkafka
/// turns out-of-range wire values into UNKNOWN (`rd_kafka_DescribeAclsResponse_parse`),
/// so the enums read here are always in range.
///
/// SAFETY: `binding` is a valid `rd_kafka_AclBinding_t` for the duration of the call.
unsafe fn from_librdkafka(binding: *const rd::rd_kafka_AclBinding_t) -> Option<AclBinding> {
    use rd::rd_kafka_AclOperation_t as Op;
    use rd::rd_kafka_ResourceType_t as Res;
    let resource_type = match unsafe { rd::rd_kafka_AclBinding_restype(binding) } {
        Res::RD_KAFKA_RESOURCE_TOPIC => ResourceType::Topic,
        Res::RD_KAFKA_RESOURCE_GROUP => ResourceType::Group,
        // Kafka's CLUSTER is wire value 4, which librdkafka names BROKER.
        Res::RD_KAFKA_RESOURCE_BROKER => ResourceType::Cluster,
        Res::RD_KAFKA_RESOURCE_TRANSACTIONAL_ID => ResourceType::TransactionalId,
        _ => return None,
    };
    let pattern_type = match unsafe { rd::rd_kafka_AclBinding_resource_pattern_type(binding) } {
        rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_LITERAL => PatternType::Literal,
        rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_PREFIXED => PatternType::Prefixed,
        _ => return None,
    };
    let operation = match unsafe { rd::rd_kafka_AclBinding_operation(binding) } {
        Op::RD_KAFKA_ACL_OPERATION_ALL => Operation::All,
        Op::RD_KAFKA_ACL_OPERATION_READ => Operation::Read,
        Op::RD_KAFKA_ACL_OPERATION_WRITE => Operation::Write,
        Op::RD_KAFKA_ACL_OPERATION_CREATE => Operation::Create,
        Op::RD_KAFKA_ACL_OPERATION_DELETE => Operation::Delete,
        Op::RD_KAFKA_ACL_OPERATION_ALTER => Operation::Alter,
        Op::RD_KAFKA_ACL_OPERATION_DESCRIBE => Operation::Describe,
        Op::RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION => Operation::ClusterAction,
        Op::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS => Operation::DescribeConfigs,
        Op::RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS => Operation::AlterConfigs,
        Op::RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE => Operation::IdempotentWrite,
        _ => return None,
    };
    let permission = match unsafe { rd::rd_kafka_AclBinding_permission_type(binding) } {
        rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW => Permission::Allow,
        rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_DENY => Permission::Deny,
        _ => return None,
    };
    Some(AclBinding {
        resource_type,
        resource_name: unsafe { text(rd::rd_kafka_AclBinding_name(binding)) },
        pattern_type,
        principal: unsafe { text(rd::rd_kafka_AclBinding_principal(binding)) },
        host: unsafe { text(rd::rd_kafka_AclBinding_host(binding)) },
        operation,
        permission,
    })
}

#[cfg(test)]
#[path = "acls_tests.rs"]
mod tests;
