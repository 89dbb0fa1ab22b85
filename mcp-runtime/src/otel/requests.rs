//! The request spans' own way to the collector.
//!
//! A request's span is known in full from its method, its params and how it ended, so it is
//! not built through `tracing` and the OpenTelemetry SDK: it is encoded in OTLP's protobuf as
//! it ends, into a queue that a thread of the export posts to `/v1/traces` (a batch at a time,
//! as the SDK's batch processor does, under the same `OTEL_BSP_*` limits). The spans of the
//! handlers, and the events in them, go through `tracing-opentelemetry` and the SDK; they find
//! the request's span as their parent in the OpenTelemetry context, which
//! [`RequestSpan::context`] carries while the request's future is polled. The events a handler
//! logs outside a span of its own are kept for the request's span ([`encode_event`]).
//!
//! A span's start and end are monotonic clock readings (those its request's metrics take, when
//! there are metrics), given their Unix time by one reading of the wall clock ([`unix_nanos_at`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use opentelemetry_sdk::Resource;

use super::{OtlpError, RuntimeClient, TraceParent};

/// Protobuf's wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

/// `Span.kind`: `SPAN_KIND_SERVER`.
const SERVER: u64 = 2;
/// `Status.code`: `STATUS_CODE_ERROR`.
const STATUS_ERROR: u64 = 2;
/// `Span.flags`: sampled, and whether the parent is remote is known (bit 8) and true (bit 9).
const FLAGS_LOCAL_PARENT: u32 = 0x101;
const FLAGS_REMOTE_PARENT: u32 = 0x301;

fn varint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push(value as u8 | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

fn key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    varint(buf, u64::from(field << 3 | wire));
}

/// The length of the field `field` holding `len` bytes (a string, bytes or a message).
fn len_field_len(field: u32, len: usize) -> usize {
    varint_len(u64::from(field << 3)) + varint_len(len as u64) + len
}

/// The key and length of the field `field` holding `len` bytes, both of one byte when
/// `len` is short (the keys of a span's fields all are).
fn len_key(buf: &mut Vec<u8>, field: u32, len: usize) {
    if field < 16 && len < 0x80 {
        buf.extend_from_slice(&[(field << 3 | LEN) as u8, len as u8]);
    } else {
        key(buf, field, LEN);
        varint(buf, len as u64);
    }
}

fn bytes_field(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    len_key(buf, field, bytes.len());
    buf.extend_from_slice(bytes);
}

fn varint_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    key(buf, field, VARINT);
    varint(buf, value);
}

fn fixed64_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    key(buf, field, FIXED64);
    buf.extend_from_slice(&value.to_le_bytes());
}

fn fixed32_field(buf: &mut Vec<u8>, field: u32, value: u32) {
    key(buf, field, FIXED32);
    buf.extend_from_slice(&value.to_le_bytes());
}

/// The message `encode` writes, as the field `field` of `buf` (outside the request path: the
/// message is written apart first, to learn its length).
fn message_field(buf: &mut Vec<u8>, field: u32, encode: impl FnOnce(&mut Vec<u8>)) {
    let mut message = Vec::new();
    encode(&mut message);
    bytes_field(buf, field, &message);
}

/// The attribute `name` = the string `value`, as the `KeyValue` field `field`.
fn string_attribute(buf: &mut Vec<u8>, field: u32, name: &str, value: &str) {
    let any_value = len_field_len(1, value.len());
    let key_value = len_field_len(1, name.len()) + len_field_len(2, any_value);
    len_key(buf, field, key_value);
    bytes_field(buf, 1, name.as_bytes());
    len_key(buf, 2, any_value);
    bytes_field(buf, 1, value.as_bytes());
}

