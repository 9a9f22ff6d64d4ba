//! Flushing and committing through librdkafka directly.
//!
//! rust-rdkafka's `flush` (which its `commit_transaction` calls first) waits
//! in `poll` steps of up to 100 ms, and `BaseProducer::poll` serves events until
//! its deadline rather than returning after one: every flush with a record in
//! flight took at least 100 ms, and every engine commit with it. librdkafka's
//! own `rd_kafka_flush`, with the event API rust-rdkafka uses, waits on the
//! in-flight count instead, which the producer's delivery thread ([`super::polled`])
//! brings down as it serves delivery reports.

use std::ffi::CStr;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};

/// A failed transactional call, as librdkafka classified it.
pub(super) struct RawTxnError {
    pub code: RDKafkaErrorCode,
    pub message: String,
    pub fatal: bool,
    pub retriable: bool,
    pub requires_abort: bool,
}

fn millis(timeout: Duration) -> i32 {
    timeout.as_millis().min(i32::MAX as u128) as i32
}

/// Waits until every queued record is delivered or failed. Err(code) on timeout.
pub(super) fn flush(client: *mut rd::rd_kafka_t, timeout: Duration) -> Result<(), RDKafkaErrorCode> {
    // SAFETY: `client` is the live producer handle of the caller's producer,
    // which outlives this call; rd_kafka_flush is thread-safe.
    let err = unsafe { rd::rd_kafka_flush(client, millis(timeout)) };
    if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        Ok(())
    } else {
        Err(RDKafkaErrorCode::from(err))
    }
}

/// `rd_kafka_commit_transaction`: flushes, then ends the transaction.
pub(super) fn commit_transaction(client: *mut rd::rd_kafka_t, timeout: Duration) -> Result<(), RawTxnError> {
    // SAFETY: as in `flush`; the returned error object is owned here and
    // destroyed by `take_error`.
    let error = unsafe { rd::rd_kafka_commit_transaction(client, millis(timeout)) };
    take_error(error)
}

fn take_error(error: *mut rd::rd_kafka_error_t) -> Result<(), RawTxnError> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: `error` is a non-null error object librdkafka handed over; it is
    // read, then destroyed exactly once.
    unsafe {
        let message = CStr::from_ptr(rd::rd_kafka_error_string(error)).to_string_lossy().into_owned();
        let raw = RawTxnError {
            code: RDKafkaErrorCode::from(rd::rd_kafka_error_code(error)),
            message,
            fatal: rd::rd_kafka_error_is_fatal(error) != 0,
            retriable: rd::rd_kafka_error_is_retriable(error) != 0,
            requires_abort: rd::rd_kafka_error_txn_requires_abort(error) != 0,
        };
        rd::rd_kafka_error_destroy(error);
        Err(raw)
    }
}
