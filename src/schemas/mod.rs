//! Schema Registry: records decoded through a registry (Avro, Protobuf, JSON
//! Schema in Confluent's wire format), and schemas moved between registries
//! with their ids. See docs/SCHEMAS.md.

pub mod cache;
pub mod command;
pub mod decode;
pub mod inspect;
pub mod migrate;
pub mod plan;
pub mod registry;
pub mod verify;
pub mod wire;

pub use cache::{SchemaCache, Undecoded};
pub use registry::{Registry, RegistryError, RegistrySettings};
