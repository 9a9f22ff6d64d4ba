use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc for the whole process, librdkafka's own mallocs included (the
/// `override` feature): glibc malloc and free were a fifth of the engine's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kdeck::logging::init();
    kdeck::journal::enable();
    let cli = match kdeck::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_exit(err),
    };
    let outcome = kdeck::run::run(cli);
    // Clients closing in the background finish first, so none is cut off mid-close.
    kdeck::kafka::closer::wait_for_closes(std::time::Duration::from_secs(5));
    let code = match outcome {
        Ok(()) => 0,
        Err(failure) => {
            tracing::error!(error = %failure, "command failed");
            // A closed or full stderr must not turn the documented exit code into a panic.
            let _ = writeln!(std::io::stderr(), "kdeck: {failure}");
            failure.exit_code() as u8
        }
    };
    if kdeck::kafka::closer::clients_left_open() {
        exit_leaving_clients_open(code);
    }
    ExitCode::from(code)
}

/// A short command left its readers open (see `kafka::closer`): everything
/// it printed is flushed, then the process ends with `_exit`, which runs no
/// exit handler, so none (OpenSSL's cleanup among them) can pull anything
/// from under librdkafka's threads. Every value of `run` is dropped by now:
/// the terminal, files and producers were closed there.
fn exit_leaving_clients_open(code: u8) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit only ends the process; nothing is read or written after it.
    unsafe { libc::_exit(i32::from(code)) }
}

/// Help and version print as clap renders them; usage errors become one line, exit 2.
fn clap_exit(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Help on a full stdout is a runtime failure; a closed pipe (`| head`) is not.
        if err.print().is_err_and(|err| err.kind() != std::io::ErrorKind::BrokenPipe) {
            return ExitCode::from(1);
        }
        return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let _ = writeln!(std::io::stderr(), "kdeck: {}", kdeck::cli::one_line(&err.render().to_string()));
    ExitCode::from(2)
}
