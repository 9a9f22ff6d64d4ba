use std::fmt;

use super::reference::{display_raw_value, ResolvedValue};
use super::scrub::{has_url_credentials, register_secret, register_url_credentials, scrub};
use super::secret::{is_public_key, SecretString, REDACTED};

/// Which layer set a property; later layers override earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertySource {
    /// A `[clusters.NAME]` section of the config file.
    Profile,
    /// A broker list given directly as `-b host:port`.
    BrokerList,
    /// A `-F` properties file.
    PropertiesFile,
    /// A `-X key=value` argument.
    Override,
    /// [`ClientProperties::set`] called by code.
    Program,
}

#[derive(Clone)]
enum PropertyValue {
    Plain(String),
    /// `shown` is what displays instead: the reference text when safe, else `[redacted]`.
    Secret {
        value: SecretString,
        shown: String,
    },
}

#[derive(Clone)]
struct Property {
    key: String,
    value: PropertyValue,
    source: PropertySource,
}

/// librdkafka client properties in first-set order; secret values are only
/// reachable through [`ClientProperties::iter_exposed`].
#[derive(Clone, Default)]
pub struct ClientProperties {
    entries: Vec<Property>,
}

impl ClientProperties {
    pub fn new() -> Self {
        Self::default()
    }

    /// Real values, secrets included: only for handing to the Kafka client.
    pub fn iter_exposed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|property| {
            let value = match &property.value {
                PropertyValue::Plain(value) => value.as_str(),
                PropertyValue::Secret { value, .. } => value.expose(),
            };
            (property.key.as_str(), value)
        })
    }

    /// Every property with secrets replaced, safe to print or show on screen.
    pub fn redacted(&self) -> Vec<(String, String)> {
        self.entries.iter().map(|property| (property.key.clone(), Self::shown(property).to_string())).collect()
    }

    /// One property as it may be displayed (see [`ClientProperties::redacted`]).
    pub fn redacted_value(&self, key: &str) -> Option<&str> {
        self.find(key).map(Self::shown)
    }

    /// The value of a non-secret property; `None` when absent or secret.
    pub fn get(&self, key: &str) -> Option<&str> {
        match &self.find(key)?.value {
            PropertyValue::Plain(value) => Some(value),
            PropertyValue::Secret { .. } => None,
        }
    }

    pub fn is_secret(&self, key: &str) -> bool {
        self.find(key).is_some_and(|property| matches!(property.value, PropertyValue::Secret { .. }))
    }

    pub fn source(&self, key: &str) -> Option<PropertySource> {
        self.find(key).map(|property| property.source)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets a literal value (no `${...}` resolution); secret unless the key is a
    /// known public property.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        register_url_credentials(&value);
        let value = if !is_public_key(&key) {
            register_secret(&value);
            PropertyValue::Secret { value: SecretString::new(value), shown: REDACTED.to_string() }
        } else {
            Self::public(value)
        };
        self.put(key, value, PropertySource::Program);
    }

    /// Stores a value resolved from `raw`, registering it for scrubbing when secret:
    /// when it came from a reference, or its key is not a known public property.
    pub(crate) fn insert_resolved(&mut self, key: &str, raw: &str, resolved: ResolvedValue, source: PropertySource) {
        register_url_credentials(&resolved.value);
        let value = if resolved.from_reference || !is_public_key(key) {
            register_secret(&resolved.value);
            resolved.substituted.iter().for_each(|piece| register_secret(piece));
            let shown = if resolved.from_reference { display_raw_value(key, raw) } else { REDACTED };
            PropertyValue::Secret { value: SecretString::new(resolved.value), shown: scrub(shown).into_owned() }
        } else {
            Self::public(resolved.value)
        };
        self.put(key.to_string(), value, source);
    }

    /// A public property's value, unless it carries URL credentials
    /// (`sasl.oauthbearer.token.endpoint.url = "https://id:secret@idp/token"`).
    fn public(value: String) -> PropertyValue {
        if has_url_credentials(&value) {
            let shown = scrub(&value).into_owned();
            PropertyValue::Secret { value: SecretString::new(value), shown }
        } else {
            PropertyValue::Plain(value)
        }
    }

    /// Overrides in place so the order stays that of first definition.
    fn put(&mut self, key: String, value: PropertyValue, source: PropertySource) {
        match self.entries.iter_mut().find(|property| property.key == key) {
            Some(existing) => {
                existing.value = value;
                existing.source = source;
            }
            None => self.entries.push(Property { key, value, source }),
        }
    }

    fn find(&self, key: &str) -> Option<&Property> {
        self.entries.iter().find(|property| property.key == key)
    }

    fn shown(property: &Property) -> &str {
        match &property.value {
            PropertyValue::Plain(value) => value,
            PropertyValue::Secret { shown, .. } => shown,
        }
    }
}

