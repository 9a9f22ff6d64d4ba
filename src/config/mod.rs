//! Configuration: locating and parsing `config.toml`, resolving a `-b/-F/-X`
//! cluster argument into librdkafka properties, and keeping secrets off the screen.
//!
//! kdeck runs on screens shared with clients, so secrets have exactly one way out:
//! [`ClientProperties::iter_exposed`] / [`SecretString::expose`]. Everything else
//! (Debug, Display, errors, [`ClientProperties::redacted`]) shows `[redacted]` or the
//! `${env:VAR}` reference text, and [`scrub`] cleans text that came from elsewhere.

mod error;
pub mod jks;
mod location;
pub(crate) mod parse;
mod profile;
mod properties;
mod reference;
mod render;
mod resolve;
mod scrub;
mod secret;
pub mod stores;

#[cfg(test)]
mod scenario_tests;

pub use error::ConfigError;
pub use location::{config_path, load, PathOrigin, CONFIG_ENV_VAR};
pub use parse::parse;
pub use profile::{ClusterProfile, Config};
pub use properties::{ClientProperties, PropertySource};
pub(crate) use reference::{resolve_value, EnvLookup, ValueContext};
pub use render::render_profiles;
pub(crate) use render::{key as toml_key, quote as toml_quote};
pub use resolve::{hide_value, is_registry_key, resolve_cluster, ClusterArgs, ResolvedCluster};
pub use scrub::{has_url_credentials, register_secret, register_url_credentials, scrub};
pub use secret::{is_public_key, is_sensitive_key, SecretString, REDACTED};
