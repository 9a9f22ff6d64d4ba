use std::fmt;

/// What every secret prints as, everywhere.
pub const REDACTED: &str = "[redacted]";

/// A string that cannot be printed by accident: Debug and Display show `[redacted]`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The only way to read the value; grep for `expose(` to audit every use.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Fragments of librdkafka / Kafka client property names whose values are secret.
/// Matched case-insensitively anywhere in the key, so `ssl.keystore.password`,
/// `sasl.oauthbearer.client.secret` and `schema.registry.basic.auth.user.info` all count.
const SENSITIVE_FRAGMENTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "credential",
    "sasl.jaas.config",
    "sasl.oauthbearer.config",
    "ssl.key.pem",
    "ssl_key",
    "ssl.keystore.",
    "basic.auth.user.info",
];

/// Whether a property's value must be treated as secret because of its name alone.
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    // `sasl.oauthbearer.token.endpoint.url` is a public URL, not a token.
    let has_token = key.replace("token.endpoint", "").contains("token");
    has_token || SENSITIVE_FRAGMENTS.iter().any(|fragment| key.contains(fragment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_string_never_prints_its_value() {
        let secret = SecretString::new("hunter2-long");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([redacted])");
        assert_eq!(secret.expose(), "hunter2-long");
    }

    #[test]
    fn sensitive_keys() {
        #[rustfmt::skip]
        let cases = [
            ("sasl.password", true),
            ("SASL.PASSWORD", true),
            ("ssl.key.password", true),
            ("ssl.keystore.password", true),
            ("ssl.keystore.location", true),
            ("ssl.key.pem", true),
            ("ssl_key", true),
            ("sasl.jaas.config", true),
            ("sasl.oauthbearer.config", true),
            ("sasl.oauthbearer.client.secret", true),
            ("sasl.oauthbearer.token", true),
            ("token", true),
            ("basic.auth.user.info", true),
            ("aws.credentials.provider", true),
            ("sasl.oauthbearer.token.endpoint.url", false),
            ("sasl.username", false),
            ("sasl.mechanisms", false),
            ("security.protocol", false),
            ("bootstrap.servers", false),
            ("ssl.key.location", false),
            ("ssl.ca.location", false),
            ("ssl.certificate.pem", false),
            ("queue.buffering.max.ms", false),
            ("", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_sensitive_key(key), expected, "{key}");
        }
    }
}
