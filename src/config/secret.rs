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
    "ssl.keystore.key",
    "basic.auth.user.info",
    // The OAuth assertion's signing key and its passphrase; extensions can carry tokens.
    "private.key.pem",
    "passphrase",
    "oauthbearer.extensions",
    // A shell command line, which may hold a password inline.
    "kinit.cmd",
];

/// Whether a property's value must be treated as secret because of its name alone.
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    // `sasl.oauthbearer.token.endpoint.url` is a public URL, not a token.
    let has_token = key.replace("token.endpoint", "").contains("token");
    has_token || SENSITIVE_FRAGMENTS.iter().any(|fragment| key.contains(fragment))
}

/// librdkafka's properties whose values are safe to show (CONFIGURATION.md of
/// librdkafka 2.12, less the callbacks and the secrets), and the Java spellings kdeck
/// profiles meet. Any other key's value is hidden: a typo (`sasl.pass`), a custom key
/// (`apikey`) or a property librdkafka does not know may hold a secret.
const PUBLIC_PROPERTIES: &[&str] = &[
    "acks",
    "allow.auto.create.topics",
    "api.version.fallback.ms",
    "api.version.request",
    "api.version.request.timeout.ms",
    "auto.commit.enable",
    "auto.commit.interval.ms",
    "auto.offset.reset",
    "batch.num.messages",
    "batch.size",
    "bootstrap.servers",
    "broker.address.family",
    "broker.address.ttl",
    "broker.version.fallback",
    "builtin.features",
    "check.crcs",
    "client.dns.lookup",
    "client.id",
    "client.rack",
    "compression.codec",
    "compression.level",
    "compression.type",
    "connections.max.idle.ms",
    "consume.callback.max.messages",
    "coordinator.query.interval.ms",
    "debug",
    "delivery.report.only.error",
    "delivery.timeout.ms",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "enable.gapless.guarantee",
    "enable.idempotence",
    "enable.metrics.push",
    "enable.partition.eof",
    "enable.random.seed",
    "enable.sasl.oauthbearer.unsecure.jwt",
    "enable.ssl.certificate.verification",
    "enabled_events",
    "fetch.error.backoff.ms",
    "fetch.max.bytes",
    "fetch.message.max.bytes",
    "fetch.min.bytes",
    "fetch.queue.backoff.ms",
    "fetch.wait.max.ms",
    "group.id",
    "group.instance.id",
    "group.protocol",
    "group.protocol.type",
    "group.remote.assignor",
    "heartbeat.interval.ms",
    "https.ca.location",
    "https.ca.pem",
    "internal.termination.signal",
    "isolation.level",
    "linger.ms",
    "log.connection.close",
    "log.queue",
    "log.thread.name",
    "log_level",
    "max.in.flight",
    "max.in.flight.requests.per.connection",
    "max.partition.fetch.bytes",
    "max.poll.interval.ms",
    "message.copy.max.bytes",
    "message.max.bytes",
    "message.send.max.retries",
    "message.timeout.ms",
    "metadata.broker.list",
    "metadata.max.age.ms",
    "metadata.recovery.rebootstrap.trigger.ms",
    "metadata.recovery.strategy",
    "offset.store.method",
    "offset.store.path",
    "offset.store.sync.interval.ms",
    "partition.assignment.strategy",
    "partitioner",
    "plugin.library.paths",
    "produce.offset.report",
    "queue.buffering.backpressure.threshold",
    "queue.buffering.max.kbytes",
    "queue.buffering.max.messages",
    "queue.buffering.max.ms",
    "queued.max.messages.kbytes",
    "queued.min.messages",
    "queuing.strategy",
    "receive.message.max.bytes",
    "reconnect.backoff.jitter.ms",
    "reconnect.backoff.max.ms",
    "reconnect.backoff.ms",
    "request.required.acks",
    "request.timeout.ms",
    "retries",
    "retry.backoff.max.ms",
    "retry.backoff.ms",
    "sasl.kerberos.keytab",
    "sasl.kerberos.min.time.before.relogin",
    "sasl.kerberos.principal",
    "sasl.kerberos.service.name",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.oauthbearer.assertion.algorithm",
    "sasl.oauthbearer.assertion.claim.aud",
    "sasl.oauthbearer.assertion.claim.exp.seconds",
    "sasl.oauthbearer.assertion.claim.iss",
    "sasl.oauthbearer.assertion.claim.jti.include",
    "sasl.oauthbearer.assertion.claim.nbf.seconds",
    "sasl.oauthbearer.assertion.claim.sub",
    "sasl.oauthbearer.assertion.file",
    "sasl.oauthbearer.assertion.jwt.template.file",
    "sasl.oauthbearer.assertion.private.key.file",
    "sasl.oauthbearer.client.credentials.client.id",
    "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.grant.type",
    "sasl.oauthbearer.metadata.authentication.type",
    "sasl.oauthbearer.method",
    "sasl.oauthbearer.scope",
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.username",
    // kdeck's registry client reads these; credentials in the URL are registered as secrets.
    "schema.registry.ssl.ca.location",
    "schema.registry.url",
    "security.protocol",
    "session.timeout.ms",
    "socket.blocking.max.ms",
    "socket.connection.setup.timeout.ms",
    "socket.keepalive.enable",
    "socket.max.fails",
    "socket.nagle.disable",
    "socket.receive.buffer.bytes",
    "socket.send.buffer.bytes",
    "socket.timeout.ms",
    "ssl.ca.certificate.stores",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.cipher.suites",
    "ssl.crl.location",
    "ssl.curves.list",
    "ssl.endpoint.identification.algorithm",
    "ssl.engine.id",
    "ssl.engine.location",
    "ssl.key.location",
    "ssl.keystore.location",
    "ssl.keystore.type",
    "ssl.providers",
    "ssl.sigalgs.list",
    "ssl.truststore.location",
    "ssl.truststore.type",
    // kdeck's own: MSK IAM's region and AWS profile name
    "aws.profile",
    "aws.region",
    "statistics.interval.ms",
    "sticky.partitioning.linger.ms",
    "topic.blacklist",
    "topic.metadata.propagation.max.ms",
    "topic.metadata.refresh.fast.cnt",
    "topic.metadata.refresh.fast.interval.ms",
    "topic.metadata.refresh.interval.ms",
    "topic.metadata.refresh.sparse",
    "transaction.timeout.ms",
    "transactional.id",
];

