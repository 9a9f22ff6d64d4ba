//! Which lane copies which source partition.
//!
//! A lane owns a set of source partitions and one transactional producer, so the
//! assignment decides both the parallelism and which transactional id writes each
//! partition. It is a pure function of the partition set and the lane count: after a
//! restart the same plan must give every partition the same lane, whatever order the
//! metadata listed the partitions in.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The most lanes the engine will run. Each lane is a transactional producer with its
/// own librdkafka threads, and every lane ever used must be fenced on restart, so a lane
/// count from a typo (or a corrupt state record) must not turn into millions of them.
pub const MAX_LANES: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

/// `orders/3`: the same separator the provenance header uses.
impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.topic, self.partition)
    }
}

/// Per-partition values grouped by topic, topics in order: what a request
/// per topic (ListOffsets, say) needs.
pub fn by_topic<'a, V>(items: impl IntoIterator<Item = (&'a TopicPartition, V)>) -> BTreeMap<&'a str, Vec<(i32, V)>> {
    let mut grouped: BTreeMap<&str, Vec<(i32, V)>> = BTreeMap::new();
    for (tp, value) in items {
        grouped.entry(tp.topic.as_str()).or_default().push((tp.partition, value));
    }
    grouped
}

/// Deals `partitions` over exactly `lanes` lanes (0 counts as 1, more than [`MAX_LANES`]
/// as `MAX_LANES`).
///
/// Round-robin over the sorted list keeps lane sizes within one of each other and, since
/// a topic's partitions are adjacent once sorted, spreads every topic over the lanes so a
/// hot topic is not copied by a single producer. Duplicates are dropped: a partition in two
/// lanes would be copied twice. Lanes beyond the partition count stay empty.
pub fn assign_lanes(partitions: &[TopicPartition], lanes: usize) -> Vec<Vec<TopicPartition>> {
    let lanes = lanes.clamp(1, MAX_LANES);
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let per_lane = sorted.len().div_ceil(lanes);
    let mut assignment: Vec<Vec<TopicPartition>> = (0..lanes).map(|_| Vec::with_capacity(per_lane)).collect();
    for (index, partition) in sorted.into_iter().enumerate() {
        if let Some(lane) = assignment.get_mut(index % lanes) {
            lane.push(partition);
        }
    }
    assignment
}

/// Deals partitions that appear while lanes copy (a new topic) to the lanes
/// that have the fewest, so no lane has to give up a partition it copies.
/// `lane_sizes[i]` is lane i's partition count; returns each lane's share,
/// in lane order. Sorted and deduplicated as [`assign_lanes`] does.
pub fn deal_to_running_lanes(lane_sizes: &[usize], partitions: &[TopicPartition]) -> Vec<Vec<TopicPartition>> {
    let mut sizes = lane_sizes.to_vec();
    let mut shares: Vec<Vec<TopicPartition>> = vec![Vec::new(); sizes.len()];
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for partition in sorted {
        // The smallest lane; the lowest index among equals, so the deal is deterministic.
        let Some(lane) = (0..sizes.len()).min_by_key(|&lane| (sizes[lane], lane)) else { break };
        sizes[lane] += 1;
        shares[lane].push(partition);
    }
    shares
}

