//! What the cockpit's parts say to each other: which pane, what the app asks
//! the worker ([`Request`]), what comes back ([`Message`]), and the plain data
//! both carry. A leaf: it imports no other part of the cockpit except the
//! fetchers' data types, so the app, the panes and the worker all depend on it
//! and never on each other.

use std::path::PathBuf;

use crate::config::ResolvedCluster;
use crate::engine::plan::Plan;
use crate::engine::status::{EngineStatus, PartitionStatus};
use crate::inspect::offset_spec::OffsetSpec;
use crate::verify::plan_run::VerifyReport;
use crate::verify::reconcile::Anomaly;

use super::connect_fetch::{ConnectOp, ConnectReply};
use super::cutover_fetch::CutoverRequest;
use super::group_fetch::GroupsSnapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Lag,
    Engine,
    Connect,
    Acl,
    Cheatsheet,
    Inspector,
    Verify,
}

impl PaneId {
    /// In tab order; `goto_pane_N` is the Nth.
    pub const ALL: [PaneId; 7] = [
        PaneId::Lag,
        PaneId::Engine,
        PaneId::Connect,
        PaneId::Acl,
        PaneId::Cheatsheet,
        PaneId::Inspector,
        PaneId::Verify,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Lag => "Lag",
            PaneId::Engine => "Engine",
            PaneId::Connect => "Connect",
            PaneId::Acl => "ACL",
            PaneId::Cheatsheet => "Cheatsheet",
            PaneId::Inspector => "Inspector",
            PaneId::Verify => "Verify",
        }
    }

    /// The name `:goto` takes, case-insensitive.
    pub fn from_name(name: &str) -> Option<PaneId> {
        PaneId::ALL.into_iter().find(|pane| pane.title().eq_ignore_ascii_case(name))
    }

    pub fn index(self) -> usize {
        PaneId::ALL.iter().position(|pane| *pane == self).unwrap_or(0)
    }

    pub fn offset(self, by: isize) -> PaneId {
        let count = PaneId::ALL.len() as isize;
        PaneId::ALL[(self.index() as isize + by).rem_euclid(count) as usize]
    }
}

/// How loud a note on the bottom line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerKind {
    Info,
    Warning,
    Refused,
}

/// One consumed record, owned, as the Inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedRecord {
    pub partition: i32,
    pub offset: i64,
    /// -1 when the broker sent none.
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Key and value decoded through the profile's schema registry, when it names one.
    pub decoded: Option<crate::schemas::inspect::DecodedRecord>,
}

/// A record typed in the produce editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingText {
    pub topic: String,
    pub key: Option<String>,
    pub value: String,
}

/// What the `:` command line can set on the ACL pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclInput {
    Principal(String),
    Profile(String),
    Group(String),
    Topics(Vec<String>),
    /// `None`: live from the destination.
    Acls(Option<PathBuf>),
    Fix(String),
    TransactionalId(String),
}

/// Where the ACL pane's ACLs come from.
#[derive(Clone)]
pub enum AclFetch {
    Live(ResolvedCluster),
    File(PathBuf),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyProgressView {
    pub records_read: u64,
    pub records_expected: u64,
    pub partitions_done: u64,
    pub partitions_total: u64,
}

/// A partition's first mismatch with the two records it is about, read after the verification.
#[derive(Debug, Clone, PartialEq)]
pub struct MismatchSample {
    pub topic: String,
    pub partition: i32,
    pub anomaly: Anomaly,
    pub source: Option<InspectedRecord>,
    pub destination: Option<InspectedRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOutcome {
    pub report: VerifyReport,
    pub samples: Vec<MismatchSample>,
    /// The schema check, when the plan names registries; `Err` when it could not run.
    pub schemas: Option<Result<crate::schemas::verify::SchemaCheck, String>>,
}

/// Where the Inspector's compare looks on the other cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareTarget {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// From the source: the source topic, whose copy of `offset` is looked for by provenance.
    pub copy_of: Option<String>,
}

/// How the compare's counterpart was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// Its `kdeck-provenance` header names the record (or the record's header names it).
    Provenance,
    /// No provenance to go by: the record at the same offset.
    Offset,
    /// The copies near there carry provenance, and none is of this record.
    NoCopy,
}

/// The compare's answer: the other cluster's record, decoded, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterpart {
    pub record: Option<InspectedRecord>,
    pub found_by: FoundBy,
}

