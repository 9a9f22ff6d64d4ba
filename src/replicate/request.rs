//! A request and its answer as the headless engine's endpoints see them
//! (`GET /metrics` and the Connect-compatible REST API), apart from the HTTP
//! server that carries them ([`super::server`]).

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

/// Connect's error shape, used for every error this server answers.
pub fn error_body(code: u16, message: &str) -> String {
    serde_json::json!({ "error_code": code, "message": message }).to_string()
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
