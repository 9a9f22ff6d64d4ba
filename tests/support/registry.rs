//! A small Confluent Schema Registry for tests: the subset kdeck and the
//! Python `confluent-kafka` serializers use, in memory, over real HTTP.
//!
//! Shapes, status codes and error codes follow Confluent's published API
//! reference, "Schema Registry API Reference"
//! (docs.confluent.io/platform/current/schema-registry/develop/api.html),
//! cited per route below as [API: section]. It is test support only: kdeck's
//! src/ never contains a registry.
//!
//! Faults for tests: `require_basic_auth` (every request without the right
//! credentials gets 401 with error_code 401, [API: Errors]), `put_raw` (a
//! different schema under an id, as a registry that diverged would hold), and
//! dropping the registry (then its port refuses connections: a registry that is down).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub schema: String,
    /// None for Avro: [API: GET /schemas/ids/{int: id}] leaves schemaType out for Avro.
    pub schema_type: Option<String>,
    pub references: Value,
}

#[derive(Default)]
struct State {
    schemas: BTreeMap<u32, Stored>,
    /// subject -> [(version, id)]
    subjects: BTreeMap<String, Vec<(i32, u32)>>,
    next_id: u32,
    global_compatibility: String,
    compatibility: BTreeMap<String, String>,
    global_mode: String,
    modes: BTreeMap<String, String>,
    auth: Option<String>,
    requests: Vec<String>,
}

pub struct TestRegistry {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
}

impl TestRegistry {
    pub fn start() -> TestRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test registry");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            next_id: 1,
            // [API: GET /config]: the default compatibility level is BACKWARD.
            global_compatibility: "BACKWARD".into(),
            global_mode: "READWRITE".into(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (state, stop) = (state.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = state.clone();
                    thread::spawn(move || serve(stream, &state));
                }
            })
        };
        TestRegistry { port, state, stop, accept: Some(accept) }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on every request needs HTTP basic auth with `user:password`.
    pub fn require_basic_auth(&self, user_info: &str) {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(user_info);
        self.state.lock().unwrap().auth = Some(format!("Basic {encoded}"));
    }

    /// Puts a schema under an id and subject version directly, as a registry
    /// whose history diverged would hold it (no compatibility or mode checks).
    pub fn put_raw(&self, subject: &str, version: i32, id: u32, stored: Stored) {
        let mut state = self.state.lock().unwrap();
        state.schemas.insert(id, stored);
        state.subjects.entry(subject.to_string()).or_default().push((version, id));
        state.next_id = state.next_id.max(id + 1);
    }

    /// A subject-level compatibility level, as `PUT /config/{subject}` would set it.
    pub fn set_compatibility(&self, subject: &str, level: &str) {
        self.state.lock().unwrap().compatibility.insert(subject.to_string(), level.to_string());
    }

    pub fn schema(&self, id: u32) -> Option<Stored> {
        self.state.lock().unwrap().schemas.get(&id).cloned()
    }

    /// subject -> [(version, id)]
    pub fn subjects(&self) -> BTreeMap<String, Vec<(i32, u32)>> {
        self.state.lock().unwrap().subjects.clone()
    }

    pub fn mode(&self, subject: &str) -> Option<String> {
        self.state.lock().unwrap().modes.get(subject).cloned()
    }

    pub fn compatibility(&self, subject: &str) -> Option<String> {
        self.state.lock().unwrap().compatibility.get(subject).cloned()
    }

    /// "METHOD /path" of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the stop flag and closes the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target, String::new()),
    };
    let mut length = 0;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, query, authorization, body })
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut writer = stream.try_clone().expect("clone the connection");
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let (status, body) = respond(&request, state);
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            404 => "Not Found",
            409 => "Conflict",
            422 => "Unprocessable Entity",
            _ => "Error",
        };
        let text = body.to_string();
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(text.as_bytes())).is_err() {
            return;
        }
    }
}

/// [API: Errors]: every error is `{"error_code": int, "message": string}`.
fn error(status: u16, code: i64, message: String) -> (u16, Value) {
    (status, json!({ "error_code": code, "message": message }))
}

fn schema_json(stored: &Stored) -> Value {
    let mut body = json!({ "schema": stored.schema });
    if let Some(schema_type) = &stored.schema_type {
        body["schemaType"] = json!(schema_type);
    }
    if stored.references.as_array().is_some_and(|r| !r.is_empty()) {
        body["references"] = stored.references.clone();
    }
    body
}

