//! The HTTP server behind the headless engine's endpoints, on hyper: every
//! connection is served on its own task, so a slow or idle client delays no
//! one else. Bounded on every side a client controls: connections at once,
//! header count and size, time to send the headers, the body and its size.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use super::request::{error_body, Request, Response};
use crate::error::Failure;

/// Connections served at once; one more is closed at once rather than queued.
pub const MAX_CONNECTIONS: usize = 64;
/// Request bodies beyond this are refused: a connector config is a few kilobytes.
const MAX_BODY: usize = 1 << 20;
const MAX_HEADERS: usize = 64;
/// Bytes buffered for the request line and headers (hyper's minimum is 8 KiB).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// A client that has not sent its headers by then is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// The most a whole connection may take, body included.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the accept loop looks at `stop`.
const STOP_POLL: Duration = Duration::from_millis(200);

/// Serves until `stop` is set.
pub fn serve(
    address: &str,
    stop: Arc<AtomicBool>,
    route: impl Fn(&Request) -> Response + Send + Sync + 'static,
) -> Result<SocketAddr, Failure> {
    serve_bound(address, stop, |_| route)
}

/// Like [`serve`], for a route that needs the address actually bound (port 0 picks one).
pub fn serve_bound<R: Fn(&Request) -> Response + Send + Sync + 'static>(
    address: &str,
    stop: Arc<AtomicBool>,
    make_route: impl FnOnce(SocketAddr) -> R,
) -> Result<SocketAddr, Failure> {
    let listener = std::net::TcpListener::bind(address)
        .map_err(|err| Failure::usage(format!("cannot listen on {address}: {err}")))?;
    let bound = listener.local_addr().map_err(|err| Failure::runtime(err.to_string()))?;
    listener.set_nonblocking(true).map_err(|err| Failure::runtime(err.to_string()))?;
    let route = Arc::new(make_route(bound));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::runtime(format!("cannot start the HTTP runtime: {err}")))?;
    std::thread::Builder::new()
        .name("kdeck-http".into())
        .spawn(move || runtime.block_on(accept(listener, stop, route)))
        .map_err(|err| Failure::runtime(format!("cannot start the HTTP thread: {err}")))?;
    Ok(bound)
}

async fn accept<R: Fn(&Request) -> Response + Send + Sync + 'static>(
    listener: std::net::TcpListener,
    stop: Arc<AtomicBool>,
    route: Arc<R>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok((stream, _))) = tokio::time::timeout(STOP_POLL, listener.accept()).await else { continue };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(limit = MAX_CONNECTIONS, "HTTP connection refused: too many at once");
            continue;
        };
        let route = route.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let route = route.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(request, route.as_ref()).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_headers(MAX_HEADERS)
                .max_buf_size(MAX_HEADER_BYTES)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
            drop(permit);
        });
    }
}

async fn answer(
    request: hyper::Request<Incoming>,
    route: &(impl Fn(&Request) -> Response + ?Sized),
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |target| target.as_str());
    let mut request = Request::from_target(parts.method.as_str(), target);
    request.headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let response = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            request.body = String::from_utf8_lossy(&collected.to_bytes()).into_owned();
            route(&request)
        }
        Err(_) => Response::json(413, error_body(413, "request body too large")),
    };
    to_hyper(response)
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let body = if response.status == 204 { String::new() } else { response.body };
    let mut builder = hyper::Response::builder().status(response.status).header("content-type", response.content_type);
    if response.status == 401 {
        builder = builder.header("www-authenticate", "Basic realm=\"kdeck\"");
    }
    builder.body(Full::new(Bytes::from(body))).unwrap_or_else(|_| {
        let mut fallback = hyper::Response::new(Full::new(Bytes::from_static(b"internal error\n")));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
