//! A process-wide safety net: text from elsewhere (librdkafka errors, broker replies)
//! can echo configuration values, so known secrets are replaced before display.
//! Credentials that have a recognisable shape are hidden even when nobody registered
//! them: the user part of a URL (`https://user:pass@host`) and a `Basic` or `Bearer`
//! authorization value that a server echoes back.

use std::borrow::Cow;
use std::sync::{OnceLock, RwLock};

use regex::{Captures, Regex};

use super::secret::REDACTED;

/// Shorter values would scrub ordinary words and numbers out of every message.
const MIN_SECRET_LEN: usize = 4;

fn registry() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| RwLock::new(Vec::new()))
}

/// Remembers a secret so that [`scrub`] hides it. Values under 4 bytes are ignored.
pub fn register_secret(value: &str) {
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    // A panic elsewhere while holding the lock must not disable redaction.
    let mut secrets = registry().write().unwrap_or_else(|poison| poison.into_inner());
    if secrets.iter().any(|known| known == value) {
        return;
    }
    secrets.push(value.to_string());
    // Longest first, so a secret that extends another is hidden whole, not half.
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
}

/// Replaces every registered secret in `text` with `[redacted]`, then every URL's
/// user part and every `Basic`/`Bearer` credential.
pub fn scrub(text: &str) -> Cow<'_, str> {
    match scrub_registered(text) {
        Cow::Borrowed(text) => scrub_shapes(text),
        Cow::Owned(text) => Cow::Owned(scrub_shapes(&text).into_owned()),
    }
}

/// `scheme://USERINFO@`: the user part, which may carry a password or a token.
fn url_userinfo() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#@\[\]]+)@").expect("a valid pattern"))
}

/// An HTTP authorization value: `Basic base64(user:password)` or `Bearer token`.
fn authorization_value() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(r"(?i)\b(basic|bearer)(\s+)([A-Za-z0-9+/_.~-]+=*)").expect("a valid pattern"))
}

/// Whether `text` may hold a URL with a user part: `://` and `@` are in every match.
fn may_hold_url_userinfo(text: &str) -> bool {
    text.contains("://") && text.contains('@')
}

/// Whether `text` may hold a `Basic`/`Bearer` value. Unicode case folding
/// lets a few non-ASCII letters match (`ſ` for `s`), so such text is always checked.
fn may_hold_authorization(text: &str) -> bool {
    let has = |word: &[u8]| text.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word));
    !text.is_ascii() || has(b"basic") || has(b"bearer")
}

/// The patterns are built on first use only: their Unicode classes cost a
/// millisecond, which a short command (every line it logs is scrubbed)
/// would pay on ordinary text that cannot match.
fn scrub_shapes(text: &str) -> Cow<'_, str> {
    let text = match may_hold_url_userinfo(text) {
        true => url_userinfo().replace_all(text, |caps: &Captures| format!("{}{REDACTED}@", &caps[1])),
        false => Cow::Borrowed(text),
    };
    if !may_hold_authorization(&text) {
        return text;
    }
    let scrubbed = authorization_value().replace_all(&text, |caps: &Captures| {
        let (scheme, value) = (&caps[1], &caps[3]);
        if is_credential(scheme, value) {
            format!("{scheme}{}{REDACTED}", &caps[2])
        } else {
            caps[0].to_string()
        }
    });
    if let Cow::Owned(scrubbed) = scrubbed {
        return Cow::Owned(scrubbed);
    }
    text
}

