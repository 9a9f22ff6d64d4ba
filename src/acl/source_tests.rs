use super::*;

const CLOUD_JSON: &str = r#"[
  {
    "principal": "User:sa-12345",
    "permission": "ALLOW",
    "operation": "READ",
    "resource_type": "TOPIC",
    "resource_name": "test-topic",
    "pattern_type": "LITERAL"
  },
  {
    "principal": "User:sa-12345",
    "permission": "deny",
    "operation": "describe-configs",
    "resource_type": "transactional_id",
    "resource_name": "app-",
    "pattern_type": "Prefixed",
    "host": "10.0.0.1"
  }
]"#;

#[test]
fn reads_confluent_cloud_json() {
    let acls = parse(CLOUD_JSON).unwrap();
    assert_eq!(acls.len(), 2);
    assert_eq!(acls[0].host, "*", "Cloud has no host key: always *");
    assert_eq!(acls[0].operation, Operation::Read);
    assert_eq!(acls[1].permission, Permission::Deny);
    assert_eq!(acls[1].operation, Operation::DescribeConfigs);
    assert_eq!(acls[1].resource_type, ResourceType::TransactionalId);
    assert_eq!(acls[1].pattern_type, PatternType::Prefixed);
    assert_eq!(acls[1].host, "10.0.0.1");
}

#[test]
fn json_errors_name_the_line_and_the_field() {
    let bad = CLOUD_JSON.replace("\"describe-configs\"", "\"REED\"");
    let (line, field, message) = parse(&bad).unwrap_err();
    assert_eq!((line, field.as_str()), (13, "operation"));
    assert!(message.contains("REED") && message.contains("DESCRIBE_CONFIGS"), "{message}");

    let missing = CLOUD_JSON.replace("\"pattern_type\": \"LITERAL\"", "\"pattern\": \"LITERAL\"");
    let (line, field, _) = parse(&missing).unwrap_err();
    assert_eq!((line, field.as_str()), (9, "pattern_type"));

    let principal = CLOUD_JSON
        .replace("\"User:sa-12345\",\n    \"permission\": \"ALLOW\"", "\"sa-12345\",\n    \"permission\": \"ALLOW\"");
    let (line, field, _) = parse(&principal).unwrap_err();
    assert_eq!((line, field.as_str()), (3, "principal"));

    let number = CLOUD_JSON.replace("\"test-topic\"", "42");
    let (line, field, message) = parse(&number).unwrap_err();
    assert_eq!((line, field.as_str(), message.as_str()), (7, "resource_name", "expected a string, found 42"));

    let host = CLOUD_JSON.replace("\"10.0.0.1\"", "null");
    assert_eq!(parse(&host).unwrap_err().1, "host");

    let (line, field, _) = parse("[{\"principal\": \"User:a\",").unwrap_err();
    assert_eq!((line, field.as_str()), (1, "JSON"));
}

const KAFKA_ACLS_LIST: &str = "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n \t(principal=User:app, host=*, operation=READ, permissionType=ALLOW)\n\t(principal=User:CN=app,OU=eng, host=10.1.2.3, operation=DescribeConfigs, permissionType=DENY) \n\nCurrent ACLs for resource `ResourcePattern(resourceType=GROUP, name=team, a, patternType=PREFIXED)`: \n \t(principal=User:*, host=*, operation=ALL, permissionType=ALLOW)\n\n";

#[test]
fn reads_kafka_acls_list_output() {
    let acls = parse(KAFKA_ACLS_LIST).unwrap();
    assert_eq!(acls.len(), 3);
    assert_eq!(acls[0].resource_name, "orders");
    assert_eq!(acls[1].principal, "User:CN=app,OU=eng");
    assert_eq!(acls[1].host, "10.1.2.3");
    assert_eq!(acls[1].operation, Operation::DescribeConfigs);
    assert_eq!(acls[2].resource_type, ResourceType::Group);
    assert_eq!(acls[2].resource_name, "team, a");
    assert_eq!(acls[2].pattern_type, PatternType::Prefixed);
    assert_eq!(acls[2].operation, Operation::All);
}

#[test]
fn kafka_acls_errors_name_the_line_and_the_field() {
    let bad = KAFKA_ACLS_LIST.replace("operation=READ", "operation=Reed");
    assert_eq!(parse(&bad).unwrap_err().0, 2);
    assert_eq!(parse(&bad).unwrap_err().1, "operation");
    let bad = KAFKA_ACLS_LIST.replace("resourceType=GROUP", "resourceType=QUEUE");
    assert_eq!(parse(&bad).unwrap_err().0, 5);
    assert_eq!(parse(&bad).unwrap_err().1, "resourceType");
    let bad = KAFKA_ACLS_LIST.replace(", permissionType=ALLOW)\n\t", ")\n\t");
    assert_eq!(parse(&bad).unwrap_err().1, "permissionType");
    let (line, field, _) = parse("hello\n").unwrap_err();
    assert_eq!((line, field.as_str()), (1, "line"));
    let (line, field, _) = parse("\n(principal=User:a, host=*, operation=READ, permissionType=ALLOW)\n").unwrap_err();
    assert_eq!((line, field.as_str()), (2, "resource"));
    let (line, field, message) = parse("\n  {\"acls\": []}\n").unwrap_err();
    assert_eq!((line, field.as_str()), (2, "format"));
    assert!(message.starts_with("a JSON object: expected the JSON array"), "{message}");
}

#[test]
fn file_error_is_one_line_naming_the_file() {
    let err = load(Path::new("/nonexistent/acls.json")).unwrap_err();
    assert!(err.to_string().starts_with("ACL file /nonexistent/acls.json: cannot read"), "{err}");
    let err = AclFileError { path: "a.json".into(), line: 3, field: "operation".into(), message: "bad".into() };
    assert_eq!(err.to_string(), "ACL file a.json line 3: operation: bad");
}