/// The start of every span attribute named `name`: the `key` field holding the name, then the
/// key of the `value` field. `N` is the name's length and 3.
const fn attribute_key<const N: usize>(name: &str) -> [u8; N] {
    let name = name.as_bytes();
    assert!(N == name.len() + 3 && name.len() < 0x80);
    let mut key = [0; N];
    key[0] = 1 << 3 | LEN as u8;
    key[1] = name.len() as u8;
    let mut at = 0;
    while at < name.len() {
        key[2 + at] = name[at];
        at += 1;
    }
    key[N - 1] = 2 << 3 | LEN as u8;
    key
}

/// [`attribute_key`] of the literal `name`, made at compile time.
macro_rules! key {
    ($name:literal) => {{
        const KEY: [u8; $name.len() + 3] = attribute_key($name);
        &KEY
    }};
}

/// The span attribute whose start is `key` (from [`key!`]) = the string `value`: the same
/// bytes as [`string_attribute`] writes for it, in fewer writes.
fn span_attribute<const N: usize>(buf: &mut Vec<u8>, key: &[u8; N], value: &str) {
    // The `KeyValue`'s length: the key's bytes, the value's length, and `AnyValue`'s key and
    // length of the string.
    let key_value = N + 1 + 2 + value.len();
    if key_value < 0x80 {
        buf.reserve(2 + key_value);
        buf.extend_from_slice(&[9 << 3 | LEN as u8, key_value as u8]);
        buf.extend_from_slice(key);
        buf.extend_from_slice(&[2 + value.len() as u8, 1 << 3 | LEN as u8, value.len() as u8]);
        buf.extend_from_slice(value.as_bytes());
    } else {
        let name = std::str::from_utf8(&key[2..N - 1]).unwrap_or_default();
        string_attribute(buf, 9, name, value);
    }
}

/// `value` as an `AnyValue`.
fn any_value(buf: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Bool(b) => varint_field(buf, 2, u64::from(*b)),
        Value::I64(i) => varint_field(buf, 3, *i as u64),
        Value::F64(f) => fixed64_field(buf, 4, f.to_bits()),
        Value::String(s) => bytes_field(buf, 1, s.as_str().as_bytes()),
        Value::Array(array) => message_field(buf, 5, |values| {
            let each: Vec<Value> = match array {
                Array::Bool(v) => v.iter().map(|b| Value::Bool(*b)).collect(),
                Array::I64(v) => v.iter().map(|i| Value::I64(*i)).collect(),
                Array::F64(v) => v.iter().map(|f| Value::F64(*f)).collect(),
                Array::String(v) => v.iter().map(|s| Value::String(s.clone())).collect(),
                other => vec![Value::String(other.to_string().into())],
            };
            for value in &each {
                message_field(values, 1, |any| any_value(any, value));
            }
        }),
        other => bytes_field(buf, 1, other.to_string().as_bytes()),
    }
}

/// The attribute `name` = `value`, as the `KeyValue` field `field`.
fn attribute(buf: &mut Vec<u8>, field: u32, name: &str, value: &Value) {
    message_field(buf, field, |key_value| {
        bytes_field(key_value, 1, name.as_bytes());
        message_field(key_value, 2, |any| any_value(any, value));
    });
}

/// A request whose span is started: its method and id, and the caller's trace context.
pub(crate) struct Started<'a> {
    /// `tools/call`, ...
    pub(crate) method: &'a str,
    /// The JSON-RPC id: a number or a string.
    pub(crate) id: &'a crate::protocol::RequestId,
    /// The HTTP session the request came in, if any.
    pub(crate) session: Option<&'a str>,
    /// The caller's trace context, from the request's `_meta` or the HTTP headers.
    pub(crate) traceparent: Option<&'a str>,
    pub(crate) tracestate: Option<&'a str>,
    /// When the request started, when that was read already (for its metrics).
    pub(crate) at: Option<Instant>,
}

/// What a request's span says of what the request names, and of its protocol version.
#[derive(Default)]
pub(crate) struct Described<'a> {
    pub(crate) version: Option<&'a str>,
    /// The tool or prompt the request names, which the span's name ends with.
    pub(crate) tool: Option<&'a str>,
    pub(crate) prompt: Option<&'a str>,
    pub(crate) uri: Option<&'a str>,
}

