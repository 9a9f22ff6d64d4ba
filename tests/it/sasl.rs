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

const AWS_SECRET: &str = "Aws-Secret-Access-Key-Pa55-93";
const AWS_SESSION: &str = "Aws-Session-Token-Pa55-17";

/// MSK IAM's token reaches every kind of client kdeck makes: noida-db takes
/// OAUTHBEARER with any token, but a client without one never connects (the
/// bare OAUTHBEARER profile), so the metadata, consumers, producers, admin and
/// transactional clients of `replicate` prove the token was set. What MSK itself
/// checks (the SigV4 signature) is tested offline in `kafka::msk_iam`.
#[test]
fn msk_iam_tokens_reach_every_client_and_missing_credentials_are_one_line() {
    let broker = Noida::start();
    let kdeck = Kdeck::new();
    let config = kdeck.home.path().join("config.toml");
    let profile = |name: &str, mechanism: &str| {
        format!(
            "[clusters.{name}]\nbootstrap = \"{}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"{mechanism}\"\n\"aws.region\" = \"eu-west-1\"\n\n",
            broker.bootstrap()
        )
    };
    let profiles =
        profile("iam", "AWS_MSK_IAM") + &profile("bare", "OAUTHBEARER").replace("\"aws.region\" = \"eu-west-1\"\n", "");
    std::fs::write(&config, profiles).unwrap();
    let plan = kdeck.home.path().join("plan.toml");
    std::fs::write(
        &plan,
        "name = \"iam\"\nsource = \"iam\"\ndestination = \"iam\"\n[topics]\ninclude = [\"ledger\"]\nrename = \"{topic}-copy\"\n",
    )
    .unwrap();
    let (config, plan) = (config.to_str().unwrap(), plan.to_str().unwrap());
    let run_iam = |args: &[&str], stdin: Option<&[u8]>, credentials: bool| {
        let mut cmd = kdeck.command();
        if credentials {
            cmd.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
                .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
                .env("AWS_SESSION_TOKEN", AWS_SESSION);
        } else {
            cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY").env_remove("AWS_PROFILE");
            // No remote source either: no web identity, no container, and no
            // instance metadata (this is no EC2 machine, but say so).
            for name in [
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            ] {
                cmd.env_remove(name);
            }
            cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        }
        cmd.args(["--config", config]).args(args);
        let run = crate::support::run(cmd, stdin);
        let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
        for (what, text) in [("stdout", run.stdout_text()), ("stderr", run.stderr.clone()), ("log", log)] {
            assert!(!text.contains(AWS_SECRET) && !text.contains(AWS_SESSION), "{args:?}: {what} shows an AWS secret");
        }
        run
    };

    let bare = run_iam(&["meta", "-b", "bare", "-m", "3"], None, true);
    assert_eq!(bare.code, Some(1), "without a token nothing connects: {}", bare.stderr);

    let produced = run_iam(&["produce", "-b", "iam", "-t", "ledger", "-p", "0"], Some(b"one\ntwo\nthree\n"), true);
    assert_eq!(produced.code, Some(0), "{}", produced.stderr);
    let consumed = run_iam(&["consume", "-b", "iam", "-t", "ledger", "-o", "beginning", "-c", "3"], None, true);
    assert_eq!((consumed.code, consumed.stdout_text().as_str()), (Some(0), "one\ntwo\nthree\n"), "{}", consumed.stderr);
    let replicated = run_iam(&["replicate", "--plan", plan, "--exit-when-caught-up"], None, true);
    assert_eq!(replicated.code, Some(0), "{}", replicated.stderr);
    let copied =
        run_iam(&["consume", "-b", "iam", "-t", "ledger-copy", "-o", "beginning", "-e", "-f", "%s\n"], None, true);
    assert_eq!(copied.stdout_text(), "one\ntwo\nthree\n", "{}", copied.stderr);
    let verified = run_iam(&["verify", "--plan", plan], None, true);
    assert_eq!(verified.code, Some(0), "{}{}", verified.stdout_text(), verified.stderr);

    let missing = run_iam(&["meta", "-b", "iam", "-m", "3"], None, false);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
    let line = missing.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("cluster iam: MSK IAM: no AWS credentials"), "{line}");
}
