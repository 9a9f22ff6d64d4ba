//! A blocking Confluent Schema Registry client (reqwest on a private
//! current-thread runtime, like the Connect client), for the subset kdeck uses:
//! schemas by id, subjects and versions, compatibility, mode, and registering
//! with an id in IMPORT mode.
//!
//! Every failure is one line naming the registry (its URL without credentials),
//! the request and the registry's own `{error_code, message}`.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{scrub, ResolvedCluster, SecretString};
use crate::rest_client::{http_base, one_line, root_cause, RestClient};

pub const URL_KEY: &str = "schema.registry.url";
pub const USER_INFO_KEY: &str = "schema.registry.basic.auth.user.info";
pub const CA_KEY: &str = "schema.registry.ssl.ca.location";

pub use crate::config::is_registry_key;

/// Where a registry is and how to log in: from a profile or from `-r URL`.
#[derive(Clone)]
pub struct RegistrySettings {
    pub url: String,
    /// `user:password` (a Confluent Cloud API key and secret).
    pub user_info: Option<SecretString>,
    pub ca: Option<PathBuf>,
}

impl RegistrySettings {
    pub fn from_url(url: &str) -> RegistrySettings {
        crate::config::register_url_credentials(url);
        RegistrySettings { url: url.to_string(), user_info: None, ca: None }
    }

