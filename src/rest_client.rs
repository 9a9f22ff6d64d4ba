//! The HTTP half shared by kdeck's blocking REST clients (Kafka Connect and
//! Schema Registry): reqwest on a private current-thread runtime, so the
//! cockpit's worker thread and the CLI call it directly. Each client keeps its
//! own error kinds and wording; this module only says what went wrong.

use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};

pub struct RestClient {
    base: Url,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    auth: Option<(String, String)>,
    /// Sent as Accept, and as Content-Type with a body.
    media_type: &'static str,
}

/// `url` as a base for REST paths, if it is an http(s) URL that can be one.
pub fn http_base(url: &str) -> Option<Url> {
    Url::parse(url).ok().filter(|url| !url.cannot_be_a_base() && matches!(url.scheme(), "http" | "https"))
}

impl RestClient {
    /// The error is the tail of a one-line message; the caller names the service.
    pub fn new(
        base: Url,
        ca: Option<&Path>,
        timeout: Duration,
        auth: Option<(String, String)>,
        media_type: &'static str,
    ) -> Result<RestClient, String> {
        let mut builder = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout);
        if let Some(ca) = ca {
            let pem = std::fs::read(ca).map_err(|err| format!("cannot read CA {}: {err}", ca.display()))?;
            let certificate = reqwest::Certificate::from_pem(&pem)
                .map_err(|err| format!("CA {} is not a PEM certificate: {err}", ca.display()))?;
            builder = builder.add_root_certificate(certificate);
        }
        let http = builder.build().map_err(|err| err.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the HTTP runtime: {err}"))?;
        Ok(RestClient { base, http, runtime, auth, media_type })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The base with `segments` appended (each escaped) and `query` added.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// One request, blocking until its whole body is read.
    pub fn send(&self, method: Method, url: Url, body: Option<String>) -> Result<(StatusCode, String), reqwest::Error> {
        self.runtime.block_on(async {
            let mut request = self.http.request(method, url).header("Accept", self.media_type);
            if let Some((user, password)) = &self.auth {
                request = request.basic_auth(user, Some(password));
            }
            if let Some(body) = body {
                request = request.header("Content-Type", self.media_type).body(body);
            }
            let response = request.send().await?;
            let status = response.status();
            Ok((status, response.text().await?))
        })
    }
}

/// reqwest's Display is "error sending request for url (...)"; the innermost
/// cause says why (connection refused, certificate verify failed...).
pub fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    one_line(&cause.to_string())
}

/// A server's message folded onto one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
