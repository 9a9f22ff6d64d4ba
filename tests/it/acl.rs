//! `kdeck acl eval|check` on ACL files: the reference migration's failure (an app that
//! can produce but has no READ on its consumer group) is found, named and fixed by the
//! printed command; exit codes; one-line errors for malformed files.

use std::path::PathBuf;

use crate::support::{Kdeck, MockKafka, Run};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acl").join(name).to_str().unwrap().to_string()
}

fn check_consumer(kdeck: &Kdeck, acls: &str, fix: &str) -> Run {
    kdeck.run(
        &[
            "acl",
            "check",
            "--acls",
            acls,
            "--principal",
            "User:sa-orders",
            "--as",
            "consumer",
            "--topic",
            "orders",
            "--group",
            "orders-app",
            "--fix",
            fix,
        ],
        None,
    )
}

/// Applies a printed grant the way the broker would, by adding the ACL it creates to
/// a kafka-acls --list file. Handles exactly the shapes the fixes below print.
fn apply_grant(command: &str, acls_text: &mut String) {
    let words: Vec<&str> = command.split_whitespace().collect();
    let value = |flag: &str| words.iter().position(|w| *w == flag).map(|i| words[i + 1].trim_matches('\''));
    let (principal, operations): (String, Vec<String>) = if command.starts_with("kafka-acls ") {
        let ops = words.windows(2).filter(|w| w[0] == "--operation").map(|w| w[1].to_uppercase()).collect();
        (value("--allow-principal").unwrap().to_string(), ops)
    } else {
        let ops = value("--operations").unwrap().split(',').map(|op| op.to_uppercase().replace('-', "_")).collect();
        (format!("User:{}", value("--service-account").unwrap()), ops)
    };
    let (resource_type, name) = match (value("--group").or(value("--consumer-group")), value("--topic")) {
        (Some(group), _) => ("GROUP", group),
        (None, Some(topic)) => ("TOPIC", topic),
        _ => panic!("unexpected fix {command}"),
    };
    acls_text.push_str(&format!(
        "Current ACLs for resource `ResourcePattern(resourceType={resource_type}, name={name}, patternType=LITERAL)`:\n"
    ));
    for operation in operations {
        acls_text
            .push_str(&format!("\t(principal={principal}, host=*, operation={operation}, permissionType=ALLOW)\n"));
    }
}

