//! Registered schemas parsed once, and record bodies turned into JSON with
//! them. Pure: the registry is asked by [`super::cache`], never here.
//!
//! The JSON is what the Python `confluent-kafka` deserializers give, dumped as
//! JSON (checked by `tests/it/schemas.rs`):
//! - Avro: unions are unwrapped (`"x"`, not kcat's avro-c `{"string":"x"}`),
//!   enums are their symbol, records keep field order, map keys are sorted,
//!   logical types print their underlying value (days, millis...), bytes,
//!   fixed and decimals print as Avro's JSON encoding of bytes (one char per byte).
//! - Protobuf: the proto3 JSON mapping (`MessageToDict` defaults: lowerCamel
//!   names, 64-bit integers as strings, default values left out).
//! - JSON Schema: the body as written, once it parses as JSON.

use apache_avro::types::Value as AvroValue;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use super::registry::{RegisteredSchema, SchemaType};
use super::wire::protobuf_message_indexes;

/// The name the root `.proto` gets among its references (which are import paths).
const ROOT_PROTO: &str = "kdeck-registry-root.proto";

/// A schema ready to decode with.
pub enum ParsedSchema {
    Avro { schema: apache_avro::Schema, named: Vec<apache_avro::Schema> },
    Protobuf { pool: DescriptorPool },
    Json,
}

impl std::fmt::Debug for ParsedSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ParsedSchema::Avro { .. } => "Avro",
            ParsedSchema::Protobuf { .. } => "Protobuf",
            ParsedSchema::Json => "Json",
        })
    }
}

impl ParsedSchema {
    pub fn schema_type(&self) -> SchemaType {
        match self {
            ParsedSchema::Avro { .. } => SchemaType::Avro,
            ParsedSchema::Protobuf { .. } => SchemaType::Protobuf,
            ParsedSchema::Json => SchemaType::Json,
        }
    }

    /// `referenced` holds every schema the root refers to, transitively, as
    /// (reference name, schema), dependencies before their dependents.
    pub fn parse(root: &RegisteredSchema, referenced: &[(String, RegisteredSchema)]) -> Result<ParsedSchema, String> {
        match root.schema_type {
            SchemaType::Avro => {
                let texts: Vec<&str> = referenced.iter().map(|(_, s)| s.schema.as_str()).collect();
                let (schema, named) = apache_avro::Schema::parse_str_with_list(&root.schema, texts)
                    .map_err(|err| format!("the Avro schema does not parse: {err}"))?;
                Ok(ParsedSchema::Avro { schema, named })
            }
            SchemaType::Json => Ok(ParsedSchema::Json),
            SchemaType::Protobuf => compile_protobuf(root, referenced).map(|pool| ParsedSchema::Protobuf { pool }),
        }
    }

    /// Appends the body (after the 5-byte header) as one line of JSON.
    pub fn decode_into(&self, body: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            ParsedSchema::Avro { schema, named } => {
                let mut reader = body;
                let value = if named.is_empty() {
                    apache_avro::from_avro_datum(schema, &mut reader, None)
                } else {
                    apache_avro::from_avro_datum_schemata(schema, named.iter().collect(), &mut reader, None)
                }
                .map_err(|err| format!("the Avro body does not match its schema: {err}"))?;
                write_avro_json(&value, out);
                Ok(())
            }
            ParsedSchema::Json => {
                serde_json::from_slice::<serde::de::IgnoredAny>(body)
                    .map_err(|err| format!("the JSON Schema body is not JSON: {err}"))?;
                out.extend_from_slice(body.trim_ascii_end());
                Ok(())
            }
            ParsedSchema::Protobuf { pool } => {
                let (indexes, rest) = protobuf_message_indexes(body).map_err(|err| err.to_string())?;
                let descriptor = message_at(pool, &indexes)?;
                let message = DynamicMessage::decode(descriptor.clone(), rest)
                    .map_err(|err| format!("the Protobuf body is not a {}: {err}", descriptor.full_name()))?;
                serde_json::to_writer(out, &message).map_err(|err| err.to_string())
            }
        }
    }
}

