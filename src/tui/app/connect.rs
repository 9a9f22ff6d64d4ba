//! The app's side of the Connect pane: which keys the pane takes while it has
//! focus, its answers from the worker, and its mutations through the same
//! read-only and production gates as the engine's (with the Connect cluster's
//! own `production` flag deciding).

use ratatui_textarea::TextArea;

use super::{pane_context, App, BannerKind, Mode};
use crate::tui::action::Action;
use crate::tui::connect_fetch::{ConnectOp, ConnectReply};
use crate::tui::panes::PaneContext;
use crate::tui::protocol::PaneId;

impl App {
    /// `None` when the Connect pane handled the action itself.
    pub(super) fn route_to_connect(&mut self, action: Action) -> Option<Action> {
        if self.focus != PaneId::Connect || !matches!(self.mode, Mode::Normal) {
            return Some(action);
        }
        // Enter drills down: a connector's tasks, then a replicator's lag.
        let on_replicator = self.connect.detail.as_deref().is_some_and(|name| self.connect.copies_topics(name));
        if action == Action::Expand && on_replicator {
            return Some(Action::WatchLag);
        }
        let context = pane_context!(self);
        let effects = self.connect.update(&action, &context);
        if !effects.handled {
            return Some(action);
        }
        self.apply(effects);
        None
    }

    pub(super) fn on_connect_reply(&mut self, id: u64, result: Result<ConnectReply, String>) -> bool {
        let failed = result.is_err();
        let (dirty, note) = self.connect.on_reply(id, result, self.now_ms);
        if let Some(note) = note {
            self.warn(if failed { BannerKind::Refused } else { BannerKind::Info }, note);
        }
        if self.focus == PaneId::Connect {
            self.outbox.extend(self.connect.poll(self.now_ms));
        }
        dirty
    }

    /// Read-only has refused already; a production Connect cluster asks for its name.
    pub(super) fn confirm_connect(&mut self, op: ConnectOp) -> bool {
        let cluster = self.connect.cluster();
        let name = cluster.map(|c| c.name.clone()).unwrap_or_default();
        if cluster.is_some_and(|c| c.production) {
            let prompt = format!("{name} is production: type its name to {} (Esc cancels): ", op.describe());
            self.mode =
                Mode::Confirm { action: Action::Connect(op), expected: name, prompt, input: TextArea::default() };
        } else {
            self.perform_connect(op);
        }
        true
    }

    pub(super) fn perform_connect(&mut self, op: ConnectOp) {
        let message = format!("{}…", op.describe());
        self.outbox.extend(self.connect.request(op, self.now_ms));
        self.warn(BannerKind::Info, message);
    }
}