/// The methods whose span is described by the dispatcher as it reads their params (see
/// [`RequestSpan::described_later`]), which the span need not read for it.
const DESCRIBED_LATER: [&str; 3] = ["tools/call", "prompts/get", "resources/read"];

/// A traced request's span, from its start until it is dropped, when it goes to the queue of
/// the export.
pub(crate) struct RequestSpan {
    /// The fields known so far, encoded.
    encoded: Vec<u8>,
    /// When the request ended, once that was read (for its metrics).
    ended: Option<Instant>,
    /// The span as the parent of the spans the handler makes.
    context: opentelemetry::Context,
    remote_parent: bool,
    /// The method of a span whose name and attributes wait for [`RequestSpan::describe_as`].
    undescribed: Option<&'static str>,
    /// The request's tool answered with an error result.
    tool_failed: bool,
    /// The code of the JSON-RPC error the request was answered with.
    error: Option<i64>,
    /// How many events the span holds, and how many more it had no room for.
    events: u32,
    dropped_events: u32,
}

/// How many events a span holds at most, as the SDK's default span limits.
const MAX_EVENTS: u32 = 128;

impl RequestSpan {
    /// Whether the span of `method` can be described as the dispatcher reads the params (those
    /// of `tools/call`, `prompts/get` and `resources/read`).
    pub(crate) fn described_later(method: &str) -> bool {
        DESCRIBED_LATER.contains(&method)
    }

