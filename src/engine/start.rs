//! What an engine start shares with the rest of the engine: how its
//! failures are told apart (retried or final) and the gate a shutdown closes
//! so that a start in progress is not waited out.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::Failure;

/// What a start in progress and a shutdown agree on: once the gate is
/// closed, the start starts no lane, so a shutdown that finds no lane
/// started need not wait for the start's requests to time out.
#[derive(Default)]
pub struct StartGate {
    pub(super) state: Mutex<GateState>,
}

#[derive(Default)]
pub(super) struct GateState {
    pub(super) closed: bool,
    pub(super) lanes_started: bool,
}

impl StartGate {
    /// Closes the gate; returns whether lanes were started before it closed.
    pub fn close(&self) -> bool {
        self.state
            .lock()
            .map(|mut s| {
                s.closed = true;
                s.lanes_started
            })
            .unwrap_or(true)
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().map(|s| s.closed).unwrap_or(true)
    }
}

/// Why a start did not complete.
pub(super) enum StartFailure {
    /// The world's (a broker down, a timeout): tried again with backoff.
    Transient(Failure),
    /// The plan's or the input's: trying again cannot help.
    Final(Failure),
    /// The engine is shutting down.
    Abandoned,
}

impl From<Failure> for StartFailure {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Usage(_) => StartFailure::Final(failure),
            Failure::Runtime(ref text) if crate::kafka::client::is_security_failure(text) => {
                StartFailure::Final(failure)
            }
            Failure::Runtime(_) => StartFailure::Transient(failure),
        }
    }
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartFailure::Transient(failure) | StartFailure::Final(failure) => failure.fmt(f),
            StartFailure::Abandoned => f.write_str("the engine is shutting down"),
        }
    }
}

/// How long a start keeps trying after transient errors before it fails.
pub(super) const START_RETRY_FOR: Duration = Duration::from_secs(120);
pub(super) const START_FIRST_WAIT: Duration = Duration::from_millis(500);
pub(super) const START_LONGEST_WAIT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::StartFailure;
    use crate::error::Failure;

    #[test]
    fn a_rejected_handshake_is_final_and_a_timeout_is_tried_again() {
        let refused = "cannot fetch metadata from d within 2s: BrokerTransportFailure: Failed to initialize SASL authentication: SASL Handshake not supported by broker";
        assert!(matches!(StartFailure::from(Failure::runtime(refused)), StartFailure::Final(_)));
        let tls = "cannot fetch metadata from d within 2s: BrokerTransportFailure: SSL handshake failed: certificate verify failed";
        assert!(matches!(StartFailure::from(Failure::runtime(tls)), StartFailure::Final(_)));
        let down = "cannot fetch metadata from d within 2s: BrokerTransportFailure (Local: Broker transport failure)";
        assert!(matches!(StartFailure::from(Failure::runtime(down)), StartFailure::Transient(_)));
        assert!(matches!(StartFailure::from(Failure::usage("bad plan")), StartFailure::Final(_)));
    }
}
