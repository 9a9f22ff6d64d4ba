//! Logs go to a file under the XDG state dir, never to the terminal: the screen
//! is shared with clients and belongs to the output.

use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// `$KDECK_LOG` (a file path) wins; then `$XDG_STATE_HOME/kdeck/kdeck.log`,
/// then `~/.local/state/kdeck/kdeck.log`.
pub fn log_path() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("KDECK_LOG") {
        return Some(PathBuf::from(explicit));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))?;
    Some(state.join("kdeck").join("kdeck.log"))
}

/// Scrubs registered secrets from every line before it reaches the file.
struct ScrubbingFile(Mutex<fs::File>);

struct ScrubbingWriter<'a>(&'a Mutex<fs::File>);

impl std::io::Write for ScrubbingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = crate::config::scrub(&text);
        crate::kafka::client::note_log_line(&clean);
        let mut file = self.0.lock().map_err(|_| std::io::Error::other("log file lock poisoned"))?;
        file.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ScrubbingFile {
    type Writer = ScrubbingWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter(&self.0)
    }
}

/// Best effort: when the log file cannot be opened, kdeck runs without logs
/// rather than refusing to inspect a cluster.
pub fn init() {
    let Some(path) = log_path() else { return };
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let Ok(file) = OpenOptions::new().create(true).append(true).open(&path) else { return };
    let filter = EnvFilter::try_from_env("KDECK_LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(ScrubbingFile(Mutex::new(file)))
        .try_init();
}
