//! Table-driven cases, each scenario derived from a test in Apache Kafka:
//! `core/src/test/scala/unit/kafka/security/authorizer/AuthorizerTest.scala` (AuthorizerTest)
//! and `metadata/src/test/java/org/apache/kafka/metadata/authorizer/StandardAuthorizerTest.java`
//! (StandardAuthorizerTest). Hosts such as `InetAddress.getLocalHost()` are replaced by fixed IPs.

use super::*;
use crate::acl::model::{PatternType, Permission};

/// What a check must decide: which ACL (by index in the scenario) or which rule.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Allow(usize),
    Deny(usize),
    DenyNoAcl,
    SuperUser,
    Everyone,
}
use Expect::*;

struct Scenario {
    /// The Kafka test this scenario comes from.
    kafka_test: &'static str,
    acls: &'static [&'static str],
    super_users: &'static [&'static str],
    allow_everyone: bool,
    /// (principal, host, "OPERATION TYPE NAME", expected)
    checks: &'static [(&'static str, &'static str, &'static str, Expect)],
}

/// "TYPE NAME PATTERN PRINCIPAL HOST OPERATION PERMISSION"
fn acl(spec: &str) -> AclBinding {
    let f: Vec<&str> = spec.split(' ').collect();
    AclBinding {
        resource_type: ResourceType::parse(f[0]).unwrap(),
        resource_name: f[1].to_string(),
        pattern_type: PatternType::parse(f[2]).unwrap(),
        principal: f[3].to_string(),
        host: f[4].to_string(),
        operation: Operation::parse(f[5]).unwrap(),
        permission: Permission::parse(f[6]).unwrap(),
    }
}

const H1: &str = "192.168.1.1";
const H2: &str = "192.168.1.2";
const LOCAL: &str = "10.0.0.9";