fn reference_failure_is_found_and_fixed(fixture_name: &str, fix: &str, expected_command: &str) {
    let kdeck = Kdeck::new();
    let run = check_consumer(&kdeck, &fixture(fixture_name), fix);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let out = run.stdout_text();
    let group_read = out.lines().find(|l| l.contains("READ") && l.contains("GROUP orders-app")).unwrap();
    assert!(group_read.starts_with("DENIED") && group_read.contains("no matching ACL"), "{out}");
    let topic_read = out.lines().find(|l| l.contains("READ") && l.contains("TOPIC orders")).unwrap();
    assert!(topic_read.starts_with("ALLOWED") && topic_read.contains("ALLOW User:sa-orders READ"), "{out}");
    let commands: Vec<&str> =
        out.lines().filter(|l| l.starts_with("kafka-acls ") || l.starts_with("confluent ")).collect();
    assert_eq!(commands, [expected_command], "{out}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("2 of 4 requirements of consumer denied for User:sa-orders"), "{}", run.stderr);

    // Apply the printed command and check again: everything is allowed.
    let mut acls_text = std::fs::read_to_string(fixture("migration-day.txt")).unwrap();
    apply_grant(commands[0], &mut acls_text);
    let fixed = kdeck.home.path().join("fixed-acls.txt");
    std::fs::write(&fixed, acls_text).unwrap();
    let run = check_consumer(&kdeck, fixed.to_str().unwrap(), fix);
    assert_eq!(run.code, Some(0), "stdout: {} stderr: {}", run.stdout_text(), run.stderr);
    assert!(run.stdout_text().lines().all(|l| l.starts_with("ALLOWED")), "{}", run.stdout_text());
}

#[test]
fn consumer_without_group_read_is_found_and_fixed_with_kafka_acls() {
    reference_failure_is_found_and_fixed(
        "migration-day.json",
        "kafka-acls",
        "kafka-acls --bootstrap-server '<bootstrap>' --add --allow-principal User:sa-orders --operation Read --group orders-app",
    );
}

#[test]
fn consumer_without_group_read_is_found_and_fixed_with_confluent() {
    reference_failure_is_found_and_fixed(
        "migration-day.txt",
        "confluent",
        "confluent kafka acl create --allow --service-account sa-orders --operations read --consumer-group orders-app",
    );
}

#[test]
fn the_same_app_may_produce() {
    let kdeck = Kdeck::new();
    let run = kdeck.run(
        &[
            "acl",
            "check",
            "--acls",
            &fixture("migration-day.json"),
            "--principal",
            "User:sa-orders",
            "--as",
            "producer",
            "--topic",
            "orders",
            "--fix",
            "kafka-acls",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stdout_text().contains("kafka-acls"), "nothing to fix: {}", run.stdout_text());
}

#[test]
fn eval_prints_the_verdict_and_the_deciding_acl() {
    let kdeck = Kdeck::new();
    let eval = |principal: &str, operation: &str, resource_type: &str, name: &str, extra: &[&str]| {
        let acls = fixture("migration-day.json");
        let mut args = vec![
            "acl",
            "eval",
            "--acls",
            &acls,
            "--principal",
            principal,
            "--host",
            "10.1.2.3",
            "--operation",
            operation,
            "--resource-type",
            resource_type,
            "--resource-name",
            name,
        ];
        args.extend_from_slice(extra);
        kdeck.run(&args, None)
    };
    let run = eval("User:sa-orders", "Describe", "topic", "orders", &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout_text(), "ALLOWED\nALLOW User:sa-orders DESCRIBE on TOPIC:LITERAL:orders from host *\n");

    let run = eval("User:sa-orders", "read", "GROUP", "orders-app", &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout_text(), "DENIED\nno matching ACL\n");

    let run = eval("User:sa-billing", "read", "group", "billing-nightly", &[]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout_text().contains("GROUP:PREFIXED:billing-"), "{}", run.stdout_text());

    let run =
        eval("User:admin", "alter-configs", "cluster", "kafka-cluster", &["--super-users", "User:ops; User:admin"]);
    assert_eq!((run.code, run.stdout_text().as_str()), (Some(0), "ALLOWED\nsuper user\n"));

    let run = eval("User:anyone", "read", "topic", "untouched", &["--allow-everyone-if-no-acl-found"]);
    assert_eq!((run.code, run.stdout_text().as_str()), (Some(0), "ALLOWED\nallow.everyone.if.no.acl.found\n"));
    // An ACL for someone else closes the resource.
    let run = eval("User:anyone", "read", "topic", "orders", &["--allow-everyone-if-no-acl-found"]);
    assert_eq!((run.code, run.stdout_text().as_str()), (Some(1), "DENIED\nno matching ACL\n"));
}

fn assert_one_line_usage_error(run: &Run, mentions: &[&str]) {
    assert_eq!(run.code, Some(2), "stdout: {} stderr: {}", run.stdout_text(), run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{:?}", run.stderr);
    assert!(lines[0].starts_with("kdeck: ") && !run.stderr.contains("panicked"), "{}", run.stderr);
    for needle in mentions {
        assert!(lines[0].contains(needle), "{:?} does not mention {needle:?}", lines[0]);
    }
}

#[test]
fn malformed_acl_files_give_one_line_naming_file_line_and_field() {
    let kdeck = Kdeck::new();
    let malformed = fixture("malformed.json");
    let run = check_consumer(&kdeck, &malformed, "kafka-acls");
    assert_one_line_usage_error(&run, &["malformed.json", "line 5", "operation", "PRODUCE"]);

    let text = kdeck.home.path().join("acls.txt");
    std::fs::write(
        &text,
        "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:a, host=*, operation=READ, permissionType=MAYBE)\n",
    )
    .unwrap();
    let run = check_consumer(&kdeck, text.to_str().unwrap(), "kafka-acls");
    assert_one_line_usage_error(&run, &["acls.txt", "line 2", "permissionType", "MAYBE"]);

    let run = check_consumer(&kdeck, "/nonexistent/acls.json", "kafka-acls");
    assert_one_line_usage_error(&run, &["/nonexistent/acls.json"]);
}

#[test]
fn bad_flags_are_usage_errors() {
    let kdeck = Kdeck::new();
    let acls = fixture("migration-day.json");
    let base = ["acl", "eval", "--acls", &acls, "--host", "*", "--resource-name", "orders"];
    let cases: [(&[&str], &str); 4] = [
        (&["--principal", "User:a", "--operation", "reed", "--resource-type", "topic"], "reed"),
        (&["--principal", "User:a", "--operation", "read", "--resource-type", "queue"], "queue"),
        (&["--principal", "alice", "--operation", "read", "--resource-type", "topic"], "alice"),
        (&["--principal", "User:a", "--operation", "read", "--resource-type", "topic", "--super-users", "bob"], "bob"),
    ];
    for (extra, mention) in cases {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        assert_one_line_usage_error(&kdeck.run(&args, None), &[mention]);
    }
    let run = kdeck
        .run(&["acl", "check", "--acls", &acls, "--principal", "User:a", "--as", "consumer", "--topic", "t"], None);
    assert_one_line_usage_error(&run, &["--group"]);
    let run =
        kdeck.run(&["acl", "check", "--acls", &acls, "--principal", "User:a", "--as", "consumr", "--topic", "t"], None);
    assert_one_line_usage_error(&run, &["consumr", "consumer"]);
}

#[test]
fn fix_commands_name_a_profile_bootstrap_never_its_secret() {
    let kdeck = Kdeck::new();
    let config = kdeck.home.path().join("config.toml");
    std::fs::write(
        &config,
        "[clusters.ccloud]\nbootstrap = \"pkc-1.example.cloud:9092\"\n\"sasl.username\" = \"KEYKEYKEY\"\n\"sasl.password\" = \"s3cr3t-value-xyz\"\n",
    )
    .unwrap();
    let run = kdeck.run(
        &[
            "--config",
            config.to_str().unwrap(),
            "acl",
            "check",
            "--acls",
            &fixture("migration-day.json"),
            "--principal",
            "User:sa-orders",
            "--as",
            "consumer",
            "--topic",
            "orders",
            "--group",
            "orders-app",
            "--fix",
            "kafka-acls",
            "--bootstrap",
            "ccloud",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let out = run.stdout_text();
    assert!(out.contains("kafka-acls --bootstrap-server pkc-1.example.cloud:9092 --add"), "{out}");
    assert!(!out.contains("s3cr3t") && !out.contains("KEYKEYKEY") && !run.stderr.contains("s3cr3t"), "{out}");
}

/// The mock cluster has no DescribeAcls (nor has tansu): `-b` must fail in one line that
/// names the request and the cluster, not hang or panic. A live answer is not tested.
#[test]
fn live_acls_from_a_broker_without_describe_acls_fail_in_one_line() {
    let mock = MockKafka::new(1);
    let kdeck = Kdeck::new();
    let run = kdeck.run(
        &[
            "acl",
            "check",
            "-b",
            mock.bootstrap(),
            "-m",
            "3",
            "--principal",
            "User:sa-orders",
            "--as",
            "consumer",
            "--topic",
            "orders",
            "--group",
            "orders-app",
        ],
        None,
    );
    assert_eq!(run.code, Some(1), "stdout: {} stderr: {}", run.stdout_text(), run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("kdeck: DescribeAcls on cluster "), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

/// An explicit DENY cannot be outvoted by an ALLOW: the row names the DENY and the fix removes it.
#[test]
fn a_deny_is_named_and_its_removal_printed() {
    let kdeck = Kdeck::new();
    let acls = kdeck.home.path().join("deny.txt");
    std::fs::write(
        &acls,
        "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:sa-orders, host=*, operation=READ, permissionType=ALLOW)\n\nCurrent ACLs for resource `ResourcePattern(resourceType=GROUP, name=*, patternType=LITERAL)`:\n\t(principal=User:sa-orders, host=*, operation=READ, permissionType=ALLOW)\n\t(principal=User:*, host=*, operation=READ, permissionType=DENY)\n",
    )
    .unwrap();
    let run = check_consumer(&kdeck, acls.to_str().unwrap(), "kafka-acls");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let out = run.stdout_text();
    let group_read = out.lines().find(|l| l.contains("READ") && l.contains("GROUP orders-app")).unwrap();
    assert!(group_read.starts_with("DENIED") && group_read.contains("DENY User:* READ on GROUP:LITERAL:*"), "{out}");
    // DENY READ does not deny DESCRIBE (no implication for DENY), and the ALLOW READ implies it.
    let group_describe = out.lines().find(|l| l.contains("DESCRIBE") && l.contains("GROUP orders-app")).unwrap();
    assert!(group_describe.starts_with("ALLOWED"), "{out}");
    assert!(out.contains("\n# DENY User:* READ on GROUP:LITERAL:* from host * wins over any ALLOW"), "{out}");
    assert!(
        out.contains("kafka-acls --bootstrap-server '<bootstrap>' --remove --force --deny-principal 'User:*' --deny-host '*' --operation Read --group '*'\n"),
        "{out}"
    );
}

/// `acl probe` against the mock cluster: with nothing injected every call the mock
/// serves is ALLOWED; injected TOPIC_AUTHORIZATION_FAILED and GROUP_AUTHORIZATION_FAILED
/// come back as DENIED rows naming the operation and resource, and exit 1.
mod probe {
    use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

    use crate::support::{Kdeck, MockKafka};

    fn probe(kafka: &MockKafka) -> crate::support::Run {
        let args = [
            "acl",
            "probe",
            "-b",
            kafka.bootstrap(),
            "-m",
            "3",
            "--as",
            "consumer",
            "--topic",
            "orders",
            "--group",
            "orders-app",
        ];
        Kdeck::new().run(&args, None)
    }

    fn line<'a>(text: &'a str, call: &str) -> &'a str {
        text.lines()
            .find(|line| line.split_whitespace().nth(1) == Some(call))
            .unwrap_or_else(|| panic!("{call} in {text}"))
    }

    #[test]
    fn probe_allows_what_the_mock_serves() {
        let kafka = MockKafka::new(1);
        kafka.create_topic("orders", 2);
        let run = probe(&kafka);
        let text = run.stdout_text();
        assert_eq!(run.code, Some(0), "{text} {}", run.stderr);
        assert!(line(&text, "Metadata").starts_with("ALLOWED  Metadata         DESCRIBE TOPIC orders"), "{text}");
        assert!(line(&text, "Metadata").ends_with("2 partitions"), "{text}");
        assert!(
            line(&text, "OffsetFetch").starts_with("ALLOWED  OffsetFetch      DESCRIBE GROUP orders-app"),
            "{text}"
        );
        // The mock has no DescribeConfigs: reported, but not as an ACL verdict.
        assert!(
            line(&text, "DescribeConfigs").starts_with("FAILED   DescribeConfigs  DESCRIBE_CONFIGS TOPIC orders"),
            "{text}"
        );
    }

    #[test]
    fn probe_reports_an_injected_topic_authorization_failure() {
        let kafka = MockKafka::new(1);
        kafka.create_topic("orders", 2);
        // The mock's Metadata handler takes per-topic errors rather than request errors.
        kafka.cluster().topic_error("orders", RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED).unwrap();
        let run = probe(&kafka);
        let text = run.stdout_text();
        assert_eq!(run.code, Some(1), "{text} {}", run.stderr);
        let metadata = line(&text, "Metadata");
        assert!(metadata.starts_with("DENIED   Metadata         DESCRIBE TOPIC orders"), "{text}");
        assert!(metadata.ends_with("TOPIC_AUTHORIZATION_FAILED"), "{text}");
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("DESCRIBE TOPIC orders"), "{}", run.stderr);
    }

    #[test]
    fn probe_reports_an_injected_group_authorization_failure() {
        let kafka = MockKafka::new(1);
        kafka.create_topic("orders", 2);
        let errors = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED; 64];
        kafka.cluster().request_errors(RDKafkaApiKey::OffsetFetch, &errors);
        let run = probe(&kafka);
        let text = run.stdout_text();
        assert_eq!(run.code, Some(1), "{text} {}", run.stderr);
        assert!(line(&text, "Metadata").starts_with("ALLOWED"), "{text}");
        let fetch = line(&text, "OffsetFetch");
        assert!(fetch.starts_with("DENIED   OffsetFetch      DESCRIBE GROUP orders-app"), "{text}");
        assert!(fetch.ends_with("GROUP_AUTHORIZATION_FAILED"), "{text}");
        assert!(run.stderr.contains("refused 1 of 3 probes: DESCRIBE GROUP orders-app"), "{}", run.stderr);
    }

    #[test]
    fn probe_usage_errors_exit_2() {
        let kdeck = Kdeck::new();
        let run = kdeck.run(&["acl", "probe", "-b", "localhost:1", "--as", "consumer", "--topic", "t"], None);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("--as consumer needs --group"), "{}", run.stderr);
        let run = kdeck.run(&["acl", "probe", "-b", "localhost:1", "--as", "nope", "--topic", "t"], None);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
    }
}
