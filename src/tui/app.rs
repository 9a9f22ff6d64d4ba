//! The cockpit's state and its one way to change: `update(Action)`. No drawing
//! and no I/O here: the engine is told through its handle's command channel,
//! Kafka reads leave as [`Request`]s in `outbox`, and answers come back through
//! `on_message`. The clock is state too (`now_ms`), so renders are repeatable.
//! Each pane's `update` returns [`Effects`]; [`App::apply`] is the one place
//! they are carried out.

mod connect;
mod cutover;
mod keys;
mod reference_panes;
#[cfg(test)]
mod tests;
mod watch;
#[cfg(test)]
mod watch_tests;

use ratatui_textarea::TextArea;

use crate::config::ResolvedCluster;
use crate::engine::plan::MAX_LANES;
use crate::engine::status::{EngineState, EngineStatus, LaneState};
use crate::engine::EngineHandle;

use super::action::{Action, OutgoingText};
use super::keymap::Keymap;
use super::panes::acl::AclPane;
use super::panes::cheatsheet::CheatsheetPane;
use super::panes::connect::ConnectPane;
use super::panes::engine::EnginePane;
use super::panes::groups::{GroupsQuery, GroupsView};
use super::panes::inspector::{Clusters, InspectorPane};
use super::panes::lag::LagPane;
use super::panes::{ClusterSide, Effects, PaneContext, RequestIds};
pub use super::protocol::BannerKind;
use super::protocol::{Message, PaneId, Request};
use super::theme::Theme;

/// How often the Lag pane re-reads the plan's partitions from the clusters
/// (the destination's high watermarks, and the job's size before the engine runs).
pub const PLAN_OFFSETS_EVERY_MS: i64 = 5_000;

/// A [`PaneContext`] over the app's fields, borrowed one by one so a pane can be
/// updated while the context is alive.
macro_rules! pane_context {
    ($app:expr) => {
        PaneContext {
            source: &$app.source,
            destination: &$app.destination,
            status: &$app.status,
            keymap: &$app.keymap,
            theme: &$app.theme,
            now_ms: $app.now_ms,
            body_rows: $app.body_rows,
            read_only: $app.read_only,
        }
    };
}
pub(crate) use pane_context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub kind: BannerKind,
    pub text: String,
}