/// The lane that owns `tp`, if any.
pub fn lane_of(assignment: &[Vec<TopicPartition>], tp: &TopicPartition) -> Option<usize> {
    assignment.iter().position(|lane| lane.contains(tp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tps(spec: &[(&str, i32)]) -> Vec<TopicPartition> {
        spec.iter().map(|(topic, partition)| TopicPartition::new(*topic, *partition)).collect()
    }

    #[test]
    fn new_partitions_go_to_the_smallest_lanes() {
        let late = tps(&[("late", 2), ("late", 0), ("late", 1), ("late", 0)]);
        let shares = deal_to_running_lanes(&[3, 2, 3, 2], &late);
        // late/0 to lane 1 (the first of the smallest), late/1 to lane 3, then every lane has 3: lane 0.
        assert_eq!(shares, vec![tps(&[("late", 2)]), tps(&[("late", 0)]), tps(&[]), tps(&[("late", 1)])]);
        assert_eq!(deal_to_running_lanes(&[], &late), Vec::<Vec<TopicPartition>>::new());
        assert_eq!(deal_to_running_lanes(&[5, 5], &[]), vec![tps(&[]), tps(&[])]);
    }

    #[test]
    fn by_topic_groups_values_under_their_topic_in_topic_order() {
        let partitions = tps(&[("orders", 1), ("audit", 0), ("orders", 0)]);
        let grouped = by_topic(partitions.iter().zip([10, 20, 30]));
        assert_eq!(grouped.keys().copied().collect::<Vec<_>>(), ["audit", "orders"]);
        assert_eq!(grouped["audit"], [(0, 20)]);
        assert_eq!(grouped["orders"], [(1, 10), (0, 30)]);
        assert!(by_topic(std::iter::empty::<(&TopicPartition, i64)>()).is_empty());
    }

    /// Topics named t0, t1, ... with the given partition counts.
    fn estate(partition_counts: &[i32]) -> Vec<TopicPartition> {
        partition_counts
            .iter()
            .enumerate()
            .flat_map(|(topic, &count)| {
                (0..count).map(move |partition| TopicPartition::new(format!("t{topic}"), partition))
            })
            .collect()
    }

    /// Deterministic shuffles without a rand dependency: Fisher-Yates driven by an LCG.
    fn shuffled(items: &[TopicPartition], seed: u64) -> Vec<TopicPartition> {
        let mut items = items.to_vec();
        let mut state = seed;
        for i in (1..items.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from((state >> 33) % (i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
        items
    }

    fn sizes(assignment: &[Vec<TopicPartition>]) -> Vec<usize> {
        assignment.iter().map(Vec::len).collect()
    }

    #[test]
    fn lane_counts_and_sizes() {
        // (partition counts per topic, lanes requested, expected lane sizes)
        let cases: &[(&[i32], usize, &[usize])] = &[
            (&[], 0, &[0]),
            (&[], 3, &[0, 0, 0]),
            (&[5], 0, &[5]),
            (&[5], 1, &[5]),
            (&[5], 2, &[3, 2]),
            (&[6], 3, &[2, 2, 2]),
            (&[3, 3, 1], 4, &[2, 2, 2, 1]),
            (&[2], 5, &[1, 1, 0, 0, 0]),
            (&[12, 1, 7, 30], 8, &[7, 7, 6, 6, 6, 6, 6, 6]),
        ];
        for (counts, lanes, expected) in cases {
            let assignment = assign_lanes(&estate(counts), *lanes);
            assert_eq!(sizes(&assignment), *expected, "counts {counts:?} lanes {lanes}");
        }
    }

    #[test]
    fn absurd_lane_counts_are_capped() {
        assert_eq!(assign_lanes(&estate(&[3]), usize::MAX).len(), MAX_LANES);
        assert_eq!(assign_lanes(&estate(&[3]), MAX_LANES + 1).len(), MAX_LANES);
        assert_eq!(assign_lanes(&estate(&[3]), MAX_LANES).len(), MAX_LANES);
    }

    #[test]
    fn balanced_and_complete_for_many_shapes() {
        let shapes: &[&[i32]] = &[&[1], &[64], &[3, 3, 3], &[1, 2, 3, 4, 5, 6, 7], &[100, 1, 1, 1], &[10; 20]];
        for counts in shapes {
            let partitions = estate(counts);
            let mut sorted_partitions = partitions.clone();
            sorted_partitions.sort();
            for lanes in 1..=17 {
                let assignment = assign_lanes(&partitions, lanes);
                assert_eq!(assignment.len(), lanes);
                let lane_sizes = sizes(&assignment);
                let spread = lane_sizes.iter().max().zip(lane_sizes.iter().min()).map(|(max, min)| max - min);
                assert!(spread.is_some_and(|spread| spread <= 1), "{counts:?}/{lanes}: {lane_sizes:?}");
                let mut all = assignment.concat();
                all.sort();
                assert_eq!(all, sorted_partitions, "every partition exactly once");
                for tp in &partitions {
                    let lane = lane_of(&assignment, tp);
                    assert!(lane.is_some_and(|lane| assignment[lane].contains(tp)));
                }
            }
        }
    }

    #[test]
    fn each_topic_is_spread_over_the_lanes() {
        // p partitions over n lanes land in min(p, n) lanes, at most ceil(p/n) in any one.
        let counts = [7, 16, 3, 1, 9];
        let partitions = estate(&counts);
        for lanes in 1..=10 {
            let assignment = assign_lanes(&partitions, lanes);
            for (topic_index, count) in counts.iter().map(|&c| usize::try_from(c).unwrap_or(0)).enumerate() {
                let topic = format!("t{topic_index}");
                let per_lane: Vec<usize> =
                    assignment.iter().map(|lane| lane.iter().filter(|tp| tp.topic == topic).count()).collect();
                assert_eq!(per_lane.iter().filter(|&&n| n > 0).count(), count.min(lanes), "{topic} over {lanes}");
                assert!(per_lane.iter().all(|&n| n <= count.div_ceil(lanes)), "{topic} over {lanes}: {per_lane:?}");
            }
        }
    }

    #[test]
    fn input_order_and_duplicates_do_not_matter() {
        let partitions = estate(&[5, 12, 1, 8]);
        for lanes in [1, 3, 4, 7, 40] {
            let reference = assign_lanes(&partitions, lanes);
            for seed in 0..20 {
                let mut input = shuffled(&partitions, seed);
                input.extend(shuffled(&partitions, seed + 100).into_iter().take(5));
                assert_eq!(assign_lanes(&input, lanes), reference, "lanes {lanes} seed {seed}");
            }
        }
    }

    #[test]
    fn round_robin_layout_is_pinned() {
        // A change to the dealing order would move partitions between transactional ids
        // across an upgrade; make it fail here rather than in a migration.
        let assignment = assign_lanes(&tps(&[("b", 1), ("a", 1), ("b", 0), ("a", 0), ("a", 2)]), 2);
        assert_eq!(assignment, vec![tps(&[("a", 0), ("a", 2), ("b", 1)]), tps(&[("a", 1), ("b", 0)])]);
    }

    #[test]
    fn lane_of_lookups() {
        let assignment = vec![tps(&[("a", 0), ("b", 1)]), vec![], tps(&[("a", 1)])];
        let cases = [(("a", 0), Some(0)), (("b", 1), Some(0)), (("a", 1), Some(2)), (("a", 2), None), (("c", 0), None)];
        for ((topic, partition), expected) in cases {
            assert_eq!(lane_of(&assignment, &TopicPartition::new(topic, partition)), expected, "{topic}/{partition}");
        }
        assert_eq!(lane_of(&[], &TopicPartition::new("a", 0)), None);
    }

    #[test]
    fn display_and_json_shape() {
        let tp = TopicPartition::new("orders", 3);
        assert_eq!(tp.to_string(), "orders/3");
        assert_eq!(serde_json::to_string(&tp).ok().as_deref(), Some(r#"{"topic":"orders","partition":3}"#));
    }
}
