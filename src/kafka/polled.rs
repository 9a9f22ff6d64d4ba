//! A producer whose delivery reports are served by a thread of its own, like
//! rust-rdkafka's `ThreadedProducer`, without its idle spin.
//!
//! `ThreadedProducer`'s thread calls `BaseProducer::poll(100 ms)`, which
//! waits in whole milliseconds until its deadline: the last, sub-millisecond
//! part becomes a 0 ms wait, retried until the deadline passes. Every 100 ms
//! an idle producer spun for up to 1 ms, about 1% of a core per producer
//! (3.4% of the 4.3% an idle 4-lane engine cost on the mock; `perf` showed
//! that thread in `clock_gettime` from `Deadline::elapsed`).
//!
//! Here the thread sleeps in `poll(2)` on a pipe that librdkafka writes to
//! when its main queue goes from empty to non-empty
//! (`rd_kafka_queue_io_event_enable`), then serves the queue without waiting
//! until it is empty. An event that arrives while the queue is served is
//! served in the same round; one that arrives after finds the queue empty and
//! writes to the pipe.

use std::ops::Deref;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::KafkaResult;
use rdkafka::producer::{BaseProducer, Producer, ProducerContext};
use rdkafka::ClientConfig;

/// The longest the thread sleeps between looks at the stop flag when no event comes.
const IDLE_WAKE_MS: i32 = 100;

/// Events served in one round before the thread looks at the pipe again, so a
/// queue that never drains cannot hold the thread in a loop without waiting.
const ROUND: usize = 100_000;

pub struct PolledProducer<C: ProducerContext + 'static> {
    producer: Arc<BaseProducer<C>>,
    stop: Arc<AtomicBool>,
    wake: OwnedFd,
    thread: Option<JoinHandle<()>>,
}

/// The main queue of a live producer, released when dropped.
struct MainQueue(*mut rd::rd_kafka_queue_t);

// SAFETY: librdkafka queue handles are thread-safe; the handle is used by one thread.
unsafe impl Send for MainQueue {}

impl Drop for MainQueue {
    fn drop(&mut self) {
        // SAFETY: the handle came from rd_kafka_queue_get_main and is released once.
        unsafe {
            rd::rd_kafka_queue_io_event_enable(self.0, -1, std::ptr::null(), 0);
            rd::rd_kafka_queue_destroy(self.0);
        }
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both are open descriptors owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl<C: ProducerContext + 'static> PolledProducer<C> {
    pub fn create(config: &ClientConfig, context: C) -> KafkaResult<Self> {
        let producer = Arc::new(BaseProducer::from_config_and_context(config, context)?);
        let (read, write) = pipe().map_err(|err| {
            rdkafka::error::KafkaError::ClientCreation(format!("cannot create the delivery pipe: {err}"))
        })?;
        // SAFETY: the producer handle is live; the returned queue is released by MainQueue.
        let queue = MainQueue(unsafe { rd::rd_kafka_queue_get_main(producer.client().native_ptr()) });
        let payload = b"1";
        // SAFETY: the write end stays open until the thread has disabled the event (MainQueue's drop).
        unsafe { rd::rd_kafka_queue_io_event_enable(queue.0, write.as_raw_fd(), payload.as_ptr().cast(), 1) };
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (producer, stop) = (Arc::clone(&producer), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("kdeck-deliveries".into())
                .spawn(move || serve(&producer, &queue, &read, &stop))
                .map_err(|err| {
                    rdkafka::error::KafkaError::ClientCreation(format!("cannot start the delivery thread: {err}"))
                })?
        };
        Ok(PolledProducer { producer, stop, wake: write, thread: Some(thread) })
    }
}

fn serve<C: ProducerContext>(producer: &BaseProducer<C>, queue: &MainQueue, read: &OwnedFd, stop: &AtomicBool) {
    loop {
        let mut served = 0;
        // SAFETY: the queue handle is live until `queue` drops, after this loop.
        while served < ROUND && unsafe { rd::rd_kafka_queue_length(queue.0) } > 0 {
            // A zero timeout serves one event and returns.
            producer.poll(Duration::ZERO);
            served += 1;
        }
        if stop.load(Ordering::Acquire) {
            return;
        }
        if served < ROUND {
            let mut wait = libc::pollfd { fd: read.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut wait, 1, IDLE_WAKE_MS) };
        }
        let mut drain = [0u8; 64];
        // SAFETY: reads into a local buffer from a non-blocking descriptor.
        while unsafe { libc::read(read.as_raw_fd(), drain.as_mut_ptr().cast(), drain.len()) } > 0 {}
    }
}

impl<C: ProducerContext + 'static> Deref for PolledProducer<C> {
    type Target = BaseProducer<C>;

    fn deref(&self) -> &BaseProducer<C> {
        &self.producer
    }
}

impl<C: ProducerContext + 'static> Drop for PolledProducer<C> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // SAFETY: writes one byte from a local buffer to our own non-blocking pipe.
        unsafe { libc::write(self.wake.as_raw_fd(), b"1".as_ptr().cast(), 1) };
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
