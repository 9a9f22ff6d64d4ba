//! Closing librdkafka clients off the caller's thread.
//!
//! rust-rdkafka closes a consumer by polling in 100 ms steps until librdkafka
//! reports it closed, and stops a producer's or admin client's polling thread,
//! which also polls in 100 ms steps, by joining it. So every client closed on
//! the way cost about 100 ms: an engine start, which opens and closes a dozen
//! clients one after another, spent most of its time closing them. Clients
//! wrapped here close on a thread of their own; the process waits for those
//! still closing before it exits ([`wait_for_closes`]), so none is cut off.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static CLOSING: AtomicUsize = AtomicUsize::new(0);

/// A client that is dropped on a background thread.
pub struct ClosedInBackground<T: Send + 'static>(ManuallyDrop<T>);

impl<T: Send + 'static> ClosedInBackground<T> {
    pub fn new(client: T) -> Self {
        ClosedInBackground(ManuallyDrop::new(client))
    }
}

impl<T: Send + 'static> Deref for ClosedInBackground<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Send + 'static> DerefMut for ClosedInBackground<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Send + 'static> Drop for ClosedInBackground<T> {
    fn drop(&mut self) {
        // SAFETY: the value is taken exactly once, here, and never used again.
        let client = unsafe { ManuallyDrop::take(&mut self.0) };
        CLOSING.fetch_add(1, Ordering::SeqCst);
        let closing = std::thread::Builder::new().name("kdeck-close".into()).spawn(move || {
            drop(client);
            CLOSING.fetch_sub(1, Ordering::SeqCst);
        });
        if closing.is_err() {
            // No thread to spare: the spawn dropped the closure, and the client with it.
            CLOSING.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Waits, at most `limit`, until every client handed to a background close
/// has closed. Returns whether all have.
pub fn wait_for_closes(limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while CLOSING.load(Ordering::SeqCst) > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, Receiver};
    use std::sync::Arc;
    use std::time::Duration;

    use super::{wait_for_closes, ClosedInBackground};

    /// A client whose close lasts until the test lets it finish.
    struct HeldClose {
        release: Receiver<()>,
        closed: Arc<AtomicBool>,
    }

    impl Drop for HeldClose {
        fn drop(&mut self) {
            // Bounded, so a close run on the caller's thread fails the test instead of hanging it.
            let _ = self.release.recv_timeout(Duration::from_secs(5));
            self.closed.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_client_closes_on_another_thread_and_the_wait_sees_it_through() {
        let closed = Arc::new(AtomicBool::new(false));
        let (release, held) = mpsc::channel();
        drop(ClosedInBackground::new(HeldClose { release: held, closed: closed.clone() }));
        assert!(!closed.load(Ordering::SeqCst), "the caller ran the close itself");
        assert!(!wait_for_closes(Duration::ZERO), "a close still running counts as running");
        release.send(()).unwrap();
        assert!(wait_for_closes(Duration::from_secs(5)));
        assert!(closed.load(Ordering::SeqCst));
    }
}
