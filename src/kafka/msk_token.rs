//! MSK IAM tokens handed to a live librdkafka client. `rd_kafka_oauthbearer_set_token`
//! may be called from any thread at any time, so a client gets its first token
//! the moment it is created and a fresh one before each expires, whether or not
//! anyone polls its queues. rust-rdkafka's refresh callback runs only while a
//! queue is polled, and kdeck's metadata, admin and idle reader clients poll
//! none: they would wait for a token that never comes.

use std::ffi::CString;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::bindings as rd;

use super::msk_iam::{region_from_bootstrap, token};
use super::{aws_credentials, aws_remote_credentials};
use crate::config::{stores, ResolvedCluster};
use crate::error::Failure;

/// A new token this long before the old one (15 minutes) expires.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(180);
/// After a failed signing (credentials gone, say), try again this soon.
const RETRY_AFTER: Duration = Duration::from_secs(10);
/// MSK reads the identity from the signature; librdkafka wants a principal name.
const PRINCIPAL: &str = "kdeck";

/// Keeps a client's token fresh until dropped. Dropped before its client: the
/// holder declares it ahead of the client so Rust drops it first.
pub struct TokenKeeper {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for TokenKeeper {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        if let Ok(mut stopped) = stopped.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The client handle, moved to the refresh thread; [`TokenKeeper`]'s drop
/// joins that thread before the client can be destroyed.
struct Native(*mut rd::rd_kafka_t);
// SAFETY: librdkafka's set_token functions are thread-safe, and the handle
// outlives the thread (see `Native`).
unsafe impl Send for Native {}

/// Where a cluster's tokens are signed: its region and AWS profile.
#[derive(Clone)]
struct Signer {
    cluster: String,
    region: String,
    profile: Option<String>,
}

impl Signer {
    fn of(cluster: &ResolvedCluster) -> Result<Signer, Failure> {
        let region = cluster
            .properties
            .get("aws.region")
            .map(str::to_string)
            .or_else(|| region_from_bootstrap(cluster.bootstrap()))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "cluster {}: AWS_MSK_IAM needs a region: set \"aws.region\", or use the MSK bootstrap host (b-1.NAME.ID.c2.kafka.REGION.amazonaws.com)",
                    cluster.name
                ))
            })?;
        Ok(Signer {
            cluster: cluster.name.clone(),
            region,
            profile: cluster.properties.get("aws.profile").map(str::to_string),
        })
    }

    /// A token and its expiry (ms since the epoch), or why none could be signed.
    fn sign(&self) -> Result<(String, i64), String> {
        let environment = |key: &str| std::env::var(key).ok();
        let failed = |reason: String| format!("cluster {}: MSK IAM: {reason}", self.cluster);
        let credentials = match aws_credentials::load(self.profile.as_deref(), &environment) {
            Ok(credentials) => credentials,
            Err(local) if local.starts_with(aws_credentials::NONE) => {
                match aws_remote_credentials::load(&self.region, &environment) {
                    Ok(Some(credentials)) => credentials,
                    Ok(None) => {
                        return Err(failed(format!(
                            "{local}, nor web identity, container or instance metadata credentials"
                        )))
                    }
                    Err(remote) => return Err(failed(remote)),
                }
            }
            Err(other) => return Err(failed(other)),
        };
        crate::config::register_secret(credentials.secret_access_key.expose());
        if let Some(session) = &credentials.session_token {
            crate::config::register_secret(session.expose());
        }
        let (token, expiry_ms) = token(&credentials, &self.region, SystemTime::now());
        crate::config::register_secret(&token);
        Ok((token, expiry_ms))
    }
}

/// For an `AWS_MSK_IAM` cluster: hands `native` its first token now, and keeps
/// it fresh until the returned keeper is dropped. Other clusters: nothing.
///
/// # Safety
/// `native` must be a live client that outlives the returned keeper.
pub unsafe fn keep(cluster: &ResolvedCluster, native: *mut rd::rd_kafka_t) -> Result<Option<TokenKeeper>, Failure> {
    if !stores::uses_msk_iam(cluster) {
        return Ok(None);
    }
    let signer = Signer::of(cluster)?;
    let (first, expiry_ms) = signer.sign().map_err(Failure::runtime)?;
    set_token(native, &first, expiry_ms).map_err(|reason| {
        Failure::runtime(format!("cluster {}: MSK IAM: librdkafka refused the token: {reason}", cluster.name))
    })?;
    let stop = Arc::new((Mutex::new(false), Condvar::new()));
    let (thread_stop, handle) = (stop.clone(), Native(native));
    let thread = std::thread::Builder::new()
        .name("kdeck-msk-token".into())
        .spawn(move || refresh(&handle, &signer, expiry_ms, &thread_stop))
        .map_err(|err| {
            Failure::runtime(format!("cluster {}: cannot start the MSK IAM token thread: {err}", cluster.name))
        })?;
    Ok(Some(TokenKeeper { stop, thread: Some(thread) }))
}

