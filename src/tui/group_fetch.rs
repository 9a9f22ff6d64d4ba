//! The consumer-groups view's data: every group on either cluster, with what it
//! committed on the migrated topics of each side and the high watermarks those
//! offsets trail. Runs on the worker thread; every call is bounded by the
//! timeout. The destination is optional: before cut-over it may be unreachable
//! or the group may not exist there yet, and that is not an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::groups::{CommittedOffset, GroupReader, GroupSummary};

/// A group as one cluster sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSide {
    pub state: String,
    pub members: usize,
}

/// One partition a group committed on, on either side. Named by the source topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPartition {
    pub topic: String,
    pub partition: i32,
    pub source_committed: Option<i64>,
    pub source_high_watermark: Option<i64>,
    pub destination_committed: Option<i64>,
    pub destination_high_watermark: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroup {
    pub name: String,
    /// `None` when the cluster does not know the group.
    pub source: Option<GroupSide>,
    pub destination: Option<GroupSide>,
    pub partitions: Vec<GroupPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupsSnapshot {
    pub groups: Vec<ConsumerGroup>,
    /// Why the destination's side is blank, when it could not be read.
    pub destination_error: Option<String>,
}

/// One side's client with what it knows, so each topic's partitions are listed once.
struct Side {
    reader: GroupReader,
    groups: Vec<GroupSummary>,
    partitions: HashMap<String, Vec<i32>>,
    high_watermarks: HashMap<(String, i32), Option<i64>>,
}

impl Side {
    fn open(cluster: &ResolvedCluster, timeout: Duration) -> Result<Side, Failure> {
        let reader = GroupReader::connect(cluster, timeout)?;
        let groups = reader.groups()?;
        let partitions = reader.topic_partitions()?.into_iter().collect();
        Ok(Side { reader, groups, partitions, high_watermarks: HashMap::new() })
    }

    fn group(&self, name: &str) -> Option<GroupSide> {
        self.groups
            .iter()
            .find(|group| group.name == name)
            .map(|group| GroupSide { state: group.state.clone(), members: group.members })
    }

    fn partitions_of(&self, topics: impl Iterator<Item = String>) -> Vec<(String, i32)> {
        topics
            .flat_map(|topic| {
                let ids = self.partitions.get(&topic).cloned().unwrap_or_default();
                ids.into_iter().map(move |id| (topic.clone(), id))
            })
            .collect()
    }

    /// A watermark that cannot be read is shown as unknown rather than failing the view.
    fn high_watermark(&mut self, topic: &str, partition: i32) -> Option<i64> {
        let key = (topic.to_owned(), partition);
        if let Some(known) = self.high_watermarks.get(&key) {
            return *known;
        }
        let high = self.reader.high_watermark(topic, partition).ok();
        self.high_watermarks.insert(key, high);
        high
    }
}

/// `topics` maps source topic names to destination ones (the plan's renames);
/// empty means every source topic, under the same name on the destination.
pub fn fetch_groups(
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    topics: &[(String, String)],
    timeout: Duration,
) -> Result<GroupsSnapshot, Failure> {
    let mut source_side = Side::open(source, timeout)?;
    let (mut destination_side, mut destination_error) = match Side::open(destination, timeout) {
        Ok(side) => (Some(side), None),
        Err(err) => (None, Some(err.to_string())),
    };
    let pairs: Vec<(String, String)> = if topics.is_empty() {
        source_side.partitions.keys().map(|topic| (topic.clone(), topic.clone())).collect()
    } else {
        topics.to_vec()
    };
    let to_source: HashMap<&str, &str> = pairs.iter().map(|(from, to)| (to.as_str(), from.as_str())).collect();
    let source_partitions = source_side.partitions_of(pairs.iter().map(|(from, _)| from.clone()));
    let destination_partitions = destination_side
        .as_ref()
        .map(|side| side.partitions_of(pairs.iter().map(|(_, to)| to.clone())))
        .unwrap_or_default();

    let mut names: BTreeSet<String> = source_side.groups.iter().map(|group| group.name.clone()).collect();
    if let Some(side) = &destination_side {
        names.extend(side.groups.iter().map(|group| group.name.clone()));
    }
    let mut groups = Vec::new();
    for name in names {
        let mut rows: BTreeMap<(String, i32), GroupPartition> = BTreeMap::new();
        let source_group = source_side.group(&name);
        if source_group.is_some() {
            for offset in source_side.reader.committed_offsets(&name, &source_partitions)? {
                let Some(committed) = offset.committed else { continue };
                let high = source_side.high_watermark(&offset.topic, offset.partition);
                let row = row_for(&mut rows, &offset.topic, offset.partition);
                row.source_committed = Some(committed);
                row.source_high_watermark = high;
            }
        }
        let destination_group = destination_side.as_ref().and_then(|side| side.group(&name));
        if let (Some(side), Some(_)) = (destination_side.as_mut(), &destination_group) {
            match side.reader.committed_offsets(&name, &destination_partitions) {
                Ok(offsets) => fold_destination(&mut rows, side, &to_source, offsets),
                Err(err) => destination_error = Some(err.to_string()),
            }
        }
        groups.push(ConsumerGroup {
            name,
            source: source_group,
            destination: destination_group,
            partitions: rows.into_values().collect(),
        });
    }
    Ok(GroupsSnapshot { groups, destination_error })
}

fn row_for<'a>(
    rows: &'a mut BTreeMap<(String, i32), GroupPartition>,
    topic: &str,
    partition: i32,
) -> &'a mut GroupPartition {
    rows.entry((topic.to_owned(), partition)).or_insert_with(|| GroupPartition {
        topic: topic.to_owned(),
        partition,
        source_committed: None,
        source_high_watermark: None,
        destination_committed: None,
        destination_high_watermark: None,
    })
}

/// Destination offsets land on the row of the source topic they were copied from.
fn fold_destination(
    rows: &mut BTreeMap<(String, i32), GroupPartition>,
    side: &mut Side,
    to_source: &HashMap<&str, &str>,
    offsets: Vec<CommittedOffset>,
) {
    for offset in offsets {
        let Some(committed) = offset.committed else { continue };
        let high = side.high_watermark(&offset.topic, offset.partition);
        let topic = to_source.get(offset.topic.as_str()).copied().unwrap_or(&offset.topic);
        let row = row_for(rows, topic, offset.partition);
        row.destination_committed = Some(committed);
        row.destination_high_watermark = high;
    }
}
