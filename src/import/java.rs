//! One cluster's Java client properties (`src.kafka.*`, `source.cluster.*`, a
//! client.properties file...) as a kdeck profile of librdkafka properties.
//!
//! Secrets never come out inline: a `${file:..}` or `${env:..}` reference stays
//! one, and a literal secret becomes `${env:KDECK_<PROFILE>_<KEY>}`, the variable
//! listed for the operator to set.

use std::collections::BTreeMap;

use super::jaas;
use super::{Imported, ImportedProfile};
use crate::config::is_sensitive_key;

const IAM_LOGIN_MODULE: &str = "software.amazon.msk.auth.iam.IAMLoginModule";
const IAM_CALLBACK_HANDLER: &str = "software.amazon.msk.auth.iam.IAMClientCallbackHandler";
const OIDC_CALLBACK_HANDLERS: &[&str] = &[
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
    "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
];

/// Java settings kdeck does not need, each with why, so the list of what was not
/// translated only holds what changes behaviour.
const NOT_NEEDED: &[(&str, &str)] = &[
    ("ssl.protocol", "librdkafka negotiates the highest TLS version both sides offer"),
    ("ssl.keymanager.algorithm", "a JVM setting"),
    ("ssl.trustmanager.algorithm", "a JVM setting"),
    ("ssl.secure.random.implementation", "a JVM setting"),
];