/// Whether a property's value may be shown: a known public property, and not secret by name.
pub fn is_public_key(key: &str) -> bool {
    PUBLIC_PROPERTIES.contains(&key) && !is_sensitive_key(key)
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
            ("ssl.keystore.location", false),
            ("ssl.keystore.key", true),
            ("ssl.truststore.password", true),
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
            ("sasl.oauthbearer.assertion.private.key.pem", true),
            ("sasl.oauthbearer.assertion.private.key.passphrase", true),
            ("sasl.oauthbearer.extensions", true),
            ("sasl.kerberos.kinit.cmd", true),
            ("sasl.oauthbearer.assertion.private.key.file", false),
            ("", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_sensitive_key(key), expected, "{key}");
        }
    }

    #[test]
    fn only_known_public_properties_are_public() {
        #[rustfmt::skip]
        let cases = [
            ("bootstrap.servers", true),
            ("security.protocol", true),
            ("sasl.mechanisms", true),
            ("sasl.username", true),
            ("ssl.ca.location", true),
            ("acks", true),
            ("sasl.oauthbearer.token.endpoint.url", true),
            // secret by name, though librdkafka knows them
            ("sasl.password", false),
            ("sasl.oauthbearer.assertion.private.key.pem", false),
            ("sasl.oauthbearer.assertion.private.key.passphrase", false),
            ("sasl.oauthbearer.extensions", false),
            ("sasl.oauthbearer.client.secret", false),
            // unknown: typos, custom keys, other case
            ("sasl.pass", false),
            ("apikey", false),
            ("Security.Protocol", false),
            ("no.such.property", false),
            ("", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_public_key(key), expected, "{key}");
        }
    }
}
