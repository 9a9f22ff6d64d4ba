//! AWS MSK IAM authentication: an OAUTHBEARER token that is a SigV4-presigned
//! `kafka-cluster:Connect` URL, base64url without padding, as
//! aws-msk-iam-sasl-signer (Python, Go, Rust) makes it. Signed here with hmac and
//! sha2 rather than the AWS SDK, which is heavy to build (docs/ARCHITECTURE.md).
//!
//! Everything is synchronous and local: librdkafka calls the token refresh from its
//! own thread, where blocking on an async runtime panics in other projects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::SecretString;

pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
const SERVICE: &str = "kafka-cluster";
const USER_AGENT: &str = concat!("kdeck/", env!("CARGO_PKG_VERSION"));

/// AWS credentials; Debug shows only the access key id.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
}

/// The region of an MSK bootstrap host: `b-1.name.abc.c2.kafka.eu-west-1.amazonaws.com`
/// (or `kafka-serverless.`) gives `eu-west-1`.
pub fn region_from_bootstrap(bootstrap: &str) -> Option<String> {
    let host = bootstrap.split(',').next()?.trim();
    let host = host.split_once("://").map_or(host, |(_, rest)| rest);
    let host = host.rsplit_once(':').map_or(host, |(host, _)| host).to_ascii_lowercase();
    let labels: Vec<&str> = host.strip_suffix(".amazonaws.com")?.split('.').collect();
    let at = labels.iter().rposition(|label| *label == "kafka" || *label == "kafka-serverless")?;
    labels.get(at + 1).filter(|region| !region.is_empty()).map(|region| region.to_string())
}

/// The token and when it expires (ms since the epoch), signed at `now`.
pub fn token(credentials: &Credentials, region: &str, now: SystemTime) -> (String, i64) {
    let url = presigned_url(credentials, region, now);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.as_bytes());
    let signed_at = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    (token, (signed_at + TOKEN_LIFETIME.as_secs() as i64) * 1000)
}

/// `https://kafka.REGION.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-...`
pub fn presigned_url(credentials: &Credentials, region: &str, now: SystemTime) -> String {
    let host = format!("kafka.{region}.amazonaws.com");
    let mut query = vec![("Action".to_string(), "kafka-cluster:Connect".to_string())];
    // The signers hash the empty body, as botocore and the Go SDK do for a GET.
    let empty_body = hex(&Sha256::digest(b""));
    let request = Request { host: &host, path: "/", payload_hash: &empty_body };
    let signed = presign(credentials, region, SERVICE, &request, &mut query, TOKEN_LIFETIME, now);
    format!("https://{host}/?{signed}&User-Agent={}", uri_encode(USER_AGENT))
}

/// The GET request a presigned URL stands for.
pub struct Request<'a> {
    pub host: &'a str,
    pub path: &'a str,
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` (S3).
    pub payload_hash: &'a str,
}

/// SigV4 query signing (AWS's "presigned URL"): adds the X-Amz-* parameters to
/// `query` and returns the canonical query string with the signature last.
pub fn presign(
    credentials: &Credentials,
    region: &str,
    service: &str,
    request: &Request,
    query: &mut Vec<(String, String)>,
    expires: Duration,
    now: SystemTime,
) -> String {
    let timestamp = amz_date(now);
    let date = &timestamp[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    query.push(("X-Amz-Algorithm".into(), "AWS4-HMAC-SHA256".into()));
    query.push(("X-Amz-Credential".into(), format!("{}/{scope}", credentials.access_key_id)));
    query.push(("X-Amz-Date".into(), timestamp.clone()));
    query.push(("X-Amz-Expires".into(), expires.as_secs().to_string()));
    if let Some(token) = &credentials.session_token {
        query.push(("X-Amz-Security-Token".into(), token.expose().to_string()));
    }
    query.push(("X-Amz-SignedHeaders".into(), "host".into()));
    let mut encoded: Vec<(String, String)> =
        query.iter().map(|(key, value)| (uri_encode(key), uri_encode(value))).collect();
    encoded.sort();
    let canonical_query = encoded.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&");
    let Request { host, path, payload_hash } = request;
    let canonical_request = format!("GET\n{path}\n{canonical_query}\nhost:{host}\n\nhost\n{payload_hash}");
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{}", hex(&Sha256::digest(canonical_request.as_bytes())));
    let mut key = hmac(format!("AWS4{}", credentials.secret_access_key.expose()).as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    format!("{canonical_query}&X-Amz-Signature={signature}")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// SigV4's URI encoding: every byte but `A-Za-z0-9-_.~` as `%XX`.
fn uri_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => encoded.push(char::from(byte)),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// `YYYYMMDDTHHMMSSZ` in UTC.
fn amz_date(now: SystemTime) -> String {
    let seconds = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
#[path = "msk_iam_tests.rs"]
mod tests;
