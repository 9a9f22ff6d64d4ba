use super::*;
use crate::acl::authorizer::AuthorizerConfig;
use crate::acl::check::check;
use crate::acl::profiles::{requirements, Profile, ProfileInputs};
use crate::acl::source::parse;

fn consumer_rows(acls_text: &str, principal: &str) -> Vec<Row> {
    let acls = parse(acls_text).unwrap();
    let inputs =
        ProfileInputs { topics: vec!["orders".into()], group: Some("orders-app".into()), ..Default::default() };
    check(&acls, &AuthorizerConfig::default(), principal, "*", requirements(Profile::Consumer, &inputs).unwrap())
}

const TOPIC_READ_ONLY: &str = r#"[{"principal":"User:sa-123","permission":"ALLOW","operation":"READ","resource_type":"TOPIC","resource_name":"orders","pattern_type":"LITERAL"}]"#;

#[test]
fn missing_group_read_becomes_one_kafka_acls_command() {
    let rows = consumer_rows(TOPIC_READ_ONLY, "User:sa-123");
    assert_eq!(
        fix_commands(FixFormat::KafkaAcls, "User:sa-123", &rows, "<bootstrap>"),
        ["kafka-acls --bootstrap-server '<bootstrap>' --add --allow-principal User:sa-123 --operation Read --group orders-app"]
    );
}

#[test]
fn missing_group_read_becomes_one_confluent_command() {
    let rows = consumer_rows(TOPIC_READ_ONLY, "User:sa-123");
    assert_eq!(
        fix_commands(FixFormat::Confluent, "User:sa-123", &rows, "<bootstrap>"),
        ["confluent kafka acl create --allow --service-account sa-123 --operations read --consumer-group orders-app"]
    );
}

#[test]
fn a_deny_is_removed_not_outvoted() {
    let acls = r#"[
      {"principal":"User:*","permission":"DENY","operation":"ALL","resource_type":"GROUP","resource_name":"orders","pattern_type":"PREFIXED"},
      {"principal":"User:bob","permission":"ALLOW","operation":"ALL","resource_type":"TOPIC","resource_name":"*","pattern_type":"LITERAL"}
    ]"#;
    let rows = consumer_rows(acls, "User:bob");
    let kafka = fix_commands(FixFormat::KafkaAcls, "User:bob", &rows, "broker:9092");
    assert_eq!(kafka.len(), 2, "{kafka:?}");
    assert!(kafka[0].starts_with("# DENY User:* ALL on GROUP:PREFIXED:orders"), "{kafka:?}");
    assert_eq!(
        kafka[1],
        "kafka-acls --bootstrap-server broker:9092 --remove --force --deny-principal 'User:*' --deny-host '*' --operation All --group orders --resource-pattern-type prefixed"
    );
    let confluent = fix_commands(FixFormat::Confluent, "User:bob", &rows, "broker:9092");
    assert!(confluent[1].starts_with("# the confluent CLI cannot delete"), "{confluent:?}");
}

#[test]
fn implied_describe_is_left_out_and_prefixes_kept() {
    let inputs = ProfileInputs { plan_name: Some("p".into()), ..Default::default() };
    let rows = check(
        &[],
        &AuthorizerConfig::default(),
        "User:kdeck",
        "*",
        requirements(Profile::KdeckDestination, &inputs).unwrap(),
    );
    let kafka = fix_commands(FixFormat::KafkaAcls, "User:kdeck", &rows, "<bootstrap>");
    assert_eq!(
        kafka,
        [
            "kafka-acls --bootstrap-server '<bootstrap>' --add --allow-principal User:kdeck --operation Read --operation Write --operation Create --topic _kdeck-p-offsets",
            "kafka-acls --bootstrap-server '<bootstrap>' --add --allow-principal User:kdeck --operation Write --transactional-id kdeck-p-lane- --resource-pattern-type prefixed",
        ]
    );
    let confluent = fix_commands(FixFormat::Confluent, "User:kdeck", &rows, "<bootstrap>");
    assert_eq!(
        confluent[1],
        "confluent kafka acl create --allow --principal User:kdeck --operations write --transactional-id kdeck-p-lane- --prefix"
    );
}

#[test]
fn shell_quoting() {
    assert_eq!(shell_quote("orders.v1"), "orders.v1");
    assert_eq!(shell_quote("User:*"), "'User:*'");
    assert_eq!(shell_quote("it's"), "'it'\\''s'");
    assert_eq!(shell_quote(""), "''");
}

#[test]
fn kafka_acls_fixes_for_a_secured_cluster_write_their_client_config_first() {
    let mut properties = crate::config::ClientProperties::new();
    for (key, value) in [
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanisms", "SCRAM-SHA-512"),
        ("sasl.username", "migrator"),
        ("sasl.password", "Fix-Secret-Pw-1"),
    ] {
        properties.set(key, value);
    }
    let security = crate::cheatsheet::security::Security::from_properties(&properties);
    let lines = vec!["# a comment".to_string(), "kafka-acls --bootstrap-server b:9096 --add x".to_string()];
    let secured = with_client_config(FixFormat::KafkaAcls, lines.clone(), &security);
    assert_eq!(
        secured[1],
        "printf '%s\\n' security.protocol=SASL_SSL sasl.mechanism=SCRAM-SHA-512 \"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username='migrator' password='$KAFKA_PASSWORD';\" > kdeck-client.properties"
    );
    assert_eq!(secured[2], "# a comment");
    assert_eq!(secured[3], "kafka-acls --bootstrap-server b:9096 --add x --command-config kdeck-client.properties");
    assert!(!secured.join("\n").contains("Fix-Secret-Pw-1"));
    assert_eq!(with_client_config(FixFormat::Confluent, lines.clone(), &security), lines);
    let plaintext = crate::cheatsheet::security::Security::from_properties(&crate::config::ClientProperties::new());
    assert_eq!(with_client_config(FixFormat::KafkaAcls, lines.clone(), &plaintext), lines);
}