/// What has the keyboard: the panes, or one of the overlays on top of them.
#[derive(Default)]
pub enum Mode {
    #[default]
    Normal,
    /// `scroll` is the first help row shown, for screens shorter than the keymap.
    Help {
        scroll: usize,
    },
    CommandLine(TextArea<'static>),
    Filter(TextArea<'static>),
    /// A mutation waits until `expected` is typed: a production cluster's name, or `y`.
    Confirm {
        action: Action,
        expected: String,
        prompt: String,
        input: TextArea<'static>,
    },
    /// The Inspector's produce editor: first line the key, the rest the value.
    Produce {
        topic: String,
        input: TextArea<'static>,
    },
}

pub struct AppSetup {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub plan_name: String,
    /// The plan's lane count: where `+`/`-` start from before the engine has run.
    pub planned_lanes: usize,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub engine: Option<EngineHandle>,
    pub now_ms: i64,
}

pub struct App {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub plan_name: String,
    pub planned_lanes: usize,
    pub read_only: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub engine: Option<EngineHandle>,
    pub status: EngineStatus,
    pub now_ms: i64,
    pub focus: PaneId,
    pub mode: Mode,
    pub banner: Option<Banner>,
    pub lag: LagPane,
    /// The Lag pane's consumer-groups view.
    pub groups: GroupsView,
    pub engine_pane: EnginePane,
    pub inspector: InspectorPane,
    pub cheatsheet: CheatsheetPane,
    pub acl: AclPane,
    pub connect: ConnectPane,
    pub verify: super::panes::verify::VerifyPane,
    /// The groups view's cutover overlay.
    pub cutover: super::panes::cutover::CutoverView,
    /// The plan: what the Lag pane shows before the engine runs and a cutover
    /// translates over; None without one.
    pub plan: Option<crate::engine::plan::Plan>,
    /// `:watch`'s runner over the plan's (or its connector's) topics; None: the plan's own runner.
    pub watching: Option<crate::engine::plan::Plan>,
    /// Requests for the worker (and the verification), drained by the event loop after each update.
    pub outbox: Vec<Request>,
    /// Text for the terminal's clipboard (OSC 52), written by the event loop.
    pub clipboard: Option<String>,
    /// The lane count last asked for, until the engine's snapshots catch up with it:
    /// `+` pressed again counts from here, not from the lanes running.
    pub requested_lanes: Option<usize>,
    /// The pane area's height on the terminal, for how far lists scroll.
    pub body_rows: u16,
    produce_ids: RequestIds,
    plan_offsets_ids: RequestIds,
    plan_offsets_at_ms: Option<i64>,
    /// The engine command whose "starting the engine"-style banner shows
    /// until the engine's status says it is done.
    awaited: Option<Awaited>,
    pub quit: bool,
}

/// What an engine command's banner waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaited {
    /// Every lane copying.
    Start,
    Stop,
    /// This many lanes, all copying.
    Rescale(usize),
}

impl Awaited {
    fn done(self, status: &EngineStatus) -> bool {
        let all_copying = !status.lanes.is_empty() && status.lanes.iter().all(|l| l.state == LaneState::Copying);
        match self {
            Awaited::Start => all_copying || matches!(status.state, EngineState::Failed(_)),
            Awaited::Stop => matches!(status.state, EngineState::Stopped | EngineState::Failed(_)),
            Awaited::Rescale(lanes) => {
                (status.lanes.len() == lanes && all_copying) || matches!(status.state, EngineState::Failed(_))
            }
        }
    }
}

impl App {
    pub fn new(setup: AppSetup) -> App {
        let banner = (!setup.keymap.warnings.is_empty()).then(|| Banner {
            kind: BannerKind::Warning,
            text: format!("keymap: {}", setup.keymap.warnings.join("; ")),
        });
        App {
            source: setup.source,
            destination: setup.destination,
            plan_name: setup.plan_name,
            planned_lanes: setup.planned_lanes.max(1),
            read_only: setup.read_only,
            theme: setup.theme,
            keymap: setup.keymap,
            engine: setup.engine,
            status: EngineStatus::default(),
            now_ms: setup.now_ms,
            focus: PaneId::Lag,
            mode: Mode::Normal,
            banner,
            lag: LagPane::default(),
            groups: GroupsView::default(),
            engine_pane: EnginePane::default(),
            inspector: InspectorPane::default(),
            cheatsheet: CheatsheetPane::default(),
            acl: AclPane::default(),
            connect: ConnectPane::default(),
            verify: Default::default(),
            cutover: Default::default(),
            plan: None,
            watching: None,
            outbox: Vec::new(),
            clipboard: None,
            requested_lanes: None,
            body_rows: 0,
            produce_ids: RequestIds::default(),
            plan_offsets_ids: RequestIds::default(),
            plan_offsets_at_ms: None,
            awaited: None,
            quit: false,
        }
    }

    /// The terminal's size: the pane area is all but the bars above and below it.
    pub fn resize(&mut self, height: u16) {
        self.body_rows = height.saturating_sub(3);
        self.lag.resize(self.body_rows);
    }

    /// Carries out what a pane's `update` asked for; returns whether to draw.
    pub(super) fn apply(&mut self, effects: Effects) -> bool {
        let Effects { handled: _, redraw, requests, clipboard, note, mutation } = effects;
        self.outbox.extend(requests);
        if let Some(text) = clipboard {
            self.clipboard = Some(text);
        }
        if let Some((kind, text)) = note {
            self.warn(kind, text);
        }
        if let Some(action) = mutation {
            return self.mutate(action);
        }
        redraw || self.banner.is_some()
    }

