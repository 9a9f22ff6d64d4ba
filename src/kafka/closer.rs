//! Closing librdkafka clients off the caller's thread.
//!
//! rust-rdkafka closes a consumer by polling in 100 ms steps until librdkafka
//! reports it closed, and stops a producer's or admin client's polling thread,
//! which also polls in 100 ms steps, by joining it. So every client closed on
//! the way cost about 100 ms: an engine start, which opens and closes a dozen
//! clients one after another, spent most of its time closing them. Clients
//! wrapped here close on a thread of their own; the process waits for those
//! still closing before it exits ([`wait_for_closes`]), so none is cut off.
//!
//! Some clients have nothing to say on closing: an assign-mode reader that
//! commits nothing has no group to leave, no offsets to commit and nothing to
//! deliver (librdkafka's "proper termination sequence" lists those as what a
//! skipped close loses). A short command (`meta`, `offsets`, `consume`) turns
//! on [`leave_disposable_clients_open`]: such clients are then left open when
//! dropped, and the process ends with `_exit` once its output is flushed
//! ([`clients_left_open`]). Their close cost about 100 ms (the polling step
//! above), twenty times kcat's whole `-L`; the kernel closes their sockets.

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static CLOSING: AtomicUsize = AtomicUsize::new(0);
/// Whether disposable clients are left open when dropped (short commands only).
static LEAVE_DISPOSABLE_OPEN: AtomicBool = AtomicBool::new(false);
/// How many clients were left open: the process must then end with `_exit`.
static LEFT_OPEN: AtomicUsize = AtomicUsize::new(0);

/// A client that is dropped on a background thread.
pub struct ClosedInBackground<T: Send + 'static> {
    client: ManuallyDrop<T>,
    /// Closing it does nothing the cluster or the user needs.
    disposable: bool,
}

impl<T: Send + 'static> ClosedInBackground<T> {
    /// A client whose close must run (a producer, a group member, an admin client).
    pub fn new(client: T) -> Self {
        ClosedInBackground { client: ManuallyDrop::new(client), disposable: false }
    }

    /// A client whose close only frees memory, threads and sockets: nothing
    /// is committed, no group is left, nothing is in flight that matters.
    pub fn disposable(client: T) -> Self {
        ClosedInBackground { client: ManuallyDrop::new(client), disposable: true }
    }
}

/// From now on, disposable clients are left open when dropped, for the
/// process to end without closing them. Only for commands that open a few
/// clients and then exit: a long-running command would leak them.
pub fn leave_disposable_clients_open() {
    LEAVE_DISPOSABLE_OPEN.store(true, Ordering::SeqCst);
}

/// Whether a client was left open: the process must end with `_exit`, not
/// `exit`, so that no exit handler (OpenSSL's cleanup among them) runs while
/// librdkafka's threads may still use what it frees.
pub fn clients_left_open() -> bool {
    LEFT_OPEN.load(Ordering::SeqCst) > 0
}

impl<T: Send + 'static> Deref for ClosedInBackground<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.client
    }
}

impl<T: Send + 'static> DerefMut for ClosedInBackground<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.client
    }
}

impl<T: Send + 'static> Drop for ClosedInBackground<T> {
    fn drop(&mut self) {
        if self.disposable && LEAVE_DISPOSABLE_OPEN.load(Ordering::SeqCst) {
            // Left as it is: ManuallyDrop never drops it, and the process exits soon.
            LEFT_OPEN.fetch_add(1, Ordering::SeqCst);
            return;
        }
        // SAFETY: the value is taken exactly once, here, and never used again.
        let client = unsafe { ManuallyDrop::take(&mut self.client) };
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
