//! `kdeck import` on the reference day's Replicator config, and the round trip
//! back through `kdeck plan export --to replicator`.

use serde_json::Value;

use crate::support::Kdeck;

const FIXTURE: &str = include_str!("../fixtures/import/reference-day-replicator.json");
const SECRETS: [&str; 5] = [
    "Tru5tstore-literal-RefDay",
    "Msk-Keystore-Pw-RefDay",
    "Msk-Key-Pw-RefDay",
    "Ccloud-Api-Secret-RefDay",
    "License-RefDay",
];

#[test]
fn reference_day_replicator_imports_and_exports_back() {
    let kdeck = Kdeck::new();
    let dir = kdeck.home.path();
    let secrets_dir = dir.join("secrets");
    std::fs::create_dir(&secrets_dir).unwrap();
    for (file, text) in [
        ("msk.properties", "keystore_password=Msk-Keystore-Pw-RefDay\nkey_password=Msk-Key-Pw-RefDay\n"),
        ("ccloud.properties", "api_secret=Ccloud-Api-Secret-RefDay\n"),
        ("license.properties", "license=License-RefDay\n"),
    ] {
        std::fs::write(secrets_dir.join(file), text).unwrap();
    }
    // The Connect host's secrets directory, here.
    let connector_text = FIXTURE.replace("/etc/kafka-connect/secrets", secrets_dir.to_str().unwrap());
    let connector = dir.join("replicator.json");
    std::fs::write(&connector, &connector_text).unwrap();
    let (profiles, plan) = (dir.join("profiles.toml"), dir.join("plan.toml"));
    let path = |path: &std::path::Path| path.to_str().unwrap().to_string();

    let imported =
        kdeck.run(&["import", &path(&connector), "--profiles-out", &path(&profiles), "--plan-out", &path(&plan)], None);
    // Four settings have no kdeck equivalent: listed, and the exit says so.
    assert_eq!(imported.code, Some(1), "{}", imported.stderr);
    let stderr = &imported.stderr;
    for expected in [
        "kdeck: imported 2 profile(s), written to",
        "kdeck: set KDECK_MSK_SSL_TRUSTSTORE_PASSWORD (ssl.truststore.password of profile msk)",
        "kdeck: NOT TRANSLATED: src.kafka.ssl.enabled.protocols:",
        "kdeck: NOT TRANSLATED: producer.override.linger.ms:",
        "kdeck: not needed: confluent.license:",
        "kdeck: 4 setting(s) were not translated (listed above)",
    ] {
        assert!(stderr.contains(expected), "{expected} missing from\n{stderr}");
    }
    let written = [std::fs::read_to_string(&profiles).unwrap(), std::fs::read_to_string(&plan).unwrap()];
    for text in written.iter().chain([stderr, &imported.stdout_text()]) {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
    }
    let again = kdeck.run(&["import", &path(&connector), "--profiles-out", &path(&profiles)], None);
    assert_eq!(again.code, Some(2), "{}", again.stderr);
    assert!(again.stderr.contains("already exists; kdeck import never overwrites"), "{}", again.stderr);

    let mut export = kdeck.command();
    export.env("KDECK_MSK_SSL_TRUSTSTORE_PASSWORD", "Tru5tstore-literal-RefDay").args([
        "--config",
        &path(&profiles),
        "plan",
        "export",
        "--plan",
        &path(&plan),
        "--to",
        "replicator",
    ]);
    let exported = crate::support::run(export, None);
    assert_eq!(exported.code, Some(0), "{}", exported.stderr);
    for secret in SECRETS {
        assert!(!exported.stdout_text().contains(secret) && !exported.stderr.contains(secret), "{secret}");
    }
    let exported: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let original: Value = serde_json::from_str(&connector_text).unwrap();
    let (exported, original) = (&exported["config"], &original["config"]);
    assert_eq!(exported["connector.class"], original["connector.class"]);
    // Every cluster setting comes back, but for the ones listed as not translated
    // and the literal password, which comes back as the variable that now holds it.
    let skipped = ["src.kafka.ssl.protocol", "src.kafka.ssl.enabled.protocols", "src.kafka.ssl.truststore.password"];
    for (key, value) in original.as_object().unwrap() {
        let cluster_setting = key.starts_with("src.kafka.") || key.starts_with("dest.kafka.");
        if cluster_setting && !skipped.contains(&key.as_str()) {
            assert_eq!(&exported[key], value, "{key}");
        }
    }
    assert_eq!(exported["src.kafka.ssl.truststore.password"], "${env:KDECK_MSK_SSL_TRUSTSTORE_PASSWORD}");
    for key in [
        "tasks.max",
        "topic.rename.format",
        "topic.config.sync",
        "provenance.header.enable",
        "dest.topic.replication.factor",
        "src.consumer.auto.offset.reset",
        "key.converter",
        "value.converter",
        "header.converter",
        "topic.auto.create",
        "topic.preserve.partitions",
    ] {
        assert_eq!(exported[key], original[key], "{key}");
    }
    // topic.whitelist becomes the same selection as a regex (kdeck's built-in excludes first).
    let regex = exported["topic.regex"].as_str().unwrap();
    assert!(regex.ends_with(r"$)(?:orders|payments|customers\.v2)"), "{regex}");
}
