//! The demo's topics and records, shaped like a real MSK estate: keyed JSON
//! business events with headers, a keyed changelog, an operator topic and
//! MSK's canary. Deterministic: record n of a topic is always the same record.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Orders,
    Payments,
    Customers,
    InventoryEvents,
    OperatorAudit,
    Canary,
}

#[derive(Debug, Clone, Copy)]
pub struct DemoTopic {
    pub name: &'static str,
    pub partitions: i32,
    pub shape: Shape,
    /// Records produced at start.
    pub seed: u64,
    /// Share of the background load this topic receives.
    pub load_weight: u64,
    /// What a migration plan should do with it, for the README's tour.
    pub migrate: bool,
}

pub const ESTATE: &[DemoTopic] = &[
    DemoTopic { name: "orders", partitions: 6, shape: Shape::Orders, seed: 600, load_weight: 5, migrate: true },
    DemoTopic { name: "payments", partitions: 6, shape: Shape::Payments, seed: 400, load_weight: 3, migrate: true },
    // Keyed updates and tombstones, as a compacted changelog would hold. The mock
    // broker has no topic configs, so cleanup.policy=compact is by shape, not by setting.
    DemoTopic { name: "customers", partitions: 3, shape: Shape::Customers, seed: 300, load_weight: 1, migrate: true },
    DemoTopic {
        name: "inventory.events",
        partitions: 4,
        shape: Shape::InventoryEvents,
        seed: 300,
        load_weight: 2,
        migrate: true,
    },
    DemoTopic {
        name: "optr-audit",
        partitions: 1,
        shape: Shape::OperatorAudit,
        seed: 50,
        load_weight: 0,
        migrate: false,
    },
    DemoTopic {
        name: "__amazon_msk_canary",
        partitions: 1,
        shape: Shape::Canary,
        seed: 20,
        load_weight: 1,
        migrate: false,
    },
];

/// How big `kdeck demo` makes the estate. Only the migrated topics grow; the mock keeps at
/// most 100,000 records or 5 MB per partition, so a bigger backlog means more partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scale {
    /// The estate as listed: under 2,000 records, copied in a blink.
    #[default]
    Small,
    /// Four times the partitions, ten times the records per partition (about 64,000).
    Medium,
    /// Sixteen times the partitions (304 migrated), about a million records, and a
    /// destination 60 ms away: minutes with one lane, far less with eight.
    Large,
}

impl Scale {
    /// (partition multiplier, records-per-partition multiplier, destination round trip in ms)
    fn factors(self) -> (i32, u64, u64) {
        match self {
            Scale::Small => (1, 1, 0),
            Scale::Medium => (4, 10, 5),
            Scale::Large => (16, 40, 60),
        }
    }

    /// The destination brokers' added round trip: what makes lanes matter on a mock
    /// that answers in microseconds.
    pub fn destination_round_trip(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.factors().2)
    }

    /// The estate at this scale: migrated topics get more partitions and more records.
    pub fn estate(self) -> Vec<DemoTopic> {
        let (partitions, records, _) = self.factors();
        ESTATE
            .iter()
            .map(|topic| match topic.migrate {
                true => DemoTopic {
                    partitions: topic.partitions * partitions,
                    seed: topic.seed * records * partitions as u64,
                    ..*topic
                },
                false => *topic,
            })
            .collect()
    }
}

/// The destination's ACLs on the reference day, as `kafka-acls --list` prints them:
/// `orders-app` got its topic ACLs on the new cluster but nobody granted READ on its
/// consumer group, so it fails the moment it is cut over. `payments-app` is complete.
pub const DEMO_ACLS: &str = "\
Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:
 \t(principal=User:orders-app, host=*, operation=READ, permissionType=ALLOW)
 \t(principal=User:orders-app, host=*, operation=DESCRIBE, permissionType=ALLOW)

Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=payments, patternType=LITERAL)`:
 \t(principal=User:payments-app, host=*, operation=READ, permissionType=ALLOW)
 \t(principal=User:payments-app, host=*, operation=DESCRIBE, permissionType=ALLOW)

Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=payments-app, patternType=LITERAL)`:
 \t(principal=User:payments-app, host=*, operation=READ, permissionType=ALLOW)
";

