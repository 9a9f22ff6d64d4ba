//! What the cockpit can do. The serde names of the bindable variants are the
//! keymap's vocabulary (`run = "start"`); a renamed action keeps its old name as
//! an alias, so that users' keymaps keep working; variants that carry arguments
//! are internal, reached only through the `:` command line, and cannot be bound.

use serde::{Deserialize, Serialize};

pub use super::protocol::OutgoingText;
use super::protocol::{AclInput, PaneId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    Filter,
    /// Closes an overlay, a detail view or a filter; the cockpit's "back".
    Escape,
    NextPane,
    PrevPane,
    #[serde(rename = "goto_pane_1")]
    GotoPane1,
    #[serde(rename = "goto_pane_2")]
    GotoPane2,
    #[serde(rename = "goto_pane_3")]
    GotoPane3,
    #[serde(rename = "goto_pane_4")]
    GotoPane4,
    #[serde(rename = "goto_pane_5")]
    GotoPane5,
    #[serde(rename = "goto_pane_6")]
    GotoPane6,
    #[serde(rename = "goto_pane_7")]
    GotoPane7,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Opens the selected row: a topic's partitions, a message's detail.
    Expand,
    SortLag,
    SortName,
    SortRate,
    /// Lag pane: consumer groups instead of topics, and back.
    ToggleGroups,
    /// Engine: start replication. Connect: resume the selected connector.
    #[serde(alias = "start_engine")]
    Start,
    /// Engine: stop replication. Connect: stop the selected connector.
    #[serde(alias = "stop_engine")]
    Stop,
    /// Engine: one lane more. Connect: one more task (`tasks.max`).
    RescaleUp,
    /// Engine: one lane fewer. Connect: one task fewer.
    RescaleDown,
    /// Lag: pause the selected topic. Connect: pause the selected connector.
    #[serde(alias = "pause_topic")]
    Pause,
    /// Lag: resume the selected topic. Connect: resume the selected connector.
    #[serde(alias = "resume_topic")]
    Resume,
    /// Engine: restart the selected failed lane. Connect: restart the selected task.
    #[serde(alias = "retry_lane")]
    Retry,
    /// Inspector: read the selected topic (again) with the current offset spec.
    Refresh,
    /// Inspector: switch between the source and the destination cluster.
    SwitchCluster,
    /// Inspector detail: pretty JSON or hex.
    ToggleHex,
    /// Inspector: copy the kcat command that reproduces the view (OSC 52).
    CopyCommand,
    /// Inspector: write a message to the topic, from an editor.
    Produce,
    /// Inspector: opens the command line at `:partition `, to read one partition or all.
    PickPartition,
    /// Inspector: the selected record beside its counterpart on the other cluster, decoded.
    Compare,
    /// Connect: restart the selected connector and all its tasks.
    RestartConnector,
    /// Connect: restart the selected connector's failed tasks only.
    RestartFailed,
    /// Connect: show the selected connector's offsets.
    ConnectOffsets,
    /// Lag groups view: the selected group's cutover dry run; again on its plan, apply it.
    CutoverGroup,
    /// Connect: the Lag pane on the selected Replicator or MirrorMaker 2 connector's runner.
    WatchLag,

    #[serde(skip)]
    Rescale(usize),
    #[serde(skip)]
    PauseNamed(String),
    #[serde(skip)]
    ResumeNamed(String),
    #[serde(skip)]
    Goto(PaneId, Option<String>),
    #[serde(skip)]
    InspectOffsets(String),
    /// One partition, or every one with `None`.
    #[serde(skip)]
    InspectPartition(Option<i32>),
    /// The record the produce editor composed, on its way to the worker.
    #[serde(skip)]
    SendRecord(OutgoingText),
    /// The ACL pane's `:principal`, `:as`, `:group`, `:topics`, `:acls`, `:fix`.
    #[serde(skip)]
    AclInput(AclInput),
    /// `:tasks N` on the Connect pane.
    #[serde(skip)]
    ConnectTasks(u32),
    /// `:set-offset N` on the Connect pane's offsets view: the selected partition's position.
    #[serde(skip)]
    ConnectSetOffset(i64),
    /// `:reset-offsets` on the Connect pane.
    #[serde(skip)]
    ConnectResetOffsets,
    /// A Connect request the Connect pane built from a key.
    #[serde(skip)]
    Connect(crate::tui::connect_fetch::ConnectOp),
    /// `:cutover GROUP`: that group's cutover dry run.
    #[serde(skip)]
    CutoverNamed(String),
    /// Commits the dry run on screen for this group to the destination.
    #[serde(skip)]
    ApplyCutover(String),
    /// `:watch ...`: the runner whose positions the Lag pane shows.
    #[serde(skip)]
    Watch(WatchTarget),
}

