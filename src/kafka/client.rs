//! Builds librdkafka clients from a resolved cluster profile.

use std::time::Duration;

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::BaseConsumer;
use rdkafka::consumer::Consumer as _;
use rdkafka::error::KafkaError;

use crate::config::ResolvedCluster;
use crate::error::Failure;

use super::msk_token::{self, TokenKeeper};

/// A client, and for an `AWS_MSK_IAM` cluster the keeper of its token. The
/// keeper is declared first so it stops before the client is destroyed.
pub struct WithToken<T> {
    _token: Option<TokenKeeper>,
    client: T,
}

impl<T> std::ops::Deref for WithToken<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.client
    }
}

impl<T> std::ops::DerefMut for WithToken<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.client
    }
}

/// `client` with its first MSK IAM token set, when the cluster uses MSK IAM.
pub fn with_token<T>(
    cluster: &ResolvedCluster,
    client: T,
    native: impl Fn(&T) -> *mut rdkafka::bindings::rd_kafka_t,
) -> Result<WithToken<T>, Failure> {
    // SAFETY: the keeper lives in the same struct as the client and drops first.
    let token = unsafe { msk_token::keep(cluster, native(&client))? };
    Ok(WithToken { _token: token, client })
}

/// An assign-mode consumer that carries its MSK IAM token keeper, if any.
pub type Consumer = WithToken<BaseConsumer>;

/// An admin client that carries its MSK IAM token keeper, if any.
pub type Admin = WithToken<rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext>>;

pub fn admin(cluster: &ResolvedCluster, timeout: Duration) -> Result<Admin, Failure> {
    let client: rdkafka::admin::AdminClient<_> =
        base_config(cluster, timeout)?.create().map_err(|err| creation_failure(cluster, &err))?;
    with_token(cluster, client, |client| client.inner().native_ptr())
}

/// A Kafka failure, already phrased for the user and sorted into usage or runtime.
pub struct KafkaFailure;

impl KafkaFailure {
    /// `what` says what kdeck was doing, e.g. `fetching metadata from source`.
    /// A TLS or SASL failure librdkafka reported meanwhile says why.
    pub fn runtime(what: &str, err: &KafkaError) -> Failure {
        match last_security_failure() {
            Some(reason) => Failure::runtime(format!("{what}: {}: {reason}", describe(err))),
            None => Failure::runtime(format!("{what}: {}", describe(err))),
        }
    }
}

/// librdkafka reports why a handshake failed only through its error callback,
/// which rust-rdkafka logs; the error a call returns just says "transport failure".
static SECURITY_FAILURE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

const SECURITY_FAILURE_MARKERS: &[&str] = &[
    "SSL handshake failed",
    "SASL authentication error",
    "Authentication failed",
    "SASL handshake failed",
    "Failed to initialize SASL authentication",
];

/// Whether a failure's text carries a TLS or SASL reason: trying again with the
/// same credentials or certificates cannot help.
pub fn is_security_failure(text: &str) -> bool {
    SECURITY_FAILURE_MARKERS.iter().any(|marker| text.contains(marker))
}

/// Called with every (already scrubbed) log line: keeps the last TLS or SASL failure.
pub fn note_log_line(line: &str) {
    let found = SECURITY_FAILURE_MARKERS.iter().filter_map(|marker| line.find(marker)).min();
    if let Some(start) = found {
        let mut reason = line[start..].lines().next().unwrap_or_default().trim().to_string();
        // OpenSSL's verdict is the same for three different mistakes; name them.
        if reason.contains("certificate verify failed") {
            reason.push_str(" [the broker's certificate is signed by a CA not in ssl.ca.location, is for another host name, or has expired]");
        }
        if let Ok(mut last) = SECURITY_FAILURE.lock() {
            *last = Some(reason);
        }
    }
}

fn last_security_failure() -> Option<String> {
    SECURITY_FAILURE.lock().ok()?.clone()
}

/// librdkafka's own wording, as rust-rdkafka renders it.
pub fn describe(err: &KafkaError) -> String {
    err.to_string()
}

