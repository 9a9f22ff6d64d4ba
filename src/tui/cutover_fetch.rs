//! The groups view's cutover on the worker thread: the same translation,
//! refusals, commit and journal as `kdeck cutover`, bounded by the worker's
//! timeout. The cockpit never passes `--force`: lag always refuses here.

use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::connect::clusters::ConnectCluster;
use crate::cutover::command::{cutover_group_with, GroupCutover};
use crate::cutover::plan_run::CutoverResult;
use crate::engine::plan::Plan;
use crate::error::Failure;

#[derive(Clone)]
pub struct CutoverRequest {
    pub plan: Plan,
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub group: String,
    /// False: a dry run, nothing is committed.
    pub apply: bool,
    /// A Connect `[runner]`'s cluster, whose connector offsets measure the lag.
    pub connect: Option<ConnectCluster>,
}

pub fn run(request: &CutoverRequest, timeout: Duration) -> Result<CutoverResult, Failure> {
    let ask = GroupCutover { group: &request.group, apply: request.apply, force: false, timeout };
    cutover_group_with(&request.plan, &request.source, &request.destination, &ask, request.connect.as_ref())
}