/// What `:watch` points the Lag pane at, over the cockpit's clusters and the plan's topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchTarget {
    /// `:watch off`: back to the runner the plan names.
    Off,
    /// `:watch kdeck`: kdeck's own engine.
    Kdeck,
    /// `:watch replicator GROUP`: Replicator's `src.consumer.group.id`.
    Replicator(String),
    /// `:watch mm2 ALIAS`: MirrorMaker 2's source alias (its default offsets topic on the destination).
    Mm2(String),
    /// `:watch connect CONNECTOR`: a connector of the Connect pane's cluster, through KIP-875.
    Connect(String),
}

impl Action {
    /// Every action a keymap can bind, in the order help lists them.
    pub const BINDABLE: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::CommandLine,
        Action::Filter,
        Action::Escape,
        Action::NextPane,
        Action::PrevPane,
        Action::GotoPane1,
        Action::GotoPane2,
        Action::GotoPane3,
        Action::GotoPane4,
        Action::GotoPane5,
        Action::GotoPane6,
        Action::GotoPane7,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Expand,
        Action::SortLag,
        Action::SortName,
        Action::SortRate,
        Action::ToggleGroups,
        Action::Start,
        Action::Stop,
        Action::RescaleUp,
        Action::RescaleDown,
        Action::Pause,
        Action::Resume,
        Action::Retry,
        Action::Refresh,
        Action::SwitchCluster,
        Action::ToggleHex,
        Action::CopyCommand,
        Action::Produce,
        Action::PickPartition,
        Action::Compare,
        Action::RestartConnector,
        Action::RestartFailed,
        Action::ConnectOffsets,
        Action::CutoverGroup,
        Action::WatchLag,
    ];

    /// The keymap name of a bindable action; `None` for internal ones.
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => Some(name),
            _ => None,
        }
    }

    /// The bindable action a keymap name stands for.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }

    /// Whether the action writes to a cluster: refused when read-only, confirmed on production.
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Action::Start
                | Action::Stop
                | Action::RescaleUp
                | Action::RescaleDown
                | Action::Pause
                | Action::Resume
                | Action::Retry
                | Action::Rescale(_)
                | Action::PauseNamed(_)
                | Action::ResumeNamed(_)
                | Action::Produce
                | Action::SendRecord(_)
                | Action::ApplyCutover(_)
        ) || matches!(self, Action::Connect(op) if op.is_mutation())
    }

    /// What an engine-side mutation does, in words for a banner or a confirmation prompt.
    pub fn describe(&self) -> String {
        match self {
            Action::Start => "start the engine".to_owned(),
            Action::Stop => "stop the engine".to_owned(),
            Action::RescaleUp => "add a lane".to_owned(),
            Action::RescaleDown => "remove a lane".to_owned(),
            Action::Rescale(lanes) => format!("rescale to {lanes} lanes"),
            Action::PauseNamed(topic) => format!("pause {topic}"),
            Action::ResumeNamed(topic) => format!("resume {topic}"),
            Action::Pause => "pause the selected topic".to_owned(),
            Action::Resume => "resume the selected topic".to_owned(),
            Action::Retry => "retry the selected lane".to_owned(),
            _ => self.name().unwrap_or_else(|| format!("{self:?}").to_lowercase()),
        }
    }

    pub fn goto_pane(&self) -> Option<PaneId> {
        let index = match self {
            Action::GotoPane1 => 0,
            Action::GotoPane2 => 1,
            Action::GotoPane3 => 2,
            Action::GotoPane4 => 3,
            Action::GotoPane5 => 4,
            Action::GotoPane6 => 5,
            Action::GotoPane7 => 6,
            _ => return None,
        };
        PaneId::ALL.get(index).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindable_names_round_trip_and_internal_ones_have_none() {
        for action in Action::BINDABLE {
            let name = action.name().expect("bindable actions have names");
            assert_eq!(Action::from_name(&name).as_ref(), Some(action), "{name}");
        }
        assert_eq!(Action::GotoPane3.name().as_deref(), Some("goto_pane_3"));
        for internal in [Action::Rescale(3), Action::PauseNamed("t".into()), Action::Goto(PaneId::Lag, None)] {
            assert_eq!(internal.name(), None);
        }
        for not_bindable in ["rescale", "pause_named", "goto", "inspect_offsets", "", "Quit"] {
            assert_eq!(Action::from_name(not_bindable), None, "{not_bindable}");
        }
    }

    #[test]
    fn goto_pane_covers_every_pane() {
        let panes: Vec<PaneId> = Action::BINDABLE.iter().filter_map(Action::goto_pane).collect();
        assert_eq!(panes, PaneId::ALL);
    }
}
