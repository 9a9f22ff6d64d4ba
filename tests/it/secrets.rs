//! A profile's password never reaches stdout, stderr, the log or --verbose,
//! whatever the subcommand and whether it succeeds or fails.

use crate::support::{Kdeck, MockKafka, Run};

const PASSWORD: &str = "hunter2-Sup3rSecret-pw";
const FILE_SECRET: &str = "key-pass-From-File-77";
const LITERAL_SECRET: &str = "literal-X-Secret-99";

fn assert_clean(kdeck: &Kdeck, what: &str, run: &Run) {
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    for secret in [PASSWORD, FILE_SECRET, LITERAL_SECRET] {
        assert!(!run.stdout_text().contains(secret), "{what}: stdout shows a secret:\n{}", run.stdout_text());
        assert!(!run.stderr.contains(secret), "{what}: stderr shows a secret:\n{}", run.stderr);
        assert!(!log.contains(secret), "{what}: the log shows a secret");
    }
}

#[test]
fn secrets_never_reach_any_output() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 2);
    let kdeck = Kdeck::new();
    let dir = kdeck.home.path();
    let secrets = dir.join("secrets.properties");
    std::fs::write(&secrets, format!("# test secrets\nssl_key_password = {FILE_SECRET}\n")).unwrap();
    let props = dir.join("client.properties");
    std::fs::write(&props, format!("sasl.password={LITERAL_SECRET}\n")).unwrap();
    let config = dir.join("config.toml");
    // "ok" connects (the secrets are valid properties PLAINTEXT ignores);
    // "sasl" cannot authenticate against the mock, so every command fails.
    std::fs::write(
        &config,
        format!(
            "[clusters.ok]\nbootstrap = \"{b}\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:KDECK_TEST_PASSWORD}}\"\n\"ssl.key.password\" = \"${{file:{s}:ssl_key_password}}\"\n\n\
             [clusters.sasl]\nbootstrap = \"{b}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"PLAIN\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:KDECK_TEST_PASSWORD}}\"\n",
            b = kafka.bootstrap(),
            s = secrets.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let props = props.to_str().unwrap();
    let literal = format!("sasl.password={LITERAL_SECRET}");
    let invalid = format!("sasl.mechanisms={PASSWORD}");
    let commands: Vec<Vec<&str>> = vec![
        vec!["-v", "meta", "-b", "ok"],
        vec!["-v", "meta", "-b", "ok", "-J"],
        vec!["-v", "meta", "-b", "ok", "-F", props],
        vec!["-v", "meta", "-b", "ok", "-X", &literal],
        vec!["-v", "consume", "-b", "ok", "-t", "orders", "-o", "beginning", "-e", "-J"],
        vec!["-v", "offsets", "-b", "ok", "-t", "orders"],
        vec!["-v", "meta", "-b", "sasl", "-m", "2"],
        vec!["-v", "consume", "-b", "sasl", "-m", "2", "-t", "orders", "-e"],
        vec!["-v", "offsets", "-b", "sasl", "-m", "2", "-t", "orders"],
        vec!["-v", "meta", "-b", "ok", "-X", &invalid],
        vec!["-v", "meta", "-b", "ok", "-X", "sasl.mechanisms=${env:KDECK_TEST_PASSWORD}"],
    ];
    for args in commands {
        let mut cmd = kdeck.command();
        cmd.env("KDECK_TEST_PASSWORD", PASSWORD).args(["--config", config]).args(&args);
        let run = crate::support::run(cmd, None);
        assert_clean(&kdeck, &args.join(" "), &run);
    }
    let mut cmd = kdeck.command();
    cmd.env("KDECK_TEST_PASSWORD", PASSWORD)
        .args(["--config", config, "-v", "produce", "-b", "sasl", "-m", "2", "-t", "orders"]);
    let run = crate::support::run(cmd, Some(b"a\nb\n"));
    assert_ne!(run.code, Some(0), "producing without authentication should fail");
    assert_clean(&kdeck, "produce to sasl", &run);

    // The verbose listing does show that a password is configured, and where it comes from.
    let mut cmd = kdeck.command();
    cmd.env("KDECK_TEST_PASSWORD", PASSWORD).args(["--config", config, "-v", "meta", "-b", "ok"]);
    let run = crate::support::run(cmd, None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("sasl.password"), "{}", run.stderr);
}
