//! Ctrl-C, SIGTERM, SIGHUP and SIGQUIT become a flag the blocking loops check, so a consume
//! flushes what it has and a demo drops its clusters before exiting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handlers once and returns the shared flag.
pub fn stop_flag() -> Arc<AtomicBool> {
    STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let setter = flag.clone();
        let spawned = std::thread::Builder::new().name("kdeck-signals".into()).spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                wait_for_stop_signal().await;
                setter.store(true, Ordering::SeqCst);
            });
        });
        if let Err(err) = spawned {
            tracing::warn!(%err, "no signal thread; Ctrl-C will end kdeck abruptly");
        }
        flag
    })
    .clone()
}

/// SIGHUP (an SSH drop, a closed tab) and SIGQUIT end kdeck as SIGTERM does: the
/// terminal is restored and the engine stops cleanly instead of dying mid-batch.
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        async fn next(stream: &mut Option<Signal>) {
            match stream {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hangup = signal(SignalKind::hangup()).ok();
        let mut quit = signal(SignalKind::quit()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = next(&mut term) => {}
            _ = next(&mut hangup) => {}
            _ = next(&mut quit) => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
