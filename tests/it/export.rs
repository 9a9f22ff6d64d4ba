//! `kdeck plan export`: a plan as Connect connector JSON, without secret values.

use std::io::Write;

use crate::support::{write_plan, Kdeck};

const PASSWORD: &str = "Exp0rt-it-Pa55word";

#[test]
fn plan_exports_to_both_connectors_without_secrets() {
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(
        kdeck.home.path(),
        "msk.example:9096",
        "ccloud.example:9092",
        "name = \"msk-to-ccloud\"\n[topics]\ninclude = ['orders.*']\n[engine]\nlanes = 3\n",
    );
    // The destination's password comes from the environment, so the export keeps the reference.
    let mut file = std::fs::OpenOptions::new().append(true).open(&config).unwrap();
    writeln!(file, "\"sasl.password\" = \"${{env:KDECK_EXPORT_PW}}\"").unwrap();
    let (config, plan) = (config.to_str().unwrap(), plan.to_str().unwrap());
    let export = |args: &[&str]| {
        let mut cmd = kdeck.command();
        cmd.env("KDECK_EXPORT_PW", PASSWORD).args(["--config", config, "plan", "export", "--plan", plan]).args(args);
        crate::support::run(cmd, None)
    };

    let run = export(&["--to", "mm2"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mm2: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(mm2["name"], "msk-to-ccloud");
    let config_of = |value: &serde_json::Value, key: &str| value["config"][key].as_str().unwrap().to_string();
    assert_eq!(config_of(&mm2, "connector.class"), "org.apache.kafka.connect.mirror.MirrorSourceConnector");
    assert_eq!(config_of(&mm2, "tasks.max"), "3", "tasks.max defaults to the plan's lanes");
    assert_eq!(config_of(&mm2, "source.cluster.bootstrap.servers"), "msk.example:9096");
    assert_eq!(config_of(&mm2, "target.cluster.sasl.password"), "${env:KDECK_EXPORT_PW}");
    assert_eq!(config_of(&mm2, "topics"), "orders.*");
    assert_eq!(config_of(&mm2, "exactly.once.support"), "required");
    assert!(run.stderr.contains("exactly.once.source.support=enabled"), "{}", run.stderr);
    assert!(run.stdout_text().ends_with("}\n") && run.stdout_text().contains("\n  \"config\": {"), "pretty JSON");

    let run = export(&["--to", "replicator", "--tasks", "7"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let replicator: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(config_of(&replicator, "connector.class"), "io.confluent.connect.replicator.ReplicatorSourceConnector");
    assert_eq!(config_of(&replicator, "tasks.max"), "7");
    assert_eq!(config_of(&replicator, "dest.kafka.sasl.password"), "${env:KDECK_EXPORT_PW}");
    assert!(run.stderr.contains("at-least-once"), "{}", run.stderr);

    for args in [["--to", "mm2"], ["--to", "replicator"]] {
        let run = export(&args);
        assert!(!run.stdout_text().contains(PASSWORD) && !run.stderr.contains(PASSWORD), "{args:?}");
    }
    let run = export(&["--to", "kafka"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn rename_mm2_cannot_express_is_refused() {
    let kdeck = Kdeck::new();
    let (config, plan) =
        write_plan(kdeck.home.path(), "a.example:9092", "b.example:9092", "[topics]\nrename = '{topic}-migrated'\n");
    let run = kdeck.run(
        &["--config", config.to_str().unwrap(), "plan", "export", "--plan", plan.to_str().unwrap(), "--to", "mm2"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("cannot be exported to MirrorMaker 2"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let run = kdeck.run(
        &[
            "--config",
            config.to_str().unwrap(),
            "plan",
            "export",
            "--plan",
            plan.to_str().unwrap(),
            "--to",
            "replicator",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout_text().contains("\"topic.rename.format\": \"${topic}-migrated\""), "{}", run.stdout_text());
}

#[test]
fn mm2_export_writes_counted_repetitions_without_commas_or_refuses() {
    let kdeck = Kdeck::new();
    let (config, plan) =
        write_plan(kdeck.home.path(), "a.example:9092", "b.example:9092", "[topics]\ninclude = ['qa{1,3}', 'x']\n");
    let args =
        ["--config", config.to_str().unwrap(), "plan", "export", "--plan", plan.to_str().unwrap(), "--to", "mm2"];
    let run = kdeck.run(&args, None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mm2: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let topics = mm2["config"]["topics"].as_str().unwrap();
    assert_eq!(topics, "q(?:a){1}(?:a)?(?:a)?,x");
    assert!(run.stderr.contains("splits its topic lists on commas"), "{}", run.stderr);
    std::fs::write(&plan, "source = \"source\"\ndestination = \"destination\"\n[topics]\ninclude = ['[,;]x']\n")
        .unwrap();
    let run = kdeck.run(&args, None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("cannot be exported to MirrorMaker 2"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}