    /// The span of the request `started`, starting now; `None` while no export is live. It is
    /// described with [`describe`](Self::describe), or, for a method of
    /// [`described_later`](Self::described_later), while its future is polled.
    pub(crate) fn start(started: &Started<'_>) -> Option<RequestSpan> {
        if !live() {
            return None;
        }
        let ids = RandomIdGenerator::default();
        let parent = started.traceparent.and_then(TraceParent::parse);
        let span_id = ids.new_span_id();
        let (trace_id, trace_state) = match &parent {
            Some(parent) => (
                TraceId::from_bytes(parent.trace_id),
                started
                    .tracestate
                    .and_then(|state| state.parse::<TraceState>().ok())
                    .unwrap_or_default(),
            ),
            None => (ids.new_trace_id(), TraceState::default()),
        };
        let mut encoded = SPARE.try_with(std::cell::Cell::take).unwrap_or_default();
        encoded.reserve(320);
        bytes_field(&mut encoded, 1, &trace_id.to_bytes());
        bytes_field(&mut encoded, 2, &span_id.to_bytes());
        if let Some(parent) = &parent {
            let state = trace_state.header();
            if !state.is_empty() {
                bytes_field(&mut encoded, 3, state.as_bytes());
            }
            bytes_field(&mut encoded, 4, &parent.parent_id);
        }
        varint_field(&mut encoded, 6, SERVER);
        fixed64_field(
            &mut encoded,
            7,
            unix_nanos_at(started.at.unwrap_or_else(Instant::now)),
        );
        span_attribute(&mut encoded, key!("mcp.method.name"), started.method);
        let mut digits = itoa::Buffer::new();
        let id = match started.id {
            crate::protocol::RequestId::Number(n) => digits.format(*n),
            crate::protocol::RequestId::String(s) => s,
        };
        span_attribute(&mut encoded, key!("jsonrpc.request.id"), id);
        if let Some(session) = started.session {
            span_attribute(&mut encoded, key!("mcp.session.id"), session);
        }
        let context = opentelemetry::Context::new().with_remote_span_context(SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::SAMPLED,
            false,
            trace_state,
        ));
        Some(RequestSpan {
            encoded,
            ended: None,
            context,
            remote_parent: parent.is_some(),
            undescribed: DESCRIBED_LATER
                .iter()
                .find(|method| **method == started.method)
                .copied(),
            tool_failed: false,
            error: None,
            events: 0,
            dropped_events: 0,
        })
    }

    /// Names the span for the request's `method` and what it names (`described`), with the
    /// attributes of that.
    pub(crate) fn describe(&mut self, method: &str, described: &Described<'_>) {
        self.undescribed = None;
        let encoded = &mut self.encoded;
        let target = described.tool.or(described.prompt);
        let name_len = method.len() + target.map_or(0, |target| target.len() + 1);
        len_key(encoded, 5, name_len);
        encoded.extend_from_slice(method.as_bytes());
        if let Some(target) = target {
            encoded.push(b' ');
            encoded.extend_from_slice(target.as_bytes());
        }
        if let Some(version) = described.version {
            span_attribute(encoded, key!("mcp.protocol.version"), version);
        }
        if let Some(tool) = described.tool {
            span_attribute(encoded, key!("gen_ai.operation.name"), "execute_tool");
            span_attribute(encoded, key!("gen_ai.tool.name"), tool);
        }
        if let Some(prompt) = described.prompt {
            span_attribute(encoded, key!("gen_ai.prompt.name"), prompt);
        }
        if let Some(uri) = described.uri {
            span_attribute(encoded, key!("mcp.resource.uri"), uri);
        }
    }

    /// Describes a span of [`described_later`](Self::described_later) by what its request
    /// names, `target` (the tool, the prompt or the URI), under the protocol `version`.
    pub(crate) fn describe_as(&mut self, target: &str, version: Option<&str>) {
        let Some(method) = self.undescribed else {
            return;
        };
        let mut described = Described {
            version,
            ..Described::default()
        };
        match method {
            "tools/call" => described.tool = Some(target),
            "prompts/get" => described.prompt = Some(target),
            _ => described.uri = Some(target),
        }
        self.describe(method, &described);
    }

    /// Whether the span waits for [`describe_as`](Self::describe_as).
    pub(crate) fn is_undescribed(&self) -> bool {
        self.undescribed.is_some()
    }

    /// The span as the parent of the spans made while the request's future is polled.
    pub(crate) fn context(&self) -> &opentelemetry::Context {
        &self.context
    }

    /// Adds the `events`, each encoded as the `events` field of a span by [`encode_event`];
    /// `count` of them.
    pub(crate) fn add_events(&mut self, events: &[u8], count: u32) {
        if self.events + count > MAX_EVENTS {
            self.dropped_events += count;
            return;
        }
        self.events += count;
        self.encoded.extend_from_slice(events);
    }

    /// The request's tool answered with an error result.
    pub(crate) fn tool_failed(&mut self) {
        self.tool_failed = true;
    }

    /// The request was answered with the JSON-RPC error `code`.
    pub(crate) fn failed(&mut self, code: i64) {
        self.error = Some(code);
    }

    /// The request ended `at` (read for its metrics): the span ends then, not when dropped.
    pub(crate) fn ended_at(&mut self, at: Instant) {
        self.ended = Some(at);
    }
}

impl Drop for RequestSpan {
    fn drop(&mut self) {
        // Ended before the dispatcher read what the request names: named for its method.
        if let Some(method) = self.undescribed {
            self.describe(method, &Described::default());
        }
        let encoded = &mut self.encoded;
        fixed64_field(
            encoded,
            8,
            unix_nanos_at(self.ended.unwrap_or_else(Instant::now)),
        );
        let mut digits = itoa::Buffer::new();
        let error = match self.error {
            Some(code) => Some(digits.format(code)),
            None if self.tool_failed => Some("tool_error"),
            None => None,
        };
        if let Some(error) = error {
            span_attribute(encoded, key!("error.type"), error);
            if self.error.is_some() {
                span_attribute(encoded, key!("rpc.response.status_code"), error);
            }
            // `Status { code: STATUS_CODE_ERROR }`.
            key(encoded, 15, LEN);
            varint(encoded, 2);
            varint_field(encoded, 3, STATUS_ERROR);
        }
        let flags = match self.remote_parent {
            true => FLAGS_REMOTE_PARENT,
            false => FLAGS_LOCAL_PARENT,
        };
        fixed32_field(encoded, 16, flags);
        if self.dropped_events > 0 {
            varint_field(encoded, 12, u64::from(self.dropped_events));
        }
        enqueue(encoded);
        encoded.clear();
        // Not when this thread's locals are gone (a span dropped as the thread ends).
        let _ = SPARE.try_with(|spare| spare.set(std::mem::take(encoded)));
    }
}

