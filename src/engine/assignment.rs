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
/// Each lane takes the next contiguous run of the sorted list, the first
/// `len % lanes` lanes one partition more, so lane sizes stay within one of each other.
/// Contiguous runs keep a topic's partitions together (sorted, they are adjacent): only
/// the topics that straddle a run's end are split, at most `lanes - 1` of them, while a
/// topic bigger than a lane's share still spreads over as many lanes as it fills.
/// librdkafka looks topics up by name with a linear search, per produced record and per
/// topic of every fetch response, so the topics a lane's clients know set its cost per
/// record; round-robin gave every lane every topic (see docs/BENCHMARKS.md, issue 15).
/// Duplicates are dropped: a partition in two lanes would be copied twice. Lanes beyond
/// the partition count stay empty.
pub fn assign_lanes(partitions: &[TopicPartition], lanes: usize) -> Vec<Vec<TopicPartition>> {
    let lanes = lanes.clamp(1, MAX_LANES);
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let (base, larger) = (sorted.len() / lanes, sorted.len() % lanes);
    let mut rest = sorted.into_iter();
    (0..lanes).map(|lane| rest.by_ref().take(base + usize::from(lane < larger)).collect()).collect()
}

/// Deals partitions that appear while lanes copy (a new topic) to the lanes
/// that have the fewest, so no lane has to give up a partition it copies.
/// `lane_sizes[i]` is lane i's partition count; returns each lane's share,
/// in lane order. Sorted and deduplicated as [`assign_lanes`] does.
///
/// A new topic goes whole to the smallest lane, as [`assign_lanes`] keeps topics
/// together, when it is small against a lane's share (at most an even share of all
/// partitions divided by the lane count), so keeping it whole moves the lane sizes
/// apart by little; a bigger one is dealt a partition at a time to the smallest lanes.
pub fn deal_to_running_lanes(lane_sizes: &[usize], partitions: &[TopicPartition]) -> Vec<Vec<TopicPartition>> {
    let mut sizes = lane_sizes.to_vec();
    let mut shares: Vec<Vec<TopicPartition>> = vec![Vec::new(); sizes.len()];
    if sizes.is_empty() {
        return shares;
    }
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let even_share = (sizes.iter().sum::<usize>() + sorted.len()).div_ceil(sizes.len());
    let kept_whole_up_to = even_share / sizes.len();
    // The smallest lane; the lowest index among equals, so the deal is deterministic.
    let smallest = |sizes: &[usize]| (0..sizes.len()).min_by_key(|&lane| (sizes[lane], lane)).unwrap_or(0);
    for topic in sorted.chunk_by(|a, b| a.topic == b.topic) {
        if topic.len() <= kept_whole_up_to {
            let lane = smallest(&sizes);
            sizes[lane] += topic.len();
            shares[lane].extend_from_slice(topic);
            continue;
        }
        for partition in topic {
            let lane = smallest(&sizes);
            sizes[lane] += 1;
            shares[lane].push(partition.clone());
        }
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
        // 3 new partitions against lanes of 2-3: too big to keep whole (13 / 4 lanes
        // makes an even share of 4, and 4 / 4 lanes keeps whole only 1), so dealt one by one.
        let late = tps(&[("late", 2), ("late", 0), ("late", 1), ("late", 0)]);
        let shares = deal_to_running_lanes(&[3, 2, 3, 2], &late);
        // late/0 to lane 1 (the first of the smallest), late/1 to lane 3, then every lane has 3: lane 0.
        assert_eq!(shares, vec![tps(&[("late", 2)]), tps(&[("late", 0)]), tps(&[]), tps(&[("late", 1)])]);
        assert_eq!(deal_to_running_lanes(&[], &late), Vec::<Vec<TopicPartition>>::new());
        assert_eq!(deal_to_running_lanes(&[5, 5], &[]), vec![tps(&[]), tps(&[])]);
    }

    #[test]
    fn a_small_new_topic_goes_whole_to_the_smallest_lane() {
        let late = estate(&[4, 4, 1]);
        // Lanes of ~750: each topic goes whole to the then smallest lane: t0 to
        // lane 1 (749), t1 to lane 3 (749), t2 to lane 0 (750, the lowest index of the smallest).
        let shares = deal_to_running_lanes(&[750, 749, 750, 749], &late);
        let t1 = tps(&[("t1", 0), ("t1", 1), ("t1", 2), ("t1", 3)]);
        assert_eq!(shares, vec![tps(&[("t2", 0)]), estate(&[4]), vec![], t1]);
        // A new topic of 700 partitions is too big to keep whole: the lanes stay even.
        let big = estate(&[700]);
        let shares = deal_to_running_lanes(&[750, 750, 750, 750], &big);
        assert_eq!(sizes(&shares), [175, 175, 175, 175]);
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

    /// How many lanes hold at least one partition of each topic, in topic order.
    fn lanes_per_topic(assignment: &[Vec<TopicPartition>], topics: usize) -> Vec<usize> {
        (0..topics)
            .map(|topic| {
                let topic = format!("t{topic}");
                assignment.iter().filter(|lane| lane.iter().any(|tp| tp.topic == topic)).count()
            })
            .collect()
    }

    #[test]
    fn topics_stay_together_except_where_a_lane_fills() {
        // The estate shape of the benchmark: 750 topics of 4 over 4 lanes. Round-robin put
        // every topic in every lane; runs of 750 split only t187 and t562 (1,500 falls between topics).
        let assignment = assign_lanes(&estate(&[4; 750]), 4);
        assert_eq!(sizes(&assignment), [750, 750, 750, 750]);
        let spans = lanes_per_topic(&assignment, 750);
        assert_eq!(spans.iter().filter(|&&lanes| lanes > 1).count(), 2, "split topics");
        assert!(spans.iter().all(|&lanes| lanes <= 2));
        // Per lane, topics known to its clients: ~188 instead of 750.
        for lane in &assignment {
            let mut topics: Vec<&str> = lane.iter().map(|tp| tp.topic.as_str()).collect();
            topics.dedup();
            assert!(topics.len() <= 189, "{} topics", topics.len());
        }
        // At most lanes - 1 topics split, for any shape and lane count.
        let counts = [7, 16, 3, 1, 9, 4, 4, 2];
        let partitions = estate(&counts);
        for lanes in 1..=12 {
            let spans = lanes_per_topic(&assign_lanes(&partitions, lanes), counts.len());
            assert!(spans.iter().filter(|&&n| n > 1).count() < lanes.max(2), "{lanes}: {spans:?}");
        }
    }

    #[test]
    fn a_topic_bigger_than_a_lane_spreads_over_the_lanes_it_fills() {
        // One hot topic is not left to one producer: 64 partitions over 4 lanes, 16 each.
        let assignment = assign_lanes(&estate(&[64]), 4);
        assert_eq!(sizes(&assignment), [16, 16, 16, 16]);
        assert_eq!(lanes_per_topic(&assignment, 1), [4]);
        // Beside small topics it still fills whole lanes: t0 (2) and t2 (2) end up with a part of t1.
        let assignment = assign_lanes(&estate(&[2, 20, 2]), 3);
        assert_eq!(sizes(&assignment), [8, 8, 8]);
        assert_eq!(lanes_per_topic(&assignment, 3), [1, 3, 1]);
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
    fn layout_is_pinned() {
        // A change to the dealing order moves partitions between transactional ids
        // across an upgrade (a restart fences every lane, so nothing is copied twice,
        // but it should be a decision): make it fail here rather than in a migration.
        let assignment = assign_lanes(&tps(&[("b", 1), ("a", 1), ("b", 0), ("a", 0), ("a", 2)]), 2);
        assert_eq!(assignment, vec![tps(&[("a", 0), ("a", 1), ("a", 2)]), tps(&[("b", 0), ("b", 1)])]);
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
