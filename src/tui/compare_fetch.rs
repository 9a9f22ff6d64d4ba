//! The Inspector's compare, on the worker: the counterpart of one record on
//! the other cluster, read decoded. From the source, the copy is found by its
//! `kdeck-provenance` header near the same offset (a second read where the
//! headers say the copies have drifted, as transaction markers make them);
//! without provenance, the record at the same offset stands in. From the
//! destination, the record its header names is read directly.

use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::engine::provenance::find_provenance;
use crate::error::Failure;
use crate::inspect::offset_spec::parse_offset_specs;

use super::protocol::{CompareTarget, InspectedRecord};
pub use super::protocol::{Counterpart, FoundBy};
use super::worker::{read, ReadChoice};

/// Records read on each side of the expected offset.
const WINDOW: i64 = 20;

pub fn run(cluster: &ResolvedCluster, target: &CompareTarget, timeout: Duration) -> Result<Counterpart, Failure> {
    let read_around = |at: i64| -> Result<Vec<InspectedRecord>, Failure> {
        let from = at.saturating_sub(WINDOW).max(0);
        let spec = parse_offset_specs(&[from.to_string()]).map_err(|err| Failure::runtime(err.to_string()))?;
        let choice = ReadChoice {
            topic: &target.topic,
            partition: Some(target.partition),
            spec: &spec,
            limit: usize::try_from(2 * WINDOW + 1).unwrap_or(41),
        };
        read(cluster, &choice, timeout)
    };
    let records = read_around(target.offset)?;
    let answer = |record: Option<InspectedRecord>, found_by| Counterpart { record, found_by };
    let Some(source_topic) = &target.copy_of else {
        return Ok(answer(at_offset(records, target.offset), FoundBy::Offset));
    };
    if let Some(copy) = copy_of(&records, source_topic, target.partition, target.offset) {
        return Ok(answer(Some(copy), FoundBy::Provenance));
    }
    if let Some(guess) = drifted(&records, source_topic, target.partition, target.offset) {
        let again = read_around(guess)?;
        if let Some(copy) = copy_of(&again, source_topic, target.partition, target.offset) {
            return Ok(answer(Some(copy), FoundBy::Provenance));
        }
    }
    let has_provenance = records.iter().any(|record| provenance_of(record).is_some());
    match has_provenance {
        // Copies carry provenance here, and none is of this record: say so rather than show another record.
        true => Ok(answer(None, FoundBy::NoCopy)),
        false => Ok(answer(at_offset(records, target.offset), FoundBy::Offset)),
    }
}

fn provenance_of(record: &InspectedRecord) -> Option<crate::engine::provenance::Provenance> {
    find_provenance(record.headers.iter().map(|(name, value)| (name.as_str(), value.as_deref())))
}

fn at_offset(records: Vec<InspectedRecord>, offset: i64) -> Option<InspectedRecord> {
    records.into_iter().find(|record| record.offset == offset)
}

/// The record whose provenance names `topic [partition] @ offset`.
pub fn copy_of(records: &[InspectedRecord], topic: &str, partition: i32, offset: i64) -> Option<InspectedRecord> {
    records
        .iter()
        .find(|record| {
            provenance_of(record).is_some_and(|p| p.topic == topic && p.partition == partition && p.offset == offset)
        })
        .cloned()
}

/// Where the copy of `offset` should be, from the nearest copy of the same
/// partition in `records`: copies keep the source's order, so the distance
/// between a copy and its source offset changes only by skipped offsets.
pub fn drifted(records: &[InspectedRecord], topic: &str, partition: i32, offset: i64) -> Option<i64> {
    records
        .iter()
        .filter_map(|record| {
            let p = provenance_of(record).filter(|p| p.topic == topic && p.partition == partition)?;
            Some((record.offset, p.offset))
        })
        .min_by_key(|(_, source)| source.abs_diff(offset))
        .map(|(copy, source)| copy.saturating_add(offset - source).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::provenance::Provenance;

    fn copy(offset: i64, source_offset: i64) -> InspectedRecord {
        let (name, value) = Provenance::new("src-cluster", "orders", 0, source_offset).header();
        InspectedRecord {
            partition: 0,
            offset,
            timestamp_ms: 0,
            key: None,
            value: Some(b"v".to_vec()),
            headers: vec![(name.to_owned(), Some(value))],
            decoded: None,
        }
    }

    #[test]
    fn the_copy_is_found_by_provenance_not_by_offset() {
        let records = vec![copy(10, 8), copy(12, 9), copy(13, 10)];
        assert_eq!(copy_of(&records, "orders", 0, 9).map(|r| r.offset), Some(12));
        assert_eq!(copy_of(&records, "orders", 1, 9), None, "another partition's copy");
        assert_eq!(copy_of(&records, "payments", 0, 9), None, "another topic's copy");
    }

    #[test]
    fn a_drifted_copy_is_looked_for_where_the_nearest_copy_says() {
        // Copies of source 0..=40 sit 300 offsets later (markers): the first read finds none of 100.
        let records: Vec<InspectedRecord> = (0..=40).map(|n| copy(300 + n, n)).collect();
        assert_eq!(copy_of(&records, "orders", 0, 100), None);
        assert_eq!(drifted(&records, "orders", 0, 100), Some(400));
        assert_eq!(drifted(&records, "orders", 1, 100), None, "no copy of that partition");
    }
}
