//! AWS credentials for MSK IAM, from the default chain's local sources: the
//! environment, then the shared credentials and config files (profile from
//! `aws.profile`, `$AWS_PROFILE` or `default`). Synchronous: tokens are signed on
//! kdeck's own threads. The remote sources come after these
//! (`aws_remote_credentials`).

use std::path::PathBuf;

use super::msk_iam::Credentials;
use crate::config::SecretString;

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// How the error begins when neither the environment nor the files have credentials.
pub const NONE: &str = "no AWS credentials";

/// The first source that has credentials; the error names every source tried.
pub fn load(profile: Option<&str>, env: Lookup) -> Result<Credentials, String> {
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Ok(Credentials {
            access_key_id: id,
            secret_access_key: SecretString::new(secret),
            session_token: env("AWS_SESSION_TOKEN").map(SecretString::new),
        });
    }
    let profile = profile.map(str::to_string).or_else(|| env("AWS_PROFILE")).unwrap_or_else(|| "default".into());
    let home = env("HOME").map(PathBuf::from).unwrap_or_default();
    let credentials_file =
        env("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from).unwrap_or_else(|| home.join(".aws/credentials"));
    let config_file = env("AWS_CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|| home.join(".aws/config"));
    for (file, section) in [(&credentials_file, profile.clone()), (&config_file, config_section(&profile))] {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let settings = ini_section(&text, &section);
        let get = |key: &str| settings.iter().find(|(name, _)| name == key).map(|(_, value)| value.clone());
        if let (Some(id), Some(secret)) = (get("aws_access_key_id"), get("aws_secret_access_key")) {
            return Ok(Credentials {
                access_key_id: id,
                secret_access_key: SecretString::new(secret),
                session_token: get("aws_session_token").map(SecretString::new),
            });
        }
        if ["role_arn", "credential_process", "sso_session", "sso_start_url"].iter().any(|key| get(key).is_some()) {
            return Err(format!(
                "AWS profile \"{profile}\" in {} gets its credentials from a role, a process or SSO, which kdeck does not run: export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (aws configure export-credentials --profile {profile} --format env)",
                file.display()
            ));
        }
    }
    Err(format!(
        "{NONE}: expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile \"{profile}\" in {} or {}",
        credentials_file.display(),
        config_file.display()
    ))
}

/// The config file names profiles `[profile NAME]`, except `[default]`.
fn config_section(profile: &str) -> String {
    match profile {
        "default" => "default".into(),
        name => format!("profile {name}"),
    }
}

/// `key = value` lines of one `[section]` of an INI file.
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            inside = name.trim() == section;
        } else if let (true, Some((key, value))) = (inside, line.split_once('=')) {
            settings.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone())
    }

    #[test]
    fn environment_then_shared_files() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(&credentials, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = Aws-Default-Secret\n\n[migration]\naws_access_key_id=AKIDMIGRATION\naws_secret_access_key=Aws-Migration-Secret\naws_session_token=Aws-Session\n").unwrap();
        std::fs::write(&config, "[profile fromconfig]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = Aws-Config-Secret\n[profile sso]\nsso_session = corp\n").unwrap();
        let files = [
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.display().to_string()),
            ("AWS_CONFIG_FILE", config.display().to_string()),
        ];
        let mut with_env = files.to_vec();
        with_env.extend([
            ("AWS_ACCESS_KEY_ID", "AKIDENV".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "Aws-Env-Secret".to_string()),
        ]);
        assert_eq!(load(Some("migration"), &lookup(&with_env)).unwrap().access_key_id, "AKIDENV");
        let from_profile = load(Some("migration"), &lookup(&files)).unwrap();
        assert_eq!(from_profile.access_key_id, "AKIDMIGRATION");
        assert_eq!(from_profile.session_token.as_ref().unwrap().expose(), "Aws-Session");
        assert_eq!(load(None, &lookup(&files)).unwrap().access_key_id, "AKIDDEFAULT");
        let mut env_profile = files.to_vec();
        env_profile.push(("AWS_PROFILE", "fromconfig".into()));
        assert_eq!(load(None, &lookup(&env_profile)).unwrap().access_key_id, "AKIDCONFIG");
        let sso = load(Some("sso"), &lookup(&files)).unwrap_err();
        assert!(
            sso.contains("from a role, a process or SSO") && sso.contains("export-credentials --profile sso"),
            "{sso}"
        );
        let missing = load(Some("nope"), &lookup(&files)).unwrap_err();
        assert!(missing.starts_with("no AWS credentials: expected AWS_ACCESS_KEY_ID"), "{missing}");
        assert!(!format!("{from_profile:?}").contains("Aws-Migration-Secret"));
    }
}
