//! `kdeck consume -s [key=|value=]avro`: keys and values decoded through a
//! schema registry before `-f` or `-J` prints them. A record that cannot be
//! decoded is printed raw, with one stderr note per distinct reason, and the
//! command exits 1 at the end saying how many were printed raw.

use std::collections::HashSet;

use crate::record::RecordView;
use crate::schemas::{SchemaCache, Undecoded};

use super::json::EnvelopeField;

/// Which fields `-s` asks to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodedFields {
    pub key: bool,
    pub value: bool,
}

/// kcat's `-s key=avro`, `-s value=avro`, `-s avro` (both). Every registry
/// type is decoded whatever the word: the registry says Avro, Protobuf or JSON.
pub fn parse_serdes(specs: &[String]) -> Result<DecodedFields, String> {
    let mut fields = DecodedFields::default();
    for spec in specs {
        let (target, format) = match spec.split_once('=') {
            Some((target, format)) => (Some(target), format),
            None => (None, spec.as_str()),
        };
        if !matches!(format, "avro" | "protobuf" | "json" | "registry") {
            return Err(format!(
                "-s {spec:?}: expected [key=|value=]avro (or protobuf, json, registry: all decode through the schema registry)"
            ));
        }
        match target {
            None => (fields.key, fields.value) = (true, true),
            Some("key") => fields.key = true,
            Some("value") => fields.value = true,
            Some(other) => return Err(format!("-s {spec:?}: {other:?} is neither key nor value")),
        }
    }
    Ok(fields)
}

/// What happened to one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldOutcome {
    /// Not asked, or null/empty: nothing to decode.
    Raw,
    Decoded(u32),
    Failed(String),
}

pub struct RecordDecoder {
    cache: SchemaCache,
    fields: DecodedFields,
    key_json: Vec<u8>,
    value_json: Vec<u8>,
    noted: HashSet<String>,
    pub printed_raw: u64,
    pub first_reason: Option<String>,
}

impl RecordDecoder {
    pub fn new(cache: SchemaCache, fields: DecodedFields) -> RecordDecoder {
        RecordDecoder {
            cache,
            fields,
            key_json: Vec::new(),
            value_json: Vec::new(),
            noted: HashSet::new(),
            printed_raw: 0,
            first_reason: None,
        }
    }

    /// Decodes the asked fields into this decoder's buffers.
    pub fn decode(&mut self, record: &RecordView<'_>) -> (FieldOutcome, FieldOutcome) {
        self.key_json.clear();
        self.value_json.clear();
        let key = Self::field(&mut self.cache, self.fields.key, record.key, &mut self.key_json);
        let value = Self::field(&mut self.cache, self.fields.value, record.payload, &mut self.value_json);
        if matches!(key, FieldOutcome::Failed(_)) || matches!(value, FieldOutcome::Failed(_)) {
            self.printed_raw += 1;
        }
        (key, value)
    }

    fn field(cache: &mut SchemaCache, asked: bool, bytes: Option<&[u8]>, out: &mut Vec<u8>) -> FieldOutcome {
        match bytes {
            Some(bytes) if asked && !bytes.is_empty() => match cache.decode_into(bytes, out) {
                Ok(id) => FieldOutcome::Decoded(id),
                Err(Undecoded { reason, .. }) => FieldOutcome::Failed(reason),
            },
            _ => FieldOutcome::Raw,
        }
    }

    /// The record as `-f` should print it: decoded fields replace the raw bytes.
    pub fn view<'a>(&'a self, record: &RecordView<'a>, key: &FieldOutcome, value: &FieldOutcome) -> RecordView<'a> {
        let mut view = *record;
        if matches!(key, FieldOutcome::Decoded(_)) {
            view.key = Some(&self.key_json);
        }
        if matches!(value, FieldOutcome::Decoded(_)) {
            view.payload = Some(&self.value_json);
        }
        view
    }

    pub fn envelope_fields<'a>(
        &'a self,
        record: &RecordView<'a>,
        key: &'a FieldOutcome,
        value: &'a FieldOutcome,
    ) -> (EnvelopeField<'a>, EnvelopeField<'a>) {
        let field = |outcome: &'a FieldOutcome, raw: Option<&'a [u8]>, json: &'a [u8]| match outcome {
            FieldOutcome::Raw => EnvelopeField::Raw(raw),
            FieldOutcome::Decoded(schema_id) => EnvelopeField::Decoded { json, schema_id: *schema_id },
            FieldOutcome::Failed(error) => EnvelopeField::Undecoded { raw, error },
        };
        (field(key, record.key, &self.key_json), field(value, record.payload, &self.value_json))
    }

    /// The note for a failed field, once per distinct reason; `None` when already said.
    pub fn note(&mut self, record: &RecordView<'_>, which: &str, outcome: &FieldOutcome) -> Option<String> {
        let FieldOutcome::Failed(reason) = outcome else { return None };
        if self.first_reason.is_none() {
            self.first_reason = Some(reason.clone());
        }
        self.noted.insert(reason.clone()).then(|| {
            format!(
                "{which} of {} [{}] at offset {} printed raw: {reason}",
                record.topic, record.partition, record.offset
            )
        })
    }

    pub fn registry_shown(&self) -> &str {
        self.cache.registry().shown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(specs: &[&str]) -> Result<DecodedFields, String> {
        parse_serdes(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn serdes_follow_kcat() {
        assert_eq!(parsed(&["value=avro"]), Ok(DecodedFields { key: false, value: true }));
        assert_eq!(parsed(&["key=avro"]), Ok(DecodedFields { key: true, value: false }));
        assert_eq!(parsed(&["avro"]), Ok(DecodedFields { key: true, value: true }));
        assert_eq!(parsed(&["key=avro", "value=protobuf"]), Ok(DecodedFields { key: true, value: true }));
        assert_eq!(parsed(&[]), Ok(DecodedFields::default()));
    }

    #[test]
    fn serdes_name_the_bad_input() {
        assert_eq!(
            parsed(&["value=<i"]).unwrap_err(),
            "-s \"value=<i\": expected [key=|value=]avro (or protobuf, json, registry: all decode through the schema registry)"
        );
        assert_eq!(parsed(&["header=avro"]).unwrap_err(), "-s \"header=avro\": \"header\" is neither key nor value");
    }
}
