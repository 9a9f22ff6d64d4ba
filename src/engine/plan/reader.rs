//! A walk over toml's spanned document tree, so that every complaint names its line.
//!
//! serde's derive would stop at the first problem with a message that names no key
//! path and lists no alternatives; walking `DeTable` by hand gives both.

use std::ops::RangeInclusive;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{quoted, PlanError};
use crate::config::parse::line_and_column;

/// A value with the line it was written on, for checks that happen after reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// The plan text and where it came from, shared by every section.
pub(super) struct PlanText<'a> {
    pub text: &'a str,
    pub path: &'a Path,
}

impl PlanText<'_> {
    pub fn line_of<T>(&self, spanned: &Spanned<T>) -> usize {
        line_and_column(self.text, spanned.span().start).0
    }
}

/// One table of the plan (`[engine]`, or the top level); a table the file leaves
/// out reads as empty, so every setting falls back to its default.
pub(super) struct Section<'a> {
    plan: &'a PlanText<'a>,
    name: Option<&'static str>,
    table: Option<&'a DeTable<'a>>,
}

impl<'a> Section<'a> {
    pub fn root(plan: &'a PlanText<'a>, table: &'a DeTable<'a>) -> Self {
        Self { plan, name: None, table: Some(table) }
    }

    pub fn plan(&self) -> &'a PlanText<'a> {
        self.plan
    }

    /// `engine.lanes` for a key of `[engine]`, `name` for a top-level key.
    pub fn key_path(&self, key: &str) -> String {
        match self.name {
            Some(section) => format!("{section}.{key}"),
            None => key.to_string(),
        }
    }

    /// Rejects the key written first among those not in `known`, so that a typo is
    /// reported where the reader's eye is, not in alphabetical order.
    pub fn reject_unknown_keys(&self, known: &[&str]) -> Result<(), PlanError> {
        let Some(table) = self.table else { return Ok(()) };
        let unknown = table.keys().filter(|key| !known.contains(&key.get_ref().as_ref()));
        let Some(first) = unknown.min_by_key(|key| key.span().start) else { return Ok(()) };
        Err(PlanError::UnknownKey {
            path: self.plan.path.to_path_buf(),
            line: self.plan.line_of(first),
            key: first.get_ref().to_string(),
            section: self.name.map_or_else(|| "at the top level".to_string(), |name| format!("in [{name}]")),
            expected: known.join(", "),
        })
    }

    pub fn value(&self, key: &str) -> Option<&'a Spanned<DeValue<'a>>> {
        self.table?.get(key)
    }

    pub fn section(&self, key: &'static str) -> Result<Section<'a>, PlanError> {
        match self.value(key) {
            None => Ok(Section { plan: self.plan, name: Some(key), table: None }),
            Some(value) => match value.get_ref() {
                DeValue::Table(table) => Ok(Section { plan: self.plan, name: Some(key), table: Some(table) }),
                _ => Err(self.wrong_type(key, value, "a table")),
            },
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<Located<&'a str>>, PlanError> {
        let Some(value) = self.value(key) else { return Ok(None) };
        match value.get_ref() {
            DeValue::String(text) => Ok(Some(Located { value: text.as_ref(), line: self.plan.line_of(value) })),
            _ => Err(self.wrong_type(key, value, "a string")),
        }
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>, PlanError> {
        let Some(value) = self.value(key) else { return Ok(None) };
        value.get_ref().as_bool().map(Some).ok_or_else(|| self.wrong_type(key, value, "true or false"))
    }

    /// An integer within `range` that also fits `T`; `expected` describes the range.
    pub fn integer<T: TryFrom<i64>>(
        &self,
        key: &str,
        range: RangeInclusive<i64>,
        expected: &str,
    ) -> Result<Option<Located<T>>, PlanError> {
        let Some(value) = self.value(key) else { return Ok(None) };
        let DeValue::Integer(integer) = value.get_ref() else {
            return Err(self.wrong_type(key, value, "an integer"));
        };
        let line = self.plan.line_of(value);
        i64::from_str_radix(integer.as_str(), integer.radix())
            .ok()
            .filter(|number| range.contains(number))
            .and_then(|number| T::try_from(number).ok())
            .map(|number| Some(Located { value: number, line }))
            .ok_or_else(|| self.invalid(key, line, shown_integer(integer.as_str(), integer.radix()), expected))
    }

    /// An array of strings, each with its own line so a bad entry can be pointed at.
    pub fn strings(&self, key: &str) -> Result<Option<Located<Vec<Located<&'a str>>>>, PlanError> {
        let Some(value) = self.value(key) else { return Ok(None) };
        let Some(array) = value.get_ref().as_array() else {
            return Err(self.wrong_type(key, value, "an array of strings"));
        };
        let entries = array
            .iter()
            .map(|entry| match entry.get_ref() {
                DeValue::String(text) => Ok(Located { value: text.as_ref(), line: self.plan.line_of(entry) }),
                _ => Err(self.wrong_type(key, entry, "an array of strings")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(Located { value: entries, line: self.plan.line_of(value) }))
    }

    /// `key` is required here: `expected` says how to write it.
    pub fn missing(&self, key: &str, line: usize, expected: &str) -> PlanError {
        PlanError::MissingSetting {
            path: self.plan.path.to_path_buf(),
            line,
            key: self.key_path(key),
            expected: expected.to_string(),
        }
    }

    pub fn wrong_type(&self, key: &str, value: &Spanned<DeValue<'_>>, expected: &'static str) -> PlanError {
        PlanError::WrongType {
            path: self.plan.path.to_path_buf(),
            line: self.plan.line_of(value),
            key: self.key_path(key),
            expected,
            found: value.get_ref().type_str(),
        }
    }

    /// `shown` is the offending value as it would be written in TOML.
    pub fn invalid(&self, key: &str, line: usize, shown: String, expected: impl Into<String>) -> PlanError {
        PlanError::InvalidValue {
            path: self.plan.path.to_path_buf(),
            line,
            key: self.key_path(key),
            shown,
            expected: expected.into(),
        }
    }

    pub fn invalid_string(&self, key: &str, text: Located<&str>, expected: impl Into<String>) -> PlanError {
        self.invalid(key, text.line, quoted(text.value), expected)
    }
}

/// The integer as written, radix prefix included; toml hands over digits and radix apart.
fn shown_integer(digits: &str, radix: u32) -> String {
    let prefix = match radix {
        2 => "0b",
        8 => "0o",
        16 => "0x",
        _ => "",
    };
    format!("{prefix}{digits}")
}
