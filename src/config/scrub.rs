//! A process-wide safety net: text from elsewhere (librdkafka errors, broker replies)
//! can echo configuration values, so known secrets are replaced before display.

use std::borrow::Cow;
use std::sync::{OnceLock, RwLock};

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

/// Replaces every registered secret in `text` with `[redacted]`.
pub fn scrub(text: &str) -> Cow<'_, str> {
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
