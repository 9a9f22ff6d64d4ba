//! The cockpit: one screen for a migration day. Data flows one way: a key
//! becomes an [`action::Action`] through the keymap, `App::update` changes state
//! and may leave requests for the worker, and `render` draws `&App`. Kafka
//! answers and engine snapshots come back as events on the same channel as
//! keys, so the loop has one place to wait.

pub mod action;
pub mod app;
pub mod command;
pub mod compare_fetch;
pub mod connect_fetch;
pub mod cutover_fetch;
pub mod group_fetch;
pub mod keymap;
pub mod lag_math;
pub mod panes;
pub mod plan_offsets;
pub mod protocol;
pub mod render;
pub mod terminal;
pub mod theme;
pub mod verify_job;
pub mod worker;

#[cfg(test)]
pub(crate) mod snapshot_tests;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ratatui::crossterm::event::{self as terminal_event, Event as TerminalEvent, KeyEvent, KeyEventKind};

use crate::config::ResolvedCluster;
use crate::engine::plan::Plan;
use crate::engine::EngineHandle;
use crate::error::{Failure, Outcome};
use crate::schemas::RegistrySettings;

use app::{App, AppSetup};
use keymap::Keymap;
use protocol::{Message, Request};
use worker::Worker;

/// About 30 frames a second at most, however fast events arrive.
const FRAME_BUDGET: Duration = Duration::from_millis(33);
/// Engine snapshots are folded in at most this often.
const STATUS_EVERY: Duration = Duration::from_millis(100);
/// Longer than the input thread's 100 ms poll, so a live terminal's thread always ends.
const INPUT_JOIN_WAIT: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    /// The terminal's new height.
    Resize(u16),
    Message(Message),
}

pub struct CockpitSetup {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    /// Without a plan the cockpit has no engine: lag stays empty and the Inspector still works.
    pub plan: Option<Plan>,
    /// The plan's source and destination registries, when it names both: the
    /// Verify pane then checks the copied records' schema ids, as `kdeck verify` does.
    pub schemas: Option<(RegistrySettings, RegistrySettings)>,
    pub read_only: bool,
    pub theme: theme::Theme,
    pub timeout: Duration,
    /// The config's `[connect.NAME]` clusters for the Connect pane, and the ones that did not resolve.
    pub connect: (Vec<crate::connect::clusters::ConnectCluster>, Vec<String>),
    /// Serve the cockpit's own engine as a Connect connector on a loopback port and
    /// list it first on the Connect pane (the demo does, to show one pane driving both).
    pub engine_on_connect_pane: bool,
    /// What the ACL pane opens on, instead of asking the destination live.
    pub acl: Option<AclSetup>,
}

/// An ACL pane set up in advance: ACLs from a kafka-acls file, and the app to check.
#[derive(Debug, Clone)]
pub struct AclSetup {
    pub file: std::path::PathBuf,
    pub principal: String,
    pub group: String,
    pub topics: Vec<String>,
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(0))
}

/// The app with its workers: what the terminal loop and the headless tests both drive.
pub struct Cockpit {
    pub app: App,
    events: Receiver<Event>,
    sender: Sender<Event>,
    worker: Worker,
    watcher: Option<JoinHandle<()>>,
    /// Stops the engine's REST server, when the setup asked for one.
    rest_stop: Arc<AtomicBool>,
    /// What the Verify pane verifies; None without a plan.
    verify_plan: Option<(Plan, Duration)>,
    verify_registries: Option<(RegistrySettings, RegistrySettings)>,
}

impl Cockpit {
    pub fn new(app: App, timeout: Duration) -> Cockpit {
        let (sender, events) = mpsc::channel();
        let deliver = sender.clone();
        let worker = Worker::spawn(timeout, move |message| {
            let _ = deliver.send(Event::Message(message));
        });
        let watcher = app.engine.as_ref().and_then(|engine| watch_engine(engine, sender.clone()));
        Cockpit {
            app,
            events,
            sender,
            worker,
            watcher,
            rest_stop: Arc::new(AtomicBool::new(false)),
            verify_plan: None,
            verify_registries: None,
        }
    }

