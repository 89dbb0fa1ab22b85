//! Transports move bytes between a client and the [`Dispatcher`](crate::Dispatcher); they
//! never interpret MCP.

#[cfg(feature = "http")]
pub mod http;
pub mod stdio;

/// Completes on the first SIGINT or SIGTERM (Ctrl-C elsewhere than Unix), when a server
/// should start to shut down gracefully; from then on, a second signal ends the process at
/// once (exit status 130).
pub async fn shutdown_signal() {
    first_signal().await;
    tracing::info!("shutdown signal received; a second one ends the process at once");
    tokio::spawn(async {
        first_signal().await;
        tracing::warn!("second shutdown signal: exiting now");
        std::process::exit(130);
    });
}

#[cfg(unix)]
async fn first_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        },
        Err(error) => {
            tracing::warn!(
                "cannot listen for SIGTERM ({error}); only SIGINT shuts down gracefully"
            );
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn first_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
