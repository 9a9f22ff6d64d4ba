//! The settings kdeck reads itself before librdkafka sees a profile: Java keystores
//! and truststores (JKS), which librdkafka cannot read, become PEM held in memory;
//! `AWS_MSK_IAM` becomes OAUTHBEARER, its tokens set by `kafka::msk_token`.

use std::path::PathBuf;

use super::error::ConfigError;
use super::jks;
use super::resolve::ResolvedCluster;

/// Profile keys librdkafka does not know; kdeck reads them.
pub const KDECK_KEYS: &[&str] = &[
    "ssl.keystore.type",
    "ssl.truststore.location",
    "ssl.truststore.type",
    "ssl.truststore.password",
    "aws.region",
    "aws.profile",
];

/// The `sasl.mechanisms` value that asks for kdeck's MSK IAM signer.
pub const AWS_MSK_IAM: &str = "AWS_MSK_IAM";

/// Keys librdkafka never sees: kdeck's own (keystores, MSK IAM) and the profile's Schema Registry.
pub fn is_kdeck_key(key: &str) -> bool {
    KDECK_KEYS.contains(&key) || super::is_registry_key(key)
}

/// Whether the cluster authenticates with MSK IAM (a token from kdeck's signer).
pub fn uses_msk_iam(cluster: &ResolvedCluster) -> bool {
    cluster.properties.get("sasl.mechanisms").is_some_and(|value| value.eq_ignore_ascii_case(AWS_MSK_IAM))
}

/// The properties to hand librdkafka, reading any JKS file now.
pub fn librdkafka_properties(cluster: &ResolvedCluster) -> Result<Vec<(String, String)>, ConfigError> {
    let exposed = |key: &str| cluster.properties.iter_exposed().find(|(name, _)| *name == key).map(|(_, value)| value);
    let mut properties: Vec<(String, String)> = Vec::new();
    let keystore_is_jks =
        exposed("ssl.keystore.location").is_some_and(|location| is_jks(location, exposed("ssl.keystore.type")));
    let mut converted = Vec::new();
    if keystore_is_jks {
        let location = exposed("ssl.keystore.location").unwrap_or_default();
        let store_password = exposed("ssl.keystore.password").unwrap_or_default();
        let key_password = exposed("ssl.key.password").unwrap_or(store_password);
        let store = read_jks(cluster, "ssl.keystore.location", location, store_password, key_password)?;
        let Some(key) = store.private_key else {
            return Err(keystore_error(cluster, "ssl.keystore.location", location, "has no private key entry", true));
        };
        super::register_secret(&key);
        converted.push(("ssl.key.pem".to_string(), key));
        // librdkafka's ssl.certificate.pem reads the leaf; intermediates go with the CA.
        let mut chain = store.chain.into_iter();
        converted.extend(chain.next().map(|leaf| ("ssl.certificate.pem".to_string(), leaf)));
        let intermediates: String = chain.collect();
        if !intermediates.is_empty() && exposed("ssl.truststore.location").is_none() {
            converted.push(("ssl.ca.pem".to_string(), intermediates));
        }
    }
    if let Some(location) = exposed("ssl.truststore.location") {
        let kind = exposed("ssl.truststore.type");
        if is_jks(location, kind) {
            let password = exposed("ssl.truststore.password").unwrap_or_default();
            let store = read_jks(cluster, "ssl.truststore.location", location, password, password)?;
            let certificates: String = store.trusted.into_iter().chain(store.chain).collect();
            if certificates.is_empty() {
                return Err(keystore_error(cluster, "ssl.truststore.location", location, "has no certificate", true));
            }
            converted.push(("ssl.ca.pem".to_string(), certificates));
        } else if kind.is_some_and(|kind| kind.eq_ignore_ascii_case("PEM")) || location.ends_with(".pem") {
            converted.push(("ssl.ca.location".to_string(), location.to_string()));
        } else {
            return Err(keystore_error(
                cluster,
                "ssl.truststore.location",
                location,
                "only JKS and PEM truststores are read: export its CA as PEM (openssl pkcs12 -in FILE -nokeys -out ca.pem) and set ssl.ca.location",
                true,
            ));
        }
    }
    let replaced_by_jks = ["ssl.keystore.location", "ssl.keystore.password", "ssl.key.password"];
    for (key, value) in cluster.properties.iter_exposed() {
        if is_kdeck_key(key) || (keystore_is_jks && replaced_by_jks.contains(&key)) {
            continue;
        }
        let value =
            if key == "sasl.mechanisms" && value.eq_ignore_ascii_case(AWS_MSK_IAM) { "OAUTHBEARER" } else { value };
        properties.push((key.to_string(), value.to_string()));
    }
    properties.extend(converted);
    Ok(properties)
}

/// Java's keystores default to JKS; a `.p12`/`.pfx`/`.pem` file is not one.
fn is_jks(location: &str, kind: Option<&str>) -> bool {
    match kind {
        Some(kind) => kind.eq_ignore_ascii_case("JKS"),
        None => location.to_ascii_lowercase().ends_with(".jks"),
    }
}

fn read_jks(
    cluster: &ResolvedCluster,
    key: &'static str,
    location: &str,
    store_password: &str,
    key_password: &str,
) -> Result<jks::PemStore, ConfigError> {
    let bytes = std::fs::read(location).map_err(|err| {
        let usage = err.kind() == std::io::ErrorKind::NotFound;
        keystore_error(cluster, key, location, &format!("cannot read ({err})"), usage)
    })?;
    jks::read(&bytes, store_password, key_password)
        .map_err(|problem| keystore_error(cluster, key, location, &problem.to_string(), true))
}

fn keystore_error(
    cluster: &ResolvedCluster,
    key: &'static str,
    location: &str,
    problem: &str,
    usage: bool,
) -> ConfigError {
    ConfigError::Keystore {
        cluster: cluster.name.clone(),
        key,
        path: PathBuf::from(location),
        problem: problem.to_string(),
        usage,
    }
}

#[cfg(test)]
#[path = "stores_tests.rs"]
mod tests;
