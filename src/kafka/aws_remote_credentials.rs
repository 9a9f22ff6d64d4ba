//! The default chain's remote sources, after the environment and the shared
//! files: a web identity token exchanged with STS (EKS service accounts), the
//! container endpoint (ECS, EKS pod identity) and EC2 instance metadata (IMDSv2).
//! Each endpoint may be moved by the variable the AWS SDKs read, which is also
//! how the tests point them at a local server.

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;

use super::msk_iam::Credentials;
use crate::config::SecretString;

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

const CONTAINER_HOST: &str = "http://169.254.170.2";
const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// A machine without instance metadata must not hold up the error for long.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);
const REMOTE_TIMEOUT: Duration = Duration::from_secs(5);

/// The container endpoint's and instance metadata's answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
}

impl From<Answer> for Credentials {
    fn from(answer: Answer) -> Self {
        Credentials {
            access_key_id: answer.access_key_id,
            secret_access_key: SecretString::new(answer.secret_access_key),
            session_token: answer.token.map(SecretString::new),
        }
    }
}

/// The first remote source configured or reachable; None when none is.
pub fn load(region: &str, env: Lookup) -> Result<Option<Credentials>, String> {
    if let (Some(token_file), Some(role)) = (env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")) {
        return web_identity(&token_file, &role, region, env).map(Some);
    }
    let container = env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .or_else(|| env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").map(|path| format!("{CONTAINER_HOST}{path}")));
    if let Some(url) = container {
        return container_credentials(&url, env).map(Some);
    }
    if env("AWS_EC2_METADATA_DISABLED").is_some_and(|value| value.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    let endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| IMDS_ENDPOINT.to_string());
    Ok(instance_metadata(endpoint.trim_end_matches('/')))
}

fn web_identity(token_file: &str, role: &str, region: &str, env: Lookup) -> Result<Credentials, String> {
    let token = std::fs::read_to_string(token_file)
        .map_err(|err| format!("cannot read the web identity token {token_file}: {err}"))?;
    crate::config::register_secret(token.trim());
    let session = env("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| "kdeck".to_string());
    let endpoint = env("AWS_ENDPOINT_URL_STS")
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
    let form = [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", role),
        ("RoleSessionName", &session),
        ("WebIdentityToken", token.trim()),
    ];
    let body = form.iter().map(|(key, value)| format!("{key}={}", encode(value))).collect::<Vec<_>>().join("&");
    let request = Call { method: Method::POST, url: endpoint.clone(), headers: vec![], body: Some(body) };
    let (status, text) = call(request, REMOTE_TIMEOUT).map_err(|err| format!("STS {endpoint}: {err}"))?;
    let field = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_string())
    };
    match (status, field("AccessKeyId"), field("SecretAccessKey")) {
        (200, Some(access_key_id), Some(secret)) => Ok(Credentials {
            access_key_id,
            secret_access_key: SecretString::new(secret),
            session_token: field("SessionToken").map(SecretString::new),
        }),
        _ => Err(format!(
            "STS {endpoint}: AssumeRoleWithWebIdentity for {role} answered {status}: {}",
            field("Message").unwrap_or_else(|| "no credentials in the answer".into())
        )),
    }
}

fn container_credentials(url: &str, env: Lookup) -> Result<Credentials, String> {
    let authorization = match env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(file) => Some(std::fs::read_to_string(&file).map_err(|err| format!("cannot read {file}: {err}"))?),
        None => env("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
    };
    let headers = authorization.map(|token| ("Authorization", token.trim().to_string())).into_iter().collect();
    let request = Call { method: Method::GET, url: url.to_string(), headers, body: None };
    let (status, text) = call(request, REMOTE_TIMEOUT).map_err(|err| format!("container credentials {url}: {err}"))?;
    if status != 200 {
        return Err(format!("container credentials {url}: answered {status}"));
    }
    parse(&text).map_err(|err| format!("container credentials {url}: {err}"))
}

/// IMDSv2: a session token, the instance role's name, then its credentials.
/// Unreachable (not on EC2) is None, not an error.
fn instance_metadata(endpoint: &str) -> Option<Credentials> {
    let token = Call {
        method: Method::PUT,
        url: format!("{endpoint}/latest/api/token"),
        headers: vec![("X-aws-ec2-metadata-token-ttl-seconds", "300".into())],
        body: None,
    };
    let (status, session) = call(token, IMDS_TIMEOUT).ok()?;
    if status != 200 {
        return None;
    }
    let roles_url = format!("{endpoint}/latest/meta-data/iam/security-credentials/");
    let get = |url: String| Call {
        method: Method::GET,
        url,
        headers: vec![("X-aws-ec2-metadata-token", session.clone())],
        body: None,
    };
    let (status, roles) = call(get(roles_url.clone()), IMDS_TIMEOUT).ok()?;
    let role = roles.lines().next().filter(|role| status == 200 && !role.is_empty())?.trim().to_string();
    let (status, text) = call(get(format!("{roles_url}{role}")), IMDS_TIMEOUT).ok()?;
    (status == 200).then(|| parse(&text).ok()).flatten()
}

fn parse(text: &str) -> Result<Credentials, String> {
    let answer: Answer = serde_json::from_str(text).map_err(|err| format!("not the credentials JSON: {err}"))?;
    Ok(answer.into())
}

struct Call {
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
}

/// One request on a thread of its own: the caller may be inside a tokio
/// runtime, where starting another panics. The answer's status and body.
fn call(request: Call, timeout: Duration) -> Result<(u16, String), String> {
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        let client =
            reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build().map_err(|e| e.to_string())?;
        let Call { method, url, headers, body } = request;
        let mut request = client.request(method, &url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.header("Content-Type", "application/x-www-form-urlencoded").body(body);
        }
        runtime.block_on(async {
            let response = request.send().await.map_err(|e| crate::rest_client::root_cause(&e))?;
            let status = response.status().as_u16();
            Ok::<_, String>((status, response.text().await.map_err(|e| e.to_string())?))
        })
    });
    worker.join().unwrap_or_else(|_| Err("the credentials request panicked".into()))
}

/// application/x-www-form-urlencoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[path = "aws_remote_credentials_tests.rs"]
mod tests;
