//! `kdeck acl eval` and `kdeck acl check`: flags in, a report out. Printing and exit
//! codes stay with `run.rs`.

use crate::cli::{AclAuthorizerOpts, AclCheckArgs, AclEvalArgs};
use crate::error::Failure;

use super::authorizer::{authorize, AuthorizerConfig, Request};
use super::check::{check, render_rows};
use super::fix::{fix_commands, FixFormat};
use super::model::{check_principal, AclBinding, Operation, ResourceType};
use super::profiles::{requirements, Profile, ProfileInputs};
use super::source;

/// What to print, and why the command fails when something was denied (exit 1).
pub struct Report {
    pub text: String,
    pub denied: Option<String>,
}

/// Where the fix commands may point: a placeholder, unless the user named a cluster.
pub const BOOTSTRAP_PLACEHOLDER: &str = "<bootstrap>";

/// Where ACLs come from when `-b` did not name a cluster: the `--acls` file.
pub fn load_file(opts: &AclAuthorizerOpts) -> Result<Vec<AclBinding>, Failure> {
    let Some(path) = &opts.acls else { return Err(Failure::usage("no ACLs: give --acls FILE or -b CLUSTER")) };
    source::load(path).map_err(|err| Failure::usage(err.to_string()))
}

/// Flags are checked before `acls` runs, so a typo never costs a network round trip.
fn load(
    opts: &AclAuthorizerOpts,
    acls: impl FnOnce() -> Result<Vec<AclBinding>, Failure>,
) -> Result<(Vec<AclBinding>, AuthorizerConfig), Failure> {
    let super_users = match &opts.super_users {
        Some(list) => AuthorizerConfig::parse_super_users(list).map_err(Failure::usage)?,
        None => Vec::new(),
    };
    let acls = acls()?;
    Ok((acls, AuthorizerConfig { super_users, allow_everyone_if_no_acl_found: opts.allow_everyone_if_no_acl_found }))
}

fn flag<T>(name: &str, parsed: Result<T, String>) -> Result<T, Failure> {
    parsed.map_err(|err| Failure::usage(format!("--{name}: {err}")))
}

pub fn eval(args: &AclEvalArgs, acls: impl FnOnce() -> Result<Vec<AclBinding>, Failure>) -> Result<Report, Failure> {
    flag("principal", check_principal(&args.principal))?;
    let operation = flag("operation", Operation::parse(&args.operation))?;
    let resource_type = flag("resource-type", ResourceType::parse(&args.resource_type))?;
    let (acls, config) = load(&args.authorizer, acls)?;
    let request = Request {
        principal: &args.principal,
        host: &args.host,
        operation,
        resource_type,
        resource_name: &args.resource_name,
    };
    let decision = authorize(&acls, &config, &request);
    let verdict = if decision.allowed { "ALLOWED" } else { "DENIED" };
    let denied = (!decision.allowed).then(|| {
        format!("{} may not {operation} {resource_type} {}: {}", args.principal, args.resource_name, decision.reason)
    });
    Ok(Report { text: format!("{verdict}\n{}\n", decision.reason), denied })
}

/// `security`: the named cluster's, so kafka-acls fixes reach it as they stand.
pub fn check_profile(
    args: &AclCheckArgs,
    bootstrap: Option<String>,
    security: Option<&crate::cheatsheet::security::Security>,
    acls: impl FnOnce() -> Result<Vec<AclBinding>, Failure>,
) -> Result<Report, Failure> {
    flag("principal", check_principal(&args.principal))?;
    let profile = Profile::parse(&args.profile).map_err(|err| Failure::usage(format!("--as: {err}")))?;
    let fix = args.fix.as_deref().map(FixFormat::parse).transpose().map_err(Failure::usage)?;
    let inputs = ProfileInputs {
        topics: args.topics.clone(),
        output_topics: args.output_topics.clone(),
        group: args.group.clone(),
        transactional_id: args.transactional_id.clone(),
        application_id: args.application_id.clone(),
        plan_name: args.plan_name.clone(),
        internal_topics: args.internal_topics.clone(),
        create_topics: args.create_topics,
        exactly_once: args.exactly_once,
        source_alias: args.source_alias.clone(),
        target_alias: args.target_alias.clone(),
    };
    let requirements = requirements(profile, &inputs).map_err(|err| Failure::usage(err.to_string()))?;
    let (acls, config) = load(&args.authorizer, acls)?;
    let rows = check(&acls, &config, &args.principal, &args.host, requirements);
    let mut text = render_rows(&rows);
    let denied_count = rows.iter().filter(|row| !row.decision.allowed).count();
    if let Some(format) = fix.filter(|_| denied_count > 0) {
        let bootstrap = bootstrap.as_deref().unwrap_or(BOOTSTRAP_PLACEHOLDER);
        text.push('\n');
        let lines = fix_commands(format, &args.principal, &rows, bootstrap);
        let lines = match security {
            Some(security) => crate::acl::fix::with_client_config(format, lines, security),
            None => lines,
        };
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
    }
    let denied = (denied_count > 0).then(|| {
        format!("{denied_count} of {} requirements of {} denied for {}", rows.len(), profile.name(), args.principal)
    });
    Ok(Report { text, denied })
}
