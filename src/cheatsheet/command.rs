//! `kdeck cheatsheet`: flags into a context, the catalogue filtered and filled.

use crate::cli::CheatsheetArgs;
use crate::config::Config;
use crate::error::Failure;

use super::catalogue;
use super::handout::{render_markdown, render_text};
use super::search::search;
use super::security::{Preset, Security};
use super::template::Context;

/// The context the flags describe. A profile lends its bootstrap and security settings
/// as written (references unresolved, so its secrets' variables need not be set).
pub fn context(args: &CheatsheetArgs, config: impl FnOnce() -> Result<Config, Failure>) -> Result<Context, Failure> {
    let preset = args
        .security
        .as_deref()
        .map(Preset::parse)
        .transpose()
        .map_err(|err| Failure::usage(format!("--security: {err}")))?;
    let mut context = Context {
        topic: args.topic.clone(),
        partition: args.partition,
        group: args.group.clone(),
        principal: args.principal.clone(),
        cluster_id: args.cluster_id.clone(),
        api_key: args.api_key.clone(),
        ..Context::default()
    };
    if let Some(principal) = &args.principal {
        crate::acl::model::check_principal(principal).map_err(|err| Failure::usage(format!("--principal: {err}")))?;
    }
    if let Some(name) = &args.cluster {
        let looks_like_profile = !name.contains(':') && !name.contains(',');
        let config = if looks_like_profile { Some(config()?) } else { None };
        match config.as_ref().and_then(|config| config.profile(name)) {
            Some(profile) => {
                context.cluster = Some(name.clone());
                context.bootstrap = Some(profile.bootstrap.clone());
                context.security = Security::from_profile(profile);
            }
            None if looks_like_profile => {
                let known: Vec<&str> = config.as_ref().map(|c| c.profile_names().collect()).unwrap_or_default();
                return Err(Failure::usage(format!(
                    "-b {name}: no such profile (known: {}); give a profile or host:port",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
            None => {
                context.cluster = Some(name.clone());
                context.bootstrap = Some(name.clone());
            }
        }
    }
    if let Some(preset) = preset {
        context.security = Security::from_preset(preset);
    }
    context.api_key = context.api_key.or_else(|| context.security.api_key());
    Ok(context)
}

pub fn run(args: &CheatsheetArgs, config: impl FnOnce() -> Result<Config, Failure>) -> Result<String, Failure> {
    let context = context(args, config)?;
    let entries = catalogue();
    let selected = search(&entries, &args.query.join(" "));
    if selected.is_empty() {
        return Err(Failure::usage(format!("no command matches {:?}", args.query.join(" "))));
    }
    Ok(match args.markdown {
        true => render_markdown(&entries, &selected, &context),
        false => render_text(&entries, &selected, &context),
    })
}
