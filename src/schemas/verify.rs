//! The schema check of `kdeck verify`: every schema id the copied records
//! carry (in their first records per partition, or all with `--schemas all`)
//! must resolve on the destination registry to the same schema as on the
//! source. Kept apart from record verification: verify only calls [`check`]
//! and prints [`render`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::{PartitionReader, ReadEvent, StartPosition};

use super::migrate::same_schema;
use super::registry::{RegisteredSchema, Registry, RegistryError, RegistryErrorKind};
use super::wire::{framing, Framing};

/// How many records per partition are read for their schema ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The first N records of each partition.
    Sample(u64),
    All,
}

pub const DEFAULT_SAMPLE: u64 = 1000;

/// Parses `--schemas sample|all|N|off`; `None` is off.
pub fn parse_coverage(text: &str) -> Result<Option<Coverage>, String> {
    match text {
        "off" => Ok(None),
        "all" => Ok(Some(Coverage::All)),
        "sample" => Ok(Some(Coverage::Sample(DEFAULT_SAMPLE))),
        number => match number.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(Coverage::Sample(n))),
            _ => Err(format!(
                "--schemas {text:?}: expected sample (the first {DEFAULT_SAMPLE} records per partition), all, a record count per partition, or off"
            )),
        },
    }
}

/// Where an id was first met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdUse {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// "key" or "value"
    pub field: &'static str,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum IdState {
    Same,
    MissingOnDestination,
    Different,
    MissingOnSource,
    /// The registry could not be asked (down, 401...): the check is not done.
    Unchecked(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdCheck {
    pub id: u32,
    /// The source subjects (and versions) that use the id, as `subject@version`.
    pub subjects: Vec<String>,
    pub first_use: IdUse,
    pub state: IdState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaCheck {
    pub source_registry: String,
    pub destination_registry: String,
    pub records_read: u64,
    pub ids: Vec<IdCheck>,
}

impl SchemaCheck {
    pub fn failures(&self) -> usize {
        self.ids.iter().filter(|id| id.state != IdState::Same).count()
    }

    pub fn passed(&self) -> bool {
        self.failures() == 0
    }
}

/// Decides an id's state from both registries' answers.
pub fn judge(
    source: Result<RegisteredSchema, RegistryError>,
    destination: Result<RegisteredSchema, RegistryError>,
) -> IdState {
    let not_found = |err: &RegistryError| matches!(err.kind, RegistryErrorKind::NotFound(_));
    match (source, destination) {
        (Ok(a), Ok(b)) if same_schema(&a, &b) => IdState::Same,
        (Ok(_), Ok(_)) => IdState::Different,
        (Ok(_), Err(err)) if not_found(&err) => IdState::MissingOnDestination,
        (Err(err), _) if not_found(&err) => IdState::MissingOnSource,
        (Err(err), _) | (_, Err(err)) => IdState::Unchecked(err.message),
    }
}

/// Notes the schema ids of one record's key and value.
pub fn note_ids(
    uses: &mut BTreeMap<u32, IdUse>,
    topic: &str,
    partition: i32,
    offset: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) {
    for (field, bytes) in [("key", key), ("value", value)] {
        if let Some(Framing::Confluent { schema_id, .. }) = bytes.map(framing) {
            uses.entry(schema_id).and_modify(|found| found.records += 1).or_insert_with(|| IdUse {
                topic: topic.to_string(),
                partition,
                offset,
                field,
                records: 1,
            });
        }
    }
}

/// The schema check as `kdeck verify` runs it. `requested` is `--schemas`:
/// absent, the check runs on a sample when the plan names both registries and
/// is left out otherwise; `off` leaves it out; anything else requires registries.
pub fn for_plan(
    config: &crate::config::Config,
    plan: &crate::engine::plan::Plan,
    destination_cluster: &ResolvedCluster,
    destination_topics: &[String],
    requested: Option<Option<Coverage>>,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<Option<SchemaCheck>, Failure> {
    let coverage = match requested {
        Some(None) => return Ok(None),
        Some(Some(coverage)) => coverage,
        None if super::plan::has_registries(config, plan) => Coverage::Sample(DEFAULT_SAMPLE),
        None => return Ok(None),
    };
    let (source, destination) = super::plan::registries(config, plan, timeout)?;
    check(destination_cluster, destination_topics, coverage, &source, &destination, timeout, stop).map(Some)
}

/// Reads the destination topics for schema ids, then asks both registries about each.
pub fn check(
    destination_cluster: &ResolvedCluster,
    topics: &[String],
    coverage: Coverage,
    source: &Registry,
    destination: &Registry,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<SchemaCheck, Failure> {
    let mut uses = BTreeMap::new();
    let mut records_read = 0;
    for topic in topics {
        records_read += read_ids(destination_cluster, topic, coverage, timeout, stop, &mut uses)?;
    }
    let ids = uses
        .into_iter()
        .map(|(id, first_use)| {
            let subjects = source
                .usages_of_id(id)
                .map(|usages| usages.into_iter().map(|(s, v)| format!("{s}@{v}")).collect())
                .unwrap_or_default();
            let state = judge(source.schema_by_id(id), destination.schema_by_id(id));
            IdCheck { id, subjects, first_use, state }
        })
        .collect();
    Ok(SchemaCheck {
        source_registry: source.shown().to_string(),
        destination_registry: destination.shown().to_string(),
        records_read,
        ids,
    })
}

fn read_ids(
    cluster: &ResolvedCluster,
    topic: &str,
    coverage: Coverage,
    timeout: Duration,
    stop: &AtomicBool,
    uses: &mut BTreeMap<u32, IdUse>,
) -> Result<u64, Failure> {
    let mut reader = PartitionReader::connect(cluster, timeout, false)?;
    let metadata = reader.metadata(Some(topic))?;
    let partitions = topic_partitions(&metadata, &cluster.name, topic)?;
    let starts: Vec<(i32, StartPosition)> = partitions.iter().map(|&p| (p, StartPosition::Beginning)).collect();
    reader.assign(topic, &starts)?;
    let limit = match coverage {
        Coverage::Sample(n) => n,
        Coverage::All => u64::MAX,
    };
    let mut read: BTreeMap<i32, u64> = partitions.iter().map(|&p| (p, 0)).collect();
    let mut done = std::collections::BTreeSet::new();
    let mut total = 0;
    let mut idle_since = std::time::Instant::now();
    while done.len() < partitions.len() && !stop.load(Ordering::Relaxed) {
        let event = reader.poll(Duration::from_millis(100), |event| match event {
            ReadEvent::Record(record) => {
                let count = read.entry(record.partition).or_default();
                if *count >= limit {
                    return None;
                }
                *count += 1;
                note_ids(uses, topic, record.partition, record.offset, record.key, record.payload);
                (*count == limit).then_some(record.partition)
            }
            ReadEvent::PartitionEnd { partition, .. } => Some(partition),
            ReadEvent::OffsetOutOfRange => None,
        })?;
        match event {
            Some(Some(partition)) => {
                if done.insert(partition) {
                    reader.stop_partition(topic, partition);
                }
                idle_since = std::time::Instant::now();
            }
            Some(None) => idle_since = std::time::Instant::now(),
            None if idle_since.elapsed() > timeout => {
                return Err(Failure::runtime(format!(
                    "schema check: {topic} on {} sent nothing for {timeout:?} with {} partition(s) unread",
                    cluster.name,
                    partitions.len() - done.len()
                )))
            }
            None => {}
        }
        total = read.values().sum();
    }
    Ok(total)
}

/// The check as text: one line per id that is not the same, naming the
/// subject, id and where it was met.
pub fn render(check: &SchemaCheck) -> String {
    let mut out = format!(
        "schemas: {} id(s) in {} record(s) read, source registry {} -> destination registry {}\n",
        check.ids.len(),
        check.records_read,
        check.source_registry,
        check.destination_registry
    );
    for id in &check.ids {
        let subjects = if id.subjects.is_empty() { "no source subject".to_string() } else { id.subjects.join(", ") };
        let use_ = &id.first_use;
        let state = match &id.state {
            IdState::Same => "same schema on both".to_string(),
            IdState::MissingOnDestination => "MISSING on the destination registry".to_string(),
            IdState::Different => "DIFFERENT schema on the destination registry".to_string(),
            IdState::MissingOnSource => "MISSING on the source registry".to_string(),
            IdState::Unchecked(reason) => format!("NOT CHECKED: {reason}"),
        };
        out.push_str(&format!(
            "  id {} ({subjects}): {state}; {} record(s), first {} of {} [{}] at offset {}\n",
            id.id, use_.records, use_.field, use_.topic, use_.partition, use_.offset
        ));
    }
    let verdict = if check.passed() {
        "every schema id resolves to the same schema on both registries".to_string()
    } else {
        format!("{} schema id(s) do not resolve to the same schema", check.failures())
    };
    out.push_str(&format!("schemas: {verdict}\n"));
    out
}

/// The check as a section of the migration report.
pub fn render_markdown(check: &Result<SchemaCheck, String>) -> String {
    let mut out = String::from("\n## Schemas\n\n");
    let check = match check {
        Ok(check) => check,
        Err(reason) => {
            out.push_str(&format!("**Not checked:** {}\n", reason.replace('|', "\\|")));
            return out;
        }
    };
    out.push_str(&format!(
        "Source registry `{}`, destination registry `{}`; {} schema id(s) in {} record(s) read.\n\n",
        check.source_registry,
        check.destination_registry,
        check.ids.len(),
        check.records_read
    ));
    out.push_str("| id | subjects | result | records | first seen |\n|---|---|---|---|---|\n");
    for id in &check.ids {
        let result = match &id.state {
            IdState::Same => "same".to_string(),
            IdState::MissingOnDestination => "**missing on the destination**".to_string(),
            IdState::Different => "**different on the destination**".to_string(),
            IdState::MissingOnSource => "**missing on the source**".to_string(),
            IdState::Unchecked(reason) => format!("**not checked**: {}", reason.replace('|', "\\|")),
        };
        let use_ = &id.first_use;
        out.push_str(&format!(
            "| {} | {} | {result} | {} | {} of {} [{}] at offset {} |\n",
            id.id,
            id.subjects.join(", "),
            use_.records,
            use_.field,
            use_.topic,
            use_.partition,
            use_.offset
        ));
    }
    let verdict = if check.passed() {
        "Every schema id resolves to the same schema on both registries.".to_string()
    } else {
        format!("**{} schema id(s) do not resolve to the same schema.**", check.failures())
    };
    out.push_str(&format!("\n{verdict}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::registry::SchemaType;

    fn schema(text: &str) -> Result<RegisteredSchema, RegistryError> {
        Ok(RegisteredSchema { schema: text.into(), schema_type: SchemaType::Avro, references: vec![] })
    }

    fn failure(kind: RegistryErrorKind, message: &str) -> Result<RegisteredSchema, RegistryError> {
        Err(RegistryError { kind, message: message.into() })
    }

    #[test]
    fn judge_names_each_outcome() {
        assert_eq!(judge(schema("\"string\""), schema(" \"string\" ")), IdState::Same);
        assert_eq!(judge(schema("\"string\""), schema("\"long\"")), IdState::Different);
        assert_eq!(
            judge(schema("\"string\""), failure(RegistryErrorKind::NotFound(40403), "x")),
            IdState::MissingOnDestination
        );
        assert_eq!(judge(failure(RegistryErrorKind::NotFound(40403), "x"), schema("\"a\"")), IdState::MissingOnSource);
        assert_eq!(
            judge(schema("\"a\""), failure(RegistryErrorKind::Unauthorized, "schema registry b: 401")),
            IdState::Unchecked("schema registry b: 401".into())
        );
    }

    #[test]
    fn ids_are_noted_once_with_their_first_use() {
        let mut uses = BTreeMap::new();
        note_ids(&mut uses, "orders", 2, 10, Some(&[0, 0, 0, 0, 3, 1]), Some(&[0, 0, 0, 0, 7, 1]));
        note_ids(&mut uses, "orders", 1, 11, None, Some(&[0, 0, 0, 0, 7]));
        note_ids(&mut uses, "orders", 1, 12, Some(b"plain"), Some(b"{}"));
        assert_eq!(uses.keys().copied().collect::<Vec<_>>(), vec![3, 7]);
        assert_eq!(uses[&7], IdUse { topic: "orders".into(), partition: 2, offset: 10, field: "value", records: 2 });
        assert_eq!(uses[&3].field, "key");
    }

    #[test]
    fn coverage_parses_and_names_bad_input() {
        assert_eq!(parse_coverage("all"), Ok(Some(Coverage::All)));
        assert_eq!(parse_coverage("sample"), Ok(Some(Coverage::Sample(DEFAULT_SAMPLE))));
        assert_eq!(parse_coverage("50"), Ok(Some(Coverage::Sample(50))));
        assert_eq!(parse_coverage("off"), Ok(None));
        assert!(parse_coverage("some").unwrap_err().starts_with("--schemas \"some\": expected sample"));
    }

    #[test]
    fn render_names_subject_id_and_partition() {
        let check = SchemaCheck {
            source_registry: "http://a".into(),
            destination_registry: "http://b".into(),
            records_read: 12,
            ids: vec![IdCheck {
                id: 4,
                subjects: vec!["orders-value@2".into()],
                first_use: IdUse { topic: "orders".into(), partition: 3, offset: 7, field: "value", records: 5 },
                state: IdState::MissingOnDestination,
            }],
        };
        assert_eq!(
            render(&check),
            "schemas: 1 id(s) in 12 record(s) read, source registry http://a -> destination registry http://b\n\
             \x20 id 4 (orders-value@2): MISSING on the destination registry; 5 record(s), first value of orders [3] at offset 7\n\
             schemas: 1 schema id(s) do not resolve to the same schema\n"
        );
    }
}
