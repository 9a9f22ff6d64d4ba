//! Filling a command template: `{name}` is a context variable, `{{` and `}}` are
//! literal braces. A value the context lacks shows as `<name>`, so a half-filled
//! command still reads as a template. Values are shell-quoted; the security
//! fragments are inserted as they are, so their `$VAR` placeholders expand.

use crate::acl::fix::shell_quote;

use super::security::Security;

/// What the commands are filled with: the cluster, topic and group on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// What kdeck's `-b` takes: a profile name, or the broker list.
    pub cluster: Option<String>,
    pub bootstrap: Option<String>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub group: Option<String>,
    pub principal: Option<String>,
    /// A Confluent Cloud cluster id (lkc-...).
    pub cluster_id: Option<String>,
    /// An API key id: not a secret (the secret is its partner).
    pub api_key: Option<String>,
    pub security: Security,
}

/// Every variable a template may name; anything else is a catalogue mistake.
pub const VARIABLES: [&str; 16] = [
    "cluster",
    "bootstrap",
    "topic",
    "partition",
    "group",
    "principal",
    "cluster_id",
    "api_key",
    "service_account",
    "kcat_security",
    "command_config",
    "consumer_config",
    "producer_config",
    "client_properties",
    "registry_url",
    "registry_auth",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    UnknownVariable(String),
    Unclosed(usize),
    StrayBrace(usize),
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::UnknownVariable(name) => {
                let known: Vec<String> = VARIABLES.iter().map(|v| format!("{{{v}}}")).collect();
                write!(f, "unknown variable {{{name}}} (expected one of {})", known.join(", "))
            }
            TemplateError::Unclosed(at) => write!(f, "`{{` at byte {at} is never closed"),
            TemplateError::StrayBrace(at) => write!(f, "`}}` at byte {at} closes nothing (write `}}}}` for a brace)"),
        }
    }
}

/// A filled command, and the variables the context could not fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    pub missing: Vec<String>,
}

impl Context {
    /// The value of one variable, shell-ready; `None` when the context lacks it.
    fn value(&self, name: &str) -> Result<Option<String>, TemplateError> {
        let quoted = |value: &Option<String>| value.as_deref().map(shell_quote);
        let config_flag = |flag: &str| match self.security.is_plaintext() {
            true => String::new(),
            false => format!(" --{flag} client.properties"),
        };
        Ok(match name {
            "cluster" => quoted(&self.cluster.clone().or_else(|| self.bootstrap.clone())),
            "bootstrap" => quoted(&self.bootstrap),
            "topic" => quoted(&self.topic),
            "partition" => self.partition.map(|p| p.to_string()),
            "group" => quoted(&self.group),
            "principal" => quoted(&self.principal),
            "cluster_id" => quoted(&self.cluster_id),
            "api_key" => quoted(&self.api_key),
            // Cloud service accounts are principals `User:sa-...`; the CLI wants the bare id.
            "service_account" => self.principal.as_deref().and_then(|p| p.strip_prefix("User:")).map(shell_quote),
            "kcat_security" => Some(self.security.kcat_flags()),
            "command_config" => Some(config_flag("command-config")),
            "consumer_config" => Some(config_flag("consumer.config")),
            "producer_config" => Some(config_flag("producer.config")),
            "client_properties" => Some(self.security.java_lines()),
            "registry_url" => self.security.registry_url.clone(),
            // The API key and secret of the registry, as curl's -u, never their values.
            "registry_auth" => Some(match self.security.registry_auth {
                true => " -u \"$SCHEMA_REGISTRY_API_KEY:$SCHEMA_REGISTRY_API_SECRET\"".to_string(),
                false => String::new(),
            }),
            other => return Err(TemplateError::UnknownVariable(other.to_string())),
        })
    }
}

/// The variables a template names, in order, each once.
pub fn variables(template: &str) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    walk(template, &mut |piece| {
        if let Piece::Variable(name) = piece {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    })?;
    for name in &names {
        if !VARIABLES.contains(&name.as_str()) {
            return Err(TemplateError::UnknownVariable(name.clone()));
        }
    }
    Ok(names)
}

pub fn render(template: &str, context: &Context) -> Result<Filled, TemplateError> {
    variables(template)?;
    let mut text = String::with_capacity(template.len() + 64);
    let mut missing = Vec::new();
    let mut failure = None;
    walk(template, &mut |piece| match piece {
        Piece::Text(literal) => text.push_str(literal),
        Piece::Variable(name) => match context.value(name) {
            Ok(Some(value)) => text.push_str(&value),
            Ok(None) => {
                text.push_str(&format!("<{name}>"));
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_string());
                }
            }
            Err(err) => failure = Some(err),
        },
    })?;
    match failure {
        Some(err) => Err(err),
        None => Ok(Filled { text, missing }),
    }
}

enum Piece<'a> {
    Text(&'a str),
    Variable(&'a str),
}

fn walk<'a>(template: &'a str, visit: &mut dyn FnMut(Piece<'a>)) -> Result<(), TemplateError> {
    let bytes = template.as_bytes();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'{' if bytes.get(at + 1) == Some(&b'{') => {
                visit(Piece::Text(&template[start..at + 1]));
                at += 2;
                start = at;
            }
            b'}' if bytes.get(at + 1) == Some(&b'}') => {
                visit(Piece::Text(&template[start..at + 1]));
                at += 2;
                start = at;
            }
            b'{' => {
                let close = template[at..].find('}').ok_or(TemplateError::Unclosed(at))? + at;
                visit(Piece::Text(&template[start..at]));
                visit(Piece::Variable(&template[at + 1..close]));
                at = close + 1;
                start = at;
            }
            b'}' => return Err(TemplateError::StrayBrace(at)),
            _ => at += 1,
        }
    }
    visit(Piece::Text(&template[start..]));
    Ok(())
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
