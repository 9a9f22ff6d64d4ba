//! Each remote source against a local HTTP server standing in for its AWS
//! endpoint (AWS is not reachable here), moved there by the variable the AWS
//! SDKs read. The answers are the documented shapes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::*;

/// Answers each request with the first route whose "METHOD /path" prefix
/// matches; records what it was asked (request line, headers and body).
fn serve(routes: Vec<(&'static str, u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                request.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            request.push_str(&String::from_utf8_lossy(&body));
            let (status, answer) = routes
                .iter()
                .find(|(prefix, _, _)| request.starts_with(prefix))
                .map_or((404, String::new()), |(_, status, answer)| (*status, answer.clone()));
            log.lock().unwrap().push(request);
            let reply =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len());
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (address, asked)
}

fn lookup(pairs: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone())
}

const JSON: &str = r#"{"AccessKeyId":"ASIAREMOTE","SecretAccessKey":"Remote-Secret-Pa55","Token":"Remote-Session","Expiration":"2026-12-06T00:00:00Z"}"#;

#[test]
fn container_credentials_with_the_authorization_token() {
    let (address, asked) = serve(vec![("GET /creds", 200, JSON.into())]);
    let env = lookup(vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{address}/creds")),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Pod-Token".into()),
    ]);
    let credentials = load("eu-west-1", &env).unwrap().expect("credentials");
    assert_eq!(credentials.access_key_id, "ASIAREMOTE");
    assert_eq!(credentials.secret_access_key.expose(), "Remote-Secret-Pa55");
    assert_eq!(credentials.session_token.unwrap().expose(), "Remote-Session");
    assert!(asked.lock().unwrap()[0].to_ascii_lowercase().contains("authorization: pod-token"));
}

#[test]
fn instance_metadata_v2_asks_a_session_token_then_the_role() {
    let (address, asked) = serve(vec![
        ("PUT /latest/api/token", 200, "Imds-Session".into()),
        ("GET /latest/meta-data/iam/security-credentials/msk-role", 200, JSON.into()),
        ("GET /latest/meta-data/iam/security-credentials/", 200, "msk-role\n".into()),
    ]);
    let env = lookup(vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", format!("{address}/"))]);
    let credentials = load("eu-west-1", &env).unwrap().expect("credentials");
    assert_eq!(credentials.access_key_id, "ASIAREMOTE");
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 3);
    assert!(asked[1].to_ascii_lowercase().contains("x-aws-ec2-metadata-token: imds-session"), "{}", asked[1]);
}

#[test]
fn no_instance_metadata_is_no_credentials_and_it_can_be_turned_off() {
    let (address, _) = serve(vec![]);
    let env = lookup(vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", address)]);
    assert!(load("eu-west-1", &env).unwrap().is_none());
    let off = lookup(vec![("AWS_EC2_METADATA_DISABLED", "true".into())]);
    assert!(load("eu-west-1", &off).unwrap().is_none());
}

#[test]
fn web_identity_is_exchanged_with_sts() {
    let sts = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>Web-Secret-Pa55</SecretAccessKey><SessionToken>Web-Session</SessionToken><Expiration>2026-12-06T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    let (address, asked) = serve(vec![("POST /", 200, sts.into())]);
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJ.web.identity\n").unwrap();
    let env = lookup(vec![
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.display().to_string()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/msk".into()),
        ("AWS_ENDPOINT_URL_STS", address),
    ]);
    let credentials = load("eu-west-1", &env).unwrap().expect("credentials");
    assert_eq!(credentials.access_key_id, "ASIAWEB");
    assert_eq!(credentials.session_token.unwrap().expose(), "Web-Session");
    let asked = &asked.lock().unwrap()[0];
    assert!(asked.contains("Action=AssumeRoleWithWebIdentity"), "{asked}");
    assert!(asked.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmsk"), "{asked}");
    assert!(
        asked.contains("WebIdentityToken=eyJ.web.identity&") || asked.ends_with("WebIdentityToken=eyJ.web.identity"),
        "{asked}"
    );

    let refused = serve(vec![(
        "POST /",
        403,
        "<ErrorResponse><Error><Message>Not authorized</Message></Error></ErrorResponse>".into(),
    )])
    .0;
    let env = lookup(vec![
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.display().to_string()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/msk".into()),
        ("AWS_ENDPOINT_URL_STS", refused),
    ]);
    let error = load("eu-west-1", &env).expect_err("an error");
    assert!(error.contains("answered 403: Not authorized"), "{error}");
}
