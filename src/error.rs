//! The one error type the binary sees. Every failure is either the user's input
//! (exit 2) or the world's (exit 1), and carries one line that names what went wrong.

use std::fmt;

#[derive(Debug, Clone)]
pub enum Failure {
    /// Bad input: flags, specs, config. Exit code 2.
    Usage(String),
    /// The input was fine but the cluster, the network or the file system was not. Exit code 1.
    Runtime(String),
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Failure::Runtime(message.into())
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::Runtime(m) => m,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets can reach a message through text we did not write (librdkafka
        // echoes property values), so every message is scrubbed on the way out.
        let scrubbed = crate::config::scrub(self.message());
        // One line, always: multi-line causes are folded.
        let mut first = true;
        for line in scrubbed.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(line)?;
            first = false;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

impl From<crate::config::ConfigError> for Failure {
    fn from(err: crate::config::ConfigError) -> Self {
        if err.is_usage() {
            Failure::Usage(err.to_string())
        } else {
            Failure::Runtime(err.to_string())
        }
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;
