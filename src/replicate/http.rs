//! A deliberately small HTTP/1.1 server for the headless engine's endpoints
//! (`GET /metrics` now). One thread, one short request at a time: scrapers
//! and operators, not traffic.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::Failure;

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// Serves until `stop` is set. `route` gets the method and path.
pub fn serve(
    address: &str,
    stop: Arc<AtomicBool>,
    route: impl Fn(&str, &str) -> Response + Send + 'static,
) -> Result<SocketAddr, Failure> {
    let listener =
        TcpListener::bind(address).map_err(|err| Failure::usage(format!("cannot listen on {address}: {err}")))?;
    let bound = listener.local_addr().map_err(|err| Failure::runtime(err.to_string()))?;
    listener.set_nonblocking(true).map_err(|err| Failure::runtime(err.to_string()))?;
    std::thread::Builder::new()
        .name("kdeck-http".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &route),
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })
        .map_err(|err| Failure::runtime(format!("cannot start the HTTP thread: {err}")))?;
    Ok(bound)
}

fn answer(stream: TcpStream, route: &impl Fn(&str, &str) -> Response) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Headers are read and dropped: no endpoint here takes a body yet.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim() != "" {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let response = route(method, path);
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let mut writer = &stream;
    let _ = write!(
        writer,
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        response.status,
        response.content_type,
        response.body.len(),
        response.body
    );
    let _ = writer.flush();
}