thread_local! {
    /// The buffer of the last span this thread ended, which the next one it starts is encoded
    /// into: most requests end before the next one starts.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Appends the `tracing` event `event` to `events`, as the `events` field of a span: named by
/// its message, with its level, target and other fields as attributes, as
/// `tracing-opentelemetry` makes a span's events.
pub(crate) fn encode_event(events: &mut Vec<u8>, event: &tracing::Event<'_>) {
    struct Fields<'a> {
        message: Option<String>,
        attributes: &'a mut Vec<u8>,
    }
    impl tracing::field::Visit for Fields<'_> {
        fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
            match field.name() {
                "message" => self.message = Some(value.to_owned()),
                name => string_attribute(self.attributes, 3, name, value),
            }
        }
        fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
            attribute(self.attributes, 3, field.name(), &Value::I64(value));
        }
        fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
            match i64::try_from(value) {
                Ok(value) => self.record_i64(field, value),
                Err(_) => self.record_str(field, &value.to_string()),
            }
        }
        fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
            attribute(self.attributes, 3, field.name(), &Value::F64(value));
        }
        fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
            attribute(self.attributes, 3, field.name(), &Value::Bool(value));
        }
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.record_str(field, &format!("{value:?}"));
        }
    }
    let meta = event.metadata();
    let mut attributes = Vec::new();
    string_attribute(&mut attributes, 3, "level", meta.level().as_str());
    string_attribute(&mut attributes, 3, "target", meta.target());
    let mut fields = Fields {
        message: None,
        attributes: &mut attributes,
    };
    event.record(&mut fields);
    let name = fields.message.unwrap_or_else(|| meta.name().to_owned());
    message_field(events, 11, |encoded| {
        fixed64_field(encoded, 1, unix_nanos());
        bytes_field(encoded, 2, name.as_bytes());
        encoded.extend_from_slice(&attributes);
    });
}

fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// The monotonic clock's reading the wall clock is anchored to (see [`unix_nanos_at`]).
static ANCHOR: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(|| {
    let anchor = Instant::now();
    WALL_AT_ANCHOR.store(unix_nanos(), Ordering::Relaxed);
    anchor
});

/// The wall clock's time at [`ANCHOR`], in nanoseconds since the Unix epoch; read again each
/// time the export's thread wakes (at least once per `OTEL_BSP_SCHEDULE_DELAY`), so that a step
/// of the wall clock is followed.
static WALL_AT_ANCHOR: AtomicU64 = AtomicU64::new(0);

/// The Unix time of the monotonic clock's reading `at`, in nanoseconds: a request's span takes
/// its start and end from the clock readings of its metrics, so that the two do not read the
/// clock twice. (The anchored clock of OpenTelemetry's Java SDK does the same.)
fn unix_nanos_at(at: Instant) -> u64 {
    let anchor = *ANCHOR;
    let wall = WALL_AT_ANCHOR.load(Ordering::Relaxed);
    match at.checked_duration_since(anchor) {
        Some(since) => wall.saturating_add(since.as_nanos() as u64),
        None => wall.saturating_sub(anchor.duration_since(at).as_nanos() as u64),
    }
}

/// Reads the wall clock again for [`unix_nanos_at`].
fn reanchor() {
    let since = ANCHOR.elapsed().as_nanos() as u64;
    WALL_AT_ANCHOR.store(unix_nanos().saturating_sub(since), Ordering::Relaxed);
}

