//! `Server::serve_from_args`: the command line every server built with this crate understands.

use std::ffi::OsString;

use crate::error::{Error, Result};
use crate::server::Server;

/// The transports a server can be asked to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Stdio,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve(Transport),
    Help,
    Version,
}

fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [OPTIONS]\n\n\
         Options:\n  \
         --transport <stdio>   how to talk to the client (default: stdio)\n  \
         -h, --help            print this help\n  \
         -V, --version         print the server's name and version\n"
    )
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut transport = Transport::Stdio;
    let wrap = |e: lexopt::Error| Error::Usage(e.to_string());
    while let Some(arg) = parser.next().map_err(wrap)? {
        match arg {
            Long("transport") => {
                let value = parser.value().map_err(wrap)?;
                transport = match value.to_str() {
                    Some("stdio") => Transport::Stdio,
                    Some("http") => return Err(Error::Usage(
                        "the http transport is not available in this build; use --transport stdio"
                            .into(),
                    )),
                    _ => {
                        return Err(Error::Usage(format!(
                            "unknown transport `{}`; expected: stdio",
                            value.to_string_lossy()
                        )))
                    }
                };
            }
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            other => return Err(Error::Usage(other.unexpected().to_string())),
        }
    }
    Ok(Command::Serve(transport))
}

pub(crate) async fn serve_from_args(server: Server) -> Result<()> {
    let program = std::env::args()
        .next()
        .unwrap_or_else(|| server.info.name.clone());
    let command = parse(std::env::args_os().skip(1))
        .map_err(|e| Error::Usage(format!("{e}\n\n{}", usage(&program))))?;
    match command {
        Command::Help => {
            print!("{}", usage(&program));
            Ok(())
        }
        Command::Version => {
            println!("{} {}", server.info.name, server.info.version);
            Ok(())
        }
        Command::Serve(Transport::Stdio) => {
            init_logging();
            tracing::info!(name = %server.info.name, version = %server.info.version, "serving on stdio");
            server.serve_stdio().await
        }
    }
}

/// Logs to standard error, filtered by `RUST_LOG` (default `info`). Standard output belongs
/// to the protocol. Does nothing if the application already installed a subscriber.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn stdio_is_the_default() {
        assert_eq!(parse(args(&[])).unwrap(), Command::Serve(Transport::Stdio));
        assert_eq!(
            parse(args(&["--transport", "stdio"])).unwrap(),
            Command::Serve(Transport::Stdio)
        );
        assert_eq!(
            parse(args(&["--transport=stdio"])).unwrap(),
            Command::Serve(Transport::Stdio)
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let err = parse(args(&["--transport", "carrier-pigeon"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown transport `carrier-pigeon`; expected: stdio"
        );
        let err = parse(args(&["--frobnicate"])).unwrap_err();
        assert!(err.to_string().contains("--frobnicate"), "{err}");
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(args(&["--help"])).unwrap(), Command::Help);
        assert_eq!(parse(args(&["-V"])).unwrap(), Command::Version);
    }
}