#[derive(Clone)]
pub enum Request {
    /// The topic names of a cluster, for the Inspector's topic list.
    Topics { id: u64, cluster: ResolvedCluster },
    /// Up to `limit` records of `partition` of `topic` (every partition when `None`), from `spec`.
    Read { id: u64, cluster: ResolvedCluster, topic: String, partition: Option<i32>, spec: OffsetSpec, limit: usize },
    /// One record from the Inspector's produce editor.
    Produce { id: u64, cluster: ResolvedCluster, record: OutgoingText },
    /// Every consumer group on both sides, on the plan's topics (`topics`: source → destination name).
    Groups { id: u64, source: ResolvedCluster, destination: ResolvedCluster, topics: Vec<(String, String)> },
    /// One Connect pane request against one Connect cluster.
    Connect { id: u64, cluster: crate::connect::clusters::ConnectCluster, op: ConnectOp },
    /// The ACL pane's ACLs: live (DescribeAcls) or from a file.
    Acls { id: u64, source: AclFetch },
    /// The groups view's cutover of one group: a dry run, or `apply` (the CLI's refusals, no `--force`).
    Cutover { id: u64, request: Box<CutoverRequest> },
    /// The plan's partitions as the clusters hold them: source watermarks, the
    /// destination's high watermarks and, with `positions`, the engine's committed
    /// positions from its state topic. What the Lag pane shows before the engine runs.
    /// A plan another runner copies (`[runner]`) reads that runner's positions instead,
    /// through `connect` for a Connect connector.
    PlanOffsets {
        id: u64,
        plan: Box<Plan>,
        source: ResolvedCluster,
        destination: ResolvedCluster,
        positions: bool,
        connect: Option<crate::connect::clusters::ConnectCluster>,
    },
    /// The Inspector's compare: the selected record's counterpart on `cluster`, decoded.
    Compare { id: u64, cluster: ResolvedCluster, target: CompareTarget },
    /// A verification of the plan; the cockpit runs it on its own thread.
    Verify,
}

impl Request {
    /// Writes queue and each reports its result; reads of one kind replace each
    /// other (latest wins), so refreshes never pile up.
    pub fn is_write(&self) -> bool {
        match self {
            Request::Produce { .. } => true,
            Request::Connect { op, .. } => op.is_mutation(),
            Request::Cutover { request, .. } => request.apply,
            _ => false,
        }
    }

    /// The slot a read takes; the latest read of a kind wins.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Topics { .. } => "topics",
            Request::Read { .. } => "read",
            Request::Produce { .. } => "produce",
            Request::Groups { .. } => "groups",
            Request::Acls { .. } => "acls",
            Request::Connect { op: ConnectOp::Refresh, .. } => "connect",
            Request::Connect { .. } => "connect-op",
            Request::Cutover { .. } => "cutover",
            Request::PlanOffsets { .. } => "plan-offsets",
            Request::Compare { .. } => "compare",
            Request::Verify => "verify",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    EngineStatus(Box<EngineStatus>),
    Topics {
        id: u64,
        result: Result<Vec<String>, String>,
    },
    Records {
        id: u64,
        result: Result<Vec<InspectedRecord>, String>,
    },
    /// `Ok` carries a one-line description of what was written.
    Produced {
        id: u64,
        result: Result<String, String>,
    },
    Groups {
        id: u64,
        result: Result<GroupsSnapshot, String>,
    },
    Acls {
        id: u64,
        result: Result<Vec<crate::acl::model::AclBinding>, String>,
    },
    Connect {
        id: u64,
        result: Result<ConnectReply, String>,
    },
    Cutover {
        id: u64,
        result: Result<crate::cutover::plan_run::CutoverResult, String>,
    },
    /// The plan's partitions, shaped as the engine reports them.
    PlanOffsets {
        id: u64,
        result: Result<Vec<PartitionStatus>, String>,
    },
    /// The Inspector's compare: the counterpart on the other cluster.
    Compared {
        id: u64,
        result: Result<Box<Counterpart>, String>,
    },
    /// Verify pane: how far the running verification is.
    VerifyProgress(VerifyProgressView),
    /// Verify pane: the finished verification, or why it failed.
    Verified(Box<Result<VerifyOutcome, String>>),
}
