//! kcat-compatible inspection: the grammar and formats (pure), and the
//! `meta`, `consume`, `produce` and `offsets` commands built on them.

pub mod consume;
pub mod decoded;
pub mod format;
pub mod json;
pub mod meta;
pub mod offset_spec;
pub mod offsets;
pub mod produce;
pub mod produce_input;
pub mod query_spec;