fn refresh(native: &Native, signer: &Signer, mut expiry_ms: i64, stop: &(Mutex<bool>, Condvar)) {
    let (stopped, wake) = stop;
    let Ok(mut guard) = stopped.lock() else { return };
    loop {
        let due = refresh_in(expiry_ms, now_ms());
        let Ok((woken, _)) = wake.wait_timeout_while(guard, due, |stopped| !*stopped) else { return };
        guard = woken;
        if *guard {
            return;
        }
        match signer.sign() {
            Ok((fresh, expiry)) => match set_token(native.0, &fresh, expiry) {
                Ok(()) => expiry_ms = expiry,
                Err(reason) => {
                    tracing::warn!(cluster = %signer.cluster, "MSK IAM: librdkafka refused the token: {reason}");
                    expiry_ms = now_ms() + (RETRY_AFTER + REFRESH_BEFORE_EXPIRY).as_millis() as i64;
                }
            },
            Err(reason) => {
                tracing::warn!("{reason}");
                set_token_failure(native.0, &reason);
                expiry_ms = now_ms() + (RETRY_AFTER + REFRESH_BEFORE_EXPIRY).as_millis() as i64;
            }
        }
    }
}

/// How long until a token expiring at `expiry_ms` is replaced.
fn refresh_in(expiry_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis((expiry_ms - now_ms).max(0) as u64).saturating_sub(REFRESH_BEFORE_EXPIRY)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn set_token(native: *mut rd::rd_kafka_t, token: &str, expiry_ms: i64) -> Result<(), String> {
    let (token, principal) = (CString::new(token).map_err(|e| e.to_string())?, CString::new(PRINCIPAL).unwrap());
    let mut error = [0 as std::os::raw::c_char; 512];
    // SAFETY: the caller keeps `native` alive; the strings outlive the call.
    let code = unsafe {
        rd::rd_kafka_oauthbearer_set_token(
            native,
            token.as_ptr(),
            expiry_ms,
            principal.as_ptr(),
            std::ptr::null_mut(),
            0,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if code == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: librdkafka writes a NUL-terminated message into `error`.
    Err(unsafe { std::ffi::CStr::from_ptr(error.as_ptr()) }.to_string_lossy().into_owned())
}

fn set_token_failure(native: *mut rd::rd_kafka_t, reason: &str) {
    let reason = CString::new(reason.replace('\0', " ")).unwrap_or_default();
    // SAFETY: as in `set_token`.
    unsafe { rd::rd_kafka_oauthbearer_set_token_failure(native, reason.as_ptr()) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, resolve_cluster, ClusterArgs};

    fn cluster(bootstrap: &str, extra: &str) -> ResolvedCluster {
        let text =
            format!("[clusters.msk]\nbootstrap = \"{bootstrap}\"\n\"sasl.mechanisms\" = \"AWS_MSK_IAM\"\n{extra}");
        let config = parse(&text, std::path::Path::new("config.toml")).unwrap();
        let args = ClusterArgs { cluster: "msk".into(), properties_file: None, overrides: Vec::new() };
        resolve_cluster(&args, &config).unwrap_or_else(|err| panic!("{err}"))
    }

    #[test]
    fn the_region_comes_from_the_profile_or_the_msk_host_else_a_usage_error() {
        let host = "b-1.prod.abc123.c2.kafka.eu-west-1.amazonaws.com:9098";
        assert_eq!(Signer::of(&cluster(host, "")).ok().map(|s| s.region), Some("eu-west-1".into()));
        let pinned = cluster(host, "\"aws.region\" = \"us-east-2\"\n\"aws.profile\" = \"migration\"\n");
        let Ok(signer) = Signer::of(&pinned) else { panic!("a signer") };
        assert_eq!((signer.region.as_str(), signer.profile.as_deref()), ("us-east-2", Some("migration")));
        let Err(failure) = Signer::of(&cluster("127.0.0.1:9098", "")) else { panic!("no region") };
        assert_eq!(failure.exit_code(), 2, "{failure}");
        assert!(
            failure.to_string().starts_with("cluster msk: AWS_MSK_IAM needs a region: set \"aws.region\""),
            "{failure}"
        );
    }

    #[test]
    fn a_token_is_replaced_three_minutes_before_it_expires_and_at_once_when_late() {
        let minute = 60_000;
        assert_eq!(refresh_in(15 * minute, 0), Duration::from_secs(12 * 60));
        assert_eq!(refresh_in(2 * minute, 0), Duration::ZERO);
        assert_eq!(refresh_in(0, 5 * minute), Duration::ZERO);
        // A failed signing retries RETRY_AFTER later.
        let retry = (RETRY_AFTER + REFRESH_BEFORE_EXPIRY).as_millis() as i64;
        assert_eq!(refresh_in(retry, 0), RETRY_AFTER);
    }
}
