//! Schema Registry decoding against records written by Python confluent-kafka's
//! AvroSerializer, ProtobufSerializer and JSONSerializer, produced to a real
//! broker (noida-db: a separate process, right watermarks), with the schemas in
//! the test registry of tests/support/registry.rs.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support::registry::TestRegistry;
use crate::support::{run, Kdeck, Noida, Run};

const PYTHON_VENV: &str = ".cache/kdeck-test-tools/confluent-kafka-2.6.1/bin/python";

/// The venv tests/run.sh makes for confluent-kafka; a missing one fails loudly.
fn python() -> PathBuf {
    let path = std::env::var_os("KDECK_CONFLUENT_PYTHON")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(PYTHON_VENV)));
    match path {
        Some(path) if path.is_file() => path,
        _ => panic!("the confluent-kafka venv is required by this test and was not found; tests/run.sh installs it"),
    }
}

pub fn serializers(args: &[&str]) -> Run {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schemas/serializers.py");
    let mut cmd = Command::new(python());
    cmd.arg(script).args(args);
    let result = run(cmd, None);
    assert_eq!(result.code, Some(0), "serializers.py {args:?} failed: {}", result.stderr);
    result
}

/// Python wrote `count` records of `format` to `topic` partition 0.
pub fn python_wrote(broker: &Noida, registry: &TestRegistry, topic: &str, format: &str, count: usize) {
    broker.create_topic(topic, 1);
    serializers(&["produce", &broker.bootstrap(), &registry.url(), topic, format, &count.to_string()]);
}

fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

fn kdeck_consume(kdeck: &Kdeck, broker: &Noida, topic: &str, extra: &[&str]) -> Run {
    let bootstrap = broker.bootstrap();
    let mut args = vec!["consume", "-b", &bootstrap, "-t", topic, "-o", "beginning", "-e", "-q"];
    args.extend_from_slice(extra);
    kdeck.run(&args, None)
}