/// The registry stores `.proto` text; Python's serializer registers a base64
/// `FileDescriptorProto` (the registry's `format=serialized`). Both are read.
fn compile_protobuf(
    root: &RegisteredSchema,
    referenced: &[(String, RegisteredSchema)],
) -> Result<DescriptorPool, String> {
    let mut resolver = protox::file::ChainFileResolver::new();
    let mut files = InMemoryProtos::default();
    files.add(ROOT_PROTO, &root.schema)?;
    for (name, schema) in referenced {
        files.add(name, &schema.schema)?;
    }
    resolver.add(files);
    resolver.add(protox::file::GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler
        .open_file(ROOT_PROTO)
        .map_err(|err| format!("the Protobuf schema does not compile: {}", one_line(&err.to_string())))?;
    Ok(compiler.descriptor_pool())
}

#[derive(Default)]
struct InMemoryProtos {
    files: Vec<protox::file::File>,
}

impl InMemoryProtos {
    fn add(&mut self, name: &str, text: &str) -> Result<(), String> {
        use base64::Engine as _;
        let serialized = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| protox::file::File::decode_file_descriptor_proto(bytes.as_slice()).ok())
            .filter(|file| !file.file_descriptor_proto().message_type.is_empty() || text.len() < 4);
        let file = match serialized {
            Some(file) => {
                let mut proto = file.file_descriptor_proto().clone();
                proto.name = Some(name.to_string());
                protox::file::File::from_file_descriptor_proto(proto)
            }
            None => protox::file::File::from_source(name, text)
                .map_err(|err| format!("the Protobuf schema {name} does not parse: {}", one_line(&err.to_string())))?,
        };
        self.files.push(file);
        Ok(())
    }
}

impl protox::file::FileResolver for InMemoryProtos {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        self.files.iter().find(|file| file.name() == name).cloned().ok_or_else(|| protox::Error::file_not_found(name))
    }
}

/// Confluent's message indexes: the first picks a top-level message of the
/// root file, each next one a nested message of the previous.
fn message_at(pool: &DescriptorPool, indexes: &[usize]) -> Result<MessageDescriptor, String> {
    let file = pool.get_file_by_name(ROOT_PROTO).ok_or("the Protobuf schema has no root file")?;
    let missing = || format!("the Protobuf schema has no message at indexes {indexes:?}");
    let (&first, nested) = indexes.split_first().ok_or_else(missing)?;
    let mut message = file.messages().nth(first).ok_or_else(missing)?;
    for &index in nested {
        let child = message.child_messages().nth(index);
        message = child.ok_or_else(missing)?;
    }
    Ok(message)
}

/// Writes an Avro value as JSON in schema order (a `serde_json::Value` would
/// sort record fields).
pub fn write_avro_json(value: &AvroValue, out: &mut Vec<u8>) {
    match value {
        AvroValue::Null => out.extend_from_slice(b"null"),
        AvroValue::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        AvroValue::Int(n) | AvroValue::Date(n) | AvroValue::TimeMillis(n) => push_display(out, n),
        AvroValue::Long(n)
        | AvroValue::TimeMicros(n)
        | AvroValue::TimestampMillis(n)
        | AvroValue::TimestampMicros(n)
        | AvroValue::TimestampNanos(n)
        | AvroValue::LocalTimestampMillis(n)
        | AvroValue::LocalTimestampMicros(n)
        | AvroValue::LocalTimestampNanos(n) => push_display(out, n),
        AvroValue::Float(f) => push_float(out, f64::from(*f)),
        AvroValue::Double(f) => push_float(out, *f),
        AvroValue::Bytes(bytes) | AvroValue::Fixed(_, bytes) => push_bytes_text(out, bytes),
        AvroValue::String(text) | AvroValue::Enum(_, text) => push_string(out, text),
        AvroValue::Union(_, inner) => write_avro_json(inner, out),
        AvroValue::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_avro_json(item, out);
            }
            out.push(b']');
        }
        AvroValue::Map(entries) => {
            let mut entries: Vec<_> = entries.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            write_object(out, entries.into_iter().map(|(k, v)| (k.as_str(), v)));
        }
        AvroValue::Record(fields) => write_object(out, fields.iter().map(|(k, v)| (k.as_str(), v))),
        AvroValue::Decimal(decimal) => match Vec::<u8>::try_from(decimal) {
            Ok(bytes) => push_bytes_text(out, &bytes),
            Err(_) => out.extend_from_slice(b"null"),
        },
        AvroValue::BigDecimal(decimal) => push_string(out, &decimal.to_string()),
        AvroValue::Duration(duration) => {
            let text = format!(
                "{{\"months\":{},\"days\":{},\"millis\":{}}}",
                u32::from(duration.months()),
                u32::from(duration.days()),
                u32::from(duration.millis())
            );
            out.extend_from_slice(text.as_bytes());
        }
        AvroValue::Uuid(uuid) => push_string(out, &uuid.to_string()),
    }
}

fn write_object<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = (&'a str, &'a AvroValue)>) {
    out.push(b'{');
    for (index, (name, value)) in fields.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_string(out, name);
        out.push(b':');
        write_avro_json(value, out);
    }
    out.push(b'}');
}

fn push_display(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    use std::io::Write as _;
    let _ = write!(out, "{value}");
}

/// JSON has no NaN or infinity: they print as null, as serde_json does.
fn push_float(out: &mut Vec<u8>, value: f64) {
    match serde_json::Number::from_f64(value) {
        Some(number) => push_display(out, number),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_string(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Avro's JSON encoding of bytes: each byte is the code point of the same value.
fn push_bytes_text(out: &mut Vec<u8>, bytes: &[u8]) {
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    push_string(out, &text);
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
