//! kdeck over real TLS listeners (stunnel in front of tansu): server-verified TLS,
//! mutual TLS with PEM, PKCS12 and JKS client keystores (meta, produce, consume;
//! replicate and verify through the JKS one), and each TLS failure as one line
//! that names the profile and shows no secret.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

use crate::support::tls::{fixture, other_ca, ServerCert, TlsBroker};
use crate::support::{Kdeck, Run};

const PROFILE_SECRETS: [&str; 4] = ["Jks-Store-Pa55", "Jks-Key-Pa55", "Jks-Trust-Pa55", "P12-Store-Pa55"];

/// The fixture client's TLS settings as librdkafka properties, for topic creation.
fn create_topic(bootstrap: &str, mutual: bool, name: &str) {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("security.protocol", "ssl")
        .set("ssl.ca.location", fixture("ca.pem"));
    if mutual {
        config.set("ssl.certificate.location", fixture("client.pem")).set("ssl.key.location", fixture("client.key"));
    }
    let admin: AdminClient<DefaultClientContext> = config.create().expect("admin client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let results = runtime
        .block_on(admin.create_topics(
            &[NewTopic::new(name, 2, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topic over TLS");
    for result in results {
        result.expect("topic created");
    }
}

/// A profile per client keystore kind, all trusting the fixture CA.
fn profiles(bootstrap: &str, other_ca: &str) -> String {
    let (ca, pem, key) = (fixture("ca.pem"), fixture("client.pem"), fixture("client.key"));
    let (p12, jks, trust) = (fixture("client.p12"), fixture("client.jks"), fixture("truststore.jks"));
    format!(
        r#"
[clusters.tls]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.ca.location" = "{ca}"

[clusters.pem]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.ca.location" = "{ca}"
"ssl.certificate.location" = "{pem}"
"ssl.key.location" = "{key}"

[clusters.pkcs12]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.ca.location" = "{ca}"
"ssl.keystore.location" = "{p12}"
"ssl.keystore.password" = "${{env:P12_PASSWORD}}"

[clusters.jks]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.keystore.location" = "{jks}"
"ssl.keystore.password" = "${{env:JKS_PASSWORD}}"
"ssl.key.password" = "Jks-Key-Pa55"
"ssl.truststore.location" = "{trust}"
"ssl.truststore.password" = "Jks-Trust-Pa55"

[clusters.jks-wrong-password]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.keystore.location" = "{jks}"
"ssl.keystore.password" = "Jks-Store-Pa55-wrong"
"ssl.truststore.location" = "{trust}"
"ssl.truststore.password" = "Jks-Trust-Pa55"

[clusters.wrong-ca]
bootstrap = "{bootstrap}"
"security.protocol" = "SSL"
"ssl.ca.location" = "{other_ca}"
"ssl.certificate.location" = "{pem}"
"ssl.key.location" = "{key}"
"#
    )
}

fn kdeck_with(kdeck: &Kdeck, config: &str, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = kdeck.command();
    cmd.env("P12_PASSWORD", "P12-Store-Pa55")
        .env("JKS_PASSWORD", "Jks-Store-Pa55")
        .args(["--config", config])
        .args(args);
    let run = crate::support::run(cmd, stdin);
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    for secret in PROFILE_SECRETS {
        for (what, text) in [("stdout", run.stdout_text()), ("stderr", run.stderr.clone()), ("log", log.clone())] {
            assert!(!text.contains(secret), "{args:?}: {what} shows a secret");
        }
    }
    run
}

fn setup(cert: ServerCert, mutual: bool) -> (TlsBroker, Kdeck, String) {
    let broker = TlsBroker::start(cert, mutual);
    let kdeck = Kdeck::new();
    let other = other_ca(kdeck.home.path());
    let config = kdeck.home.path().join("config.toml");
    std::fs::write(&config, profiles(&broker.bootstrap(), other.to_str().unwrap())).unwrap();
    let config = config.to_str().unwrap().to_string();
    (broker, kdeck, config)
}

fn round_trip(kdeck: &Kdeck, config: &str, profile: &str, topic: &str) {
    let meta = kdeck_with(kdeck, config, &["meta", "-b", profile, "-t", topic], None);
    assert_eq!(meta.code, Some(0), "{profile}: {}", meta.stderr);
    assert!(meta.stdout_text().contains(&format!("topic \"{topic}\" with 2 partitions:")), "{}", meta.stdout_text());
    let input = format!("{profile}-1\n{profile}-2\n");
    let produced =
        kdeck_with(kdeck, config, &["produce", "-b", profile, "-t", topic, "-p", "0"], Some(input.as_bytes()));
    assert_eq!(produced.code, Some(0), "{profile}: {}", produced.stderr);
    let consumed =
        kdeck_with(kdeck, config, &["consume", "-b", profile, "-t", topic, "-p", "0", "-o", "beginning", "-e"], None);
    assert_eq!(consumed.code, Some(0), "{profile}: {}", consumed.stderr);
    assert!(consumed.stdout_text().contains(&format!("{profile}-2")), "{profile}: {}", consumed.stdout_text());
}

#[test]
fn tls_with_a_verified_server() {
    let (broker, kdeck, config) = setup(ServerCert::Good, false);
    create_topic(&broker.bootstrap(), false, "orders");
    round_trip(&kdeck, &config, "tls", "orders");
}

#[test]
fn mutual_tls_with_pem_pkcs12_and_jks_client_keystores() {
    let (broker, kdeck, config) = setup(ServerCert::Good, true);
    for profile in ["pem", "pkcs12", "jks"] {
        create_topic(&broker.bootstrap(), true, &format!("orders-{profile}"));
        round_trip(&kdeck, &config, profile, &format!("orders-{profile}"));
    }
    // Without a client certificate, the mTLS listener refuses the handshake.
    let refused = kdeck_with(&kdeck, &config, &["meta", "-b", "tls", "-m", "3"], None);
    assert_ne!(refused.code, Some(0));
}

/// docs/CONFIG.md's table of security failures, one row each.
#[test]
fn tls_failures_are_one_line_naming_the_profile() {
    let cases = [
        (ServerCert::Good, "wrong-ca", "certificate verify failed"),
        (ServerCert::WrongHost, "pem", "certificate verify failed"),
        (ServerCert::Expired, "pem", "certificate verify failed"),
        (ServerCert::Good, "jks-wrong-password", "wrong keystore password"),
    ];
    for (cert, profile, expected) in cases {
        let (_broker, kdeck, config) = setup(cert, true);
        let run = kdeck_with(&kdeck, &config, &["meta", "-b", profile, "-m", "3"], None);
        assert_ne!(run.code, Some(0), "{profile}");
        let stderr = run.stderr.trim();
        assert_eq!(stderr.lines().count(), 1, "{profile}: {stderr}");
        assert!(stderr.contains(profile) && stderr.contains(expected), "{profile}: {stderr}");
    }
}

/// The engine and verify read a mutual-TLS source through a JKS keystore: tansu
/// behind stunnel, copied exactly once to a plaintext noida destination (the
/// broker with transactions). tansu's high watermark is right only for
/// one-record batches (docs/TESTING.md), so each record is its own produce.
#[test]
fn replicate_and_verify_read_a_mutual_tls_source_through_a_jks_keystore() {
    let (broker, kdeck, config) = setup(ServerCert::Good, true);
    create_topic(&broker.bootstrap(), true, "ledger");
    for i in 0..8 {
        let line = format!("ledger-{i}\n");
        let partition = (i % 2).to_string();
        let produced = kdeck_with(
            &kdeck,
            &config,
            &["produce", "-b", "jks", "-t", "ledger", "-p", &partition],
            Some(line.as_bytes()),
        );
        assert_eq!(produced.code, Some(0), "{}", produced.stderr);
    }
    let destination = crate::support::Noida::start();
    let mut profiles = std::fs::read_to_string(&config).unwrap();
    profiles.push_str(&format!("\n[clusters.destination]\nbootstrap = \"{}\"\n", destination.bootstrap()));
    std::fs::write(&config, profiles).unwrap();
    let plan = kdeck.home.path().join("plan.toml");
    std::fs::write(&plan, "source = \"jks\"\ndestination = \"destination\"\n[topics]\ninclude = [\"ledger\"]\n")
        .unwrap();
    let plan = plan.to_str().unwrap();

    let child = kdeck
        .command()
        .env("JKS_PASSWORD", "Jks-Store-Pa55")
        .args(["--config", &config, "replicate", "--plan", plan, "--exit-when-caught-up"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn kdeck replicate");
    let replicated = crate::replicate::wait_exit(child, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&replicated.stderr);
    assert!(replicated.status.success(), "replicate: {stderr}");
    for secret in PROFILE_SECRETS {
        assert!(!stderr.contains(secret), "replicate's stderr shows a secret");
    }
    let copied = crate::support::drain(&destination.bootstrap(), "ledger", Duration::from_secs(2));
    assert_eq!(copied.len(), 8, "records on the destination");

    let verified = kdeck_with(&kdeck, &config, &["verify", "--plan", plan], None);
    assert_eq!(verified.code, Some(0), "verify: {}{}", verified.stdout_text(), verified.stderr);
}
