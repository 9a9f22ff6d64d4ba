//! Decoding for the cockpit's Inspector: each key and value in the registry's
//! wire format becomes JSON with its schema id, type and subject. Runs on the
//! worker thread (it asks the registry); the pane only reads the result.

use std::collections::HashMap;
use std::time::Duration;

use crate::config::ResolvedCluster;

use super::cache::SchemaCache;
use super::registry::{Registry, RegistrySettings, SchemaType};
use super::wire::{framing, Framing};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedField {
    pub schema_id: u32,
    pub schema_type: SchemaType,
    /// The first source subject that uses the id, when the registry says.
    pub subject: Option<String>,
    /// One line of JSON.
    pub json: String,
}

/// `None`: not in a registry's wire format (shown as it is).
/// `Some(Err)`: framed but not decoded, with the reason.
pub type FieldDecoding = Option<Result<DecodedField, String>>;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecodedRecord {
    pub key: FieldDecoding,
    pub value: FieldDecoding,
}

pub struct InspectorDecoder {
    cache: SchemaCache,
    subjects: HashMap<u32, Option<String>>,
}

fn framed(bytes: Option<&[u8]>) -> bool {
    bytes.is_some_and(|bytes| !matches!(framing(bytes), Framing::Unframed))
}

impl InspectorDecoder {
    /// The profile's registry; `Ok(None)` when the profile names none.
    pub fn for_cluster(cluster: &ResolvedCluster, timeout: Duration) -> Result<Option<InspectorDecoder>, String> {
        let Some(settings) = RegistrySettings::from_cluster(cluster) else { return Ok(None) };
        let registry = Registry::new(&settings, timeout).map_err(|err| err.message)?;
        Ok(Some(InspectorDecoder { cache: SchemaCache::new(registry), subjects: HashMap::new() }))
    }

    pub fn decode(&mut self, key: Option<&[u8]>, value: Option<&[u8]>) -> DecodedRecord {
        DecodedRecord { key: self.field(key), value: self.field(value) }
    }

    /// Every framed field fails with `reason` (the registry could not even be set up).
    pub fn failed(key: Option<&[u8]>, value: Option<&[u8]>, reason: &str) -> DecodedRecord {
        let field = |bytes| framed(bytes).then(|| Err(reason.to_string()));
        DecodedRecord { key: field(key), value: field(value) }
    }

    fn field(&mut self, bytes: Option<&[u8]>) -> FieldDecoding {
        let bytes = bytes.filter(|b| framed(Some(b)))?;
        let mut json = Vec::new();
        Some(match self.cache.decode_into(bytes, &mut json) {
            Ok(schema_id) => {
                let schema_type = self.cache.schema(schema_id).map_or(SchemaType::Avro, |s| s.schema_type);
                let registry = self.cache.registry();
                let subject = self
                    .subjects
                    .entry(schema_id)
                    .or_insert_with(|| {
                        registry.usages_of_id(schema_id).ok().and_then(|u| u.into_iter().next()).map(|u| u.0)
                    })
                    .clone();
                Ok(DecodedField { schema_id, schema_type, subject, json: String::from_utf8_lossy(&json).into_owned() })
            }
            Err(undecoded) => Err(undecoded.reason),
        })
    }
}

/// JSON indented two spaces, keys in the order written (a `serde_json::Value`
/// would sort them, and a record's field order is part of what it says).
pub fn pretty_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_keeps_field_order() {
        assert_eq!(
            pretty_json(r#"{"z":1,"a":{"b":[1, 2],"e":{},"s":"x,{\"y\"}:"}}"#),
            "{\n  \"z\": 1,\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ],\n    \"e\": {},\n    \"s\": \"x,{\\\"y\\\"}:\"\n  }\n}"
        );
        assert_eq!(pretty_json("\"plain\""), "\"plain\"");
    }

    #[test]
    fn a_registry_that_cannot_be_set_up_fails_only_framed_fields() {
        let decoded = InspectorDecoder::failed(Some(b"plain key"), Some(&[0, 0, 0, 0, 1, 2]), "bad url");
        assert_eq!(decoded.key, None);
        assert_eq!(decoded.value, Some(Err("bad url".to_string())));
    }
}