/// The client settings for `cluster`; a Java keystore in the profile is read here.
pub(super) fn base_config(cluster: &ResolvedCluster, timeout: Duration) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new();
    // librdkafka's own log lines go to our log file through tracing, never to the terminal.
    config.set_log_level(RDKafkaLogLevel::Warning);
    let millis = timeout.as_millis().to_string();
    config.set("socket.timeout.ms", &millis);
    // A new client reaches the broker its bootstrap answer names over a second
    // connection, which librdkafka opens only after the reconnect backoff (100 ms
    // by default, jittered): each transactional producer's init_transactions
    // waited 40-80 ms for it on noida, twice in every engine start. The backoff
    // still doubles on each failure up to reconnect.backoff.max.ms (10 s), so
    // a broker that is down is not hammered. A profile's own value wins.
    config.set("reconnect.backoff.ms", "10");
    for (key, value) in crate::config::stores::librdkafka_properties(cluster)? {
        config.set(key, value);
    }
    Ok(config)
}

pub(super) fn creation_failure(cluster: &ResolvedCluster, err: &KafkaError) -> Failure {
    // A rejected property is the user's input: name it and exit 2. librdkafka's
    // text echoes the value, which stays hidden unless the property is public.
    let text = match err {
        KafkaError::ClientConfig(_, reason, key, value) => {
            format!("property \"{key}\": {}", crate::config::hide_value(reason, key, value))
        }
        _ => describe(err),
    };
    if matches!(err, KafkaError::ClientCreation(_) | KafkaError::ClientConfig(..)) {
        Failure::usage(format!("invalid client configuration for cluster {}: {text}", cluster.name))
    } else {
        Failure::runtime(format!("cannot create a client for cluster {}: {text}", cluster.name))
    }
}

/// An assign-mode consumer: no group membership, nothing committed.
/// `extra` comes last so callers can pin what their command depends on.
pub(super) fn consumer(
    cluster: &ResolvedCluster,
    timeout: Duration,
    extra: &[(&str, &str)],
) -> Result<Consumer, Failure> {
    let mut config = base_config(cluster, timeout)?;
    if cluster.properties.get("group.id").is_none() {
        config.set("group.id", "kdeck");
    }
    // KIP-714 client metrics (librdkafka 2.5+, on by default) cost a request
    // and a dozen histograms per broker at start; kdeck's consumers have no
    // use for them unless the profile asks.
    if cluster.properties.get("enable.metrics.push").is_none() {
        config.set("enable.metrics.push", "false");
    }
    config.set("enable.auto.commit", "false");
    config.set("enable.auto.offset.store", "false");
    // All assigned partitions share one consumer queue, and librdkafka compares
    // that queue's length with queued.min.messages (100k) per partition: past
    // it, each partition's next fetch waits fetch.queue.backoff.ms (1 s by
    // default). A reader of many partitions hit that wait every few hundred
    // thousand records and spent most of a copy idle. Check again after 20 ms.
    config.set("fetch.queue.backoff.ms", "20");
    for (key, value) in extra {
        config.set(*key, *value);
    }
    let consumer: BaseConsumer = config.create().map_err(|err| creation_failure(cluster, &err))?;
    with_token(cluster, consumer, |consumer| consumer.client().native_ptr())
}

/// Asks for `topics`' metadata so their leaders are known before they are
/// used: a consumer that resolves a logical start offset (beginning, end)
/// with no leader known yet retries after 500 ms, and a producer looks a topic
/// up on its first record. Many topics are asked for in one all-topics request.
pub(super) fn look_up_topics<C: rdkafka::ClientContext>(
    client: &rdkafka::client::Client<C>,
    topics: &[&str],
    timeout: Duration,
) {
    const ONE_BY_ONE: usize = 16;
    if topics.len() > ONE_BY_ONE {
        let _ = client.fetch_metadata(None, timeout);
        return;
    }
    for topic in topics {
        let _ = client.fetch_metadata(Some(topic), timeout);
    }
}