    /// The profile's registry, if it names one.
    pub fn from_cluster(cluster: &ResolvedCluster) -> Option<RegistrySettings> {
        let value = |key: &str| cluster.properties.iter_exposed().find(|(k, _)| *k == key).map(|(_, v)| v.to_string());
        let url = value(URL_KEY)?;
        Some(RegistrySettings {
            url,
            user_info: value(USER_INFO_KEY).map(SecretString::new),
            ca: value(CA_KEY).map(PathBuf::from),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaType {
    Avro,
    Protobuf,
    Json,
}

impl SchemaType {
    /// The registry leaves `schemaType` out for Avro.
    pub fn from_wire(text: Option<&str>) -> SchemaType {
        match text {
            Some("PROTOBUF") => SchemaType::Protobuf,
            Some("JSON") => SchemaType::Json,
            _ => SchemaType::Avro,
        }
    }

    pub fn wire_name(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Protobuf => "PROTOBUF",
            SchemaType::Json => "JSON",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// `GET /schemas/ids/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredSchema {
    pub schema: String,
    pub schema_type: SchemaType,
    pub references: Vec<Reference>,
}

/// `GET /subjects/{subject}/versions/{version}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectVersion {
    pub subject: String,
    pub version: i32,
    pub id: u32,
    pub schema: RegisteredSchema,
}

#[derive(Deserialize)]
struct SchemaBody {
    schema: String,
    #[serde(rename = "schemaType")]
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<Reference>,
}

#[derive(Deserialize)]
struct SubjectVersionBody {
    subject: String,
    version: i32,
    id: u32,
    #[serde(flatten)]
    schema: SchemaBody,
}

impl From<SchemaBody> for RegisteredSchema {
    fn from(body: SchemaBody) -> Self {
        RegisteredSchema {
            schema: body.schema,
            schema_type: SchemaType::from_wire(body.schema_type.as_deref()),
            references: body.references,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error_code: i64,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryErrorKind {
    /// 404 with the registry's error code (40401 subject, 40402 version, 40403 schema, 40408 no subject config).
    NotFound(i64),
    /// 401 or 403.
    Unauthorized,
    /// Connection refused, timed out, or TLS failed.
    Unreachable,
    /// Any other non-2xx, with the registry's error code when it sent one.
    Status(u16, Option<i64>),
    /// A 2xx whose body is not the JSON the API documents.
    Malformed,
}

/// One line, secrets scrubbed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegistryError {
    pub kind: RegistryErrorKind,
    pub message: String,
}

impl From<RegistryError> for crate::error::Failure {
    fn from(error: RegistryError) -> Self {
        crate::error::Failure::runtime(error.message)
    }
}

pub struct Registry {
    shown: String,
    rest: RestClient,
    timeout: Duration,
}

/// A URL as it may be shown: without a user part.
pub fn display_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => scrub(url).into_owned(),
    }
}

impl Registry {
    pub fn new(settings: &RegistrySettings, timeout: Duration) -> Result<Registry, RegistryError> {
        let shown = display_url(&settings.url);
        let setup = |message: String| RegistryError {
            kind: RegistryErrorKind::Unreachable,
            message: scrub(&message).into_owned(),
        };
        let mut base = http_base(&settings.url)
            .ok_or_else(|| setup(format!("schema registry url {shown:?} is not http(s)://host:port")))?;
        let mut auth = settings.user_info.as_ref().map(|info| match info.expose().split_once(':') {
            Some((user, password)) => (user.to_string(), password.to_string()),
            None => (info.expose().to_string(), String::new()),
        });
        // kcat and the Java clients accept credentials in the URL itself.
        if auth.is_none() && !base.username().is_empty() {
            auth = Some((base.username().to_string(), base.password().unwrap_or_default().to_string()));
        }
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let rest =
            RestClient::new(base, settings.ca.as_deref(), timeout, auth, "application/vnd.schemaregistry.v1+json")
                .map_err(|err| setup(format!("schema registry {shown}: {err}")))?;
        Ok(Registry { shown, rest, timeout })
    }

    /// The URL without credentials, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<String, RegistryError> {
        let url = self.rest.url(segments, query);
        let shown = format!("{method} {}", url.path());
        let fail = |kind, detail: String| RegistryError {
            kind,
            message: scrub(&format!("schema registry {}: {shown}: {detail}", self.shown)).into_owned(),
        };
        let reply = self.rest.send(method, url, body);
        let (status, text) = match reply {
            Ok(answer) => answer,
            Err(err) if err.is_timeout() => {
                return Err(fail(RegistryErrorKind::Unreachable, format!("no answer within {:?}", self.timeout)))
            }
            Err(err) if err.is_connect() => {
                return Err(fail(RegistryErrorKind::Unreachable, format!("cannot connect ({})", root_cause(&err))))
            }
            Err(err) => return Err(fail(RegistryErrorKind::Unreachable, root_cause(&err))),
        };
        if status.is_success() {
            return Ok(text);
        }
        let body = serde_json::from_str::<ErrorBody>(&text).ok();
        let code = body.as_ref().map(|b| b.error_code);
        let detail = match &body {
            Some(body) => format!("{} {} (error code {})", status.as_u16(), one_line(&body.message), body.error_code),
            None => format!("{status}"),
        };
        let kind = match status {
            StatusCode::NOT_FOUND => RegistryErrorKind::NotFound(code.unwrap_or(404)),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RegistryErrorKind::Unauthorized,
            _ => RegistryErrorKind::Status(status.as_u16(), code),
        };
        Err(fail(kind, detail))
    }

    fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<T, RegistryError> {
        let text = self.call(Method::GET, segments, query, None)?;
        self.parse(segments, &text)
    }

    fn parse<T: DeserializeOwned>(&self, segments: &[&str], text: &str) -> Result<T, RegistryError> {
        serde_json::from_str(text).map_err(|err| RegistryError {
            kind: RegistryErrorKind::Malformed,
            message: scrub(&format!(
                "schema registry {}: /{}: the answer is not the JSON the registry API documents ({err})",
                self.shown,
                segments.join("/")
            ))
            .into_owned(),
        })
    }

    /// `GET /schemas/ids/{id}`.
    pub fn schema_by_id(&self, id: u32) -> Result<RegisteredSchema, RegistryError> {
        let id = id.to_string();
        self.get::<SchemaBody>(&["schemas", "ids", &id], &[]).map(RegisteredSchema::from)
    }

    /// `GET /schemas/ids/{id}/versions`: every subject and version that uses the id.
    pub fn usages_of_id(&self, id: u32) -> Result<Vec<(String, i32)>, RegistryError> {
        #[derive(Deserialize)]
        struct Usage {
            subject: String,
            version: i32,
        }
        let id = id.to_string();
        let usages: Vec<Usage> = self.get(&["schemas", "ids", &id, "versions"], &[])?;
        Ok(usages.into_iter().map(|u| (u.subject, u.version)).collect())
    }

    /// `GET /subjects`.
    pub fn subjects(&self) -> Result<Vec<String>, RegistryError> {
        self.get(&["subjects"], &[])
    }

    /// `GET /subjects/{subject}/versions`; a missing subject has none.
    pub fn versions(&self, subject: &str) -> Result<Vec<i32>, RegistryError> {
        match self.get(&["subjects", subject, "versions"], &[]) {
            Err(RegistryError { kind: RegistryErrorKind::NotFound(_), .. }) => Ok(Vec::new()),
            other => other,
        }
    }

    /// `GET /subjects/{subject}/versions/{version}`.
    pub fn version(&self, subject: &str, version: i32) -> Result<SubjectVersion, RegistryError> {
        let number = version.to_string();
        let body: SubjectVersionBody = self.get(&["subjects", subject, "versions", &number], &[])?;
        Ok(SubjectVersion { subject: body.subject, version: body.version, id: body.id, schema: body.schema.into() })
    }

    /// `GET /config/{subject}` (or `/config`): `None` when the subject has no level of its own (40408).
    pub fn compatibility(&self, subject: Option<&str>) -> Result<Option<String>, RegistryError> {
        #[derive(Deserialize)]
        struct Level {
            #[serde(rename = "compatibilityLevel", alias = "compatibility")]
            level: String,
        }
        let segments: Vec<&str> = std::iter::once("config").chain(subject).collect();
        match self.get::<Level>(&segments, &[]) {
            Ok(level) => Ok(Some(level.level)),
            Err(RegistryError { kind: RegistryErrorKind::NotFound(_), .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// `PUT /config/{subject}`.
    pub fn set_compatibility(&self, subject: &str, level: &str) -> Result<(), RegistryError> {
        let body = serde_json::json!({ "compatibility": level }).to_string();
        self.call(Method::PUT, &["config", subject], &[], Some(body)).map(|_| ())
    }

    /// `GET /mode/{subject}`: `None` when the subject has no mode of its own.
    pub fn mode(&self, subject: &str) -> Result<Option<String>, RegistryError> {
        #[derive(Deserialize)]
        struct Mode {
            mode: String,
        }
        match self.get::<Mode>(&["mode", subject], &[]) {
            Ok(mode) => Ok(Some(mode.mode)),
            Err(RegistryError { kind: RegistryErrorKind::NotFound(_), .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// `PUT /mode/{subject}?force=true`: force lets IMPORT apply to a subject that already has versions.
    pub fn set_mode(&self, subject: &str, mode: &str) -> Result<(), RegistryError> {
        let body = serde_json::json!({ "mode": mode }).to_string();
        self.call(Method::PUT, &["mode", subject], &[("force", "true")], Some(body)).map(|_| ())
    }

    /// `POST /subjects/{subject}/versions` with `id` and `version`: IMPORT mode keeps both.
    pub fn import(&self, version: &SubjectVersion) -> Result<u32, RegistryError> {
        #[derive(Deserialize)]
        struct Registered {
            id: u32,
        }
        let mut body = serde_json::json!({
            "schema": version.schema.schema,
            "id": version.id,
            "version": version.version,
        });
        if version.schema.schema_type != SchemaType::Avro {
            body["schemaType"] = version.schema.schema_type.wire_name().into();
        }
        if !version.schema.references.is_empty() {
            body["references"] = serde_json::to_value(&version.schema.references).unwrap_or_default();
        }
        let segments = ["subjects", &version.subject, "versions"];
        let text = self.call(Method::POST, &segments, &[], Some(body.to_string()))?;
        self.parse::<Registered>(&segments, &text).map(|r| r.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_type_defaults_to_avro_as_the_registry_omits_it() {
        assert_eq!(SchemaType::from_wire(None), SchemaType::Avro);
        assert_eq!(SchemaType::from_wire(Some("AVRO")), SchemaType::Avro);
        assert_eq!(SchemaType::from_wire(Some("PROTOBUF")), SchemaType::Protobuf);
        assert_eq!(SchemaType::from_wire(Some("JSON")), SchemaType::Json);
    }

    #[test]
    fn display_url_drops_credentials() {
        assert_eq!(display_url("https://KEY:s3cr3t@psrc-1.confluent.cloud/"), "https://psrc-1.confluent.cloud");
        assert_eq!(display_url("http://127.0.0.1:8081"), "http://127.0.0.1:8081");
    }

    #[test]
    fn registry_keys_are_not_librdkafka_keys() {
        assert!(is_registry_key(URL_KEY));
        assert!(is_registry_key(USER_INFO_KEY));
        assert!(!is_registry_key("sasl.username"));
    }

    #[test]
    fn a_bad_url_is_one_line_naming_it() {
        let settings = RegistrySettings::from_url("localhost:8081");
        let err = Registry::new(&settings, Duration::from_secs(1)).err().expect("rejected");
        assert!(err.message.contains("\"localhost:8081\" is not http(s)://host:port"), "{}", err.message);
    }

    #[test]
    fn subject_version_parses_the_documented_shape() {
        let text = r#"{"subject":"t-value","version":2,"id":7,"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";","references":[{"name":"a.proto","subject":"a","version":1}]}"#;
        let body: SubjectVersionBody = serde_json::from_str(text).unwrap();
        assert_eq!((body.subject.as_str(), body.version, body.id), ("t-value", 2, 7));
        let schema = RegisteredSchema::from(body.schema);
        assert_eq!(schema.schema_type, SchemaType::Protobuf);
        assert_eq!(schema.references[0].name, "a.proto");
    }
}
