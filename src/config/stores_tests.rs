use std::path::Path;

use super::*;
use crate::config::{parse, resolve_cluster, ClusterArgs};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

fn cluster(properties: &str) -> ResolvedCluster {
    let text = format!("[clusters.msk]\nbootstrap = \"b-1.example:9094\"\n{properties}");
    let config = parse(&text, Path::new("config.toml")).unwrap();
    let args = ClusterArgs { cluster: "msk".into(), properties_file: None, overrides: Vec::new() };
    resolve_cluster(&args, &config).unwrap_or_else(|err| panic!("{err}"))
}

fn keys(properties: &[(String, String)]) -> Vec<&str> {
    properties.iter().map(|(key, _)| key.as_str()).collect()
}

#[test]
fn jks_keystore_and_truststore_become_pem_in_memory() {
    let cluster = cluster(&format!(
        "\"security.protocol\" = \"SSL\"\n\"ssl.keystore.location\" = \"{FIXTURES}/client.jks\"\n\"ssl.keystore.type\" = \"JKS\"\n\
         \"ssl.keystore.password\" = \"Jks-Store-Pa55\"\n\"ssl.key.password\" = \"Jks-Key-Pa55\"\n\
         \"ssl.truststore.location\" = \"{FIXTURES}/truststore.jks\"\n\"ssl.truststore.password\" = \"Jks-Trust-Pa55\"\n"
    ));
    let properties = librdkafka_properties(&cluster).unwrap();
    assert_eq!(
        keys(&properties),
        ["bootstrap.servers", "security.protocol", "ssl.key.pem", "ssl.certificate.pem", "ssl.ca.pem"]
    );
    let value = |key: &str| properties.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str());
    let fixture = |name: &str| std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    assert_eq!(value("ssl.key.pem"), Some(fixture("client.key").as_str()));
    assert_eq!(value("ssl.certificate.pem"), Some(fixture("client.pem").as_str()));
    assert_eq!(value("ssl.ca.pem"), Some(fixture("ca.pem").as_str()));
}

#[test]
fn pkcs12_and_pem_stores_pass_through() {
    let cluster = cluster(&format!(
        "\"ssl.keystore.location\" = \"{FIXTURES}/client.p12\"\n\"ssl.keystore.type\" = \"PKCS12\"\n\"ssl.keystore.password\" = \"P12-Store-Pa55\"\n\
         \"ssl.truststore.location\" = \"{FIXTURES}/ca.pem\"\n\"ssl.truststore.type\" = \"PEM\"\n\"aws.region\" = \"eu-west-1\"\n"
    ));
    let properties = librdkafka_properties(&cluster).unwrap();
    assert_eq!(
        keys(&properties),
        ["bootstrap.servers", "ssl.keystore.location", "ssl.keystore.password", "ssl.ca.location"]
    );
}

#[test]
fn msk_iam_becomes_oauthbearer_and_its_own_keys_stay_with_kdeck() {
    let cluster = cluster(
        "\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanisms\" = \"AWS_MSK_IAM\"\n\"aws.region\" = \"eu-west-1\"\n\"aws.profile\" = \"migration\"\n",
    );
    assert!(uses_msk_iam(&cluster));
    let properties = librdkafka_properties(&cluster).expect("properties");
    assert_eq!(keys(&properties), ["bootstrap.servers", "sasl.mechanisms", "security.protocol"]);
    assert_eq!(properties[1].1, "OAUTHBEARER");
}

#[test]
fn store_failures_are_one_line_naming_profile_and_file() {
    let jks = format!("{FIXTURES}/client.jks");
    #[rustfmt::skip]
    let cases = [
        (format!("\"ssl.keystore.location\" = \"{jks}\"\n\"ssl.keystore.password\" = \"Wrong-Pa55-1\"\n"),
         format!("cluster \"msk\" ssl.keystore.location {jks}: wrong keystore password (the keystore's integrity check fails)"), true),
        (format!("\"ssl.keystore.location\" = \"{jks}\"\n\"ssl.keystore.password\" = \"Jks-Store-Pa55\"\n"),
         format!("cluster \"msk\" ssl.keystore.location {jks}: wrong key password (the private key does not decrypt)"), true),
        (format!("\"ssl.keystore.location\" = \"{FIXTURES}/truststore.jks\"\n\"ssl.keystore.password\" = \"Jks-Trust-Pa55\"\n"),
         format!("cluster \"msk\" ssl.keystore.location {FIXTURES}/truststore.jks: has no private key entry"), true),
        ("\"ssl.keystore.location\" = \"/nonexistent/k.jks\"\n".to_string(),
         "cluster \"msk\" ssl.keystore.location /nonexistent/k.jks: cannot read (No such file or directory (os error 2))".to_string(), true),
        (format!("\"ssl.truststore.location\" = \"{FIXTURES}/client.p12\"\n"),
         format!("cluster \"msk\" ssl.truststore.location {FIXTURES}/client.p12: only JKS and PEM truststores are read: export its CA as PEM (openssl pkcs12 -in FILE -nokeys -out ca.pem) and set ssl.ca.location"), true),
    ];
    for (properties, expected, usage) in cases {
        let error = librdkafka_properties(&cluster(&properties)).err().unwrap();
        assert_eq!(error.to_string(), expected);
        assert_eq!(error.is_usage(), usage);
        assert!(!error.to_string().contains("Wrong-Pa55"));
    }
}