/// The spans waiting to be posted, each encoded as the `spans` field of a `ScopeSpans`.
struct Queue {
    spans: Vec<u8>,
    count: usize,
    /// Spans the queue had no room for since the last post.
    dropped: u64,
    /// How many spans make a batch, which the export's thread posts at once.
    batch: usize,
    /// How many spans the queue holds at most.
    capacity: usize,
    /// How many exports are live, each with a thread posting from the queue.
    live: usize,
}

/// How many bytes of spans the queue holds at most, whatever their number: a request's span
/// carries strings of its params (a tool's name, a URI), which a client chooses.
const MAX_QUEUED_BYTES: usize = 8 << 20;

impl Queue {
    const fn new() -> Queue {
        Queue {
            spans: Vec::new(),
            count: 0,
            dropped: 0,
            batch: 512,
            capacity: 2048,
            live: 0,
        }
    }

    /// Adds `span`, or counts it as dropped when the queue is full; true when a batch is
    /// ready.
    fn push(&mut self, span: &[u8]) -> bool {
        if self.count >= self.capacity
            || self.spans.len() + len_field_len(2, span.len()) > MAX_QUEUED_BYTES
        {
            self.dropped += 1;
            return false;
        }
        bytes_field(&mut self.spans, 2, span);
        self.count += 1;
        self.count == self.batch
    }
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue::new());

/// Wakes the export's threads: a batch is ready, or an export stops.
static READY: Condvar = Condvar::new();

fn queue() -> MutexGuard<'static, Queue> {
    QUEUE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether an export of the request spans is live.
pub(super) fn live() -> bool {
    LIVE.load(Ordering::Relaxed)
}

static LIVE: AtomicBool = AtomicBool::new(false);

fn enqueue(span: &[u8]) {
    let mut queue = queue();
    if queue.live > 0 && queue.push(span) {
        READY.notify_one();
    }
}

/// The limits of the batch processor's variables: how many spans a batch is
/// (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, 512), how many the queue holds
/// (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048), and how long the thread waits for a full batch
/// (`OTEL_BSP_SCHEDULE_DELAY`, 5000 ms). A value that is not a number is ignored, as the SDK
/// ignores it.
fn limits() -> (usize, usize, Duration) {
    let number = |name: &str, default: u64| {
        super::var(name)
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let capacity = number("OTEL_BSP_MAX_QUEUE_SIZE", 2048) as usize;
    let batch = (number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512) as usize).min(capacity);
    let delay = Duration::from_millis(number("OTEL_BSP_SCHEDULE_DELAY", 5000));
    (batch, capacity, delay)
}

/// Where and how the request spans are posted.
pub(super) struct Posting {
    client: RuntimeClient,
    endpoint: String,
    headers: Vec<(String, String)>,
    /// The `resource` and `scope` fields, encoded.
    resource: Vec<u8>,
    scope: Vec<u8>,
}

impl Posting {
    /// Posting to `endpoint` with `headers`, as `resource`, by `client`.
    pub(super) fn new(
        client: RuntimeClient,
        endpoint: String,
        headers: Vec<(String, String)>,
        resource: &Resource,
    ) -> Posting {
        let mut encoded = Vec::new();
        message_field(&mut encoded, 1, |message| {
            for (name, value) in resource.iter() {
                attribute(message, 1, name.as_str(), value);
            }
        });
        let mut scope = Vec::new();
        message_field(&mut scope, 1, |message| {
            bytes_field(message, 1, b"mcp-runtime");
            bytes_field(message, 2, env!("CARGO_PKG_VERSION").as_bytes());
        });
        Posting {
            client,
            endpoint,
            headers,
            resource: encoded,
            scope,
        }
    }

    /// An `ExportTraceServiceRequest` of `spans` (the encoded `spans` fields).
    fn body(&self, spans: &[u8]) -> Vec<u8> {
        let scope_spans = self.scope.len() + spans.len();
        let resource_spans = self.resource.len() + len_field_len(2, scope_spans);
        let mut body = Vec::with_capacity(len_field_len(1, resource_spans));
        key(&mut body, 1, LEN);
        varint(&mut body, resource_spans as u64);
        body.extend_from_slice(&self.resource);
        key(&mut body, 2, LEN);
        varint(&mut body, scope_spans as u64);
        body.extend_from_slice(&self.scope);
        body.extend_from_slice(spans);
        body
    }

