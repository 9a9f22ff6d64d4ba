//! The real binary in a real terminal (tmux): `kdeck demo` opened in the
//! cockpit, driven by keys, read from the screen, and the terminal given back
//! to the shell afterwards, even after a panic. The migration test runs the
//! release binary, as users do (`cargo run --release -- demo`); the forced
//! panic needs a debug build, where `KDECK_TEST_PANIC` is honoured.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::support::tmux::Tmux;
use crate::support::Kdeck;

const PROMPT: &str = "READY$ ";
const LIMIT: Duration = Duration::from_secs(180);

/// The shell command that runs `binary` with the test's isolated home.
fn kdeck_command(kdeck: &Kdeck, binary: &Path, extra_env: &str, args: &str) -> String {
    let home = kdeck.home.path().display();
    format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state KDECK_LOG={} {extra_env} {} {args}; echo \"exit=$?\"",
        kdeck.log_path().display(),
        binary.display(),
    )
}

fn debug_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kdeck"))
}

/// `target/release/kdeck`, built by tests/run.sh before the suite. A missing
/// or stale one fails the test rather than testing old code.
fn release_binary() -> PathBuf {
    let debug = debug_binary();
    let target = debug.parent().and_then(Path::parent).expect("the target directory");
    let release = target.join("release").join("kdeck");
    let built = std::fs::metadata(&release).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!("{} is missing: run `cargo build --release --locked --bin kdeck` (tests/run.sh does)", release.display())
    });
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["src", "keymaps"] {
        if let Some(newer) = newest_file(&crate_root.join(dir)).filter(|(modified, _)| *modified > built) {
            panic!(
                "{} is older than {}: run `cargo build --release --locked --bin kdeck` (tests/run.sh does)",
                release.display(),
                newer.1.display()
            );
        }
    }
    release
}

fn newest_file(dir: &Path) -> Option<(SystemTime, PathBuf)> {
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let candidate = if path.is_dir() {
            newest_file(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok().map(|modified| (modified, path))
        };
        if let Some(candidate) = candidate {
            if newest.as_ref().is_none_or(|(time, _)| candidate.0 > *time) {
                newest = Some(candidate);
            }
        }
    }
    newest
}