/// The app whose grid the demo's ACL pane opens on.
pub const DEMO_ACL_APP: (&str, &str, &str) = ("User:orders-app", "orders-app", "orders");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRecord {
    pub key: Option<String>,
    /// None is a tombstone.
    pub value: Option<String>,
    pub headers: Vec<(&'static str, String)>,
}

const CURRENCIES: [&str; 3] = ["EUR", "USD", "GBP"];
const WAREHOUSES: [&str; 4] = ["ams-1", "fra-2", "dub-1", "lhr-3"];

/// Record `n` of a topic shape.
pub fn record(shape: Shape, n: u64) -> DemoRecord {
    let trace = format!("{:016x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match shape {
        Shape::Orders => DemoRecord {
            key: Some(format!("order-{n}")),
            value: Some(format!(
                r#"{{"order_id":"order-{n}","customer_id":"cust-{}","amount_cents":{},"currency":"{}","status":"created"}}"#,
                n % 97,
                1_000 + (n * 37) % 90_000,
                CURRENCIES[(n % 3) as usize]
            )),
            headers: vec![
                ("trace-id", trace),
                ("source", "checkout-service".into()),
                ("content-type", "application/json".into()),
            ],
        },
        Shape::Payments => DemoRecord {
            key: Some(format!("order-{n}")),
            value: Some(format!(
                r#"{{"payment_id":"pay-{n}","order_id":"order-{n}","method":"{}","captured":{}}}"#,
                if n % 2 == 0 { "card" } else { "sepa" },
                n % 5 != 0
            )),
            headers: vec![("trace-id", trace), ("source", "payment-gateway".into())],
        },
        Shape::Customers => {
            let id = n % 50;
            // Every seventh update deletes the customer: a tombstone.
            let value = (n % 7 != 6).then(|| {
                format!(
                    r#"{{"customer_id":"cust-{id}","tier":"{}","version":{n}}}"#,
                    ["bronze", "silver", "gold"][(n % 3) as usize]
                )
            });
            DemoRecord { key: Some(format!("cust-{id}")), value, headers: vec![("source", "crm".into())] }
        }
        Shape::InventoryEvents => DemoRecord {
            key: Some(format!("sku-{}", n % 200)),
            value: Some(format!(
                r#"{{"sku":"sku-{}","warehouse":"{}","delta":{}}}"#,
                n % 200,
                WAREHOUSES[(n % 4) as usize],
                (n % 11) as i64 - 5
            )),
            headers: vec![("trace-id", trace)],
        },
        Shape::OperatorAudit => DemoRecord {
            key: None,
            value: Some(format!(r#"{{"operator":"ops-{}","action":"rebalance-check","seq":{n}}}"#, n % 3)),
            headers: Vec::new(),
        },
        Shape::Canary => DemoRecord { key: None, value: Some(format!("canary {n}")), headers: Vec::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estate_has_what_a_migration_must_exclude() {
        assert!(ESTATE.iter().any(|t| t.name.starts_with("optr-") && !t.migrate));
        assert!(ESTATE.iter().any(|t| t.name == "__amazon_msk_canary" && !t.migrate));
        assert!(ESTATE.iter().filter(|t| t.migrate).count() >= 4);
    }

    #[test]
    fn business_records_are_keyed_json_with_headers() {
        for shape in [Shape::Orders, Shape::Payments, Shape::InventoryEvents] {
            let r = record(shape, 42);
            assert!(r.key.is_some());
            let value = r.value.expect("business records have values");
            assert!(serde_json::from_str::<serde_json::Value>(&value).is_ok(), "{value}");
            assert!(!r.headers.is_empty());
        }
    }

    #[test]
    fn changelog_has_tombstones_and_repeating_keys() {
        let records: Vec<_> = (0..100).map(|n| record(Shape::Customers, n)).collect();
        assert!(records.iter().any(|r| r.value.is_none()));
        let keys: std::collections::HashSet<_> = records.iter().map(|r| r.key.clone()).collect();
        assert!(keys.len() < records.len());
    }

    #[test]
    fn every_scale_stays_within_the_mocks_retention() {
        for scale in [Scale::Small, Scale::Medium, Scale::Large] {
            for topic in scale.estate() {
                let per_partition = topic.seed / topic.partitions as u64;
                // 100,000 records or 5 MB per partition; demo records are under 400 bytes.
                assert!(per_partition * 400 < 4_000_000, "{scale:?} {}: {per_partition} a partition", topic.name);
            }
        }
        let large = Scale::Large.estate();
        let partitions: i32 = large.iter().filter(|t| t.migrate).map(|t| t.partitions).sum();
        let records: u64 = large.iter().filter(|t| t.migrate).map(|t| t.seed).sum();
        assert_eq!((partitions, records / 1_000), (304, 1_024));
        assert_eq!(
            Scale::default().estate().iter().map(|t| t.seed).sum::<u64>(),
            ESTATE.iter().map(|t| t.seed).sum::<u64>()
        );
    }

    #[test]
    fn records_are_deterministic() {
        assert_eq!(record(Shape::Orders, 7), record(Shape::Orders, 7));
    }
}
