//! Migration verification: proof, per partition, that the destination holds
//! exactly the source's records, in order, once. Pure reconciliation lives in
//! [`reconcile`]; [`explain`] sorts differences into explained and not;
//! [`read`] feeds both from Kafka.

pub mod command;
pub mod duplicates;
pub mod explain;
pub mod fingerprint;
pub mod plan_run;
pub mod positions;
pub mod read;
pub mod reconcile;
pub mod render;