    /// The plan's partitions from the clusters, when due: at once before the engine
    /// has reported any, then every [`PLAN_OFFSETS_EVERY_MS`] while the Lag pane shows.
    fn plan_offsets_request(&mut self) -> Option<Request> {
        let plan = self.watching.as_ref().or(self.plan.as_ref())?;
        let due = self.plan_offsets_at_ms.is_none_or(|at| self.now_ms.saturating_sub(at) >= PLAN_OFFSETS_EVERY_MS);
        if !due || self.plan_offsets_ids.waiting() || (self.focus != PaneId::Lag && self.plan_offsets_at_ms.is_some()) {
            return None;
        }
        self.plan_offsets_at_ms = Some(self.now_ms);
        Some(Request::PlanOffsets {
            id: self.plan_offsets_ids.ask(),
            plan: Box::new(plan.clone()),
            source: self.source.clone(),
            destination: self.destination.clone(),
            // The state topic is read while the engine has not reported positions of its own.
            positions: self.status.partitions.is_empty(),
            connect: self.runner_connect(plan),
        })
    }

    /// The `[connect.NAME]` cluster a Connect `[runner]` reads its positions through.
    pub(super) fn runner_connect(
        &self,
        plan: &crate::engine::plan::Plan,
    ) -> Option<crate::connect::clusters::ConnectCluster> {
        match &plan.runner {
            crate::engine::plan::Runner::Connect { connect, .. } => {
                self.connect.clusters.iter().find(|cluster| &cluster.name == connect).cloned()
            }
            _ => None,
        }
    }

    /// Another runner is watched: its partitions are read at once, and an answer
    /// about the runner before is dropped (a fresh id supersedes it).
    fn restart_plan_offsets(&mut self) {
        self.plan_offsets_at_ms = None;
        self.plan_offsets_ids.restart();
        if let Some(request) = self.plan_offsets_request() {
            self.outbox.push(request);
        }
    }

    /// Returns whether the screen needs drawing.
    pub fn set_clock(&mut self, now_ms: i64) -> bool {
        let mut changed = now_ms / 1_000 != self.now_ms / 1_000;
        self.now_ms = now_ms;
        if self.focus == PaneId::Lag && self.groups.due(now_ms) {
            let request = self.groups.request(self.groups_query());
            self.outbox.push(request);
        }
        if self.focus == PaneId::Connect {
            self.outbox.extend(self.connect.poll(now_ms));
        }
        if let Some(request) = self.plan_offsets_request() {
            self.outbox.push(request);
        }
        let clusters = Clusters { source: &self.source, destination: &self.destination };
        changed |= self.inspector.on_clock(&clusters, now_ms);
        changed
    }

