//! The app's side of watching another runner: `:watch ...` and the Connect
//! pane's `watch_lag` point the Lag pane at a runner over the cockpit's own
//! clusters, the plan's topics (or the connector's), until `:watch off`.

use super::{App, BannerKind};
use crate::engine::plan::{default_mm2_offsets_topic, Runner};
use crate::tui::action::WatchTarget;
use crate::tui::protocol::PaneId;

const NO_CONNECT_CLUSTER: &str = "no Connect cluster: add [connect.NAME] url = \"http://host:8083\" to the config";

impl App {
    pub(super) fn watch(&mut self, target: WatchTarget) -> bool {
        let runner = match target {
            WatchTarget::Off => {
                self.watching = None;
                let own = self.plan.as_ref().map(|plan| plan.runner.clone());
                self.lag.watch(own.filter(|r| *r != Runner::Kdeck).as_ref().map(crate::watch::describe));
                self.lag.refresh(&self.status, self.now_ms);
                self.show(PaneId::Lag);
                self.restart_plan_offsets();
                let back = self.plan.as_ref().map_or("no runner: the cockpit has no plan".to_owned(), |plan| {
                    format!("watching the plan's runner: {}", crate::watch::describe(&plan.runner))
                });
                self.warn(BannerKind::Info, back);
                return true;
            }
            WatchTarget::Kdeck if self.plan.is_none() => {
                let text = "no plan: kdeck's engine copies a plan (open the cockpit with --plan FILE)".to_owned();
                self.warn(BannerKind::Warning, text);
                return true;
            }
            WatchTarget::Kdeck => Runner::Kdeck,
            WatchTarget::Replicator(group) => Runner::Replicator { group },
            WatchTarget::Mm2(source_alias) => {
                Runner::MirrorMaker2 { offsets_topic: default_mm2_offsets_topic(&source_alias), source_alias }
            }
            WatchTarget::Connect(connector) => match self.connect.cluster() {
                Some(cluster) => Runner::Connect { connect: cluster.name.clone(), connector },
                None => {
                    self.warn(BannerKind::Warning, NO_CONNECT_CLUSTER.to_owned());
                    return true;
                }
            },
        };
        self.watch_runner(runner, None)
    }

    /// The Connect pane's selected connector: its runner, from its config.
    pub(super) fn watch_selected_connector(&mut self) -> bool {
        if self.focus != PaneId::Connect {
            let text = "watch_lag opens the lag of the Connect pane's selected connector (or :watch ...)";
            self.warn(BannerKind::Warning, text.to_owned());
            return true;
        }
        let Some(cluster) = self.connect.cluster().map(|c| c.name.clone()) else {
            self.warn(BannerKind::Warning, NO_CONNECT_CLUSTER.to_owned());
            return true;
        };
        let Some(name) = self.connect.detail.clone().or(self.connect.selected_name()) else {
            self.warn(BannerKind::Warning, "no connector selected".to_owned());
            return true;
        };
        let Some(config) = self.connect.connectors.get(&name).and_then(|entry| entry.info.as_ref()) else {
            self.warn(BannerKind::Warning, format!("{name}: its config is not read yet; try again in a moment"));
            return true;
        };
        match crate::watch::connector::runner_of_connector(&cluster, &name, &config.config) {
            Ok(derived) => self.watch_runner(derived.runner, Some((derived.include, derived.exclude))),
            Err(reason) => {
                self.warn(BannerKind::Warning, reason);
                true
            }
        }
    }

    /// The Lag pane on `runner`, over the plan's topics, or `topics` (include,
    /// exclude) when given or when there is no plan.
    fn watch_runner(&mut self, runner: Runner, topics: Option<(Vec<String>, Vec<String>)>) -> bool {
        let plan = match (&self.plan, topics) {
            (Some(plan), None) => {
                let mut plan = plan.clone();
                plan.runner = runner.clone();
                Ok(plan)
            }
            (_, topics) => {
                let (include, exclude) = topics.unwrap_or_default();
                crate::watch::flags::plan_for(&runner, &include, &exclude).map(|mut plan| {
                    plan.source.clone_from(&self.source.name);
                    plan.destination.clone_from(&self.destination.name);
                    plan
                })
            }
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(reason) => {
                self.warn(BannerKind::Warning, format!("cannot watch: {reason}"));
                return true;
            }
        };
        let described = crate::watch::describe(&runner);
        self.lag.watch((runner != Runner::Kdeck).then(|| described.clone()));
        self.lag.refresh(&self.status, self.now_ms);
        self.watching = Some(plan);
        self.show(PaneId::Lag);
        self.groups.visible = false;
        self.restart_plan_offsets();
        self.warn(BannerKind::Info, format!("watching {described} (:watch off goes back)"));
        true
    }
}
