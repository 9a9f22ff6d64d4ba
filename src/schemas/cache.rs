//! Schemas fetched from a registry once per id, parsed once, and used to turn
//! record keys and values into JSON. A failure is remembered per id too, so a
//! registry that is down costs one request per id, not one per record.

use std::collections::HashMap;
use std::sync::Arc;

use super::decode::ParsedSchema;
use super::registry::{Reference, RegisteredSchema, Registry, RegistryError, SchemaType};
use super::wire::{framing, uuid_text, Framing};

/// Why a key or value was left as raw bytes: one line naming the id and the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecoded {
    pub schema_id: Option<u32>,
    pub reason: String,
}

/// A fetched schema and how to reach it.
pub struct CachedSchema {
    pub parsed: ParsedSchema,
    pub schema_type: SchemaType,
}

pub struct SchemaCache {
    registry: Registry,
    by_id: HashMap<u32, Result<Arc<CachedSchema>, String>>,
}

impl SchemaCache {
    pub fn new(registry: Registry) -> SchemaCache {
        SchemaCache { registry, by_id: HashMap::new() }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The schema behind an id, fetched at most once.
    pub fn schema(&mut self, id: u32) -> Result<Arc<CachedSchema>, String> {
        if let Some(found) = self.by_id.get(&id) {
            return found.clone();
        }
        let fetched = self.fetch(id);
        self.by_id.insert(id, fetched.clone());
        fetched
    }

    fn fetch(&self, id: u32) -> Result<Arc<CachedSchema>, String> {
        let shown = self.registry.shown();
        let root = self.registry.schema_by_id(id).map_err(|err| fetch_failure(id, &err))?;
        let referenced = self.references(&root.references).map_err(|err| fetch_failure(id, &err))?;
        let parsed = ParsedSchema::parse(&root, &referenced)
            .map_err(|err| format!("schema id {id} from registry {shown}: {err}"))?;
        Ok(Arc::new(CachedSchema { schema_type: parsed.schema_type(), parsed }))
    }

    /// Every referenced schema, transitively, dependencies first, each once.
    fn references(&self, references: &[Reference]) -> Result<Vec<(String, RegisteredSchema)>, RegistryError> {
        let mut ordered: Vec<(String, RegisteredSchema)> = Vec::new();
        let mut pending: Vec<(Reference, bool)> = references.iter().rev().map(|r| (r.clone(), false)).collect();
        let mut fetched: HashMap<(String, i32), RegisteredSchema> = HashMap::new();
        while let Some((reference, expanded)) = pending.pop() {
            if ordered.iter().any(|(name, _)| *name == reference.name) {
                continue;
            }
            let key = (reference.subject.clone(), reference.version);
            if !fetched.contains_key(&key) {
                let version = self.registry.version(&reference.subject, reference.version)?;
                fetched.insert(key.clone(), version.schema);
            }
            let schema = &fetched[&key];
            if expanded || schema.references.is_empty() {
                ordered.push((reference.name.clone(), schema.clone()));
            } else {
                pending.push((reference.clone(), true));
                pending.extend(schema.references.iter().rev().map(|r| (r.clone(), false)));
            }
        }
        Ok(ordered)
    }

    /// Appends `bytes` decoded as one line of JSON and returns the schema id,
    /// or says why they stay raw (nothing is appended then).
    pub fn decode_into(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<u32, Undecoded> {
        match framing(bytes) {
            Framing::Confluent { schema_id, body } => {
                let schema = self.schema(schema_id).map_err(|reason| Undecoded { schema_id: Some(schema_id), reason })?;
                let mark = out.len();
                schema.parsed.decode_into(body, out).map_err(|err| {
                    out.truncate(mark);
                    Undecoded { schema_id: Some(schema_id), reason: format!("schema id {schema_id}: {err}") }
                })?;
                Ok(schema_id)
            }
            Framing::Glue { schema_version, compressed } => Err(Undecoded {
                schema_id: None,
                reason: format!(
                    "an AWS Glue Schema Registry record (schema version {}{}): kdeck reads Confluent's registry API only",
                    uuid_text(&schema_version),
                    if compressed { ", zlib-compressed" } else { "" }
                ),
            }),
            Framing::Unframed => Err(Undecoded {
                schema_id: None,
                reason: "not in the schema registry wire format (no magic byte 0 and schema id)".to_string(),
            }),
        }
    }
}

/// The registry's message already names the registry, the request and its error code.
fn fetch_failure(id: u32, err: &RegistryError) -> String {
    format!("schema id {id}: {}", err.message)
}
