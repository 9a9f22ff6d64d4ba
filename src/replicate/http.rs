//! A deliberately small HTTP/1.1 server for the headless engine's endpoints
//! (`GET /metrics` and the Connect-compatible REST API). One thread, one
//! short request at a time: operators and scrapers, not traffic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::Failure;

/// Request bodies beyond this are refused: a connector config is a few kilobytes.
const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Without the query string.
    pub path: String,
    /// `key=value` pairs in order, percent-decoding not needed for the API's flags.
    pub query: Vec<(String, String)>,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

// The Authorization header carries basic-auth credentials: Debug shows that it is there, not what it says.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if name == "authorization" { crate::config::REDACTED } else { value.as_str() };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Every value given for `key`, e.g. `expand=status&expand=info`.
    pub fn query_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(k, _)| k == key).map(|(_, value)| value.as_str())
    }

    /// Splits `GET /a/b?x=1&y HTTP/1.1`'s target into path and query pairs.
    pub fn from_target(method: &str, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_string(), value.to_string())
            })
            .collect();
        Request { method: method.to_string(), path: path.to_string(), query, ..Request::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response { status, content_type: "application/json", body }
    }

    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response { status, content_type: "text/plain", body: body.into() }
    }
}

/// Serves until `stop` is set.
pub fn serve(
    address: &str,
    stop: Arc<AtomicBool>,
    route: impl Fn(&Request) -> Response + Send + 'static,
) -> Result<SocketAddr, Failure> {
    serve_bound(address, stop, |_| route)
}

/// Like [`serve`], for a route that needs the address actually bound (port 0 picks one).
pub fn serve_bound<R: Fn(&Request) -> Response + Send + 'static>(
    address: &str,
    stop: Arc<AtomicBool>,
    make_route: impl FnOnce(SocketAddr) -> R,
) -> Result<SocketAddr, Failure> {
    let listener =
        TcpListener::bind(address).map_err(|err| Failure::usage(format!("cannot listen on {address}: {err}")))?;
    let bound = listener.local_addr().map_err(|err| Failure::runtime(err.to_string()))?;
    listener.set_nonblocking(true).map_err(|err| Failure::runtime(err.to_string()))?;
    let route = make_route(bound);
    std::thread::Builder::new()
        .name("kdeck-http".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &route),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        })
        .map_err(|err| Failure::runtime(format!("cannot start the HTTP thread: {err}")))?;
    Ok(bound)
}

fn read_request(stream: &TcpStream) -> Option<Result<Request, Response>> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    let mut request = Request::from_target(method, target);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
        if let Some((name, value)) = line.split_once(':') {
            request.headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        line.clear();
    }
    let length = request.header("content-length").and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    if length > MAX_BODY {
        return Some(Err(Response::json(413, error_body(413, "request body too large"))));
    }
    // curl sends larger bodies only after this answer (or a second's wait).
    if request.header("expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue")) {
        let mut writer = stream;
        let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    request.body = String::from_utf8_lossy(&body).into_owned();
    Some(Ok(request))
}

/// Connect's error shape, used for every error this server answers.
pub fn error_body(code: u16, message: &str) -> String {
    serde_json::json!({ "error_code": code, "message": message }).to_string()
}

fn answer(stream: TcpStream, route: &impl Fn(&Request) -> Response) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let response = match read_request(&stream) {
        None => return,
        Some(Ok(request)) => route(&request),
        Some(Err(response)) => response,
    };
    let reason = match response.status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        _ => "Error",
    };
    let body = if response.status == 204 { "" } else { response.body.as_str() };
    let challenge = if response.status == 401 { "WWW-Authenticate: Basic realm=\"kdeck\"\r\n" } else { "" };
    let mut writer = &stream;
    let _ = write!(
        writer,
        "HTTP/1.1 {} {reason}\r\n{challenge}Content-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        response.status,
        response.content_type,
        body.len(),
    );
    let _ = writer.flush();
}

/// `%XX` escapes in a path segment (clients escape connector names); malformed ones stay as written.
pub fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (RFC 4648), for comparing basic-auth headers.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_path_and_query() {
        let request = Request::from_target("GET", "/connectors?expand=status&expand=info&flag");
        assert_eq!(request.path, "/connectors");
        assert_eq!(request.query_values("expand").collect::<Vec<_>>(), ["status", "info"]);
        assert_eq!(request.query_values("flag").collect::<Vec<_>>(), [""]);
        assert_eq!(Request::from_target("GET", "/").query, vec![]);
    }

    #[test]
    fn debug_hides_credentials() {
        let mut request = Request::from_target("GET", "/");
        request.headers.push(("authorization".into(), "Basic b3BzOnNlY3JldA==".into()));
        let shown = format!("{request:?}");
        assert!(!shown.contains("b3BzOnNlY3JldA==") && shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn errors_have_connects_shape() {
        let body: serde_json::Value = serde_json::from_str(&error_body(404, "no \"x\"")).unwrap();
        assert_eq!(body, serde_json::json!({"error_code": 404, "message": "no \"x\""}));
    }
}