fn decoded_matches_python(format: &str) {
    let broker = Noida::start();
    let registry = TestRegistry::start();
    let topic = format!("orders-{format}");
    python_wrote(&broker, &registry, &topic, format, 12);
    let python = json_lines(&serializers(&["consume", &broker.bootstrap(), &registry.url(), &topic, "12"]).stdout);
    assert_eq!(python.len(), 12);

    let kdeck = Kdeck::new();
    let url = registry.url();
    let out = kdeck_consume(&kdeck, &broker, &topic, &["-s", "value=avro", "-r", &url]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(json_lines(&out.stdout), python, "kdeck's decoded {format} differs from the Python deserializer's");
}

#[test]
fn consume_decodes_avro_as_the_python_deserializer_does() {
    decoded_matches_python("avro");
}

#[test]
fn consume_decodes_protobuf_as_the_python_deserializer_does() {
    decoded_matches_python("protobuf");
}

#[test]
fn consume_decodes_json_schema_as_the_python_deserializer_does() {
    decoded_matches_python("json");
}

#[test]
fn json_envelope_embeds_the_decoded_value_and_its_schema_id() {
    let broker = Noida::start();
    let registry = TestRegistry::start();
    python_wrote(&broker, &registry, "orders", "avro", 2);
    let kdeck = Kdeck::new();
    let url = registry.url();
    let out = kdeck_consume(&kdeck, &broker, "orders", &["-J", "-s", "value=avro", "-r", &url]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let envelopes = json_lines(&out.stdout);
    assert_eq!(envelopes.len(), 2);
    assert_eq!(envelopes[0]["value_schema_id"], 1);
    assert_eq!(envelopes[0]["key"], "k0", "the key was not asked for: it stays a string");
    assert_eq!(envelopes[0]["payload"]["customer"], "Zoë \"0\"");
    assert_eq!(envelopes[1]["payload"]["status"], "PAID");
    assert!(envelopes[0].get("key_schema_id").is_none());
}

#[test]
fn the_profile_names_the_registry_and_its_secret_never_shows() {
    let broker = Noida::start();
    let registry = TestRegistry::start();
    python_wrote(&broker, &registry, "orders", "avro", 1);
    registry.require_basic_auth("API-KEY:registry-hunter2");
    let kdeck = Kdeck::new();
    let config = kdeck.home.path().join("config.toml");
    let profile = |user_info: &str| {
        format!(
            "[clusters.prod]\nbootstrap = \"{}\"\n\"schema.registry.url\" = \"{}\"\n\"schema.registry.basic.auth.user.info\" = \"{user_info}\"\n",
            broker.bootstrap(),
            registry.url()
        )
    };
    std::fs::write(&config, profile("API-KEY:registry-hunter2")).unwrap();
    let config_arg = config.to_str().unwrap();
    let args = [
        "--config",
        config_arg,
        "consume",
        "-b",
        "prod",
        "-t",
        "orders",
        "-o",
        "beginning",
        "-e",
        "-q",
        "-s",
        "value=avro",
    ];
    let out = kdeck.run(&args, None);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(json_lines(&out.stdout)[0]["id"], 1000);

    // A wrong secret: a 401, named with the id and the registry, the bytes still printed.
    std::fs::write(&config, profile("API-KEY:wrong-secret-42")).unwrap();
    let out = kdeck.run(&args, None);
    assert_eq!(out.code, Some(1), "records printed raw are not a success");
    assert!(out.stderr.contains("schema id 1") && out.stderr.contains(&registry.url()), "{}", out.stderr);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(!out.stderr.contains("wrong-secret-42") && !out.stderr.contains("hunter2"), "{}", out.stderr);
    assert_eq!(out.stdout[0], 0, "the raw record, magic byte first");
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    assert!(!log.contains("wrong-secret-42"), "the secret reached the log");
}

#[test]
fn a_registry_that_is_down_leaves_raw_bytes_and_one_note_per_id() {
    let broker = Noida::start();
    let registry = TestRegistry::start();
    python_wrote(&broker, &registry, "orders", "avro", 3);
    let url = registry.url();
    drop(registry);
    let kdeck = Kdeck::new();
    let out = kdeck_consume(&kdeck, &broker, "orders", &["-J", "-s", "value=avro", "-r", &url]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let notes: Vec<&str> = out.stderr.lines().filter(|l| l.contains("printed raw")).collect();
    assert_eq!(notes.len(), 2, "one note for schema id 1, one summary: {}", out.stderr);
    assert!(
        notes[0].contains("schema id 1") && notes[0].contains(&url) && notes[0].contains("cannot connect"),
        "{}",
        notes[0]
    );
    assert!(out.stderr.contains("3 record(s) printed raw"), "{}", out.stderr);
    let envelopes = json_lines(&out.stdout);
    assert_eq!(envelopes.len(), 3, "every record is still printed");
    assert!(envelopes.iter().all(|e| e["payload_error"].as_str().is_some_and(|error| error.contains("schema id 1"))));
    assert!(envelopes.iter().all(|e| e["payload"].as_str().is_some_and(|raw| raw.starts_with('\u{0}'))));
}

#[test]
fn unframed_values_and_unknown_ids_are_named_not_guessed() {
    let broker = Noida::start();
    let registry = TestRegistry::start();
    broker.create_topic("mixed", 1);
    crate::support::produce(
        &broker.bootstrap(),
        "mixed",
        &[
            crate::support::TestRecord::new(0, None, Some(b"plain text")),
            crate::support::TestRecord::new(0, None, Some(&[0, 0, 0, 0, 99, 2])),
        ],
    );
    let kdeck = Kdeck::new();
    let url = registry.url();
    let out = kdeck_consume(&kdeck, &broker, "mixed", &["-s", "value=avro", "-r", &url]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("offset 0 printed raw: not in the schema registry wire format"), "{}", out.stderr);
    assert!(out.stderr.contains("schema id 99") && out.stderr.contains("40403"), "{}", out.stderr);
    assert!(out.stdout.starts_with(b"plain text\n"));
}