    /// Posts `spans`; a failure is logged, and the spans are lost, as the SDK's are.
    fn post(&self, spans: &[u8], count: usize) {
        let mut request = opentelemetry_http::Request::builder()
            .method("POST")
            .uri(&self.endpoint)
            .header("content-type", "application/x-protobuf");
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = match request.body(opentelemetry_http::Bytes::from(self.body(spans))) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(%error, count, "request spans not exported");
                return;
            }
        };
        let sent = self
            .client
            .runtime
            .block_on(opentelemetry_http::HttpClient::send_bytes(
                &self.client.client,
                request,
            ));
        match sent {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => {
                tracing::warn!(status = %response.status(), count, "request spans refused by the collector")
            }
            Err(error) => tracing::warn!(%error, count, "request spans not exported"),
        }
    }
}

/// The export's thread, which posts the queue a batch at a time; stopped (after posting what
/// is left) when dropped.
#[derive(Debug)]
pub(super) struct Exporting {
    thread: Option<JoinHandle<()>>,
    /// Set, under the queue's lock, to stop the thread.
    stop: Arc<AtomicBool>,
}

impl Exporting {
    /// Starts posting the request spans with `posting`.
    pub(super) fn start(posting: Posting) -> Result<Exporting, OtlpError> {
        let (batch, capacity, delay) = limits();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("mcp-otlp-requests".into())
            .spawn(move || post_until_stopped(&posting, delay, &stopped))
            .map_err(|e| OtlpError(format!("cannot start the export's thread: {e}")))?;
        {
            let mut queue = queue();
            queue.batch = batch;
            queue.capacity = capacity;
            queue.live += 1;
        }
        LIVE.store(true, Ordering::Relaxed);
        Ok(Exporting {
            thread: Some(thread),
            stop,
        })
    }
}

impl Drop for Exporting {
    fn drop(&mut self) {
        {
            let mut queue = queue();
            queue.live -= 1;
            if queue.live == 0 {
                LIVE.store(false, Ordering::Relaxed);
            }
            self.stop.store(true, Ordering::Relaxed);
        }
        READY.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The export's thread: waits for a batch (or `delay`), posts what the queue holds, and
/// again until `stop` is set, then posts what is left.
fn post_until_stopped(posting: &Posting, delay: Duration, stop: &AtomicBool) {
    let mut taken = Vec::new();
    loop {
        let (count, dropped, stopping) = {
            let mut queue = queue();
            let deadline = Instant::now() + delay;
            while queue.count < queue.batch && !stop.load(Ordering::Relaxed) {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                queue = READY
                    .wait_timeout(queue, deadline - now)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
            }
            std::mem::swap(&mut queue.spans, &mut taken);
            (
                std::mem::take(&mut queue.count),
                std::mem::take(&mut queue.dropped),
                stop.load(Ordering::Relaxed),
            )
        };
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "request spans dropped: more ended than the export's queue holds (OTEL_BSP_MAX_QUEUE_SIZE)"
            );
        }
        if count > 0 {
            posting.post(&taken, count);
        }
        // At every wake, posting or not: the next span's times follow a step of the wall
        // clock within one schedule delay.
        reanchor();
        taken.clear();
        if stopping {
            return;
        }
    }
}