    pub fn on_message(&mut self, message: Message) -> bool {
        match message {
            Message::EngineStatus(status) => {
                self.lag.refresh(&status, self.now_ms);
                self.engine_pane.observe(&status, self.now_ms);
                if self.requested_lanes == Some(status.lanes_target) {
                    self.requested_lanes = None;
                }
                self.follow_awaited(&status);
                self.status = *status;
                true
            }
            Message::PlanOffsets { id, result } => {
                if !self.plan_offsets_ids.answers(id) {
                    return false;
                }
                match result {
                    Ok(partitions) => self.lag.on_plan_partitions(partitions, &self.status, self.now_ms),
                    Err(err) => tracing::debug!(%err, "the plan's partitions could not be read"),
                }
                true
            }
            Message::Topics { id, result } => {
                let changed = self.inspector.on_topics(id, result);
                if changed && self.focus == PaneId::Acl {
                    self.sync_acl_offer();
                }
                changed
            }
            Message::Records { id, result } => self.inspector.on_records(id, result),
            Message::Compared { id, result } => self.inspector.on_compared(id, result),
            Message::Groups { id, result } => {
                let changed = self.groups.on_groups(id, result, self.now_ms);
                if changed && self.focus == PaneId::Acl {
                    self.sync_acl_offer();
                }
                changed
            }
            Message::Acls { id, result } => self.acl.on_acls(id, result),
            Message::Cutover { id, result } => self.on_cutover(id, result),
            Message::Connect { id, result } => self.on_connect_reply(id, result),
            Message::VerifyProgress(progress) => {
                self.verify.on_progress(progress);
                self.focus == PaneId::Verify
            }
            Message::Verified(result) => {
                self.verify.on_verified(*result);
                true
            }
            Message::Produced { id, result } => {
                // Every produce answers, the latest or not: each was confirmed by the user.
                let latest = self.produce_ids.answers(id);
                match result {
                    Ok(done) => {
                        self.warn(BannerKind::Info, done);
                        let clusters = Clusters { source: &self.source, destination: &self.destination };
                        if let Some(topic) = self.inspector.topic.clone().filter(|_| latest) {
                            self.outbox.extend(self.inspector.open_topic(&topic, &clusters));
                        }
                    }
                    Err(err) => self.warn(BannerKind::Refused, format!("produce failed: {err}")),
                }
                true
            }
        }
    }

    pub(super) fn warn(&mut self, kind: BannerKind, text: String) {
        self.banner = Some(Banner { kind, text });
        self.awaited = None;
    }

    /// An engine command's banner goes once the engine has done it, and
    /// says why while a start is retrying.
    fn follow_awaited(&mut self, status: &EngineStatus) {
        let Some(awaited) = self.awaited else { return };
        let still_ours = self.banner.as_ref().is_some_and(|b| b.kind == BannerKind::Info);
        if !still_ours {
            self.awaited = None;
            return;
        }
        if awaited.done(status) {
            self.banner = None;
            self.awaited = None;
            return;
        }
        if let (Awaited::Start, EngineState::Starting, Some(problem)) = (awaited, &status.state, &status.start_problem)
        {
            if let Some(banner) = self.banner.as_mut() {
                banner.text = format!("starting the engine: {problem}");
            }
        }
    }

    /// Filters the focused pane's list; panes without a filter ignore it.
    pub(super) fn set_filter(&mut self, text: &str) {
        match self.focus {
            PaneId::Inspector => self.inspector.set_filter(text),
            PaneId::Cheatsheet => self.cheatsheet.set_query(text),
            PaneId::Lag if self.groups.visible => self.groups.set_filter(text),
            PaneId::Lag => self.lag.set_filter(text),
            _ => {}
        }
    }

    /// The focused pane's filter; `None` for a pane that has none.
    fn current_filter(&self) -> Option<&str> {
        match self.focus {
            PaneId::Inspector => Some(&self.inspector.filter),
            PaneId::Cheatsheet => Some(&self.cheatsheet.query),
            PaneId::Lag if self.groups.visible => Some(&self.groups.filter),
            PaneId::Lag => Some(&self.lag.filter),
            _ => None,
        }
    }

    /// The plan's topics as the engine reports them; before it runs, every source topic.
    fn groups_query(&self) -> GroupsQuery {
        let topics = self
            .status
            .topics
            .iter()
            .map(|topic| (topic.source_topic.clone(), topic.destination_topic.clone()))
            .collect();
        GroupsQuery { source: self.source.clone(), destination: self.destination.clone(), topics }
    }

    fn toggle_groups(&mut self) {
        if self.focus != PaneId::Lag {
            self.focus = PaneId::Lag;
            self.groups.visible = false;
        }
        let query = self.groups_query();
        if let Some(request) = self.groups.toggle(query) {
            self.outbox.push(request);
        }
    }

    fn show(&mut self, pane: PaneId) {
        self.focus = pane;
        if pane == PaneId::Acl {
            self.offer_acl_resources();
        }
        if pane == PaneId::Inspector {
            let clusters = Clusters { source: &self.source, destination: &self.destination };
            if let Some(request) = self.inspector.on_shown(&clusters, self.now_ms) {
                self.outbox.push(request);
            }
        }
    }

