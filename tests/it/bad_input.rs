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
