//! The security flags a command needs, taken from a cluster profile. Secret values
//! never pass through here: a secret property becomes a `$ENV_VAR` placeholder, named
//! after the profile's `${env:VAR}` reference when it has one.

use crate::config::{has_url_credentials, is_public_key, ClientProperties, ClusterProfile, ResolvedCluster};

/// How a cluster is secured, with every secret already a `$VAR` placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Security {
    /// librdkafka properties (kcat `-X`), in a stable order.
    pub librdkafka: Vec<(String, String)>,
    /// Java client properties for the kafka-* tools' client.properties.
    pub java: Vec<(String, String)>,
    /// e.g. "SASL_SSL/PLAIN (Confluent Cloud)"; "PLAINTEXT" when unsecured.
    pub label: String,
    /// The profile's `schema.registry.url` (a `$VAR` when it carries credentials).
    pub registry_url: Option<String>,
    /// Whether the registry needs basic auth (`schema.registry.basic.auth.user.info`).
    pub registry_auth: bool,
}

/// The ready-made shapes the migration meets most, for a bare broker list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Plaintext,
    ConfluentCloud,
    MskTls,
    MskScram,
}

impl Preset {
    pub const NAMES: &'static str = "plaintext, confluent-cloud, msk-tls, msk-scram";

    pub fn parse(name: &str) -> Result<Preset, String> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "plaintext" => Ok(Preset::Plaintext),
            "confluent-cloud" | "cloud" | "ccloud" => Ok(Preset::ConfluentCloud),
            "msk-tls" | "tls" | "ssl" => Ok(Preset::MskTls),
            "msk-scram" | "scram" => Ok(Preset::MskScram),
            other => Err(format!("unknown security preset {other:?} (expected one of {})", Preset::NAMES)),
        }
    }

    fn properties(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Preset::Plaintext => vec![],
            Preset::ConfluentCloud => vec![("security.protocol", "SASL_SSL"), ("sasl.mechanisms", "PLAIN")],
            Preset::MskTls => vec![("security.protocol", "SSL")],
            Preset::MskScram => vec![("security.protocol", "SASL_SSL"), ("sasl.mechanisms", "SCRAM-SHA-512")],
        }
    }
}

/// librdkafka keys that decide how a client authenticates, in the order they print.
const SECURITY_KEYS: [&str; 12] = [
    "security.protocol",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.endpoint.identification.algorithm",
    "sasl.oauthbearer.token.endpoint.url",
];

/// A property as the cheatsheet may show it: plain values as they are, anything
/// secret as the text that stands for it (`${env:VAR}`, `[redacted]`, ...).
enum Shown {
    Plain(String),
    Secret(String),
}

impl Shown {
    fn placeholder_or_value(self, default_var: &str) -> String {
        match self {
            Shown::Plain(value) => value,
            Shown::Secret(reference) => env_placeholder(&reference, default_var),
        }
    }
}

/// `${env:NAME}` becomes `$NAME`; anything else (a literal, a file reference, a mix)
/// becomes the default variable, so the value itself never shows.
pub fn env_placeholder(reference_text: &str, default_var: &str) -> String {
    let name = reference_text.strip_prefix("${env:").and_then(|rest| rest.strip_suffix('}'));
    match name {
        Some(name) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            format!("${name}")
        }
        _ => format!("${default_var}"),
    }
}

impl Security {
    pub fn from_cluster(cluster: &ResolvedCluster) -> Security {
        Security::from_properties(&cluster.properties)
    }

    pub fn from_preset(preset: Preset) -> Security {
        let mut properties = ClientProperties::new();
        for (key, value) in preset.properties() {
            properties.set(key, value);
        }
        Security::from_properties(&properties)
    }

    pub fn from_properties(properties: &ClientProperties) -> Security {
        Security::from_lookup(&|key| {
            if !properties.contains_key(key) {
                return None;
            }
            Some(match properties.get(key) {
                Some(plain) => Shown::Plain(plain.to_string()),
                None => Shown::Secret(properties.redacted_value(key).unwrap_or_default().to_string()),
            })
        })
    }

    /// From a config file's profile as written, without resolving its references: the
    /// cheatsheet works even where the secrets' variables are unset.
    pub fn from_profile(profile: &ClusterProfile) -> Security {
        Security::from_lookup(&|key| {
            let raw = profile.properties.get(key)?;
            Some(match !is_public_key(key) || raw.contains("${") || has_url_credentials(raw) {
                true => Shown::Secret(raw.clone()),
                false => Shown::Plain(raw.clone()),
            })
        })
    }