    /// Applies an action; returns whether the screen needs drawing.
    pub fn update(&mut self, action: Action) -> bool {
        if !matches!(action, Action::Up | Action::Down | Action::PageUp | Action::PageDown) {
            self.banner = None;
        }
        let Some(action) = self.route_to_connect(action) else { return true };
        if action.is_mutation() {
            return self.mutate(action);
        }
        if let Some(pane) = action.goto_pane() {
            self.show(pane);
            return true;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::CommandLine => self.mode = Mode::CommandLine(TextArea::default()),
            Action::Filter => match self.current_filter() {
                Some(filter) => {
                    self.mode = Mode::Filter(TextArea::new(vec![filter.to_owned()]));
                    if let Mode::Filter(input) = &mut self.mode {
                        input.move_cursor(ratatui_textarea::CursorMove::End);
                    }
                }
                None => {
                    let pane = self.focus.title();
                    self.warn(BannerKind::Warning, format!("the {pane} pane has no filter"));
                }
            },
            Action::NextPane => self.show(self.focus.offset(1)),
            Action::PrevPane => self.show(self.focus.offset(-1)),
            Action::Goto(pane, topic) => {
                self.show(pane);
                if let (PaneId::Inspector, Some(topic)) = (pane, topic) {
                    let clusters = Clusters { source: &self.source, destination: &self.destination };
                    if let Some(request) = self.inspector.open_topic(&topic, &clusters) {
                        self.outbox.push(request);
                    }
                }
            }
            Action::InspectOffsets(offsets) => {
                self.show(PaneId::Inspector);
                let clusters = Clusters { source: &self.source, destination: &self.destination };
                if let Some(request) = self.inspector.set_offsets(&offsets, &clusters) {
                    self.outbox.push(request);
                }
            }
            Action::ToggleGroups => self.toggle_groups(),
            Action::Watch(target) => return self.watch(target),
            Action::WatchLag => return self.watch_selected_connector(),
            Action::CutoverGroup => return self.cutover_key(),
            Action::CutoverNamed(group) => return self.request_cutover(group),
            Action::Escape if self.focus == PaneId::Lag && self.groups.visible && self.cutover.is_open() => {
                self.cutover.close()
            }
            Action::PickPartition => {
                let mut input = TextArea::new(vec!["partition ".to_owned()]);
                input.move_cursor(ratatui_textarea::CursorMove::End);
                self.mode = Mode::CommandLine(input);
            }
            Action::InspectPartition(partition) => {
                self.show(PaneId::Inspector);
                let clusters = Clusters { source: &self.source, destination: &self.destination };
                if let Some(request) = self.inspector.set_partition(partition, &clusters) {
                    self.outbox.push(request);
                }
            }
            Action::Escape if self.focus == PaneId::Lag && self.groups.visible => {
                if self.groups.filter.is_empty() {
                    self.groups.visible = false;
                } else {
                    self.groups.set_filter("");
                }
            }
            Action::Refresh if self.focus == PaneId::Lag && self.groups.visible => {
                let request = self.groups.request(self.groups_query());
                self.outbox.push(request);
            }
            Action::Escape if self.focus == PaneId::Lag => self.lag.set_filter(""),
            Action::CopyCommand if self.focus == PaneId::Cheatsheet => self.copy_from_cheatsheet(),
            Action::CopyCommand if self.focus == PaneId::Acl => return self.update_focused(action),
            Action::AclInput(input) => self.on_acl_input(input),
            Action::Compare if self.focus == PaneId::Inspector => {
                let clusters = Clusters { source: &self.source, destination: &self.destination };
                let other_topic = self.inspector.topic.as_deref().map(|topic| match &self.plan {
                    Some(plan) if self.inspector.side == ClusterSide::Source => {
                        plan.topics.destination_topic(&plan.source, topic)
                    }
                    _ => topic.to_owned(),
                });
                match other_topic.and_then(|topic| self.inspector.compare(&topic, &clusters)) {
                    Some(request) => self.outbox.push(request),
                    None => self.warn(
                        BannerKind::Warning,
                        "select a message in the Inspector to compare it with the other cluster".into(),
                    ),
                }
            }
            Action::CopyCommand => {
                let clusters = Clusters { source: &self.source, destination: &self.destination };
                match self.inspector.kcat_command(&clusters).filter(|_| self.focus == PaneId::Inspector) {
                    Some(command) => {
                        self.warn(BannerKind::Info, format!("copied: {command}"));
                        self.clipboard = Some(command);
                    }
                    None => {
                        self.warn(BannerKind::Warning, "open a topic in the Inspector to copy its kcat command".into())
                    }
                }
            }
            other => return self.update_focused(other),
        }
        true
    }

