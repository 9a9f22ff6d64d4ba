//! Test-only HTTP fault injection: a listener that answers each request with
//! the next canned reply. It fakes no Kafka behaviour, only HTTP answers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Canned {
    Reply(u16, String),
    /// Reads the request and never answers (the client must time out).
    Hang,
}

pub struct CannedServer {
    pub url: String,
    /// `METHOD /path?query` of each request, in order.
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl CannedServer {
    /// Answers with `replies` in order, repeating the last one.
    pub fn start(replies: Vec<Canned>) -> CannedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            let mut replies = replies.into_iter().peekable();
            let mut last = Canned::Reply(500, String::new());
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let reply = replies.next().unwrap_or_else(|| last.clone());
                last = reply.clone();
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                log.lock().unwrap().push(line.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
                let mut length = 0;
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim() != "" {
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    header.clear();
                }
                let _ = reader.read_exact(&mut vec![0; length]);
                match reply {
                    Canned::Reply(status, body) => {
                        let mut writer = &stream;
                        let _ = write!(
                            writer,
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Canned::Hang => {
                        let held = stream;
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_secs(5));
                            drop(held);
                        });
                    }
                }
            }
        });
        CannedServer { url, seen }
    }

    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}
