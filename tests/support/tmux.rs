//! A real terminal for the cockpit: a detached tmux session of fixed size,
//! driven with `send-keys` and read with `capture-pane`. Each session runs on
//! its own tmux server socket, so tests never see each other's (or a user's) sessions.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
    session: String,
}

impl Tmux {
    /// Starts `sh` in a `width`x`height` session; `prompt` is what its PS1 prints.
    pub fn start(dir: &Path, width: u16, height: u16, prompt: &str) -> Tmux {
        let tmux = Tmux { socket: dir.join("tmux.sock"), session: "kdeck-test".into() };
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", &tmux.session, "-x", &width.to_string(), "-y", &height.to_string()])
            .args(["env", &format!("PS1={prompt}"), "sh"])
            .status()
            .expect("tmux is required by this test; install it with: apt-get install tmux");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.arg("-S").arg(&self.socket);
        command
    }

    /// Sends keys as tmux names them ("Enter", "C-c", "q").
    pub fn keys(&self, keys: &[&str]) {
        let status =
            self.command().args(["send-keys", "-t", &self.session]).args(keys).status().expect("tmux send-keys");
        assert!(status.success());
    }

    /// Types text literally, as a user would.
    pub fn type_text(&self, text: &str) {
        let status =
            self.command().args(["send-keys", "-t", &self.session, "-l", text]).status().expect("tmux send-keys");
        assert!(status.success());
    }

    /// The process the session's shell is running in the foreground (e.g. kdeck), if any.
    pub fn foreground_child(&self) -> Option<i32> {
        let output =
            self.command().args(["display-message", "-p", "-t", &self.session, "#{pane_pid}"]).output().ok()?;
        let shell: i32 = String::from_utf8_lossy(&output.stdout).trim().parse().ok()?;
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// Closes the terminal under its programs, as a dropped SSH session or a
    /// closed tmux does: the pty hangs up and its processes get SIGHUP.
    pub fn hang_up(&self) {
        let _ = self.command().args(["kill-server"]).status();
    }

    pub fn screen(&self) -> String {
        let output = self.command().args(["capture-pane", "-p", "-t", &self.session]).output().expect("capture-pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Polls the screen until `done` holds; panics with the last screen after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the screen was:\n{screen}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().args(["kill-server"]).status();
    }
}
