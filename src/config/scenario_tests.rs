//! End-to-end checks across parse → resolve → display, above all that a resolved
//! secret cannot leak through any printable surface.

use std::env::VarError;
use std::path::{Path, PathBuf};

use super::resolve::resolve_cluster_with;
use super::*;

/// Unique to this file: the scrub registry is process-wide and shared by all tests.
const ENV_SECRET: &str = "Sc3nario-env-Pa55word";
const FILE_SECRET: &str = "Sc3nario-file-key-pw";

fn env(name: &str) -> Result<String, VarError> {
    match name {
        "MSK_PASSWORD" => Ok(ENV_SECRET.into()),
        "BOOT" => Ok("boot.example:9092".into()),
        _ => Err(VarError::NotPresent),
    }
}

fn config(secrets_file: &Path) -> Config {
    let text = format!(
        r#"
[clusters.prod]
bootstrap = "b-1.msk.example:9096,b-2.msk.example:9096"
production = true
color = "red"
"security.protocol" = "SASL_SSL"
"sasl.username" = "migrator"
"sasl.password" = "${{env:MSK_PASSWORD}}"
"ssl.key.password" = "${{file:{secrets}:ssl_key_password}}"
"sasl.jaas.config" = "org.example.Login required password=\"${{env:MSK_PASSWORD}}\";"
"queue.buffering.max.ms" = 5

[clusters.lazy]
bootstrap = "localhost:9092"
"sasl.password" = "${{env:KDECK_SCENARIO_UNSET_VAR}}"

[clusters.referenced]
bootstrap = "${{env:BOOT}}"
"#,
        secrets = secrets_file.display()
    );
    parse(&text, Path::new("/etc/kdeck/config.toml")).unwrap()
}

fn args(cluster: &str, properties_file: Option<PathBuf>, overrides: &[&str]) -> ClusterArgs {
    ClusterArgs {
        cluster: cluster.into(),
        properties_file,
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
    }
}

fn secrets_file(dir: &Path) -> PathBuf {
    let path = dir.join("secrets.properties");
    let text = format!("# mounted by the operator\nssl_key_password = {FILE_SECRET}\nother={ENV_SECRET}\n");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn resolved_secrets_never_leak() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&secrets_file(dir.path()));
    let cluster = resolve_cluster_with(&args("prod", None, &[]), &config, &env).unwrap();

    let exposed: Vec<_> = cluster.properties.iter_exposed().collect();
    assert!(exposed.contains(&("sasl.password", ENV_SECRET)));
    assert!(exposed.contains(&("ssl.key.password", FILE_SECRET)));

    let redacted = cluster.properties.redacted();
    let lookup = |key: &str| redacted.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(lookup("sasl.password"), Some("${env:MSK_PASSWORD}"));
    assert_eq!(lookup("sasl.jaas.config"), Some(REDACTED));
    assert_eq!(lookup("sasl.username"), Some("migrator"));
    assert_eq!(lookup("queue.buffering.max.ms"), Some("5"));

    // Errors from the same cluster, each touching the secret's neighbourhood.
    let secrets = secrets_file(dir.path());
    let errors = [
        resolve_cluster_with(&args("prod", None, &["sasl.password:typo"]), &config, &env),
        resolve_cluster_with(&args("prod", None, &[&format!("x=${{file:{}:nope}}", secrets.display())]), &config, &env),
        resolve_cluster_with(&args("prod", None, &["y=${nope:x}"]), &config, &env),
        resolve_cluster_with(&args("prod", None, &["z=${env:UNSET_X}"]), &config, &env),
        resolve_cluster_with(&args("prdo", None, &[]), &config, &env),
    ]
    .map(|result| result.unwrap_err());

    let printed = [
        format!("{cluster}"),
        format!("{cluster:?}"),
        format!("{:?}", cluster.properties),
        format!("{redacted:?}"),
        format!("{config:?}"),
        format!("{errors:?}"),
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    ];
    for text in printed {
        for secret in [ENV_SECRET, FILE_SECRET] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    assert_eq!(format!("{cluster}"), "prod (b-1.msk.example:9096,b-2.msk.example:9096)");
    assert!(cluster.production);
    assert_eq!(cluster.color.as_deref(), Some("red"));

    let librdkafka_error = format!("SASL authentication failed: password {ENV_SECRET} rejected");
    assert_eq!(scrub(&librdkafka_error), "SASL authentication failed: password [redacted] rejected");
    assert_eq!(scrub(&format!("key={FILE_SECRET}")), "key=[redacted]");
}