/// `kdeck demo` (no background load) in the session; its process id once the cockpit shows.
fn open_demo_cockpit(kdeck: &Kdeck, tmux: &Tmux, binary: &Path) -> i32 {
    tmux.type_text(&kdeck_command(kdeck, binary, "", "demo --load none"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the cockpit", LIMIT, |screen| screen.contains("1 Lag"));
    tmux.foreground_child().expect("kdeck's process id")
}

/// The shell is back in cooked mode: a typed command line runs and echoes.
fn assert_shell_restored(tmux: &Tmux) {
    tmux.type_text("echo restored-$((40+2))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the shell to run a command", Duration::from_secs(20), |screen| screen.contains("restored-42"));
}

#[test]
fn tui_tmux_demo_migrates_inspects_and_restores_the_terminal() {
    let kdeck = Kdeck::new();
    let tmux = Tmux::start(kdeck.home.path(), 120, 40, PROMPT);
    tmux.type_text(&kdeck_command(&kdeck, &release_binary(), "", "demo --load none"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the cockpit", LIMIT, |screen| screen.contains("1 Lag") && screen.contains("engine stopped"));

    tmux.keys(&["s"]);
    tmux.wait_for("the engine to run", LIMIT, |screen| screen.contains("engine running"));
    tmux.keys(&[":"]);
    tmux.type_text("rescale 4");
    tmux.keys(&["Enter"]);
    tmux.wait_for("four lanes", LIMIT, |screen| screen.contains("engine running 4 lanes"));
    tmux.keys(&["1"]);
    tmux.wait_for("lag 0 on the Lag pane", LIMIT, |screen| {
        screen.contains("Lag · total 0 ·") && screen.contains("▸ orders") && screen.contains("running 4 lanes")
    });

    tmux.keys(&[":"]);
    tmux.type_text("goto inspector orders");
    tmux.keys(&["Enter"]);
    tmux.wait_for("orders records", LIMIT, |screen| screen.contains(r#"{"order_id":"order-"#));
    tmux.keys(&["Enter"]);
    tmux.wait_for("a message's detail", LIMIT, |screen| {
        screen.contains("source = checkout-service") && screen.contains(r#""currency": "#)
    });

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("kdeck to exit", LIMIT, |screen| screen.contains("exit=0"));
    assert!(!screen.contains("1 Lag"), "the cockpit is still on screen:\n{screen}");
    assert_shell_restored(&tmux);
}

#[test]
fn tui_tmux_forced_panic_restores_the_terminal() {
    if !cfg!(debug_assertions) {
        panic!("KDECK_TEST_PANIC is honoured only in debug builds: run this test without --release");
    }
    let kdeck = Kdeck::new();
    let tmux = Tmux::start(kdeck.home.path(), 100, 30, PROMPT);
    tmux.type_text(&kdeck_command(&kdeck, &debug_binary(), "KDECK_TEST_PANIC=1", "demo --load none"));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("kdeck to panic and exit", LIMIT, |screen| screen.contains("exit=101"));
    assert!(screen.contains("KDECK_TEST_PANIC"), "the panic message is on the normal screen:\n{screen}");
    assert!(!screen.contains("1 Lag"), "the cockpit is still on screen:\n{screen}");
    assert_shell_restored(&tmux);
}

#[test]
fn tui_tmux_sigterm_restores_the_terminal() {
    let kdeck = Kdeck::new();
    let tmux = Tmux::start(kdeck.home.path(), 100, 30, PROMPT);
    let pid = open_demo_cockpit(&kdeck, &tmux, &release_binary());
    // SAFETY: sends a signal to the process this test started; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let screen = tmux.wait_for("kdeck to stop on SIGTERM", LIMIT, |screen| screen.contains("exit=0"));
    assert!(!screen.contains("1 Lag"), "the cockpit is still on screen:\n{screen}");
    assert_shell_restored(&tmux);
}

/// An SSH drop (SIGHUP) or SIGQUIT ends the cockpit as SIGTERM does: exit 0, and
/// the terminal leaves the alternate screen.
#[test]
fn tui_tmux_sighup_and_sigquit_restore_the_terminal() {
    for signal in [libc::SIGHUP, libc::SIGQUIT] {
        let kdeck = Kdeck::new();
        let tmux = Tmux::start(kdeck.home.path(), 100, 30, PROMPT);
        let pid = open_demo_cockpit(&kdeck, &tmux, &debug_binary());
        // SAFETY: sends a signal to the process this test started; no memory is involved.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let screen = tmux.wait_for("kdeck to stop on the signal", LIMIT, |screen| screen.contains("exit=0"));
        assert!(!screen.contains("1 Lag"), "signal {signal}: the cockpit is still on screen:\n{screen}");
        assert_shell_restored(&tmux);
    }
}

/// The terminal itself goes away (tmux closed, SSH dropped): the cockpit and its
/// engine must not live on. crossterm's reader spins on a hung-up tty, and the
/// cockpit used to wait for it forever.
#[test]
fn tui_tmux_cockpit_exits_when_its_terminal_goes_away() {
    let kdeck = Kdeck::new();
    let tmux = Tmux::start(kdeck.home.path(), 100, 30, PROMPT);
    let pid = open_demo_cockpit(&kdeck, &tmux, &debug_binary());
    tmux.hang_up();
    let deadline = std::time::Instant::now() + LIMIT;
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    };
    while alive() {
        if std::time::Instant::now() >= deadline {
            // SAFETY: ends the process this test started; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("kdeck (pid {pid}) was still running {LIMIT:?} after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
