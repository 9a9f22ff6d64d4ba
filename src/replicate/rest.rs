//! Wiring the Connect-compatible API ([`super::connect_api`]) to the HTTP
//! server and the engine, and the bind rule: loopback unless asked otherwise,
//! and never remote without basic auth.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::connect_api::{self, Connector};
use super::request::Request;
use super::server;
use crate::config::{register_secret, SecretString};
use crate::engine::{metrics, EngineHandle};
use crate::error::Failure;

pub const PASSWORD_ENV: &str = "KDECK_REST_PASSWORD";

/// Checks `address` may be bound and returns the basic-auth pair, if any.
pub fn check_bind(
    address: &str,
    allow_remote: bool,
    user: Option<&str>,
) -> Result<Option<(String, SecretString)>, Failure> {
    let auth = match user {
        Some(user) => {
            let password = std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()).ok_or_else(|| {
                Failure::usage(format!(
                    "--rest-user {user}: set the password in the {PASSWORD_ENV} environment variable"
                ))
            })?;
            register_secret(&password);
            Some((user.to_string(), SecretString::new(password)))
        }
        None => None,
    };
    let addresses: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(|err| Failure::usage(format!("invalid --rest {address:?}: expected HOST:PORT ({err})")))?
        .collect();
    check_remote(address, &addresses, allow_remote, auth.is_some())?;
    Ok(auth)
}

/// The rule alone, for tests: remote binds need both the flag and auth.
pub fn check_remote(address: &str, resolved: &[SocketAddr], allow_remote: bool, has_auth: bool) -> Result<(), Failure> {
    let remote = resolved.is_empty() || resolved.iter().any(|a| !a.ip().is_loopback());
    match (remote, allow_remote, has_auth) {
        (false, _, _) | (true, true, true) => Ok(()),
        (true, false, _) => Err(Failure::usage(format!(
            "--rest {address} is not a loopback address: the API can stop and rescale the engine; add --rest-allow-remote with --rest-user (password in {PASSWORD_ENV}) to serve it remotely"
        ))),
        (true, true, false) => Err(Failure::usage(format!(
            "--rest-allow-remote needs basic auth: add --rest-user USER and set {PASSWORD_ENV}"
        ))),
    }
}

/// Serves the API for `handle`'s engine; `connector` gets the bound `host:port` as the worker id.
pub fn serve(
    address: &str,
    stop: Arc<AtomicBool>,
    handle: &EngineHandle,
    connector: impl FnOnce(String) -> Connector,
) -> Result<SocketAddr, Failure> {
    let (status, send) = (handle.status(), handle.commander());
    server::serve_bound(address, stop, move |bound| {
        let connector = connector(bound.to_string());
        move |request: &Request| {
            let snapshot = status.borrow().clone();
            let routed = connect_api::route(request, &connector, &snapshot, || metrics::render_prometheus(&snapshot));
            for command in routed.commands {
                send(command);
            }
            routed.response
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_binds_need_the_flag_and_auth() {
        let loopback: Vec<SocketAddr> = vec!["127.0.0.1:8083".parse().unwrap(), "[::1]:8083".parse().unwrap()];
        let remote: Vec<SocketAddr> = vec!["0.0.0.0:8083".parse().unwrap()];
        assert!(check_remote("localhost:8083", &loopback, false, false).is_ok());
        assert!(check_remote("0.0.0.0:8083", &remote, true, true).is_ok());
        let refused = check_remote("0.0.0.0:8083", &remote, false, true).unwrap_err().to_string();
        assert!(refused.starts_with("--rest 0.0.0.0:8083 is not a loopback address"), "{refused}");
        let no_auth = check_remote("0.0.0.0:8083", &remote, true, false).unwrap_err().to_string();
        assert!(no_auth.starts_with("--rest-allow-remote needs basic auth"), "{no_auth}");
        assert!(check_remote("x", &[], false, false).is_err());
    }

    #[test]
    fn unresolvable_addresses_are_usage_errors() {
        let error = check_bind("no-port-here", false, None).unwrap_err();
        assert!(error.to_string().starts_with("invalid --rest \"no-port-here\": expected HOST:PORT"), "{error}");
    }
}