    /// The focused pane's `update`, its effects carried out.
    fn update_focused(&mut self, action: Action) -> bool {
        let context = pane_context!(self);
        let effects = match self.focus {
            PaneId::Lag if self.groups.visible && self.cutover.is_open() => self.cutover.update(&action, &context),
            PaneId::Lag if self.groups.visible => self.groups.update(&action, &context),
            PaneId::Lag => self.lag.update(&action, &context),
            PaneId::Engine => self.engine_pane.update(&action, &context),
            PaneId::Cheatsheet if action == Action::Expand => return self.run_cheatsheet_entry(),
            PaneId::Cheatsheet => self.cheatsheet.update(&action, &context),
            PaneId::Acl => self.acl.update(&action, &context),
            PaneId::Inspector => self.inspector.update(&action, &context),
            PaneId::Verify => self.verify.update(&action, &context),
            PaneId::Connect => self.connect.update(&action, &context),
        };
        self.apply(effects)
    }

    /// Mutations pass three gates: read-only refuses them, a production
    /// destination asks for its name first, and there must be an engine.
    fn mutate(&mut self, action: Action) -> bool {
        let name = match &action {
            Action::Connect(op) => op.describe(),
            Action::ApplyCutover(group) => format!("cutover of {group}"),
            _ => action.describe(),
        };
        if self.read_only {
            self.warn(BannerKind::Refused, format!("read-only: {name} refused"));
            return true;
        }
        if action == Action::Produce {
            self.open_produce_editor();
            return true;
        }
        if let Action::Connect(op) = action {
            return self.confirm_connect(op);
        }
        if let Action::ApplyCutover(group) = action {
            return self.confirm_cutover(group);
        }
        if self.destination.production {
            let cluster = self.destination.name.clone();
            let prompt = format!("{cluster} is production: type its name to {name} (Esc cancels): ");
            self.mode = Mode::Confirm { action, expected: cluster, prompt, input: TextArea::default() };
            return true;
        }
        self.perform(action);
        true
    }

    fn open_produce_editor(&mut self) {
        match (&self.inspector.topic, self.focus) {
            (Some(topic), PaneId::Inspector) => {
                let topic = topic.clone();
                self.mode = Mode::Produce { topic, input: TextArea::default() };
            }
            _ => self.warn(BannerKind::Warning, "open a topic in the Inspector to produce to it".to_owned()),
        }
    }

    /// Every produced message is confirmed: with the cluster's name when it is
    /// production, with `y` otherwise.
    pub(super) fn confirm_send(&mut self, record: OutgoingText) {
        let cluster = self.inspector_cluster();
        let (expected, prompt) = if cluster.production {
            let name = cluster.name.clone();
            let prompt = format!("{name} is production: type its name to produce to {} (Esc cancels): ", record.topic);
            (name, prompt)
        } else {
            (
                "y".to_owned(),
                format!("produce 1 message to {} on {}? type y (Esc cancels): ", record.topic, cluster.name),
            )
        };
        self.mode = Mode::Confirm { action: Action::SendRecord(record), expected, prompt, input: TextArea::default() };
    }

