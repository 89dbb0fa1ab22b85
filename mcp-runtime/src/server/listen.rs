//! `subscriptions/listen` (2026-07-28): a request whose answer is a stream of change
//! notifications, until the client cancels it or closes the stream.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::connection::{Connection, Outbound};
use super::dispatch::{parse_params, Answer};
use super::subscriptions::Filter;
use super::Dispatcher;
use crate::protocol::{encode_notification, Era, RequestId, RequestMeta, RpcError};

impl Dispatcher {
    /// `subscriptions/listen` (2026-07-28): acknowledges the filter it honours, then streams
    /// the changes asked for until the client cancels the request or closes the stream.
    pub(super) async fn listen(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Answer {
        #[derive(Deserialize)]
        struct ListenParams {
            #[serde(rename = "_meta", default)]
            meta: Option<RequestMeta>,
            #[serde(default)]
            notifications: Filter,
        }
        let params: ListenParams = match parse_params(params) {
            Ok(params) => params,
            Err(error) => return Answer::Error(error),
        };
        let negotiated = match self.negotiate(connection, params.meta) {
            Ok(negotiated) if negotiated.version.era() == Era::Modern => negotiated,
            Ok(_) => return Answer::Error(RpcError::method_not_found("subscriptions/listen")),
            Err(error) => return Answer::Error(error),
        };
        let (cancellation, in_flight) = connection.begin(id);
        let has_resources = self.inner.registry.has_resources();
        let mut honoured = self.inner.hub.honoured(params.notifications, has_resources);
        let tasks = match self
            .listened_tasks(&negotiated, honoured.task_ids.take())
            .await
        {
            Ok(tasks) => tasks,
            Err(error) => return Answer::Error(error),
        };
        if !tasks.is_empty() {
            honoured.task_ids = Some(tasks.iter().map(|task| task.id.clone()).collect());
        }
        let acknowledged = encode_notification(
            "notifications/subscriptions/acknowledged",
            &json!({
                "_meta": { "io.modelcontextprotocol/subscriptionId": id },
                "notifications": honoured,
            }),
        );
        if sink.send(acknowledged).await.is_err() {
            return Answer::Cancelled;
        }
        // Registered after the acknowledgment, so that nothing on the stream precedes it.
        let listening = self.inner.hub.listen(id.clone(), honoured, sink.clone());
        let closed = tokio::select! {
            _ = cancellation.cancelled() => connection.is_shutting_down(),
            _ = sink.closed() => false,
            () = connection.closed() => true,
            // Tells of the tasks listened to until each has ended; never ends the stream.
            () = async {
                self.tell_tasks(tasks, &sink).await;
                std::future::pending::<()>().await
            } => unreachable!("telling of tasks never ends the stream"),
        };
        drop(listening);
        drop(in_flight);
        tracing::debug!(%id, "subscription ended");
        if closed {
            // The server ends it: the request still gets its one answer.
            return Answer::Error(RpcError::shutting_down());
        }
        Answer::Cancelled
    }
}