impl fmt::Debug for ClientProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.iter().map(|property| (&property.key, Self::shown(property)))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::scrub;

    fn resolved(value: &str, from_reference: bool) -> ResolvedValue {
        ResolvedValue {
            value: value.into(),
            from_reference,
            substituted: if from_reference { vec![value.into()] } else { vec![] },
        }
    }

    #[test]
    fn secrecy_and_display_per_origin() {
        let mut properties = ClientProperties::new();
        #[rustfmt::skip]
        let cases = [
            // key, raw, resolved, from reference, secret, shown
            ("acks", "all", "all", false, false, "all"),
            ("sasl.password", "${env:PW}", "props-secret-1", true, true, "${env:PW}"),
            ("sasl.jaas.config", "p=\"${env:PW}\"", "p=\"props-secret-1\"", true, true, REDACTED),
            ("client.id", "kdeck-${env:USER}", "kdeck-alice", true, true, "kdeck-${env:USER}"),
            ("ssl.key.password", "literal-props-2", "literal-props-2", false, true, REDACTED),
        ];
        for (key, raw, value, from_reference, _, _) in cases {
            properties.insert_resolved(key, raw, resolved(value, from_reference), PropertySource::Profile);
        }
        let exposed: Vec<_> = properties.iter_exposed().collect();
        let redacted = properties.redacted();
        for (index, (key, _, value, _, secret, shown)) in cases.into_iter().enumerate() {
            assert_eq!(exposed[index], (key, value), "order kept");
            assert_eq!(redacted[index], (key.to_string(), shown.to_string()));
            assert_eq!(properties.is_secret(key), secret, "{key}");
            assert_eq!(properties.get(key), (!secret).then_some(value), "{key}");
            assert_eq!(properties.redacted_value(key), Some(shown));
        }
        let debug = format!("{properties:?}");
        for hidden in ["props-secret-1", "literal-props-2", "kdeck-alice"] {
            assert!(!debug.contains(hidden), "{debug}");
            assert_eq!(scrub(&format!("x {hidden} y")), "x [redacted] y");
        }
    }

    #[test]
    fn set_overrides_in_place_and_tracks_source() {
        let mut properties = ClientProperties::new();
        properties.set("a", "1");
        properties.set("b", "2");
        properties.insert_resolved("a", "3", resolved("3", false), PropertySource::Override);
        properties.set("sasl.password", "set-secret-3");
        assert_eq!(
            properties.iter_exposed().collect::<Vec<_>>(),
            [("a", "3"), ("b", "2"), ("sasl.password", "set-secret-3")]
        );
        assert_eq!(properties.source("a"), Some(PropertySource::Override));
        assert_eq!(properties.source("b"), Some(PropertySource::Program));
        assert_eq!(properties.source("c"), None);
        assert_eq!(properties.get("sasl.password"), None);
        assert_eq!(properties.len(), 3);
        assert!(properties.contains_key("b") && !properties.is_empty());
        assert_eq!(scrub("set-secret-3"), REDACTED);
    }
}
