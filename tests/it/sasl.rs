//! SASL over a real broker: noida-db takes SASL/PLAIN (any credentials) and
//! refuses SCRAM, which gives a real authentication failure to check the error
//! line against. Wrong PLAIN credentials cannot be tested here (docs/TESTING.md).

use crate::support::{Kdeck, Noida, Run};

const PASSWORD: &str = "Sasl-Plain-Secret-41";

fn run(kdeck: &Kdeck, config: &str, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = kdeck.command();
    cmd.env("SASL_TEST_PASSWORD", PASSWORD).args(["--config", config]).args(args);
    let run = crate::support::run(cmd, stdin);
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    for (what, text) in [("stdout", run.stdout_text()), ("stderr", run.stderr.clone()), ("log", log)] {
        assert!(!text.contains(PASSWORD), "{args:?}: {what} shows the password");
    }
    run
}

#[test]
fn sasl_plain_works_and_a_refused_mechanism_is_one_line_naming_the_profile() {
    let broker = Noida::start();
    let kdeck = Kdeck::new();
    let config = kdeck.home.path().join("config.toml");
    let profile = |name: &str, mechanism: &str| {
        format!(
            "[clusters.{name}]\nbootstrap = \"{}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"{mechanism}\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:SASL_TEST_PASSWORD}}\"\n\n",
            broker.bootstrap()
        )
    };
    std::fs::write(&config, profile("plain", "PLAIN") + &profile("scram", "SCRAM-SHA-512")).unwrap();
    let config = config.to_str().unwrap();

    let produced = run(&kdeck, config, &["produce", "-b", "plain", "-t", "ledger", "-p", "0"], Some(b"one\ntwo\n"));
    assert_eq!(produced.code, Some(0), "{}", produced.stderr);
    let consumed = run(&kdeck, config, &["consume", "-b", "plain", "-t", "ledger", "-o", "beginning", "-c", "2"], None);
    assert_eq!(consumed.code, Some(0), "{}", consumed.stderr);
    assert_eq!(consumed.stdout_text(), "one\ntwo\n");
    let meta = run(&kdeck, config, &["meta", "-b", "plain", "-t", "ledger"], None);
    assert_eq!(meta.code, Some(0), "{}", meta.stderr);

    let refused = run(&kdeck, config, &["meta", "-b", "scram", "-m", "3"], None);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    let line = refused.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("scram") && line.contains("SASL authentication error"), "{line}");
}
