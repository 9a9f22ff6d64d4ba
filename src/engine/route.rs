//! A lane's per-record lookups, made without allocating: which destination
//! topic a source partition goes to, its provenance header prefix, and what
//! the open batch has touched. Built once per lane session.

use std::collections::HashMap;
use std::io::Write;

use super::assignment::TopicPartition;
use super::provenance::Provenance;

pub struct Route {
    pub source: TopicPartition,
    pub destination_topic: String,
    /// `<cluster>/<topic>/<partition>/`; the record's offset completes it.
    provenance_prefix: Option<Vec<u8>>,
}

pub struct Routes {
    /// Topic name -> partition number -> route index. A map keyed by `String`
    /// can be asked with the record's `&str`, so no key is built per record.
    by_topic: HashMap<String, Vec<Option<usize>>>,
    routes: Vec<Route>,
    provenance_cluster: Option<String>,
}

impl Routes {
    pub fn new<'a>(
        partitions: impl IntoIterator<Item = (&'a TopicPartition, &'a str)>,
        provenance_cluster: Option<&str>,
    ) -> Self {
        let mut routes = Routes {
            by_topic: HashMap::new(),
            routes: Vec::new(),
            provenance_cluster: provenance_cluster.map(str::to_owned),
        };
        routes.add(partitions);
        routes
    }

    /// Adds partitions that join the lane (a new topic). Indices already
    /// handed out stay valid; a partition already routed is left as it is.
    pub fn add<'a>(&mut self, partitions: impl IntoIterator<Item = (&'a TopicPartition, &'a str)>) {
        for (source, destination_topic) in partitions {
            let Ok(slot) = usize::try_from(source.partition) else { continue };
            let slots = self.by_topic.entry(source.topic.clone()).or_default();
            if slots.len() <= slot {
                slots.resize(slot + 1, None);
            }
            if slots[slot].is_some() {
                continue;
            }
            slots[slot] = Some(self.routes.len());
            let provenance_prefix = self.provenance_cluster.as_deref().map(|cluster| {
                let mut text = Provenance::new(cluster, source.topic.as_str(), source.partition, 0).encode();
                text.pop(); // the placeholder offset "0"
                text
            });
            self.routes.push(Route {
                source: source.clone(),
                destination_topic: destination_topic.to_string(),
                provenance_prefix,
            });
        }
    }

    pub fn find(&self, topic: &str, partition: i32) -> Option<usize> {
        let slot = usize::try_from(partition).ok()?;
        self.by_topic.get(topic)?.get(slot).copied().flatten()
    }

    pub fn get(&self, index: usize) -> &Route {
        &self.routes[index]
    }

    /// Writes the provenance header value for `offset` into `out`; false when
    /// provenance is off.
    pub fn provenance(&self, index: usize, offset: i64, out: &mut Vec<u8>) -> bool {
        let Some(prefix) = &self.routes[index].provenance_prefix else { return false };
        out.clear();
        out.extend_from_slice(prefix);
        let _ = write!(out, "{offset}");
        true
    }
}

/// What the open batch has touched: per route, the last source offset copied
/// and how many records were copied.
pub struct Touched {
    last: Vec<Option<(i64, u64)>>,
    order: Vec<usize>,
    pub records: u64,
    pub bytes: u64,
    /// Reused for each record's provenance header value.
    pub stamp: Vec<u8>,
}

impl Touched {
    pub fn new(routes: &Routes) -> Self {
        Touched {
            last: vec![None; routes.routes.len()],
            order: Vec::new(),
            records: 0,
            bytes: 0,
            stamp: Vec::with_capacity(96),
        }
    }

    /// Records that `offset` of the route was read; `copied` when it was also written.
    pub fn mark(&mut self, index: usize, offset: i64, copied: bool) {
        let Some(slot) = self.last.get_mut(index) else { return };
        let entry = slot.get_or_insert_with(|| {
            self.order.push(index);
            (offset, 0)
        });
        entry.0 = offset;
        if copied {
            entry.1 += 1;
        }
    }

    /// (route index, last offset, records copied) for every touched route.
    pub fn iter(&self) -> impl Iterator<Item = (usize, i64, u64)> + '_ {
        self.order.iter().filter_map(|&i| self.last[i].map(|(offset, copied)| (i, offset, copied)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Routes {
        let a = TopicPartition::new("orders", 0);
        let b = TopicPartition::new("orders", 2);
        let c = TopicPartition::new("payments", 1);
        Routes::new([(&a, "orders"), (&b, "orders"), (&c, "src.payments")], Some("cluster-1"))
    }

    #[test]
    fn finds_routes_without_building_keys() {
        let routes = routes();
        assert_eq!(routes.find("orders", 0), Some(0));
        assert_eq!(routes.find("orders", 1), None);
        assert_eq!(routes.find("orders", 2), Some(1));
        assert_eq!(routes.get(routes.find("payments", 1).unwrap()).destination_topic, "src.payments");
        assert_eq!(routes.find("payments", -1), None);
        assert_eq!(routes.find("other", 0), None);
    }

    #[test]
    fn provenance_matches_the_encoder() {
        let routes = routes();
        let mut out = Vec::new();
        for offset in [0, 7, 1_234_567_890_123] {
            assert!(routes.provenance(2, offset, &mut out));
            assert_eq!(out, Provenance::new("cluster-1", "payments", 1, offset).encode());
        }
        let plain = Routes::new([(&TopicPartition::new("t", 0), "t")], None);
        assert!(!plain.provenance(0, 1, &mut out));
    }

    #[test]
    fn added_routes_keep_earlier_indices() {
        let mut routes = routes();
        let late = TopicPartition::new("late", 1);
        let again = TopicPartition::new("orders", 0);
        routes.add([(&late, "late"), (&again, "elsewhere")]);
        assert_eq!(routes.find("orders", 0), Some(0), "an existing route is not replaced");
        assert_eq!(routes.get(0).destination_topic, "orders");
        assert_eq!(routes.find("late", 1), Some(3));
        let mut out = Vec::new();
        assert!(routes.provenance(3, 9, &mut out));
        assert_eq!(out, Provenance::new("cluster-1", "late", 1, 9).encode());
        assert_eq!(Touched::new(&routes).last.len(), 4);
    }

    #[test]
    fn touched_keeps_the_last_offset_and_the_copied_count() {
        let routes = routes();
        let mut touched = Touched::new(&routes);
        touched.mark(1, 10, true);
        touched.mark(0, 3, false);
        touched.mark(1, 11, true);
        touched.mark(1, 12, false);
        let seen: Vec<_> = touched.iter().collect();
        assert_eq!(seen, vec![(1, 12, 2), (0, 3, 0)]);
    }
}
