//! The Connect pane's I/O, run on the cockpit's worker thread: one
//! [`ConnectOp`] against one Connect cluster, answered as a [`ConnectReply`]
//! or a one-line error (the client's messages are already scrubbed).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::connect::client::ConnectClient;
use crate::connect::clusters::ConnectCluster;
use crate::connect::model::{Expanded, Offsets};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectOp {
    /// `GET /connectors?expand=status&expand=info`.
    Refresh,
    Restart {
        connector: String,
        only_failed: bool,
    },
    RestartTask {
        connector: String,
        task: u32,
    },
    Pause(String),
    Resume(String),
    Stop(String),
    /// GET config, then PUT config with this `tasks.max`.
    SetTasks {
        connector: String,
        from: usize,
        tasks: u32,
    },
    Offsets(String),
    /// KIP-875 PATCH (connector STOPPED), then the offsets read again.
    PatchOffsets {
        connector: String,
        offsets: Offsets,
    },
    /// KIP-875 DELETE (connector STOPPED), then the offsets read again.
    ResetOffsets(String),
}

impl ConnectOp {
    pub fn is_mutation(&self) -> bool {
        !matches!(self, ConnectOp::Refresh | ConnectOp::Offsets(_))
    }

    /// What the banner says while it runs, and the action's name for confirmations.
    pub fn describe(&self) -> String {
        match self {
            ConnectOp::Refresh => "refresh".into(),
            ConnectOp::Restart { connector, only_failed: true } => format!("restart the failed tasks of {connector}"),
            ConnectOp::Restart { connector, only_failed: false } => format!("restart {connector} and all its tasks"),
            ConnectOp::RestartTask { connector, task } => format!("restart task {task} of {connector}"),
            ConnectOp::Pause(connector) => format!("pause {connector}"),
            ConnectOp::Resume(connector) => format!("resume {connector}"),
            ConnectOp::Stop(connector) => format!("stop {connector}"),
            ConnectOp::SetTasks { connector, from, tasks } => {
                format!("rescale {connector} from {from} to {tasks} tasks")
            }
            ConnectOp::Offsets(connector) => format!("read the offsets of {connector}"),
            ConnectOp::PatchOffsets { connector, offsets } => {
                format!("set {} offset(s) of {connector}", offsets.offsets.len())
            }
            ConnectOp::ResetOffsets(connector) => format!("reset every offset of {connector}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectReply {
    Snapshot(BTreeMap<String, Expanded>),
    /// A mutation went through; the text says which.
    Done(String),
    Rescaled {
        connector: String,
        from: usize,
        tasks: u32,
    },
    Offsets {
        connector: String,
        offsets: Offsets,
    },
    /// Connect's message about the change, and the offsets after it.
    OffsetsChanged {
        connector: String,
        message: String,
        offsets: Offsets,
    },
}

pub fn run(cluster: &ConnectCluster, op: &ConnectOp, timeout: Duration) -> Result<ConnectReply, String> {
    let client = ConnectClient::new(cluster, timeout).map_err(|err| err.message)?;
    let done = |result: Result<(), crate::connect::client::ConnectError>| {
        result.map(|()| ConnectReply::Done(op.describe())).map_err(|err| err.message)
    };
    match op {
        ConnectOp::Refresh => client.list_expanded().map(ConnectReply::Snapshot).map_err(|err| err.message),
        ConnectOp::Restart { connector, only_failed } => done(client.restart(connector, true, *only_failed).map(drop)),
        ConnectOp::RestartTask { connector, task } => done(client.restart_task(connector, *task)),
        ConnectOp::Pause(connector) => done(client.pause(connector)),
        ConnectOp::Resume(connector) => done(client.resume(connector)),
        ConnectOp::Stop(connector) => done(client.stop(connector)),
        ConnectOp::SetTasks { connector, from, tasks } => client
            .set_tasks_max(connector, *tasks)
            .map(|_| ConnectReply::Rescaled { connector: connector.clone(), from: *from, tasks: *tasks })
            .map_err(|err| err.message),
        ConnectOp::Offsets(connector) => client
            .offsets(connector)
            .map(|offsets| ConnectReply::Offsets { connector: connector.clone(), offsets })
            .map_err(|err| err.message),
        ConnectOp::PatchOffsets { connector, offsets } => {
            let message = client.patch_offsets(connector, offsets).map_err(|err| err.message)?;
            let offsets = client.offsets(connector).map_err(|err| err.message)?;
            Ok(ConnectReply::OffsetsChanged { connector: connector.clone(), message, offsets })
        }
        ConnectOp::ResetOffsets(connector) => {
            let message = client.delete_offsets(connector).map_err(|err| err.message)?;
            let offsets = client.offsets(connector).map_err(|err| err.message)?;
            Ok(ConnectReply::OffsetsChanged { connector: connector.clone(), message, offsets })
        }
    }
}