fn respond(request: &Request, state: &Mutex<State>) -> (u16, Value) {
    let mut state = state.lock().unwrap();
    state.requests.push(format!("{} {}", request.method, request.path));
    if let Some(expected) = &state.auth {
        if request.authorization.as_deref() != Some(expected.as_str()) {
            // [API: Errors]: 401 Unauthorized, error code 401.
            return error(401, 401, "Unauthorized".into());
        }
    }
    let segments: Vec<String> = request.path.trim_matches('/').split('/').map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    match (request.method.as_str(), segments.as_slice()) {
        // [API: GET /schemas/ids/{int: id}]: the schema string, schemaType unless Avro,
        // references when any; 404 with error code 40403 "Schema not found".
        ("GET", ["schemas", "ids", id]) => match id.parse().ok().and_then(|id: u32| state.schemas.get(&id)) {
            Some(stored) => (200, schema_json(stored)),
            None => error(404, 40403, format!("Schema {id} not found")),
        },
        // [API: GET /schemas/ids/{int: id}/versions]: [{"subject", "version"}] using the id.
        ("GET", ["schemas", "ids", id, "versions"]) => {
            let id: u32 = id.parse().unwrap_or(0);
            if !state.schemas.contains_key(&id) {
                return error(404, 40403, format!("Schema {id} not found"));
            }
            let usages: Vec<Value> = state
                .subjects
                .iter()
                .flat_map(|(subject, versions)| {
                    versions
                        .iter()
                        .filter(|(_, v_id)| *v_id == id)
                        .map(move |(v, _)| json!({"subject": subject, "version": v}))
                })
                .collect();
            (200, Value::Array(usages))
        }
        // [API: GET /subjects]: a JSON array of subject names.
        ("GET", ["subjects"]) => (200, json!(state.subjects.keys().collect::<Vec<_>>())),
        // [API: GET /subjects/(string: subject)/versions]: version numbers; 40401 Subject not found.
        ("GET", ["subjects", subject, "versions"]) => match state.subjects.get(*subject) {
            Some(versions) => (200, json!(versions.iter().map(|(v, _)| v).collect::<Vec<_>>())),
            None => error(404, 40401, format!("Subject '{subject}' not found.")),
        },
        // [API: GET /subjects/(string: subject)/versions/(versionId: version)]: subject, id,
        // version, schema (+ schemaType, references); "latest" allowed; 40401 or 40402.
        ("GET", ["subjects", subject, "versions", version]) => {
            let Some(versions) = state.subjects.get(*subject) else {
                return error(404, 40401, format!("Subject '{subject}' not found."));
            };
            let found = match *version {
                "latest" | "-1" => versions.last(),
                number => versions.iter().find(|(v, _)| number.parse() == Ok(*v)),
            };
            match found {
                Some((version, id)) => {
                    let mut body = schema_json(&state.schemas[id]);
                    body["subject"] = json!(subject);
                    body["version"] = json!(version);
                    body["id"] = json!(id);
                    (200, body)
                }
                None => error(404, 40402, format!("Version {version} not found.")),
            }
        }
        // [API: POST /subjects/(string: subject)/versions]: registers and returns {"id"};
        // the same schema under the subject returns its existing id; the same schema
        // elsewhere reuses its id. "id" and "version" in the body are honoured only in
        // IMPORT mode [API: Mode]; otherwise 42205 operation not permitted. 42201 for a
        // body without a schema.
        ("POST", ["subjects", subject, "versions"]) => register(&mut state, subject, &body),
        // [API: POST /subjects/(string: subject)]: is this schema registered under the
        // subject? 40401 subject not found, 40403 schema not found.
        ("POST", ["subjects", subject]) => {
            let Some(versions) = state.subjects.get(*subject).cloned() else {
                return error(404, 40401, format!("Subject '{subject}' not found."));
            };
            let wanted = stored_from(&body);
            match versions.iter().find(|(_, id)| wanted.as_ref() == Some(&state.schemas[id])) {
                Some((version, id)) => {
                    let mut answer = schema_json(&state.schemas[id]);
                    answer["subject"] = json!(subject);
                    answer["version"] = json!(version);
                    answer["id"] = json!(id);
                    (200, answer)
                }
                None => error(404, 40403, "Schema not found".into()),
            }
        }
        // [API: GET /config]: {"compatibilityLevel"}.
        ("GET", ["config"]) => (200, json!({ "compatibilityLevel": state.global_compatibility })),
        // [API: GET /config/(string: subject)]: the subject's own level; 40408 when it has
        // none, unless defaultToGlobal=true.
        ("GET", ["config", subject]) => match state.compatibility.get(*subject) {
            Some(level) => (200, json!({ "compatibilityLevel": level })),
            None if request.query.contains("defaultToGlobal=true") => {
                (200, json!({ "compatibilityLevel": state.global_compatibility }))
            }
            None => {
                error(404, 40408, format!("Subject '{subject}' does not have subject-level compatibility configured"))
            }
        },
        // [API: PUT /config/(string: subject)]: {"compatibility"} echoed; 42203 invalid level.
        ("PUT", ["config", subject]) => match body["compatibility"].as_str() {
            Some(level) if COMPATIBILITY.contains(&level) => {
                state.compatibility.insert(subject.to_string(), level.to_string());
                (200, json!({ "compatibility": level }))
            }
            _ => error(422, 42203, "Invalid compatibility level".into()),
        },
        // [API: GET /mode]: {"mode"}.
        ("GET", ["mode"]) => (200, json!({ "mode": state.global_mode })),
        // [API: GET /mode/(string: subject)]: 40409 when the subject has no mode of its own.
        ("GET", ["mode", subject]) => match state.modes.get(*subject) {
            Some(mode) => (200, json!({ "mode": mode })),
            None => error(404, 40409, format!("Subject '{subject}' does not have subject-level mode configured")),
        },
        // [API: PUT /mode/(string: subject)]: {"mode"} echoed; IMPORT needs an empty subject
        // unless force=true (42205); 42204 invalid mode.
        ("PUT", ["mode", subject]) => match body["mode"].as_str() {
            Some(mode) if ["READWRITE", "READONLY", "IMPORT"].contains(&mode) => {
                let has_versions = state.subjects.get(*subject).is_some_and(|v| !v.is_empty());
                if mode == "IMPORT" && has_versions && !request.query.contains("force=true") {
                    return error(422, 42205, "Cannot import since found existing subjects".into());
                }
                state.modes.insert(subject.to_string(), mode.to_string());
                (200, json!({ "mode": mode }))
            }
            _ => error(422, 42204, "Invalid mode".into()),
        },
        _ => error(404, 404, format!("HTTP 404 Not Found: {} {}", request.method, request.path)),
    }
}