/// Translates `java` (keys without their prefix) into `profile`; `origin` prefixes
/// the original keys in notes (`src.kafka.`).
pub fn translate(name: &str, origin: &str, java: &BTreeMap<String, String>, out: &mut Imported) -> ImportedProfile {
    let mut profile = ImportedProfile { name: name.to_string(), ..ImportedProfile::default() };
    let mut untranslated = |key: &str, reason: &str| out.untranslated.push(format!("{origin}{key}: {reason}"));
    let get = |key: &str| java.get(key).map(String::as_str);
    let mut put = |key: &str, value: &str| {
        profile.properties.insert(key.to_string(), value.to_string());
    };
    let jaas = match get("sasl.jaas.config").map(jaas::parse) {
        Some(Err(reason)) => {
            untranslated("sasl.jaas.config", &format!("not a JAAS line ({reason})"));
            None
        }
        Some(Ok(jaas)) => Some(jaas),
        None => None,
    };
    let is_iam = jaas.as_ref().is_some_and(|jaas| jaas.module == IAM_LOGIN_MODULE);

    for (key, value) in java {
        match key.as_str() {
            "bootstrap.servers" => {}
            "security.protocol" => put(key, &value.to_ascii_uppercase()),
            "sasl.mechanism" if is_iam => put("sasl.mechanisms", "AWS_MSK_IAM"),
            "sasl.mechanism" => put("sasl.mechanisms", value),
            "sasl.jaas.config" => {}
            "sasl.client.callback.handler.class" if is_iam && value == IAM_CALLBACK_HANDLER => {}
            "sasl.login.callback.handler.class" if OIDC_CALLBACK_HANDLERS.contains(&value.as_str()) => {
                put("sasl.oauthbearer.method", "oidc")
            }
            "sasl.oauthbearer.token.endpoint.url" | "sasl.kerberos.service.name" | "client.id" => put(key, value),
            "ssl.endpoint.identification.algorithm" => {
                put(key, if value.trim().is_empty() { "none" } else { "https" })
            }
            "ssl.truststore.location" => match store_type(java, "ssl.truststore") {
                StoreType::Pem => put("ssl.ca.location", value),
                StoreType::Jks => {
                    put("ssl.truststore.location", value);
                    put("ssl.truststore.type", "JKS");
                }
                StoreType::Pkcs12 => untranslated(
                    key,
                    "a PKCS12 truststore: export its CA as PEM (openssl pkcs12 -in FILE -nokeys -out ca.pem) and set ssl.ca.location",
                ),
            },
            "ssl.truststore.password" if store_type(java, "ssl.truststore") == StoreType::Jks => {
                put(key, value)
            }
            // A PEM truststore has no password; a PKCS12 one is listed above.
            "ssl.truststore.password" | "ssl.truststore.type" | "ssl.keystore.type" => {}
            "ssl.truststore.certificates" => put("ssl.ca.pem", value),
            "ssl.keystore.location" => match store_type(java, "ssl.keystore") {
                StoreType::Pem => {
                    put("ssl.certificate.location", value);
                    put("ssl.key.location", value);
                }
                StoreType::Jks => {
                    put("ssl.keystore.location", value);
                    put("ssl.keystore.type", "JKS");
                }
                StoreType::Pkcs12 => put("ssl.keystore.location", value),
            },
            "ssl.keystore.password" if store_type(java, "ssl.keystore") != StoreType::Pem => put(key, value),
            "ssl.keystore.password" => {}
            "ssl.key.password" => put(key, value),
            "ssl.keystore.certificate.chain" => put("ssl.certificate.pem", value),
            "ssl.keystore.key" => put("ssl.key.pem", value),
            "ssl.cipher.suites" | "ssl.enabled.protocols" => untranslated(
                key,
                "Java names its TLS versions and cipher suites differently; librdkafka's ssl.cipher.suites takes OpenSSL names",
            ),
            _ => match NOT_NEEDED.iter().find(|(name, _)| name == key) {
                Some(_) => {}
                None if is_librdkafka_property(key) => put(key, value),
                None => untranslated(key, "no librdkafka equivalent"),
            },
        }
    }
    profile.bootstrap = get("bootstrap.servers").unwrap_or_default().to_string();
    if profile.bootstrap.is_empty() {
        out.untranslated.push(format!("{origin}bootstrap.servers: missing; fill in the profile's bootstrap"));
    }
    if let Some(jaas) = &jaas {
        login_module(jaas, origin, &mut profile, out);
    }
    secure(&mut profile, out);
    profile
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreType {
    Jks,
    Pkcs12,
    Pem,
}

/// Kafka's default store type is JKS; a `.p12`/`.pfx` file without a type is PKCS12.
fn store_type(java: &BTreeMap<String, String>, store: &str) -> StoreType {
    match java.get(&format!("{store}.type")).map(|kind| kind.trim().to_ascii_uppercase()).as_deref() {
        Some("PKCS12") => StoreType::Pkcs12,
        Some("PEM") => StoreType::Pem,
        Some(_) => StoreType::Jks,
        None => {
            let location = java.get(&format!("{store}.location")).map(|path| path.to_ascii_lowercase());
            match location {
                Some(path) if path.ends_with(".p12") || path.ends_with(".pfx") => StoreType::Pkcs12,
                Some(path) if path.ends_with(".pem") => StoreType::Pem,
                _ => StoreType::Jks,
            }
        }
    }
}

fn login_module(jaas: &jaas::Jaas, origin: &str, profile: &mut ImportedProfile, out: &mut Imported) {
    let mut put = |key: &str, value: &str| {
        profile.properties.insert(key.to_string(), value.to_string());
    };
    let mut untranslated = |option: &str, reason: &str| {
        out.untranslated.push(format!("{origin}sasl.jaas.config option {option}: {reason}"));
    };
    match jaas.module_name() {
        "PlainLoginModule" | "ScramLoginModule" => {
            for (option, value) in &jaas.options {
                match option.as_str() {
                    "username" => put("sasl.username", value),
                    "password" => put("sasl.password", value),
                    other => untranslated(other, "no librdkafka equivalent"),
                }
            }
        }
        "IAMLoginModule" if jaas.module == IAM_LOGIN_MODULE => {
            put("sasl.mechanisms", "AWS_MSK_IAM");
            for (option, value) in &jaas.options {
                match option.as_str() {
                    "awsProfileName" => put("aws.profile", value),
                    "awsDebugCreds" => {}
                    other => untranslated(
                        other,
                        "kdeck signs with the default credential chain; assume the role first (aws sts assume-role) and export its credentials",
                    ),
                }
            }
        }
        "OAuthBearerLoginModule" => {
            let mut extensions = Vec::new();
            for (option, value) in &jaas.options {
                match option.as_str() {
                    "clientId" => put("sasl.oauthbearer.client.id", value),
                    "clientSecret" => put("sasl.oauthbearer.client.secret", value),
                    "scope" => put("sasl.oauthbearer.scope", value),
                    other if other.starts_with("extension_") => {
                        extensions.push(format!("{}={value}", &other["extension_".len()..]))
                    }
                    other => untranslated(other, "no librdkafka equivalent"),
                }
            }
            if !extensions.is_empty() {
                put("sasl.oauthbearer.extensions", &extensions.join(","));
            }
        }
        _ => {
            untranslated("(login module)", "only the PLAIN, SCRAM, OAUTHBEARER and AWS MSK IAM login modules translate")
        }
    }
}

/// Whether librdkafka knows a property of this name (whatever the value).
fn is_librdkafka_property(key: &str) -> bool {
    let mut config = rdkafka::ClientConfig::new();
    config.set(key, "");
    match config.create_native_config() {
        Err(rdkafka::error::KafkaError::ClientConfig(_, reason, _, _)) => {
            !reason.contains("No such configuration property")
        }
        _ => true,
    }
}

/// Whether a profile key holds a secret value (a file location is not one).
fn is_secret_key(key: &str) -> bool {
    is_sensitive_key(key) && !key.ends_with(".location") && !key.ends_with(".type")
}

/// A value that is exactly one `${env:..}` or `${file:..}` reference, which kdeck
/// resolves the way Connect's providers do.
fn is_kdeck_reference(value: &str) -> bool {
    let Some(inner) = value.strip_prefix("${").and_then(|rest| rest.strip_suffix('}')) else {
        return false;
    };
    !inner.contains(['{', '}']) && (inner.starts_with("env:") || inner.starts_with("file:"))
}

/// Replaces each literal secret, and each reference kdeck cannot resolve, by an
/// environment variable reference, and lists the variable.
fn secure(profile: &mut ImportedProfile, out: &mut Imported) {
    for (key, value) in profile.properties.iter_mut() {
        let foreign_reference = value.contains("${") && !is_kdeck_reference(value);
        if (is_secret_key(key) && !is_kdeck_reference(value)) || foreign_reference {
            let variable = format!("KDECK_{}_{}", env_part(&profile.name), env_part(key));
            if foreign_reference {
                out.untranslated.push(format!(
                    "profile {} {key}: a config provider kdeck does not read (only ${{env:..}} and ${{file:..}}); set ${variable} instead",
                    profile.name
                ));
            }
            *value = format!("${{env:{variable}}}");
            out.variables.push(format!("{variable} ({key} of profile {})", profile.name));
        }
    }
}

fn env_part(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

#[cfg(test)]
#[path = "java_tests.rs"]
mod tests;
