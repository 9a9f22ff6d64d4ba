//! `kdeck connect`: a small kcctl for Connect clusters and kdeck engines
//! serving `--rest`.

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::client::ConnectClient;
use super::clusters::{resolve_connect, ConnectCluster};
use super::render;
use crate::config::Config;
use crate::error::{Failure, Outcome};

#[derive(Args)]
pub struct ConnectArgs {
    /// A Connect cluster from the config ([connect.NAME])
    #[arg(short = 'c', long = "connect", value_name = "NAME", required_unless_present = "url")]
    pub cluster: Option<String>,
    /// A Connect REST URL instead of a configured cluster (e.g. a kdeck engine's --rest)
    #[arg(long, value_name = "URL", conflicts_with = "cluster")]
    pub url: Option<String>,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
    #[command(subcommand)]
    pub command: ConnectCommand,
}

#[derive(Subcommand)]
pub enum ConnectCommand {
    /// List connectors: state, type, running/total tasks, failed tasks, tasks.max, worker
    Get,
    /// A connector's status, config and tasks with their workers and traces
    Describe { connector: String },
    /// Restart a connector (KIP-745 flags) or one task
    Restart {
        connector: String,
        /// Restart its tasks too
        #[arg(long)]
        include_tasks: bool,
        /// Only the failed instances
        #[arg(long)]
        only_failed: bool,
        /// Restart only this task
        #[arg(long, value_name = "ID", conflicts_with_all = ["include_tasks", "only_failed"])]
        task: Option<u32>,
    },
    /// Pause a connector
    Pause { connector: String },
    /// Resume a paused or stopped connector
    Resume { connector: String },
    /// Stop a connector (its tasks shut down; needed before changing offsets)
    Stop { connector: String },
    /// Set tasks.max (GET config, PUT config)
    Tasks {
        connector: String,
        #[arg(value_parser = clap::value_parser!(u32).range(1..=10000))]
        tasks: u32,
    },
    /// A connector's offsets as JSON; with --reset or --patch, change them (connector STOPPED, KIP-875)
    Offsets {
        connector: String,
        /// Reset every offset (DELETE .../offsets)
        #[arg(long, conflicts_with = "patch")]
        reset: bool,
        /// Alter offsets from a JSON file in GET .../offsets's shape (PATCH .../offsets)
        #[arg(long, value_name = "FILE")]
        patch: Option<std::path::PathBuf>,
    },
    /// The installed connector plugins
    Plugins,
    /// The worker's version and Kafka cluster id
    Info,
}

pub fn run(config: &Config, args: ConnectArgs) -> Outcome {
    let cluster = match (&args.url, &args.cluster) {
        (Some(url), _) => {
            // user:password@ in the URL is a credential: hidden wherever the URL shows.
            crate::config::register_url_credentials(url);
            if let Some(at) = url.find('@').filter(|_| !url.contains("://")) {
                crate::config::register_secret(&url[..at]);
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                let problem = if url.contains("://") { "an unsupported scheme" } else { "no scheme" };
                return Err(Failure::usage(format!(
                    "--url {url:?} has {problem}: expected http://host:port or https://host:port"
                )));
            }
            ConnectCluster::at(&crate::config::scrub(url), url)
        }
        (None, Some(name)) => resolve_connect(config, name)?,
        (None, None) => return Err(Failure::usage("kdeck connect needs -c NAME or --url URL")),
    };
    let client = ConnectClient::new(&cluster, Duration::from_secs(args.timeout_secs))
        .map_err(|err| Failure::usage(err.message))?;
    let text = match args.command {
        ConnectCommand::Get => render::connectors_table(&client.list_expanded()?),
        ConnectCommand::Describe { connector } => {
            let (status, info, tasks) =
                (client.status(&connector)?, client.info(&connector)?, client.tasks(&connector)?);
            render::describe(&status, &info, &tasks)
        }
        ConnectCommand::Restart { connector, task: Some(task), .. } => {
            client.restart_task(&connector, task)?;
            format!("restarting task {task} of {connector}\n")
        }
        ConnectCommand::Restart { connector, include_tasks, only_failed, task: None } => {
            match client.restart(&connector, include_tasks, only_failed)? {
                Some(status) => {
                    let restarting: Vec<String> = status
                        .tasks
                        .iter()
                        .filter(|t| t.state == super::model::State::Restarting)
                        .map(|t| t.id.to_string())
                        .collect();
                    format!(
                        "restarting {connector} ({}; tasks: {})\n",
                        status.connector.state.as_str(),
                        list_or_none(&restarting)
                    )
                }
                None => format!("restarting {connector}\n"),
            }
        }
        ConnectCommand::Pause { connector } => client.pause(&connector).map(|()| format!("pausing {connector}\n"))?,
        ConnectCommand::Resume { connector } => {
            client.resume(&connector).map(|()| format!("resuming {connector}\n"))?
        }
        ConnectCommand::Stop { connector } => client.stop(&connector).map(|()| format!("stopping {connector}\n"))?,
        ConnectCommand::Tasks { connector, tasks } => {
            let info = client.set_tasks_max(&connector, tasks)?;
            format!("{connector}: tasks.max {}\n", info.tasks_max().map_or("?".into(), |n| n.to_string()))
        }
        ConnectCommand::Offsets { connector, reset: true, .. } => format!("{}\n", client.delete_offsets(&connector)?),
        ConnectCommand::Offsets { connector, patch: Some(path), .. } => {
            let offsets = read_offsets(&path)?;
            format!("{}\n", client.patch_offsets(&connector, &offsets)?)
        }
        ConnectCommand::Offsets { connector, .. } => {
            let offsets = client.offsets(&connector)?;
            format!("{}\n", serde_json::to_string_pretty(&offsets).unwrap_or_default())
        }
        ConnectCommand::Plugins => {
            let mut rows = vec![vec!["CLASS".to_string(), "TYPE".into(), "VERSION".into()]];
            for plugin in client.plugins()? {
                rows.push(vec![plugin.class, plugin.kind.unwrap_or_default(), plugin.version.unwrap_or_default()]);
            }
            render::table(&rows)
        }
        ConnectCommand::Info => {
            let info = client.server_info()?;
            format!(
                "version {} commit {} kafka_cluster_id {}\n",
                info.version,
                info.commit.as_deref().unwrap_or("-"),
                info.kafka_cluster_id.as_deref().unwrap_or("-")
            )
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::runtime(format!("cannot write to stdout: {err}")))
        }
        _ => Ok(()),
    }
}

/// A PATCH body: `{"offsets": [{"partition": {...}, "offset": {...} | null}]}`.
pub fn read_offsets(path: &std::path::Path) -> Result<super::model::Offsets, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Failure::usage(format!("cannot read --patch {}: {err}", path.display())))?;
    serde_json::from_str(&text).map_err(|err| {
        Failure::usage(format!(
            "--patch {}: expected {{\"offsets\": [{{\"partition\": {{...}}, \"offset\": {{...}}}}]}} ({err})",
            path.display()
        ))
    })
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_files_must_have_connects_shape() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        std::fs::write(&good, r#"{"offsets":[{"partition":{"topic":"t","partition":0},"offset":null}]}"#).unwrap();
        assert_eq!(read_offsets(&good).unwrap().offsets[0].offset, None);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"[{"topic":"t"}]"#).unwrap();
        let error = read_offsets(&bad).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().starts_with(&format!("--patch {}: expected {{\"offsets\"", bad.display())),
            "{error}"
        );
        assert!(read_offsets(&dir.path().join("missing.json"))
            .unwrap_err()
            .to_string()
            .starts_with("cannot read --patch"));
    }
}
