//! Every bad input gets one clear line on stderr, the right exit code, and no panic.

use crate::support::{free_port, Kdeck, MockKafka};

fn assert_one_line_error(run: &crate::support::Run, code: i32, mentions: &[&str]) {
    assert_eq!(run.code, Some(code), "stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {:?}", run.stderr);
    assert!(lines[0].starts_with("kdeck: "), "{:?}", lines[0]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for needle in mentions {
        assert!(lines[0].contains(needle), "{:?} does not mention {needle:?}", lines[0]);
    }
}

fn write_config(kdeck: &Kdeck, text: &str) -> String {
    let path = kdeck.home.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let kdeck = Kdeck::new();
    let config = write_config(&kdeck, "[clusters.prod]\nbootstrap = \"127.0.0.1:9092\"\n");
    let run = kdeck.run(&["--config", &config, "meta", "-b", "prdo"], None);
    assert_one_line_error(&run, 2, &["prdo", "prod"]);
}

#[test]
fn malformed_offset_spec_is_a_usage_error() {
    let kdeck = Kdeck::new();
    for spec in ["s@abc", "latest", "e@", "--5"] {
        let run = kdeck.run(&["consume", "-b", "127.0.0.1:1", "-t", "orders", "-o", spec], None);
        assert_one_line_error(&run, 2, &[spec]);
    }
}

#[test]
fn bad_hex_escape_in_format_is_a_usage_error() {
    let kdeck = Kdeck::new();
    let run = kdeck.run(&["consume", "-b", "127.0.0.1:1", "-t", "orders", "-f", "%s\\xZZ\\n"], None);
    assert_one_line_error(&run, 2, &["\\x"]);
    let run = kdeck.run(&["consume", "-b", "127.0.0.1:1", "-t", "orders", "-f", "%q"], None);
    assert_one_line_error(&run, 2, &["%q"]);
}

#[test]
fn unreachable_broker_is_a_runtime_error_after_the_timeout() {
    let kdeck = Kdeck::new();
    let broker = format!("127.0.0.1:{}", free_port());
    let run = kdeck.run(&["meta", "-b", &broker, "-m", "1"], None);
    assert_one_line_error(&run, 1, &[&broker]);
    let run = kdeck.run(&["consume", "-b", &broker, "-m", "1", "-t", "orders", "-e"], None);
    assert_one_line_error(&run, 1, &[&broker]);
}

#[test]
fn unknown_topic_is_a_runtime_error() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 1);
    let kdeck = Kdeck::new();
    let run = kdeck.run(&["consume", "-b", kafka.bootstrap(), "-t", "no-such-topic", "-e"], None);
    assert_one_line_error(&run, 1, &["no-such-topic"]);
    let run = kdeck.run(&["offsets", "-b", kafka.bootstrap(), "-t", "no-such-topic"], None);
    assert_one_line_error(&run, 1, &["no-such-topic"]);
    let run = kdeck.run(&["consume", "-b", kafka.bootstrap(), "-t", "orders", "-p", "7", "-e"], None);
    assert_one_line_error(&run, 1, &["orders", "7"]);
}

#[test]
fn toml_error_names_the_line() {
    let kdeck = Kdeck::new();
    let config = write_config(&kdeck, "[clusters.prod]\nbootstrap = \"a:1\"\ncolor = red\n");
    let run = kdeck.run(&["--config", &config, "meta", "-b", "prod"], None);
    assert_one_line_error(&run, 2, &["config.toml", ":3"]);
}

#[test]
fn undefined_env_reference_names_the_variable() {
    let kdeck = Kdeck::new();
    let config = write_config(
        &kdeck,
        "[clusters.prod]\nbootstrap = \"127.0.0.1:1\"\n\"sasl.password\" = \"${env:KDECK_TEST_SURELY_UNDEFINED}\"\n",
    );
    let mut cmd = kdeck.command();
    cmd.env_remove("KDECK_TEST_SURELY_UNDEFINED").args(["--config", &config, "meta", "-b", "prod"]);
    let run = crate::support::run(cmd, None);
    assert_one_line_error(&run, 2, &["KDECK_TEST_SURELY_UNDEFINED", "prod"]);
}

#[test]
fn missing_explicit_config_and_bad_flags_are_usage_errors() {
    let kdeck = Kdeck::new();
    let run = kdeck.run(&["--config", "/nonexistent/kdeck.toml", "meta", "-b", "prod"], None);
    assert_one_line_error(&run, 2, &["/nonexistent/kdeck.toml"]);
    let run = kdeck.run(&["consume", "-b", "127.0.0.1:1"], None);
    assert_one_line_error(&run, 2, &["--topic"]);
    let run = kdeck.run(&["consume", "-b", "127.0.0.1:1", "-t", "x", "-c", "many"], None);
    assert_one_line_error(&run, 2, &["many"]);
    let run = kdeck.run(&["meta", "-b", "127.0.0.1:1", "-X", "no-equals-sign"], None);
    assert_one_line_error(&run, 2, &["no-equals-sign"]);
    let run = kdeck.run(&["offsets", "-b", "127.0.0.1:1", "-t", "orders:x"], None);
    assert_one_line_error(&run, 2, &["orders:x"]);
    let run = kdeck.run(&["meta", "-b", "127.0.0.1:1", "-X", "no.such.property=1"], None);
    assert_one_line_error(&run, 2, &["no.such.property"]);
}