/// "Basic authentication" is prose; "Basic dXNlcjpwYXNz" decodes to `user:pass`.
/// A bearer token is long; "bearer token" is prose.
fn is_credential(scheme: &str, value: &str) -> bool {
    if scheme.eq_ignore_ascii_case("basic") {
        decode_base64(value).is_some_and(|decoded| decoded.contains(&b':'))
    } else {
        value.len() >= 16
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Registers the user part of every URL in `text` (and its password alone), so the
/// credentials are hidden wherever they surface, URL or not.
pub fn register_url_credentials(text: &str) {
    if !may_hold_url_userinfo(text) {
        return;
    }
    for caps in url_userinfo().captures_iter(text) {
        let userinfo = &caps[2];
        register_secret(userinfo);
        if let Some((_, password)) = userinfo.split_once(':') {
            register_secret(password);
        }
    }
}

/// Whether `text` holds a URL with a user part.
pub fn has_url_credentials(text: &str) -> bool {
    may_hold_url_userinfo(text) && url_userinfo().is_match(text)
}

fn scrub_registered(text: &str) -> Cow<'_, str> {
    let secrets = registry().read().unwrap_or_else(|poison| poison.into_inner());
    if !secrets.iter().any(|secret| text.contains(secret.as_str())) {
        return Cow::Borrowed(text);
    }
    // One left-to-right pass, so the replacement text itself is never re-scanned.
    let mut scrubbed = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(next) = rest.chars().next() {
        match secrets.iter().find(|secret| rest.starts_with(secret.as_str())) {
            Some(secret) => {
                scrubbed.push_str(REDACTED);
                rest = &rest[secret.len()..];
            }
            None => {
                scrubbed.push(next);
                rest = &rest[next.len_utf8()..];
            }
        }
    }
    Cow::Owned(scrubbed)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The registry is global and tests run in parallel, so every test uses its own values.
    #[test]
    fn scrubs_registered_values() {
        register_secret("scrub-test-Pa55");
        register_secret("scrub-test-Pa55-longer");
        register_secret("abc");
        register_secret("häßlich-geheim");
        #[rustfmt::skip]
        let cases = [
            ("no secrets here", "no secrets here"),
            ("auth failed for scrub-test-Pa55", "auth failed for [redacted]"),
            ("x=scrub-test-Pa55-longer;", "x=[redacted];"),
            ("scrub-test-Pa55scrub-test-Pa55", "[redacted][redacted]"),
            ("abc is too short to register", "abc is too short to register"),
            ("ünïcode häßlich-geheim ok", "ünïcode [redacted] ok"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(scrub(input), expected, "{input}");
        }
    }

    #[test]
    fn scrubs_credential_shapes() {
        #[rustfmt::skip]
        let cases = [
            ("GET https://ops:Url-Pa55@connect.example:8083/connectors failed", "GET https://[redacted]@connect.example:8083/connectors failed"),
            ("token endpoint http://client:s3cr3t@idp/token", "token endpoint http://[redacted]@idp/token"),
            ("url=\"https://tok3n@host\"", "url=\"https://[redacted]@host\""),
            ("https://connect.example:8083/x?a=b@c", "https://connect.example:8083/x?a=b@c"),
            ("mail me at ops@example.com", "mail me at ops@example.com"),
            ("echo: Authorization: Basic b3BzOkJhc2ljLVBhNTU=", "echo: Authorization: Basic [redacted]"),
            ("authorization: basic b3BzOkJhc2ljLVBhNTU", "authorization: basic [redacted]"),
            ("Basic authentication needs both username and password", "Basic authentication needs both username and password"),
            ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "Bearer [redacted]"),
            ("a bearer token is missing", "a bearer token is missing"),
        ];
        for (input, expected) in cases {
            assert_eq!(scrub(input), expected, "{input}");
        }
        assert!(matches!(scrub("https://connect.example:8083/connectors"), Cow::Borrowed(_)));
        // Unicode case folding: the long s matches `s`, so non-ASCII text is always checked.
        assert_eq!(scrub("Ba\u{17f}ic b3BzOkJhc2ljLVBhNTU="), "Ba\u{17f}ic [redacted]");
    }

    #[test]
    fn url_credentials_are_registered_alone() {
        register_url_credentials("x https://ops:Reg-Url-Pa55@host/ y");
        assert_eq!(scrub("password Reg-Url-Pa55 rejected"), "password [redacted] rejected");
        assert!(has_url_credentials("https://a:b@h") && !has_url_credentials("https://h/a@b"));
    }

    #[test]
    fn unchanged_text_is_borrowed() {
        register_secret("scrub-test-borrowed");
        assert!(matches!(scrub("nothing to hide"), Cow::Borrowed(_)));
        assert!(matches!(scrub("scrub-test-borrowed"), Cow::Owned(_)));
    }

    #[test]
    fn registering_twice_keeps_one_entry() {
        register_secret("scrub-test-twice");
        register_secret("scrub-test-twice");
        let count = registry().read().unwrap().iter().filter(|secret| *secret == "scrub-test-twice").count();
        assert_eq!(count, 1);
    }
}
