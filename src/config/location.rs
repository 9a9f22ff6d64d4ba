use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::profile::Config;

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV_VAR: &str = "KDECK_CONFIG";

/// Where the config file path came from; decides whether a missing file is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathOrigin {
    /// `--config FILE`.
    Flag,
    /// The `KDECK_CONFIG` environment variable.
    Env,
    /// `$XDG_CONFIG_HOME/kdeck/config.toml`.
    XdgConfigHome,
    /// `$HOME/.config/kdeck/config.toml`.
    Home,
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set; the path is empty and nothing is loaded.
    NoHome,
}

impl PathOrigin {
    /// The user named this file, so its absence is a mistake worth reporting.
    pub fn is_explicit(self) -> bool {
        matches!(self, Self::Flag | Self::Env)
    }
}

impl fmt::Display for PathOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "--config",
            Self::Env => CONFIG_ENV_VAR,
            Self::XdgConfigHome => "XDG_CONFIG_HOME",
            Self::Home => "HOME",
            Self::NoHome => "no HOME",
        })
    }
}

/// Picks the config file: `--config`, then `KDECK_CONFIG`, then the XDG location,
/// then `~/.config/kdeck/config.toml`.
pub fn config_path(explicit: Option<&Path>) -> (PathBuf, PathOrigin) {
    config_path_with(explicit, &|name| std::env::var_os(name))
}

pub(crate) fn config_path_with(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> (PathBuf, PathOrigin) {
    // Empty variables are treated as unset, as shells make "unset" hard to express.
    let non_empty = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(path) = explicit {
        return (path.to_path_buf(), PathOrigin::Flag);
    }
    if let Some(path) = non_empty(CONFIG_ENV_VAR) {
        return (PathBuf::from(path), PathOrigin::Env);
    }
    // The XDG spec says relative values must be ignored.
    if let Some(base) = non_empty("XDG_CONFIG_HOME").map(PathBuf::from) {
        if base.is_absolute() {
            return (base.join("kdeck/config.toml"), PathOrigin::XdgConfigHome);
        }
    }
    match non_empty("HOME") {
        Some(home) => (PathBuf::from(home).join(".config/kdeck/config.toml"), PathOrigin::Home),
        None => (PathBuf::new(), PathOrigin::NoHome),
    }
}

/// Locates and parses the config file. A missing file at a default location is an
/// empty config (first run); a missing file the user named is an error.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let (path, origin) = config_path(explicit);
    load_from(&path, origin)
}

pub(crate) fn load_from(path: &Path, origin: PathOrigin) -> Result<Config, ConfigError> {
    if origin == PathOrigin::NoHome {
        return Ok(Config::default());
    }
    match std::fs::read_to_string(path) {
        Ok(text) => super::parse::parse(&text, path),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if origin.is_explicit() {
                Err(ConfigError::ConfigFileMissing { path: path.to_path_buf(), origin })
            } else {
                Ok(Config { path: path.to_path_buf(), ..Config::default() })
            }
        }
        Err(source) => Err(ConfigError::ConfigFileUnreadable { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (--config, environment, expected path, expected origin)
    type PathCase<'a> = (Option<&'a Path>, &'a [(&'a str, &'a str)], &'a str, PathOrigin);

    #[test]
    fn path_precedence() {
        let flag = Path::new("/flag.toml");
        #[rustfmt::skip]
        let cases: &[PathCase] = &[
            (Some(flag), &[("KDECK_CONFIG", "/env.toml"), ("HOME", "/h")], "/flag.toml", PathOrigin::Flag),
            (None, &[("KDECK_CONFIG", "/env.toml"), ("XDG_CONFIG_HOME", "/x")], "/env.toml", PathOrigin::Env),
            (None, &[("KDECK_CONFIG", ""), ("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")], "/x/kdeck/config.toml", PathOrigin::XdgConfigHome),
            (None, &[("XDG_CONFIG_HOME", "relative"), ("HOME", "/h")], "/h/.config/kdeck/config.toml", PathOrigin::Home),
            (None, &[("XDG_CONFIG_HOME", ""), ("HOME", "/h")], "/h/.config/kdeck/config.toml", PathOrigin::Home),
            (None, &[("HOME", "/h")], "/h/.config/kdeck/config.toml", PathOrigin::Home),
            (None, &[], "", PathOrigin::NoHome),
        ];
        for (explicit, vars, expected_path, expected_origin) in cases {
            let env = |name: &str| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| OsString::from(value));
            let (path, origin) = config_path_with(*explicit, &env);
            assert_eq!((path.as_path(), origin), (Path::new(expected_path), *expected_origin), "{vars:?}");
        }
    }

    #[test]
    fn missing_file_is_empty_only_at_default_locations() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        for origin in [PathOrigin::Flag, PathOrigin::Env] {
            let error = load_from(&missing, origin).unwrap_err();
            assert!(matches!(error, ConfigError::ConfigFileMissing { .. }));
            assert!(error.to_string().contains("nope.toml"), "{error}");
            assert!(error.is_usage());
        }
        for origin in [PathOrigin::XdgConfigHome, PathOrigin::Home] {
            let config = load_from(&missing, origin).unwrap();
            assert!(config.clusters.is_empty());
            assert_eq!(config.path, missing);
        }
        assert!(load_from(Path::new(""), PathOrigin::NoHome).unwrap().clusters.is_empty());
    }

    #[test]
    fn existing_file_is_parsed_and_directory_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[clusters.dev]\nbootstrap = \"localhost:9092\"\n").unwrap();
        let config = load(Some(&path)).unwrap();
        assert_eq!(config.clusters["dev"].bootstrap, "localhost:9092");

        let error = load_from(dir.path(), PathOrigin::Home).unwrap_err();
        assert!(matches!(error, ConfigError::ConfigFileUnreadable { .. }), "{error}");
        assert!(!error.is_usage());
    }
}
