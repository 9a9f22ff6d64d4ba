//! `kdeck report` on the demo migration: the demo clusters served, the demo
//! plan replicated, a cutover attempted, then the report snapshot-tested with
//! volatile values (times, ports, paths) filtered, and checked for secrets.

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::support::Kdeck;

const SECRET: &str = "s3cr3t-demo-password";

fn filtered(report: &str) -> String {
    let rules = [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"`[^`]*plan\.toml`", "`[plan path]`"),
        (r"kdeck \d+\.\d+\.\d+", "kdeck [version]"),
    ];
    rules.iter().fold(report.to_string(), |text, (pattern, replacement)| {
        regex::Regex::new(pattern).unwrap().replace_all(&text, *replacement).into_owned()
    })
}

#[test]
fn the_demo_migration_report_is_stable_and_holds_no_secret() {
    let kdeck = Kdeck::new();
    let mut demo = kdeck.serve_demo("none");
    let (profiles, source) = (demo.profiles.clone(), demo.bootstrap["source"].clone());
    // A secret in the source profile (the mock ignores SASL settings it is never asked to use).
    let mut config = std::fs::read_to_string(&profiles).unwrap();
    config = config.replacen("[clusters.source]", &format!("[clusters.source]\n\"sasl.password\" = \"{SECRET}\""), 1);
    std::fs::write(&profiles, config).unwrap();
    let plan = kdeck.home.path().join("plan.toml");
    std::fs::write(&plan, kdeck::demo::DEMO_PLAN).unwrap();
    let (config, plan_arg) = (profiles.to_str().unwrap(), plan.to_str().unwrap());

    let run = kdeck.run(&["--config", config, "replicate", "--plan", plan_arg, "--exit-when-caught-up"], None);
    assert_eq!(run.code, Some(0), "replicate: {}", run.stderr);
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &source).set("group.id", "billing").create().unwrap();
    let mut offsets = TopicPartitionList::new();
    offsets.add_partition_offset("orders", 0, Offset::Offset(42)).unwrap();
    consumer.commit(&offsets, CommitMode::Sync).unwrap();
    // The mock cannot describe groups, so the cutover is refused, and journaled as such.
    let run = kdeck.run(&["--config", config, "cutover", "--plan", plan_arg, "--group", "billing", "--apply"], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);

    let out = kdeck.home.path().join("report.md");
    let run = kdeck.run(&["--config", config, "report", "--plan", plan_arg, "--out", out.to_str().unwrap()], None);
    let _ = demo.child.kill();
    let _ = demo.child.wait();
    assert_eq!(run.code, Some(0), "report: {}", run.stderr);
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(!report.contains(SECRET), "the report leaks a secret:\n{report}");
    insta::assert_snapshot!("demo_migration_report", filtered(&report));
}

#[test]
fn a_report_whose_topics_cannot_be_verified_is_written_and_exits_1() {
    let kdeck = Kdeck::new();
    // Nothing listens on port 1: both clusters are unreachable.
    let (config, plan) =
        crate::support::write_plan(kdeck.home.path(), "127.0.0.1:1", "127.0.0.1:1", "name = \"down\"\n");
    let out = kdeck.home.path().join("report.md");
    let args = ["--config", config.to_str().unwrap(), "report", "--plan", plan.to_str().unwrap(), "--out"];
    let run = kdeck.run(&[&args[..], &[out.to_str().unwrap(), "-m", "1"]].concat(), None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("could not be produced"), "{}", run.stderr);
    let report = std::fs::read_to_string(&out).expect("the report is written anyway");
    assert!(report.contains("Verification could not run"), "{report}");
}
