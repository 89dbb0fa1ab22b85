//! `Server::serve_from_args`: the command line every server built with this crate understands.

use std::ffi::OsString;
use std::net::SocketAddr;

use crate::error::{Error, Result};
use crate::server::Server;

/// The transports a server can be asked to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Stdio,
    Http,
}

#[derive(Debug, PartialEq, Eq)]
struct Options {
    transport: Transport,
    bind: Option<SocketAddr>,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve(Options),
    Help,
    Version,
}

fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [OPTIONS]\n\n\
         Options:\n  \
         --transport <stdio|http>   how to talk to clients (default: stdio)\n  \
         --bind <ADDRESS:PORT>      where the http transport listens (default: 127.0.0.1:8080)\n  \
         -h, --help                 print this help\n  \
         -V, --version              print the server's name and version\n\n\
         Logs go to standard error; set RUST_LOG (e.g. RUST_LOG=debug) for more.\n"
    )
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut options = Options {
        transport: Transport::Stdio,
        bind: None,
    };
    let wrap = |e: lexopt::Error| Error::Usage(e.to_string());
    while let Some(arg) = parser.next().map_err(wrap)? {
        match arg {
            Long("transport") => {
                let value = parser.value().map_err(wrap)?;
                options.transport = match value.to_str() {
                    Some("stdio") => Transport::Stdio,
                    Some("http") if cfg!(feature = "http") => Transport::Http,
                    Some("http") => {
                        return Err(Error::Usage(
                            "this build has no http transport (the `http` feature of mcp-runtime is off); use --transport stdio".into(),
                        ))
                    }
                    _ => {
                        return Err(Error::Usage(format!(
                            "unknown transport `{}`; expected: stdio, http",
                            value.to_string_lossy()
                        )))
                    }
                };
            }
            Long("bind") => {
                let value = parser.value().map_err(wrap)?;
                let text = value.to_string_lossy();
                let address = text.parse().map_err(|_| {
                    Error::Usage(format!(
                        "invalid --bind `{text}`; expected an address and port such as 127.0.0.1:8080"
                    ))
                })?;
                options.bind = Some(address);
            }
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            other => return Err(Error::Usage(other.unexpected().to_string())),
        }
    }
    if options.bind.is_some() && options.transport != Transport::Http {
        return Err(Error::Usage(
            "--bind only applies to --transport http".into(),
        ));
    }
    Ok(Command::Serve(options))
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
        Command::Serve(options) => {
            init_logging();
            tracing::info!(name = %server.info.name, version = %server.info.version, transport = ?options.transport, "starting");
            match options.transport {
                Transport::Stdio => server.serve_stdio().await,
                Transport::Http => serve_http(server, options.bind).await,
            }
        }
    }
}

#[cfg(feature = "http")]
async fn serve_http(server: Server, bind: Option<SocketAddr>) -> Result<()> {
    let mut config = crate::transport::http::HttpConfig::default();
    if let Some(bind) = bind {
        config.bind = bind;
    }
    crate::transport::http::serve(server.build()?, config).await
}

#[cfg(not(feature = "http"))]
async fn serve_http(_: Server, _: Option<SocketAddr>) -> Result<()> {
    Err(Error::Usage("this build has no http transport".into()))
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

    fn serve(transport: Transport, bind: Option<&str>) -> Command {
        Command::Serve(Options {
            transport,
            bind: bind.map(|b| b.parse().unwrap()),
        })
    }

    #[test]
    fn stdio_is_the_default() {
        assert_eq!(parse(args(&[])).unwrap(), serve(Transport::Stdio, None));
        assert_eq!(
            parse(args(&["--transport", "stdio"])).unwrap(),
            serve(Transport::Stdio, None)
        );
        assert_eq!(
            parse(args(&["--transport=stdio"])).unwrap(),
            serve(Transport::Stdio, None)
        );
    }

    #[test]
    fn http_with_an_address() {
        assert_eq!(
            parse(args(&["--transport", "http", "--bind", "0.0.0.0:9000"])).unwrap(),
            serve(Transport::Http, Some("0.0.0.0:9000"))
        );
        assert_eq!(
            parse(args(&["--transport", "http"])).unwrap(),
            serve(Transport::Http, None)
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let err = parse(args(&["--transport", "carrier-pigeon"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown transport `carrier-pigeon`; expected: stdio, http"
        );
        let err = parse(args(&["--frobnicate"])).unwrap_err();
        assert!(err.to_string().contains("--frobnicate"), "{err}");
        let err = parse(args(&["--transport", "http", "--bind", "localhost"])).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid --bind `localhost`"),
            "{err}"
        );
        let err = parse(args(&["--bind", "127.0.0.1:1"])).unwrap_err();
        assert_eq!(err.to_string(), "--bind only applies to --transport http");
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(args(&["--help"])).unwrap(), Command::Help);
        assert_eq!(parse(args(&["-V"])).unwrap(), Command::Version);
    }
}