/// Issue 14, item 24: each message names the input and what was expected.
#[test]
fn messages_name_the_input_and_what_was_expected() {
    let kdeck = Kdeck::new();
    let config = write_config(
        &kdeck,
        "[clusters.prod]\nbootstrap = \"127.0.0.1:9092\"\n\n[clusters.junk]\nbootstrap = \"127.0.0.1:9092,junk:x\"\n",
    );
    type Case<'a> = (Vec<&'a str>, &'a [&'a str]);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        (vec!["meta", "-b", "127.0.0.1:99999"], &["\"127.0.0.1:99999\"", "port out of range", "1 to 65535"]),
        (vec!["meta", "-b", "127.0.0.1:"], &["\"127.0.0.1:\"", "has no port"]),
        (vec!["meta", "-b", "localhost:http"], &["\"localhost:http\"", "not a number"]),
        (vec!["meta", "-b", "localhost:9092,junk:x,other:1"], &["\"junk:x\"", "not a number"]),
        (vec!["meta", "-b", "junk", "-m", "1"], &["cluster \"junk\" bootstrap", "\"junk:x\""]),
        (vec!["meta", "-b", "prod", "-m", "-1"], &["-1", "1 to 3600"]),
        (vec!["consume", "-b", "prod", "-t", "orders", "-p", "-1"], &["-1", "0..="]),
        (vec!["consume", "-b", "prod", "-t", "orders", "-c", "-5"], &["-5", "0 (no limit)"]),
        (vec!["produce", "-b", "prod", "-t", "orders", "-c", "-5"], &["-5", "0 (no limit)"]),
        (vec!["meta", "-b", "prod", "-X", "acks"], &["-X \"acks\"", "KEY=VALUE"]),
        (vec!["meta", "-b", "prod", "-X", "sasl.password:hunter2-x"], &["-X \"sasl.password...\"", "not shown", "KEY=VALUE"]),
        (vec!["consume", "-b", "prod", "-t", ""], &["--topic", "topic name"]),
        (vec!["produce", "-b", "prod", "-t", "a b"], &["a b", "topic name"]),
        (vec!["meta", "-b", "prod", "-X", "transactional.id="], &["transactional.id", "empty"]),
        (vec!["connect", "--url", "connect.example:8083", "get"], &["connect.example:8083", "no scheme", "http://host:port"]),
        (vec!["acl", "eval", "--acls", "x", "--principal", "User:a", "--host", "", "--operation", "READ", "--resource-type", "TOPIC", "--resource-name", "t"], &["--host", "non-empty"]),
        (vec!["acl", "eval", "--acls", "x", "--principal", "User:a", "--host", "*", "--operation", "READ", "--resource-type", "TOPIC", "--resource-name", ""], &["--resource-name", "non-empty"]),
    ];
    for (args, mentions) in cases {
        let mut all = vec!["--config", config.as_str()];
        all.extend(&args);
        let run = kdeck.run(&all, None);
        assert_one_line_error(&run, 2, mentions);
    }
}

/// Issue 14, item 24: config mistakes that used to pass silently or read oddly.
#[test]
fn config_mistakes_are_named() {
    let kdeck = Kdeck::new();
    #[rustfmt::skip]
    let cases: &[(&str, &[&str])] = &[
        ("[clusterz.prod]\nbootstrap = \"127.0.0.1:1\"\n", &["unknown table [clusterz]", "[clusters.NAME]"]),
        ("[clusters.prod]\nbootstrap = \"127.0.0.1:1\"\ncolor = \"ultraviolet\"\n", &["\"ultraviolet\"", "colour"]),
        ("[clusters.prod]\nbootstrap = \"\"\n", &["bootstrap", "found an empty string"]),
        ("[clusters.prod]\nbootstrap = \"127.0.0.1:1\"\n\"no.such.property\" = \"x\"\n", &["no.such.property", "prod"]),
    ];
    for (text, mentions) in cases {
        let config = write_config(&kdeck, text);
        let run = kdeck.run(&["--config", &config, "meta", "-b", "prod", "-m", "1"], None);
        assert_one_line_error(&run, 2, mentions);
    }
}

/// Issue 14, item 24: a JSON object where an ACL list is expected is named as one.
#[test]
fn a_json_object_acl_file_is_named_as_json() {
    let kdeck = Kdeck::new();
    let acls = kdeck.home.path().join("acls.json");
    std::fs::write(&acls, "{\"acls\": []}\n").unwrap();
    let args = ["acl", "eval", "--acls", acls.to_str().unwrap(), "--principal", "User:a", "--host", "*"];
    let mut all = args.to_vec();
    all.extend(["--operation", "READ", "--resource-type", "TOPIC", "--resource-name", "t"]);
    let run = kdeck.run(&all, None);
    assert_one_line_error(&run, 2, &["acls.json", "JSON object", "JSON array"]);
}