#[test]
fn undefined_variable_fails_only_for_its_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&secrets_file(dir.path()));
    assert!(resolve_cluster_with(&args("prod", None, &[]), &config, &env).is_ok());
    let error = resolve_cluster_with(&args("lazy", None, &[]), &config, &env).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cluster \"lazy\" property \"sasl.password\": environment variable KDECK_SCENARIO_UNSET_VAR is not set"
    );
    assert!(error.is_usage());
    // The public entry point reads the real environment, where the variable is unset too.
    assert!(matches!(resolve_cluster(&args("lazy", None, &[]), &config), Err(ConfigError::EnvVarNotSet { .. })));
}

#[test]
fn layering_profile_then_file_then_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&secrets_file(dir.path()));
    let file = dir.path().join("client.properties");
    let text = "# kcat style\nsecurity.protocol=SSL\nlinger.ms=10\nacks=1\nsasl.password=from-F-file-pw\n";
    std::fs::write(&file, text).unwrap();
    let overrides = ["acks=all", "linger.ms=20", "acks=-1", "bootstrap.servers=override:9092"];
    let cluster = resolve_cluster_with(&args("prod", Some(file), &overrides), &config, &env).unwrap();
    let properties = &cluster.properties;
    #[rustfmt::skip]
    let expected = [
        ("bootstrap.servers", Some("override:9092"), PropertySource::Override),
        ("security.protocol", Some("SSL"), PropertySource::PropertiesFile),
        ("linger.ms", Some("20"), PropertySource::Override),
        ("acks", Some("-1"), PropertySource::Override),
        ("queue.buffering.max.ms", Some("5"), PropertySource::Profile),
        ("sasl.password", None, PropertySource::PropertiesFile),
    ];
    for (key, value, source) in expected {
        assert_eq!(properties.get(key), value, "{key}");
        assert_eq!(properties.source(key), Some(source), "{key}");
    }
    assert_eq!(properties.redacted_value("sasl.password"), Some(REDACTED));
    assert_eq!(scrub("from-F-file-pw"), REDACTED);
    assert_eq!(cluster.bootstrap(), "override:9092");
    let keys: Vec<_> = properties.iter_exposed().map(|(key, _)| key).collect();
    assert_eq!(keys[0], "bootstrap.servers", "first-definition order kept");
    assert_eq!(keys.last(), Some(&"acks"));

    let sensitive_override = ["ssl.keystore.password=from-X-keystore-pw"];
    let cluster = resolve_cluster_with(&args("prod", None, &sensitive_override), &config, &env).unwrap();
    assert!(cluster.properties.is_secret("ssl.keystore.password"));
    assert_eq!(scrub("from-X-keystore-pw"), REDACTED);
}

#[test]
fn broker_lists_and_unknown_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&secrets_file(dir.path()));
    let cluster = resolve_cluster_with(&args("localhost:9092", None, &["acks=all"]), &config, &env).unwrap();
    assert_eq!(cluster.name, "localhost:9092");
    assert_eq!(cluster.bootstrap(), "localhost:9092");
    assert_eq!(cluster.to_string(), "localhost:9092");
    assert!(!cluster.production && cluster.color.is_none());
    assert_eq!(cluster.properties.source("bootstrap.servers"), Some(PropertySource::BrokerList));

    let referenced = resolve_cluster_with(&args("referenced", None, &[]), &config, &env).unwrap();
    assert_eq!(referenced.bootstrap(), "${env:BOOT}");
    assert_eq!(referenced.to_string(), "referenced (${env:BOOT})");

    #[rustfmt::skip]
    let cases = [
        ("prdo", &config, "unknown cluster profile \"prdo\": expected a profile name from /etc/kdeck/config.toml (known: lazy, prod, referenced) or a broker list host:port[,host:port]"),
        ("prod", &Config::default(), "unknown cluster profile \"prod\": expected a profile name from <no config file> (known: none) or a broker list host:port[,host:port]"),
    ];
    for (name, config, expected) in cases {
        let error = resolve_cluster_with(&args(name, None, &[]), config, &env).unwrap_err();
        assert_eq!(error.to_string(), expected);
        assert!(error.is_usage());
    }

    let empty = resolve_cluster_with(&args("prod", None, &["bootstrap.servers="]), &config, &env).unwrap_err();
    assert_eq!(empty.to_string(), "cluster \"prod\": bootstrap.servers is empty: expected host:port[,host:port]");
}

#[test]
fn file_reference_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir.path().join("not-mounted.properties"));
    let error = resolve_cluster_with(&args("prod", None, &[]), &config, &env).unwrap_err();
    assert!(matches!(error, ConfigError::SecretFileUnreadable { .. }));
    assert!(error.to_string().contains("not-mounted.properties"), "{error}");
    assert!(!error.is_usage());
}