    /// Builds the app from a setup, with the user's keymap, and its engine if there is a plan.
    pub fn from_setup(setup: CockpitSetup, keymap: Keymap) -> Cockpit {
        let planned_lanes = setup.plan.as_ref().map_or(1, |plan| plan.engine.lanes);
        let plan_name = setup.plan.as_ref().map_or_else(|| "(none)".to_owned(), |plan| plan.name.clone());
        let mode = setup.plan.as_ref().map(|plan| plan.engine.mode.to_string()).unwrap_or_default();
        let verify_plan = setup.plan.clone().map(|plan| (plan, setup.timeout));
        let plan = setup.plan.clone();
        let engine = setup
            .plan
            .map(|plan| EngineHandle::spawn(plan, setup.source.clone(), setup.destination.clone(), setup.timeout));
        let mut app = App::new(AppSetup {
            source: setup.source,
            destination: setup.destination,
            plan_name,
            planned_lanes,
            read_only: setup.read_only,
            theme: setup.theme,
            keymap,
            engine,
            now_ms: now_ms(),
        });
        app.plan = plan;
        // A plan another runner copies: the Lag pane shows that runner's positions.
        app.lag.runner = app
            .plan
            .as_ref()
            .filter(|plan| plan.runner != crate::engine::plan::Runner::Kdeck)
            .map(|plan| crate::watch::describe(&plan.runner));
        if let Some(acl) = setup.acl {
            app.preset_acl(acl);
        }
        let (mut connect_clusters, connect_problems) = setup.connect;
        let rest_stop = Arc::new(AtomicBool::new(false));
        if setup.engine_on_connect_pane {
            if let Some(engine) = served_engine(&app, mode, rest_stop.clone()) {
                connect_clusters.insert(0, engine);
            }
        }
        app.connect = panes::connect::ConnectPane::new(connect_clusters, connect_problems);
        let mut cockpit = Cockpit::new(app, setup.timeout);
        cockpit.rest_stop = rest_stop;
        cockpit.verify_plan = verify_plan;
        cockpit.verify_registries = setup.schemas;
        cockpit
    }

    fn start_verification(&mut self) {
        let Some((plan, timeout)) = self.verify_plan.clone() else {
            let reason = "no plan: open the cockpit with --plan to verify a migration".to_string();
            self.app.verify.on_verified(Err(reason));
            return;
        };
        let sender = self.sender.clone();
        let deliver = move |message| {
            let _ = sender.send(Event::Message(message));
        };
        let (source, destination) = (self.app.source.clone(), self.app.destination.clone());
        let registries = self.verify_registries.clone();
        let connect = self.app.runner_connect(&plan);
        verify_job::spawn(verify_job::Job { plan, source, destination, registries, timeout, connect }, deliver);
    }

    pub fn sender(&self) -> Sender<Event> {
        self.sender.clone()
    }

    /// Applies an action as a key would; returns whether the screen needs drawing.
    pub fn dispatch(&mut self, action: action::Action) -> bool {
        let dirty = self.app.update(action);
        self.flush();
        dirty
    }

    pub fn handle(&mut self, event: Event) -> bool {
        let dirty = match event {
            Event::Key(key) => self.app.on_key(key),
            Event::Resize(height) => {
                self.app.resize(height);
                true
            }
            Event::Message(message) => self.app.on_message(message),
        };
        self.flush();
        dirty
    }

    fn flush(&mut self) {
        let requests: Vec<Request> = self.app.outbox.drain(..).collect();
        for request in requests {
            match request {
                Request::Verify => self.start_verification(),
                other => self.worker.submit(other),
            }
        }
    }

    /// Waits up to `wait` for an event, then handles it and every other one
    /// already queued (a burst is drawn once). Returns whether to draw.
    pub fn pump(&mut self, wait: Duration) -> bool {
        let first = match self.events.recv_timeout(wait) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
        };
        let mut dirty = self.handle(first);
        while let Ok(event) = self.events.try_recv() {
            dirty |= self.handle(event);
        }
        dirty
    }

    /// Pumps events, with the real clock, until `done` holds or `limit` passes.
    pub fn pump_until(&mut self, limit: Duration, done: impl Fn(&App) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if done(&self.app) {
                return true;
            }
            self.app.set_clock(now_ms());
            self.flush();
            self.pump(Duration::from_millis(50));
        }
        done(&self.app)
    }

    /// Stops the engine (lanes finish or abort their transactions) and the watcher.
    pub fn shutdown(mut self) {
        self.rest_stop.store(true, Ordering::Relaxed);
        self.app.shutdown();
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

/// Forwards engine snapshots as events, at most every [`STATUS_EVERY`]. Ends
/// when the engine's coordinator exits (the watch closes) or the cockpit is gone.
fn watch_engine(engine: &EngineHandle, sender: Sender<Event>) -> Option<JoinHandle<()>> {
    let mut status = engine.status();
    std::thread::Builder::new()
        .name("kdeck-cockpit-status".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_time().build() else { return };
            runtime.block_on(async move {
                loop {
                    let snapshot = Box::new(status.borrow_and_update().clone());
                    if sender.send(Event::Message(Message::EngineStatus(snapshot))).is_err() {
                        return;
                    }
                    if status.changed().await.is_err() {
                        return;
                    }
                    tokio::time::sleep(STATUS_EVERY).await;
                }
            });
        })
        .ok()
}

/// The app's engine behind a loopback Connect REST API, as a Connect cluster for the pane,
/// as production as the destination it writes to.
fn served_engine(app: &App, mode: String, stop: Arc<AtomicBool>) -> Option<crate::connect::clusters::ConnectCluster> {
    use crate::replicate::connect_api::Connector;
    let engine = app.engine.as_ref()?;
    let (name, source, destination) = (app.plan_name.clone(), app.source.name.clone(), app.destination.name.clone());
    let connector = |worker_id| Connector { name, worker_id, source, destination, mode, auth: None };
    let bound = crate::replicate::rest::serve("127.0.0.1:0", stop, engine, connector).ok()?;
    let mut cluster = crate::connect::clusters::ConnectCluster::at("kdeck-engine", &format!("http://{bound}"));
    cluster.production = app.destination.production;
    Some(cluster)
}

