//! The app's side of the groups view's cutover: the dry run is a read and runs
//! at once; applying it is a mutation (refused read-only, confirmed with `y`,
//! or with the destination's name when it is production) and goes through the
//! same refusals and journal as `kdeck cutover --apply`.

use ratatui_textarea::TextArea;

use super::{App, BannerKind, Mode};
use crate::cutover::plan_run::CutoverResult;
use crate::tui::action::Action;
use crate::tui::cutover_fetch::CutoverRequest;
use crate::tui::protocol::{PaneId, Request};

impl App {
    /// `cutover` on the groups view: a dry run of the selected group, or, on
    /// a dry run already shown, applying it.
    pub(super) fn cutover_key(&mut self) -> bool {
        if let Some(group) = self.cutover.planned_group().filter(|_| self.cutover_visible()) {
            let group = group.to_owned();
            return self.update(Action::ApplyCutover(group));
        }
        if self.cutover_visible() {
            self.warn(BannerKind::Warning, "wait for the dry run before applying it".to_owned());
            return true;
        }
        match self.groups.selected_group().filter(|_| self.focus == PaneId::Lag && self.groups.visible) {
            Some(group) => {
                let group = group.to_owned();
                self.request_cutover(group)
            }
            None => {
                self.warn(
                    BannerKind::Warning,
                    "select a group on the Lag pane's groups view (or :cutover GROUP)".into(),
                );
                true
            }
        }
    }

    fn cutover_visible(&self) -> bool {
        self.focus == PaneId::Lag && self.groups.visible && self.cutover.is_open()
    }

    /// Opens the overlay on `group` and asks the worker for its dry run.
    pub(super) fn request_cutover(&mut self, group: String) -> bool {
        if self.focus != PaneId::Lag || !self.groups.visible {
            self.toggle_groups();
        }
        let Some(request) = self.cutover_request(&group, false) else { return true };
        let id = self.cutover.start(&group);
        self.outbox.push(Request::Cutover { id, request: Box::new(request) });
        true
    }

    pub(super) fn cutover_request(&mut self, group: &str, apply: bool) -> Option<CutoverRequest> {
        let Some(plan) = self.plan.clone() else {
            self.warn(BannerKind::Warning, "no plan: open the cockpit with --plan to cut over a group".to_owned());
            return None;
        };
        let (source, destination) = (self.source.clone(), self.destination.clone());
        let connect = self.runner_connect(&plan);
        Some(CutoverRequest { plan, source, destination, group: group.to_owned(), apply, connect })
    }

    /// Read-only has refused already. Production asks for the destination's name, otherwise `y`.
    pub(super) fn confirm_cutover(&mut self, group: String) -> bool {
        let count = match &self.cutover.plan {
            crate::tui::panes::Load::Ready(result) => result.partitions.len(),
            _ => 0,
        };
        let cluster = self.destination.name.clone();
        let (expected, prompt) = if self.destination.production {
            let prompt =
                format!("{cluster} is production: type its name to commit {count} offsets of {group} (Esc cancels): ");
            (cluster, prompt)
        } else {
            ("y".to_owned(), format!("commit {count} offsets of group {group} on {cluster}? type y (Esc cancels): "))
        };
        self.mode = Mode::Confirm { action: Action::ApplyCutover(group), expected, prompt, input: TextArea::default() };
        true
    }

    pub(super) fn perform_cutover(&mut self, group: String) {
        if self.cutover.planned_group() != Some(group.as_str()) {
            self.warn(BannerKind::Warning, format!("the dry run of {group} is no longer on screen: nothing committed"));
            return;
        }
        let Some(request) = self.cutover_request(&group, true) else { return };
        let id = self.cutover.start_apply();
        self.outbox.push(Request::Cutover { id, request: Box::new(request) });
        self.warn(BannerKind::Info, format!("cutover of {group}: checking members and committing…"));
    }

    pub(super) fn on_cutover(&mut self, id: u64, result: Result<CutoverResult, String>) -> bool {
        let applying = self.cutover.applying;
        let Some(result) = self.cutover.on_result(id, result) else { return false };
        match result {
            Ok(done) if done.applied => {
                let text = format!(
                    "cutover of {}: committed {} offsets on {}",
                    done.group,
                    done.partitions.len(),
                    done.destination
                );
                self.warn(BannerKind::Info, text);
                let request = self.groups.request(self.groups_query());
                self.outbox.push(request);
            }
            Ok(CutoverResult { refused: Some(reason), .. }) if applying => {
                self.warn(BannerKind::Refused, format!("cutover not applied: {reason}"))
            }
            Ok(_) => {}
            Err(err) => self.warn(BannerKind::Refused, format!("cutover failed: {err}")),
        }
        true
    }
}