    fn from_lookup(lookup: &dyn Fn(&str) -> Option<Shown>) -> Security {
        let plain = |key: &str| match lookup(key) {
            Some(Shown::Plain(value)) => Some(value.to_ascii_uppercase()),
            _ => None,
        };
        let protocol = plain("security.protocol").unwrap_or_else(|| "PLAINTEXT".to_string());
        // `sasl.mechanism` is librdkafka's alias; kcat users know the plural.
        let mechanism_key = if lookup("sasl.mechanisms").is_some() { "sasl.mechanisms" } else { "sasl.mechanism" };
        let mechanism = plain(mechanism_key);
        let sasl = protocol.starts_with("SASL");
        let plain = mechanism.as_deref() == Some("PLAIN");
        let (user_var, password_var) =
            if plain { ("KAFKA_API_KEY", "KAFKA_API_SECRET") } else { ("KAFKA_USERNAME", "KAFKA_PASSWORD") };
        let mut librdkafka = Vec::new();
        // kcat's librdkafka reads PKCS12 keystores, not kdeck's JKS ones.
        let jks_keystore = match (lookup("ssl.keystore.type"), lookup("ssl.keystore.location")) {
            (Some(Shown::Plain(kind)), _) => kind.eq_ignore_ascii_case("JKS"),
            (_, Some(Shown::Plain(location))) => location.to_ascii_lowercase().ends_with(".jks"),
            _ => false,
        };
        for key in SECURITY_KEYS {
            if jks_keystore && key.starts_with("ssl.keystore.") {
                continue;
            }
            let source_key = if key == "sasl.mechanisms" { mechanism_key } else { key };
            // A referenced path or password elsewhere is named after its key: ssl.key.password -> $SSL_KEY_PASSWORD.
            let default_var = match key {
                "sasl.username" => user_var.to_string(),
                "sasl.password" => password_var.to_string(),
                other => other.to_ascii_uppercase().replace('.', "_"),
            };
            if let Some(value) = lookup(source_key).map(|shown| shown.placeholder_or_value(&default_var)) {
                let value = match key {
                    "security.protocol" | "sasl.mechanisms" => value.to_ascii_uppercase(),
                    _ => value,
                };
                librdkafka.push((key.to_string(), value));
            }
        }
        // A SASL client always needs a user and a password; the placeholders say which.
        if sasl && matches!(mechanism.as_deref(), Some("PLAIN") | Some("SCRAM-SHA-256") | Some("SCRAM-SHA-512")) {
            for (key, var) in [("sasl.username", user_var), ("sasl.password", password_var)] {
                if !librdkafka.iter().any(|(k, _)| k == key) {
                    librdkafka.push((key.to_string(), format!("${var}")));
                }
            }
        }
        let java = java_properties(&protocol, mechanism.as_deref(), &librdkafka);
        let label = match (protocol.as_str(), mechanism.as_deref()) {
            ("SASL_SSL", Some("PLAIN")) => "SASL_SSL/PLAIN (Confluent Cloud: API key and secret)".to_string(),
            ("SASL_SSL", Some(scram)) if scram.starts_with("SCRAM") => {
                format!("SASL_SSL/{scram} (MSK SCRAM, port 9096)")
            }
            ("SSL", _) => "SSL (MSK TLS, port 9094)".to_string(),
            (protocol, Some(mechanism)) => format!("{protocol}/{mechanism}"),
            (protocol, None) => protocol.to_string(),
        };
        let label = match jks_keystore {
            true => format!("{label}; its JKS keystore is kdeck's: for kcat, convert it with keytool -importkeystore -srckeystore FILE.jks -destkeystore FILE.p12 -deststoretype pkcs12 and add -X ssl.keystore.location=FILE.p12 -X ssl.keystore.password=$SSL_KEYSTORE_PASSWORD"),
            false => label,
        };
        let registry_url = lookup("schema.registry.url").map(|shown| shown.placeholder_or_value("SCHEMA_REGISTRY_URL"));
        let registry_auth = lookup("schema.registry.basic.auth.user.info").is_some();
        Security { librdkafka, java, label, registry_url, registry_auth }
    }

    /// The SASL/PLAIN user when the profile shows it: on Confluent Cloud, the API key id
    /// (not a secret; the secret is its partner). `None` when it is a `$VAR`.
    pub fn api_key(&self) -> Option<String> {
        let plain = self.librdkafka.iter().any(|(key, value)| key == "sasl.mechanisms" && value == "PLAIN");
        let user = self.librdkafka.iter().find(|(key, _)| key == "sasl.username").map(|(_, value)| value);
        user.filter(|value| plain && !value.starts_with('$')).cloned()
    }

    pub fn is_plaintext(&self) -> bool {
        self.librdkafka.is_empty()
    }

    /// ` -X key=value ...` for kcat; values holding `$VAR` are double-quoted so the shell expands them.
    pub fn kcat_flags(&self) -> String {
        self.librdkafka.iter().map(|(key, value)| format!(" -X {key}={}", quote_expanding(value))).collect()
    }

    /// The lines of a client.properties file for the Java tools.
    pub fn java_lines(&self) -> String {
        if self.java.is_empty() {
            return "security.protocol=PLAINTEXT".to_string();
        }
        self.java.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("\n")
    }
}

/// Double quotes keep `$VAR` expanding while protecting spaces; plain tokens stay bare.
fn quote_expanding(value: &str) -> String {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/=@,+$".contains(c)) {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// What the Java clients call the same settings: one `sasl.mechanism`, a JAAS line, a PEM truststore.
fn java_properties(protocol: &str, mechanism: Option<&str>, librdkafka: &[(String, String)]) -> Vec<(String, String)> {
    let value = |key: &str| librdkafka.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut java = Vec::new();
    if protocol == "PLAINTEXT" && librdkafka.is_empty() {
        return java;
    }
    java.push(("security.protocol".to_string(), protocol.to_string()));
    if let Some(mechanism) = mechanism {
        java.push(("sasl.mechanism".to_string(), mechanism.to_string()));
        let module = match mechanism {
            "PLAIN" => Some("org.apache.kafka.common.security.plain.PlainLoginModule"),
            m if m.starts_with("SCRAM") => Some("org.apache.kafka.common.security.scram.ScramLoginModule"),
            _ => None,
        };
        if let (Some(module), Some(user), Some(password)) = (module, value("sasl.username"), value("sasl.password")) {
            java.push((
                "sasl.jaas.config".to_string(),
                format!("{module} required username='{user}' password='{password}';"),
            ));
        }
    }
    if let Some(ca) = value("ssl.ca.location") {
        java.push(("ssl.truststore.type".to_string(), "PEM".to_string()));
        java.push(("ssl.truststore.location".to_string(), ca));
    }
    java
}