/// The headers `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (or `OTEL_EXPORTER_OTLP_HEADERS`) name:
/// `key=value` pairs separated by commas, the values percent-decoded; those that are not valid
/// HTTP headers are left out, as the SDK leaves them.
pub(super) fn headers() -> Vec<(String, String)> {
    let Some(listed) = super::var("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
        .or_else(|| super::var("OTEL_EXPORTER_OTLP_HEADERS"))
    else {
        return Vec::new();
    };
    listed
        .split_terminator(',')
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            let (name, value) = (name.trim(), value.trim());
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_or_else(|_| value.to_owned(), |decoded| decoded.into_owned());
            let valid = opentelemetry_http::Request::builder()
                .header(name, value.as_str())
                .body(())
                .is_ok();
            (valid && !name.is_empty() && !value.is_empty()).then(|| (name.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_as_long_as_protobuf_writes_them() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            varint(&mut buf, value);
            assert_eq!(buf.len(), varint_len(value), "{value}");
        }
        let mut buf = Vec::new();
        varint(&mut buf, 300);
        assert_eq!(buf, [0xac, 0x02]);
    }

    #[test]
    fn monotonic_readings_are_given_their_wall_clock_time() {
        let before = unix_nanos();
        let now = Instant::now();
        let at = unix_nanos_at(now);
        let after = unix_nanos();
        // Anchored now or earlier in the process: within the readings, and a few
        // milliseconds of slack for a wall clock slewed since.
        let slack = 5_000_000;
        assert!(
            before - slack <= at && at <= after + slack,
            "{before} {at} {after}"
        );
        let later = now + Duration::from_millis(250);
        assert_eq!(unix_nanos_at(later) - at, 250_000_000);
        let earlier = now - Duration::from_millis(250);
        assert_eq!(at - unix_nanos_at(earlier), 250_000_000);
        // A step of the wall clock is followed once the anchor is read again.
        WALL_AT_ANCHOR.fetch_sub(3_600_000_000_000, Ordering::Relaxed);
        assert!(unix_nanos_at(Instant::now()) < before);
        reanchor();
        let at = unix_nanos_at(Instant::now());
        assert!(
            before - slack <= at && at <= unix_nanos() + slack,
            "{before} {at}"
        );
    }

    #[test]
    fn spans_beyond_the_queue_are_dropped_and_counted() {
        let mut queue = Queue::new();
        queue.batch = 2;
        queue.capacity = 3;
        assert!(!queue.push(b"one"));
        assert!(queue.push(b"two"), "the second span makes a batch");
        assert!(!queue.push(b"three"));
        assert!(!queue.push(b"four"));
        assert_eq!((queue.count, queue.dropped), (3, 1));
        // However few, spans are dropped once they fill the queue's bytes.
        let mut queue = Queue::new();
        let large = vec![b'x'; MAX_QUEUED_BYTES / 3];
        for _ in 0..3 {
            queue.push(&large);
        }
        assert_eq!((queue.count, queue.dropped), (2, 1));
        assert!(queue.spans.len() <= MAX_QUEUED_BYTES);
    }

    #[test]
    fn an_attribute_is_a_key_value_of_a_string() {
        let mut buf = Vec::new();
        string_attribute(&mut buf, 9, "k", "vv");
        // KeyValue { key: "k", value: AnyValue { string_value: "vv" } } as field 9.
        assert_eq!(buf, [0x4a, 9, 0x0a, 1, b'k', 0x12, 4, 0x0a, 2, b'v', b'v']);
        let mut generic = Vec::new();
        attribute(&mut generic, 9, "k", &Value::from("vv"));
        assert_eq!(generic, buf);
        // Lengths of more than one byte take the general way, to the same encoding, and so
        // does a span attribute's key made at compile time.
        for len in [0, 100, 105, 106, 127, 128, 300, 20_000] {
            let value = "v".repeat(len);
            let mut buf = Vec::new();
            string_attribute(&mut buf, 9, "mcp.resource.uri", &value);
            let mut generic = Vec::new();
            attribute(
                &mut generic,
                9,
                "mcp.resource.uri",
                &Value::from(value.clone()),
            );
            assert_eq!(generic, buf, "{len}");
            let mut keyed = Vec::new();
            span_attribute(&mut keyed, key!("mcp.resource.uri"), &value);
            assert_eq!(generic, keyed, "{len}");
        }
    }
}
