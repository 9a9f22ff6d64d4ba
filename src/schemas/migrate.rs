//! `kdeck schemas diff/copy`: subjects, versions, ids and compatibility
//! levels compared between two registries, and the missing versions copied
//! with their ids (the destination subject in IMPORT mode for the copy).
//!
//! The comparison is a pure function of what both registries answered, so the
//! plan is computed, shown and checked for conflicts before anything changes:
//! a different schema under an id the copy needs, or a destination version
//! taken by another id, refuses the whole copy.

use std::collections::BTreeSet;

use super::registry::{RegisteredSchema, Registry, RegistryError, SchemaType, SubjectVersion};

/// A source subject and the subject it becomes on the destination.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SubjectPair {
    pub source: String,
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionState {
    /// The destination has this version under the same id with the same schema.
    Same,
    /// The id is free (or holds the same schema) and the version slot is free: copy it.
    Missing,
    /// The destination holds a different schema under this id.
    IdConflict,
    /// The destination's subject has this version under another id.
    VersionTaken { destination_id: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDiff {
    pub source: SubjectVersion,
    pub state: VersionState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectDiff {
    pub pair: SubjectPair,
    pub versions: Vec<VersionDiff>,
    /// Versions only the destination has.
    pub destination_only: Vec<i32>,
    /// Subject-level compatibility (None: the registry's global level applies).
    pub source_compatibility: Option<String>,
    pub destination_compatibility: Option<String>,
}

impl SubjectDiff {
    pub fn compatibility_differs(&self) -> bool {
        self.source_compatibility.is_some() && self.source_compatibility != self.destination_compatibility
    }

    pub fn missing(&self) -> impl Iterator<Item = &VersionDiff> {
        self.versions.iter().filter(|v| v.state == VersionState::Missing)
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &VersionDiff> {
        self.versions.iter().filter(|v| matches!(v.state, VersionState::IdConflict | VersionState::VersionTaken { .. }))
    }
}

/// Same schema: same type and references, and the same text (Avro and JSON
/// compared as parsed JSON, so whitespace and key order do not matter).
pub fn same_schema(a: &RegisteredSchema, b: &RegisteredSchema) -> bool {
    if a.schema_type != b.schema_type || a.references != b.references {
        return false;
    }
    match a.schema_type {
        SchemaType::Avro | SchemaType::Json => {
            match (
                serde_json::from_str::<serde_json::Value>(&a.schema),
                serde_json::from_str::<serde_json::Value>(&b.schema),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => a.schema.trim() == b.schema.trim(),
            }
        }
        SchemaType::Protobuf => a.schema.trim() == b.schema.trim(),
    }
}

/// Decides one version's state from what the destination answered: the schema
/// under the source id (None: no such id) and the id at the same version of
/// the destination subject (None: no such version).
pub fn version_state(
    source: &SubjectVersion,
    destination_schema_under_id: Option<&RegisteredSchema>,
    destination_id_at_version: Option<u32>,
) -> VersionState {
    match destination_schema_under_id {
        Some(schema) if !same_schema(schema, &source.schema) => return VersionState::IdConflict,
        _ => {}
    }
    match destination_id_at_version {
        Some(id) if id == source.id => VersionState::Same,
        Some(id) => VersionState::VersionTaken { destination_id: id },
        None => VersionState::Missing,
    }
}

/// Reads both registries for each pair. Subjects referenced by the source
/// versions are added (source name kept) and come before their dependents.
pub fn diff(
    source: &Registry,
    destination: &Registry,
    pairs: &[SubjectPair],
) -> Result<Vec<SubjectDiff>, RegistryError> {
    let mut ordered: Vec<SubjectPair> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut diffs: Vec<SubjectDiff> = Vec::new();
    let mut queue: Vec<SubjectPair> = pairs.to_vec();
    while let Some(pair) = queue.pop() {
        if !seen.insert(pair.source.clone()) {
            continue;
        }
        ordered.push(pair.clone());
        for version in source.versions(&pair.source)? {
            for reference in source.version(&pair.source, version)?.schema.references {
                queue.push(SubjectPair { source: reference.subject.clone(), destination: reference.subject });
            }
        }
    }
    // References were discovered after their dependents: copy them first.
    ordered.reverse();
    for pair in ordered {
        diffs.push(diff_subject(source, destination, pair)?);
    }
    Ok(diffs)
}

fn diff_subject(source: &Registry, destination: &Registry, pair: SubjectPair) -> Result<SubjectDiff, RegistryError> {
    let source_versions = source.versions(&pair.source)?;
    let destination_versions = destination.versions(&pair.destination)?;
    let mut versions = Vec::new();
    for number in &source_versions {
        let version = source.version(&pair.source, *number)?;
        let under_id = match destination.schema_by_id(version.id) {
            Ok(schema) => Some(schema),
            Err(RegistryError { kind: super::registry::RegistryErrorKind::NotFound(_), .. }) => None,
            Err(err) => return Err(err),
        };
        let at_version = if destination_versions.contains(number) {
            Some(destination.version(&pair.destination, *number)?.id)
        } else {
            None
        };
        let state = version_state(&version, under_id.as_ref(), at_version);
        versions.push(VersionDiff { source: version, state });
    }
    Ok(SubjectDiff {
        destination_only: destination_versions.into_iter().filter(|v| !source_versions.contains(v)).collect(),
        source_compatibility: source.compatibility(Some(&pair.source))?,
        destination_compatibility: destination.compatibility(Some(&pair.destination))?,
        pair,
        versions,
    })
}

/// One line per conflict, naming the subject, version and id.
pub fn conflicts(diffs: &[SubjectDiff]) -> Vec<String> {
    diffs
        .iter()
        .flat_map(|diff| {
            diff.conflicts().map(move |version| match version.state {
                VersionState::IdConflict => format!(
                    "subject {} version {}: the destination holds a different schema under id {}",
                    diff.pair.destination, version.source.version, version.source.id
                ),
                VersionState::VersionTaken { destination_id } => format!(
                    "subject {} version {}: the destination has it under id {destination_id}, the source under id {}",
                    diff.pair.destination, version.source.version, version.source.id
                ),
                _ => unreachable!("conflicts() keeps only conflicts"),
            })
        })
        .collect()
}

/// What a copy did (or, dry, would do).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// (destination subject, version, id)
    pub registered: Vec<(String, i32, u32)>,
    /// (destination subject, level)
    pub compatibility: Vec<(String, String)>,
}

/// Registers every missing version with its id and version, each subject in
/// IMPORT mode for the duration (its previous mode restored after), then sets
/// differing compatibility levels. Refuses, changing nothing, on any conflict.
pub fn copy(destination: &Registry, diffs: &[SubjectDiff], apply: bool) -> Result<CopyReport, String> {
    let conflicts = conflicts(diffs);
    if !conflicts.is_empty() {
        return Err(format!(
            "refusing to copy schemas to {}: {} (nothing was changed)",
            destination.shown(),
            conflicts.join("; ")
        ));
    }
    let mut report = CopyReport::default();
    for diff in diffs {
        let missing: Vec<&VersionDiff> = diff.missing().collect();
        if !missing.is_empty() {
            let subject = &diff.pair.destination;
            if apply {
                let previous = destination.mode(subject).map_err(|e| e.message)?;
                destination.set_mode(subject, "IMPORT").map_err(|e| e.message)?;
                let registered = missing.iter().try_for_each(|version| {
                    let mut target = version.source.clone();
                    target.subject = subject.clone();
                    let id = destination.import(&target).map_err(|e| e.message)?;
                    if id != target.id {
                        return Err(format!(
                            "subject {subject} version {}: the destination registered id {id}, not {}",
                            target.version, target.id
                        ));
                    }
                    report.registered.push((subject.clone(), target.version, target.id));
                    Ok(())
                });
                let restored = destination.set_mode(subject, previous.as_deref().unwrap_or("READWRITE"));
                registered?;
                restored.map_err(|e| e.message)?;
            } else {
                report.registered.extend(missing.iter().map(|v| (subject.clone(), v.source.version, v.source.id)));
            }
        }
        if diff.compatibility_differs() {
            let level = diff.source_compatibility.clone().unwrap_or_default();
            if apply {
                destination.set_compatibility(&diff.pair.destination, &level).map_err(|e| e.message)?;
            }
            report.compatibility.push((diff.pair.destination.clone(), level));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::registry::Reference;

    fn avro(text: &str) -> RegisteredSchema {
        RegisteredSchema { schema: text.into(), schema_type: SchemaType::Avro, references: Vec::new() }
    }

    fn version(id: u32, text: &str) -> SubjectVersion {
        SubjectVersion { subject: "orders-value".into(), version: 1, id, schema: avro(text) }
    }

    #[test]
    fn avro_and_json_schemas_compare_as_json() {
        assert!(same_schema(&avro(r#"{"type":"string"}"#), &avro(r#"{ "type" : "string" }"#)));
        assert!(!same_schema(&avro(r#"{"type":"string"}"#), &avro(r#"{"type":"long"}"#)));
        let mut protobuf = avro("syntax = \"proto3\";");
        protobuf.schema_type = SchemaType::Protobuf;
        assert!(!same_schema(&protobuf, &avro("syntax = \"proto3\";")), "types differ");
        let mut referencing = avro(r#"{"type":"string"}"#);
        referencing.references = vec![Reference { name: "a".into(), subject: "a".into(), version: 1 }];
        assert!(!same_schema(&referencing, &avro(r#"{"type":"string"}"#)), "references differ");
    }

    #[test]
    fn version_states() {
        let source = version(7, r#""string""#);
        assert_eq!(version_state(&source, None, None), VersionState::Missing);
        assert_eq!(version_state(&source, Some(&avro(r#""string""#)), None), VersionState::Missing, "id reused");
        assert_eq!(version_state(&source, Some(&avro(r#""string""#)), Some(7)), VersionState::Same);
        assert_eq!(version_state(&source, Some(&avro(r#""long""#)), None), VersionState::IdConflict);
        assert_eq!(version_state(&source, None, Some(3)), VersionState::VersionTaken { destination_id: 3 });
    }

    #[test]
    fn conflicts_name_subject_version_and_id() {
        let diff = SubjectDiff {
            pair: SubjectPair { source: "orders-value".into(), destination: "orders-value".into() },
            versions: vec![
                VersionDiff { source: version(7, "\"a\""), state: VersionState::IdConflict },
                VersionDiff { source: version(8, "\"b\""), state: VersionState::Same },
            ],
            destination_only: Vec::new(),
            source_compatibility: None,
            destination_compatibility: None,
        };
        assert_eq!(
            conflicts(&[diff]),
            vec!["subject orders-value version 1: the destination holds a different schema under id 7".to_string()]
        );
    }

    #[test]
    fn compatibility_differs_only_when_the_source_sets_one() {
        let mut diff = SubjectDiff {
            pair: SubjectPair { source: "s".into(), destination: "s".into() },
            versions: Vec::new(),
            destination_only: Vec::new(),
            source_compatibility: None,
            destination_compatibility: Some("FULL".into()),
        };
        assert!(!diff.compatibility_differs());
        diff.source_compatibility = Some("FULL".into());
        assert!(!diff.compatibility_differs());
        diff.source_compatibility = Some("NONE".into());
        assert!(diff.compatibility_differs());
    }
}