const COMPATIBILITY: &[&str] =
    &["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"];

fn stored_from(body: &Value) -> Option<Stored> {
    let schema = body["schema"].as_str()?.to_string();
    let schema_type = body["schemaType"].as_str().filter(|t| *t != "AVRO").map(str::to_string);
    let references = match &body["references"] {
        Value::Array(refs) if !refs.is_empty() => Value::Array(refs.clone()),
        _ => json!([]),
    };
    Some(Stored { schema, schema_type, references })
}

fn register(state: &mut State, subject: &str, body: &Value) -> (u16, Value) {
    let Some(wanted) = stored_from(body) else {
        return error(422, 42201, "Invalid schema: no schema in the request".into());
    };
    let mode = state.modes.get(subject).unwrap_or(&state.global_mode).clone();
    let asked_id = body["id"].as_u64().map(|id| id as u32);
    let asked_version = body["version"].as_i64().map(|v| v as i32);
    if (asked_id.is_some() || asked_version.is_some()) && mode != "IMPORT" {
        return error(422, 42205, format!("Subject {subject} is not in import mode"));
    }
    if mode == "READONLY" {
        return error(422, 42205, format!("Subject {subject} is in read-only mode"));
    }
    let versions = state.subjects.get(subject).cloned().unwrap_or_default();
    if let Some((_, id)) = versions.iter().find(|(_, id)| state.schemas[id] == wanted) {
        if asked_id.is_none_or(|asked| asked == *id) {
            return (200, json!({ "id": id }));
        }
    }
    let id = match asked_id {
        Some(id) => match state.schemas.get(&id) {
            Some(existing) if *existing != wanted => {
                return error(422, 42205, format!("Overwrite new schema with id {id} is not permitted."))
            }
            _ => id,
        },
        None => match state.schemas.iter().find(|(_, stored)| **stored == wanted) {
            Some((id, _)) => *id,
            None => state.next_id,
        },
    };
    let version = asked_version.unwrap_or_else(|| versions.last().map_or(1, |(v, _)| v + 1));
    if versions.iter().any(|(v, _)| *v == version) {
        return error(422, 42205, format!("Version {version} of subject {subject} already exists"));
    }
    state.schemas.insert(id, wanted);
    state.next_id = state.next_id.max(id + 1);
    state.subjects.entry(subject.to_string()).or_default().push((version, id));
    (200, json!({ "id": id }))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