/// Runs the cockpit on the terminal until the user quits or SIGTERM arrives.
pub fn run(setup: CockpitSetup, stop: &Arc<AtomicBool>) -> Outcome {
    let keymap = Keymap::load_with_user_file(keymap::user_keymap_path().as_deref());
    let timeout = setup.timeout;
    let mut cockpit = Cockpit::from_setup(setup, keymap);
    let _ = timeout;
    let mut guard = terminal::TerminalGuard::enter()
        .map_err(|err| Failure::runtime(format!("cannot open the terminal for the cockpit: {err}")))?;
    let closing = Arc::new(AtomicBool::new(false));
    let input = spawn_input(cockpit.sender(), closing.clone());
    if let Ok(size) = guard.terminal.size() {
        cockpit.app.resize(size.height);
    }
    let outcome = event_loop(&mut guard, &mut cockpit, stop);
    closing.store(true, Ordering::SeqCst);
    if let Some(input) = input {
        join_input(input);
    }
    drop(guard);
    cockpit.shutdown();
    outcome
}

fn event_loop(guard: &mut terminal::TerminalGuard, cockpit: &mut Cockpit, stop: &Arc<AtomicBool>) -> Outcome {
    let forced_panic = cfg!(debug_assertions) && std::env::var_os("KDECK_TEST_PANIC").is_some_and(|v| v == "1");
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        if !keep_running(stop, &cockpit.app)? {
            return Ok(());
        }
        dirty |= cockpit.app.set_clock(now_ms());
        // The clock can make a refresh due (the groups view): send it now, not with the next event.
        cockpit.flush();
        let frame_due = last_draw.is_none_or(|at| at.elapsed() >= FRAME_BUDGET);
        if dirty && frame_due {
            guard
                .terminal
                .draw(|frame| render::render(frame, &cockpit.app))
                .map_err(|err| Failure::runtime(format!("cannot draw the cockpit: {err}")))?;
            dirty = false;
            last_draw = Some(Instant::now());
            if forced_panic {
                panic!("KDECK_TEST_PANIC: a forced panic to test that the terminal is restored");
            }
        }
        let wait = match last_draw {
            Some(at) if dirty => FRAME_BUDGET.saturating_sub(at.elapsed()),
            _ => Duration::from_millis(250),
        };
        dirty |= cockpit.pump(wait);
        if let Some(text) = cockpit.app.clipboard.take() {
            terminal::write_raw(&terminal::osc52(&text));
        }
    }
}

/// Whether the loop goes on: not after a quit or SIGTERM, and never after a panic on
/// any thread, whose hook has restored the terminal already.
fn keep_running(stop: &AtomicBool, app: &App) -> Result<bool, Failure> {
    if terminal::panicked() {
        return Err(Failure::runtime("a cockpit thread panicked (its message is above): the cockpit closed"));
    }
    Ok(!stop.load(Ordering::Relaxed) && !app.quit)
}

/// Waits briefly for the input thread. When the terminal itself is gone (an
/// SSH drop, a closed tmux), crossterm's read loop spins on the hung-up tty
/// and never returns: joining it would keep the process, and its engine,
/// alive forever. Such a thread is left behind; the process exit ends it.
fn join_input(input: JoinHandle<()>) {
    let deadline = Instant::now() + INPUT_JOIN_WAIT;
    while !input.is_finished() {
        if Instant::now() >= deadline {
            tracing::debug!("the terminal's input thread did not stop (the terminal hung up): leaving it");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = input.join();
}

/// Terminal input on its own thread: key presses (not releases) and resizes.
fn spawn_input(sender: Sender<Event>, closing: Arc<AtomicBool>) -> Option<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kdeck-cockpit-input".into())
        .spawn(move || {
            while !closing.load(Ordering::SeqCst) {
                match terminal_event::poll(Duration::from_millis(100)) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(_) => return,
                }
                let event = match terminal_event::read() {
                    Ok(TerminalEvent::Key(key)) if key.kind == KeyEventKind::Press => Event::Key(key),
                    Ok(TerminalEvent::Resize(_, height)) => Event::Resize(height),
                    Ok(_) => continue,
                    Err(_) => return,
                };
                if sender.send(event).is_err() {
                    return;
                }
            }
        })
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_another_thread_ends_the_event_loop() {
        let app = snapshot_tests::app(false);
        let stop = AtomicBool::new(false);
        terminal::install_panic_hook();
        let worker = std::thread::spawn(|| panic!("a background thread's panic, on purpose"));
        assert!(worker.join().is_err());
        let verdict = keep_running(&stop, &app);
        assert!(verdict.is_err_and(|failure| failure.to_string().contains("panicked")));
    }
}