    fn inspector_cluster(&self) -> &ResolvedCluster {
        match self.inspector.side {
            ClusterSide::Source => &self.source,
            ClusterSide::Destination => &self.destination,
        }
    }

    pub(super) fn perform(&mut self, action: Action) {
        if let Action::SendRecord(record) = action {
            let id = self.produce_ids.ask();
            let cluster = self.inspector_cluster().clone();
            self.warn(BannerKind::Info, format!("producing to {}…", record.topic));
            self.outbox.push(Request::Produce { id, cluster, record });
            return;
        }
        if let Action::Connect(op) = action {
            return self.perform_connect(op);
        }
        if let Action::ApplyCutover(group) = action {
            return self.perform_cutover(group);
        }
        let Some(engine) = &self.engine else {
            self.warn(BannerKind::Warning, "no engine in this cockpit (open it with --plan FILE)".to_owned());
            return;
        };
        let lanes_now = self.lanes_target();
        // The topics' selection is hidden behind the groups view: never pause a topic nobody sees selected.
        let selected_topic = self.lag.selected_topic().filter(|_| !self.groups.visible).map(str::to_owned);
        let awaited = match &action {
            Action::Start => Some(Awaited::Start),
            Action::Stop => Some(Awaited::Stop),
            Action::RescaleUp | Action::RescaleDown | Action::Rescale(_) => Some(Awaited::Rescale(0)),
            _ => None,
        };
        let message = match action {
            Action::Start => {
                engine.start();
                "starting the engine".to_owned()
            }
            Action::Stop => {
                engine.stop();
                "stopping the engine".to_owned()
            }
            Action::RescaleUp | Action::RescaleDown | Action::Rescale(_) => {
                let lanes = match action {
                    Action::RescaleUp => lanes_now + 1,
                    Action::RescaleDown => lanes_now.saturating_sub(1),
                    Action::Rescale(lanes) => lanes,
                    _ => lanes_now,
                }
                .clamp(1, MAX_LANES);
                engine.rescale(lanes);
                self.planned_lanes = lanes;
                self.requested_lanes = Some(lanes);
                format!("rescaling to {lanes} lanes")
            }
            Action::Pause | Action::Resume => {
                let Some(topic) = selected_topic else {
                    self.warn(BannerKind::Warning, "select a topic on the Lag pane's topics first".to_owned());
                    return;
                };
                return self.perform(if action == Action::Pause {
                    Action::PauseNamed(topic)
                } else {
                    Action::ResumeNamed(topic)
                });
            }
            Action::PauseNamed(topic) => {
                engine.pause(&topic);
                format!("pausing {topic}")
            }
            Action::ResumeNamed(topic) => {
                engine.resume(&topic);
                format!("resuming {topic}")
            }
            Action::Retry => match self.engine_pane.selected_lane(&self.status) {
                Some(lane) => {
                    engine.retry(lane);
                    format!("retrying lane {lane}")
                }
                None => "select a lane on the Engine pane first".to_owned(),
            },
            _ => return,
        };
        self.warn(BannerKind::Info, message);
        self.awaited = awaited.map(|awaited| match awaited {
            Awaited::Rescale(_) => Awaited::Rescale(self.planned_lanes),
            other => other,
        });
    }

    /// Where `+` and `-` count from: the lanes last asked for while the engine has
    /// not caught up with them, else the engine's target, else the plan's.
    pub fn lanes_target(&self) -> usize {
        self.requested_lanes
            .or((self.status.lanes_target > 0).then_some(self.status.lanes_target))
            .unwrap_or(self.planned_lanes)
    }

    /// Stops the engine and waits for it: each lane finishes or aborts its transaction.
    pub fn shutdown(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shutdown();
        }
    }
}