const SCENARIOS: &[Scenario] = &[
    Scenario {
        kafka_test: "AuthorizerTest.testTopicAcl",
        acls: &[
            "TOPIC foo-1 LITERAL User:alice 192.168.1.1 READ ALLOW",
            "TOPIC foo-1 LITERAL User:alice 192.168.1.2 READ ALLOW",
            "TOPIC foo-1 LITERAL User:alice 192.168.1.1 READ DENY",
            "TOPIC foo-1 LITERAL User:alice 192.168.1.1 WRITE ALLOW",
            "TOPIC foo-1 LITERAL User:alice * DESCRIBE ALLOW",
            "TOPIC foo-1 LITERAL User:rob * READ ALLOW",
            "TOPIC foo-1 LITERAL User:batman * WRITE ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H2, "READ TOPIC foo-1", Allow(1)),
            ("User:alice", H1, "READ TOPIC foo-1", Deny(2)),
            ("User:alice", H1, "WRITE TOPIC foo-1", Allow(3)),
            ("User:alice", H2, "WRITE TOPIC foo-1", DenyNoAcl),
            ("User:alice", H1, "DESCRIBE TOPIC foo-1", Allow(4)),
            ("User:alice", H2, "DESCRIBE TOPIC foo-1", Allow(4)),
            ("User:alice", H1, "ALTER TOPIC foo-1", DenyNoAcl),
            ("User:alice", H2, "ALTER TOPIC foo-1", DenyNoAcl),
            ("User:rob", H1, "DESCRIBE TOPIC foo-1", Allow(5)),
            ("User:batman", H1, "DESCRIBE TOPIC foo-1", Allow(6)),
            ("User:rob", H1, "READ TOPIC foo-1", Allow(5)),
            ("User:batman", H1, "WRITE TOPIC foo-1", Allow(6)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAllowAccessWithCustomPrincipal",
        acls: &["TOPIC foo-1 LITERAL User:alice 192.168.1.1 READ DENY", "TOPIC foo-1 LITERAL User:alice 192.168.1.2 READ ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", H2, "READ TOPIC foo-1", Allow(1)), ("User:alice", H1, "READ TOPIC foo-1", Deny(0))],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testDenyTakesPrecedence",
        acls: &["TOPIC foo-1 LITERAL User:* * ALL ALLOW", "TOPIC foo-1 LITERAL User:alice 192.168.2.1 ALL DENY"],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", "192.168.2.1", "READ TOPIC foo-1", Deny(1))],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAllowAllAccess",
        acls: &["TOPIC foo-1 LITERAL User:* * ALL ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:random", "192.0.4.4", "READ TOPIC foo-1", Allow(0))],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testSuperUserHasAccess / testSuperUserWithCustomPrincipalHasAccess",
        acls: &["TOPIC foo-1 LITERAL User:* * ALL DENY"],
        super_users: &["User:superuser1", "User:superuser2"],
        allow_everyone: false,
        checks: &[
            ("User:superuser1", "192.0.4.4", "READ TOPIC foo-1", SuperUser),
            ("User:superuser2", "192.0.4.4", "READ TOPIC foo-1", SuperUser),
            ("User:random", "192.0.4.4", "READ TOPIC foo-1", Deny(0)),
            // super.users compares exactly: "User" is case-sensitive (docs/security.html).
            ("user:superuser1", "192.0.4.4", "READ TOPIC foo-1", Deny(0)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testWildCardAcls",
        acls: &[
            "TOPIC * LITERAL User:alice 192.168.3.1 READ ALLOW",
            "TOPIC foo-1 LITERAL User:alice 192.168.3.1 WRITE ALLOW",
            "TOPIC * LITERAL User:alice 192.168.3.1 WRITE DENY",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", "192.168.3.1", "READ TOPIC foo-1", Allow(0)),
            ("User:alice", "192.168.3.1", "WRITE TOPIC foo-1", Deny(2)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testNoAclFound / testWildCardAcls (fail closed)",
        acls: &[],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", H1, "READ TOPIC foo-1", DenyNoAcl), ("User:alice", H1, "READ GROUP g", DenyNoAcl)],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testNoAclFoundOverride",
        acls: &[],
        super_users: &[],
        allow_everyone: true,
        checks: &[("User:alice", H1, "READ TOPIC foo-1", Everyone)],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAclInheritance (testImplicationsOfAllow ALL)",
        acls: &["CLUSTER kafka-cluster LITERAL User:alice * ALL ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "CLUSTER_ACTION CLUSTER kafka-cluster", Allow(0)),
            ("User:alice", H1, "IDEMPOTENT_WRITE CLUSTER kafka-cluster", Allow(0)),
            ("User:alice", H1, "DESCRIBE_TOKENS CLUSTER kafka-cluster", Allow(0)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAclInheritance (testImplicationsOfDeny ALL)",
        acls: &["CLUSTER kafka-cluster LITERAL User:alice * ALL DENY", "CLUSTER kafka-cluster LITERAL User:alice * ALL ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "READ CLUSTER kafka-cluster", Deny(0)),
            ("User:alice", H1, "DESCRIBE CLUSTER kafka-cluster", Deny(0)),
            ("User:alice", H1, "ALTER_CONFIGS CLUSTER kafka-cluster", Deny(0)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAclInheritance (testImplicationsOfAllow READ/WRITE/DELETE/ALTER)",
        acls: &[
            "TOPIC r LITERAL User:alice * READ ALLOW",
            "TOPIC w LITERAL User:alice * WRITE ALLOW",
            "TOPIC d LITERAL User:alice * DELETE ALLOW",
            "TOPIC a LITERAL User:alice * ALTER ALLOW",
            "TOPIC c LITERAL User:alice * CREATE ALLOW",
            "TOPIC s LITERAL User:alice * DESCRIBE ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "DESCRIBE TOPIC r", Allow(0)),
            ("User:alice", H1, "WRITE TOPIC r", DenyNoAcl),
            ("User:alice", H1, "DESCRIBE TOPIC w", Allow(1)),
            ("User:alice", H1, "DESCRIBE TOPIC d", Allow(2)),
            ("User:alice", H1, "DESCRIBE TOPIC a", Allow(3)),
            ("User:alice", H1, "ALTER_CONFIGS TOPIC a", DenyNoAcl),
            // CREATE is not in IMPLIES_DESCRIBE (StandardAuthorizerData).
            ("User:alice", H1, "DESCRIBE TOPIC c", DenyNoAcl),
            ("User:alice", H1, "READ TOPIC s", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAclInheritance (testImplicationsOfAllow ALTER_CONFIGS)",
        acls: &["TOPIC t LITERAL User:alice * ALTER_CONFIGS ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "DESCRIBE_CONFIGS TOPIC t", Allow(0)),
            ("User:alice", H1, "DESCRIBE TOPIC t", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAclInheritance (testImplicationsOfDeny DESCRIBE, DESCRIBE_CONFIGS)",
        acls: &[
            "TOPIC t LITERAL User:alice * DESCRIBE DENY",
            "TOPIC t LITERAL User:alice * ALL ALLOW",
            "TOPIC u LITERAL User:alice * DESCRIBE_CONFIGS DENY",
            "TOPIC u LITERAL User:alice * ALL ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "DESCRIBE TOPIC t", Deny(0)),
            ("User:alice", H1, "READ TOPIC t", Allow(1)),
            ("User:alice", H1, "DESCRIBE_CONFIGS TOPIC u", Deny(2)),
            ("User:alice", H1, "ALTER_CONFIGS TOPIC u", Allow(3)),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testFindResultImplication (DENY does not imply)",
        acls: &["TOPIC foo_ PREFIXED User:bob * READ DENY", "TOPIC foo_ PREFIXED User:bob * ALTER_CONFIGS DENY"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:bob", H1, "DESCRIBE TOPIC foo_bar", DenyNoAcl),
            ("User:bob", H1, "READ TOPIC foo_bar", Deny(0)),
            ("User:bob", H1, "DESCRIBE_CONFIGS TOPIC foo_bar", DenyNoAcl),
            ("User:bob", H1, "ALTER_CONFIGS TOPIC foo_bar", Deny(1)),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAccessAllowedIfAllowAclExistsOnWildcardResource / OnPrefixedResource",
        acls: &["TOPIC * LITERAL User:alice * READ ALLOW", "GROUP foo- PREFIXED User:alice * READ ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", H1, "READ TOPIC foo-1", Allow(0)), ("User:alice", H1, "READ GROUP foo-123", Allow(1))],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAuthorizeWithPrefixedResource",
        acls: &[
            "TOPIC a_other LITERAL User:alice * READ DENY",
            "TOPIC a_other PREFIXED User:alice * READ DENY",
            "TOPIC foo-7c1 PREFIXED User:alice * READ DENY",
            "TOPIC foo-7c1-zzz PREFIXED User:alice * READ DENY",
            "TOPIC fooo- PREFIXED User:alice * READ DENY",
            "TOPIC fo- PREFIXED User:alice * READ DENY",
            "TOPIC fop- PREFIXED User:alice * READ DENY",
            "TOPIC fon- PREFIXED User:alice * READ DENY",
            "TOPIC z_other PREFIXED User:alice * READ DENY",
            "TOPIC z_other LITERAL User:alice * READ DENY",
            "TOPIC foo- PREFIXED User:alice * READ ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", H1, "READ TOPIC foo-123", Allow(10))],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testSingleCharacterResourceAcls",
        acls: &["TOPIC f LITERAL User:alice * READ ALLOW", "TOPIC _ PREFIXED User:alice * READ ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "READ TOPIC f", Allow(0)),
            ("User:alice", H1, "READ TOPIC foo", DenyNoAcl),
            ("User:alice", H1, "READ TOPIC _foo", Allow(1)),
            ("User:alice", H1, "READ TOPIC _", Allow(1)),
            ("User:alice", H1, "READ TOPIC foo_", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAuthorizeWithEmptyResourceName",
        acls: &["GROUP * LITERAL User:alice * READ ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:alice", H1, "READ GROUP ", Allow(0)), ("User:bob", H1, "READ GROUP ", DenyNoAcl)],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testSimpleAuthorizations",
        acls: &[
            "TOPIC foo_ PREFIXED User:bob * READ ALLOW",
            "TOPIC foo_ PREFIXED User:bob * WRITE ALLOW",
            "GROUP bar LITERAL User:* * DESCRIBE_CONFIGS ALLOW",
            "GROUP bar LITERAL User:* * ALTER_CONFIGS ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[("User:bob", H1, "READ TOPIC foo_", Allow(0)), ("User:fred", H1, "ALTER_CONFIGS GROUP bar", Allow(3))],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testDenyPrecedenceWithOperationAll",
        acls: &[
            "TOPIC foo LITERAL User:alice * ALL DENY",
            "TOPIC foo PREFIXED User:alice * READ ALLOW",
            "TOPIC foo LITERAL User:* * ALL DENY",
            "TOPIC foo PREFIXED User:* * DESCRIBE ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "WRITE TOPIC foo", Deny(0)),
            ("User:alice", H1, "READ TOPIC foo", Deny(0)),
            ("User:alice", H1, "DESCRIBE TOPIC foo", Deny(0)),
            ("User:alice", H1, "READ TOPIC foobar", Allow(1)),
            ("User:bob", H1, "DESCRIBE TOPIC foo", Deny(2)),
            ("User:bob", H1, "READ TOPIC foo", Deny(2)),
            ("User:bob", H1, "WRITE TOPIC foo", Deny(2)),
            ("User:bob", H1, "DESCRIBE TOPIC foobaz", Allow(3)),
            ("User:bob", H1, "READ TOPIC foobaz", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testTopicAclWithOperationAll",
        acls: &[
            "TOPIC foo LITERAL User:* * ALL ALLOW",
            "TOPIC bar PREFIXED User:alice * ALL ALLOW",
            "TOPIC baz LITERAL User:bob * ALL ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "WRITE TOPIC foo", Allow(0)),
            ("User:alice", H1, "DESCRIBE_CONFIGS TOPIC bar", Allow(1)),
            ("User:alice", H1, "DESCRIBE TOPIC baz", DenyNoAcl),
            ("User:bob", H1, "WRITE TOPIC foo", Allow(0)),
            ("User:bob", H1, "READ TOPIC bar", DenyNoAcl),
            ("User:bob", H1, "DESCRIBE TOPIC baz", Allow(2)),
            ("User:malory", H1, "DESCRIBE TOPIC foo", Allow(0)),
            ("User:malory", H1, "WRITE TOPIC bar", DenyNoAcl),
            ("User:malory", H1, "READ TOPIC baz", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testHostAddressAclValidation",
        acls: &[
            "TOPIC foo LITERAL User:alice 192.168.1.1 READ DENY",
            "TOPIC foo LITERAL User:alice * READ ALLOW",
            "TOPIC bar LITERAL User:bob 192.168.1.2 READ ALLOW",
            "TOPIC bar LITERAL User:* 10.0.0.9 DESCRIBE ALLOW",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", LOCAL, "READ TOPIC foo", Allow(1)),
            ("User:alice", LOCAL, "READ TOPIC bar", DenyNoAcl),
            ("User:alice", LOCAL, "DESCRIBE TOPIC bar", Allow(3)),
            ("User:alice", H1, "READ TOPIC foo", Deny(0)),
            ("User:alice", H1, "READ TOPIC bar", DenyNoAcl),
            ("User:alice", H1, "DESCRIBE TOPIC bar", DenyNoAcl),
            ("User:alice", H2, "READ TOPIC foo", Allow(1)),
            ("User:alice", H2, "READ TOPIC bar", DenyNoAcl),
            ("User:alice", H2, "DESCRIBE TOPIC bar", DenyNoAcl),
            ("User:bob", LOCAL, "READ TOPIC foo", DenyNoAcl),
            ("User:bob", LOCAL, "READ TOPIC bar", DenyNoAcl),
            ("User:bob", LOCAL, "DESCRIBE TOPIC bar", Allow(3)),
            ("User:bob", H1, "READ TOPIC foo", DenyNoAcl),
            ("User:bob", H1, "READ TOPIC bar", DenyNoAcl),
            ("User:bob", H1, "DESCRIBE TOPIC bar", DenyNoAcl),
            ("User:bob", H2, "READ TOPIC foo", DenyNoAcl),
            ("User:bob", H2, "READ TOPIC bar", Allow(2)),
            ("User:bob", H2, "DESCRIBE TOPIC bar", Allow(2)),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testAuthorizationWithManyAcls",
        acls: &[
            "TOPIC green2 LITERAL User:* * READ ALLOW",
            "TOPIC green PREFIXED User:bob * READ ALLOW",
            "TOPIC betamax4 LITERAL User:bob * READ ALLOW",
            "TOPIC betamax LITERAL User:bob * READ ALLOW",
            "TOPIC beta PREFIXED User:* * READ ALLOW",
            "TOPIC alpha PREFIXED User:* * READ ALLOW",
            "TOPIC alp PREFIXED User:bob * READ DENY",
            "GROUP * LITERAL User:bob * WRITE ALLOW",
            "GROUP wheel LITERAL User:* * WRITE DENY",
        ],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:bob", H1, "READ TOPIC green1", Allow(1)),
            ("User:bob", H1, "WRITE GROUP wheel", Deny(8)),
            ("User:bob", H1, "READ TOPIC alpha", Deny(6)),
            ("User:bob", H1, "WRITE GROUP arbitrary", Allow(7)),
            ("User:bob", H1, "READ TOPIC ala", DenyNoAcl),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testFindResultPrincipalMatching",
        acls: &["TOPIC foo_ PREFIXED User:bob * READ ALLOW", "GROUP bar LITERAL User:* * READ DENY"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:bob", H1, "READ TOPIC foo_bar", Allow(0)),
            ("User:alice", H1, "READ TOPIC foo_bar", DenyNoAcl),
            ("User:alice", H1, "READ GROUP bar", Deny(1)),
            // matchingPrincipals is {principal, User:*}: the wildcard matches any principal type.
            ("Group:admins", H1, "READ GROUP bar", Deny(1)),
        ],
    },
    Scenario {
        kafka_test: "StandardAuthorizerTest.testAllowEveryoneIfNoAclFoundConfigEnabled",
        acls: &["TOPIC topic1 LITERAL User:alice * READ ALLOW", "GROUP app- PREFIXED User:carol * READ ALLOW"],
        super_users: &[],
        allow_everyone: true,
        checks: &[
            ("User:alice", H1, "READ TOPIC topic1", Allow(0)),
            // An ACL for someone else closes the resource.
            ("User:bob", H1, "READ TOPIC topic1", DenyNoAcl),
            ("User:bob", H1, "READ TOPIC topic2", Everyone),
            ("User:bob", H1, "READ GROUP app-1", DenyNoAcl),
            // An ACL on another resource type does not close this one.
            ("User:bob", H1, "READ GROUP topic1", Everyone),
        ],
    },
    Scenario {
        kafka_test: "AuthorizerTest.testAuthorizeThrowsOnNonLiteralResource (names are literal; PREFIXED * is an ordinary prefix)",
        acls: &["TOPIC * PREFIXED User:alice * READ ALLOW", "TOPIC Orders LITERAL User:alice * READ ALLOW"],
        super_users: &[],
        allow_everyone: false,
        checks: &[
            ("User:alice", H1, "READ TOPIC orders", DenyNoAcl),
            ("User:alice", H1, "READ TOPIC *x", Allow(0)),
            ("User:alice", H1, "READ TOPIC Orders", Allow(1)),
        ],
    },
];

fn parse_check(spec: &str) -> (Operation, ResourceType, &str) {
    let mut parts = spec.splitn(3, ' ');
    let operation = Operation::parse(parts.next().unwrap()).unwrap();
    let resource_type = ResourceType::parse(parts.next().unwrap()).unwrap();
    (operation, resource_type, parts.next().unwrap_or(""))
}

#[test]
fn kafka_authorizer_cases() {
    let mut cases = 0;
    for scenario in SCENARIOS {
        let acls: Vec<AclBinding> = scenario.acls.iter().map(|spec| acl(spec)).collect();
        let config = AuthorizerConfig {
            super_users: scenario.super_users.iter().map(|s| s.to_string()).collect(),
            allow_everyone_if_no_acl_found: scenario.allow_everyone,
        };
        for &(principal, host, check, expect) in scenario.checks {
            let (operation, resource_type, resource_name) = parse_check(check);
            let request = Request { principal, host, operation, resource_type, resource_name };
            let decision = authorize(&acls, &config, &request);
            let wanted = match expect {
                Allow(i) => Decision { allowed: true, reason: Reason::Acl(acls[i].clone()) },
                Deny(i) => Decision { allowed: false, reason: Reason::Acl(acls[i].clone()) },
                DenyNoAcl => Decision { allowed: false, reason: Reason::NoMatchingAcl },
                SuperUser => Decision { allowed: true, reason: Reason::SuperUser },
                Everyone => Decision { allowed: true, reason: Reason::AllowEveryoneIfNoAclFound },
            };
            assert_eq!(decision, wanted, "{}: {principal}@{host} {check}", scenario.kafka_test);
            cases += 1;
        }
    }
    assert!(cases >= 60, "only {cases} cases");
}

/// AuthorizerTest.testAclInheritance, exhaustively: every operation against ALLOW/DENY of every other.
#[test]
fn implication_matrix_matches_acl_operation_javadoc() {
    use Operation::*;
    for &granted in Operation::ALL_VALUES {
        for &requested in Operation::ALL_VALUES {
            let implied = granted == All
                || granted == requested
                || (requested == Describe && [Read, Write, Delete, Alter].contains(&granted))
                || (requested == DescribeConfigs && granted == AlterConfigs);
            assert_eq!(allows(granted, requested), implied, "ALLOW {granted} -> {requested}");
            assert_eq!(
                denies(granted, requested),
                granted == All || granted == requested,
                "DENY {granted} -> {requested}"
            );
        }
    }
}

#[test]
fn super_users_parse_like_standard_authorizer() {
    assert_eq!(
        AuthorizerConfig::parse_super_users(" User:admin ; User:ops;").unwrap(),
        vec!["User:admin".to_string(), "User:ops".to_string()]
    );
    let err = AuthorizerConfig::parse_super_users("User:admin;bob").unwrap_err();
    assert!(err.contains("bob") && err.contains("Type:name"), "{err}");
}

#[test]
fn names_parse_case_insensitively_with_dash_or_underscore() {
    for name in ["DESCRIBE_CONFIGS", "describe-configs", "DescribeConfigs", "describe_configs"] {
        assert_eq!(Operation::parse(name).unwrap(), Operation::DescribeConfigs);
    }
    assert_eq!(ResourceType::parse("transactional-id").unwrap(), ResourceType::TransactionalId);
    assert!(Operation::parse("reed").unwrap_err().contains("READ"));
}
