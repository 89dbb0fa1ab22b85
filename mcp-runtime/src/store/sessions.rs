//! Legacy-era HTTP sessions in the shared store, so that any replica serves any request of
//! a session.
//!
//! * `{prefix}session:{id}`: a hash, the session's record: `owner`, `caller`, `version`,
//!   `client` (JSON), `capabilities` (JSON), `initialized`, `level`, and one field
//!   `sub:{uri}` per resource subscription. Redis expires it after the initialization
//!   timeout until `notifications/initialized`, then after the idle timeout, refreshed on use.
//! * `{prefix}session:{id}:events`: a stream, the session's event log (the messages its
//!   `GET` stream delivers), about [`EVENTS`] entries long, expiring with the record.
//! * `{prefix}sessions`: a sorted set of the live sessions' ids, by last use (initialized
//!   ones after every never-initialized one), which bounds the number of sessions; and
//!   `{prefix}sessions:caller:{caller}`, the same for the sessions of one caller.
//! * the channel `{prefix}sessions:changed` tells the replicas which session changed
//!   (`changed:{id}`) or ended (`gone:{id}`); `{prefix}sessions:cancel` carries
//!   cancellations, and `{prefix}sessions:replica:{replica}` the client's answers to the
//!   questions a replica asked.

use redis::aio::ConnectionManager;
use serde_json::{Map, Value};

use super::{Shared, Unavailable};

/// Events kept per session's stream (approximately: Redis trims whole nodes).
pub(crate) const EVENTS: usize = 256;

/// Added to the score of an initialized session in the indexes, so that every
/// never-initialized session ranks before it when making room. Larger than any time in
/// milliseconds until the year 2109, small enough to stay exact in a Lua number.
const INITIALIZED: i64 = 1 << 42;

/// What a session's record holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Record {
    /// The authenticated subject that opened the session (`None` without authentication).
    pub(crate) owner: Option<String>,
    /// Who the session counts against.
    pub(crate) caller: Option<String>,
    pub(crate) version: String,
    pub(crate) client_info: Value,
    pub(crate) capabilities: Map<String, Value>,
    pub(crate) initialized: bool,
    pub(crate) level: Option<String>,
    pub(crate) subscriptions: Vec<String>,
}

/// One change of a record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Initialized,
    Level(String),
    Subscribe(String),
    Unsubscribe(String),
}

/// How many sessions may live, and for how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) max: usize,
    pub(crate) per_caller: usize,
    pub(crate) idle_ms: u64,
    pub(crate) init_ms: u64,
}

/// The owner as kept in the record: `s:{subject}`, or `-` without authentication.
fn owner_field(owner: Option<&str>) -> String {
    match owner {
        Some(subject) => format!("s:{subject}"),
        None => "-".to_owned(),
    }
}

const EVICT: &str = r#"
local function evict(prefix, channel, index, id, evicted)
  local key = prefix .. 'session:' .. id
  local caller = redis.call('HGET', key, 'caller')
  redis.call('DEL', key, key .. ':events')
  redis.call('ZREM', index, id)
  if caller then redis.call('ZREM', prefix .. 'sessions:caller:' .. caller, id) end
  redis.call('PUBLISH', channel, 'gone:' .. id)
  table.insert(evicted, id)
end
local function forget_expired(prefix, set, now, idle, init)
  local old = redis.call('ZRANGEBYSCORE', set, '-inf', now - init, 'LIMIT', 0, 100)
  for _, id in ipairs(old) do
    if redis.call('EXISTS', prefix .. 'session:' .. id) == 0 then redis.call('ZREM', set, id) end
  end
  old = redis.call('ZRANGEBYSCORE', set, INITIALIZED, INITIALIZED + now - idle, 'LIMIT', 0, 100)
  for _, id in ipairs(old) do
    if redis.call('EXISTS', prefix .. 'session:' .. id) == 0 then redis.call('ZREM', set, id) end
  end
end
local function make_room(prefix, channel, set, index, limit, evicted)
  while redis.call('ZCARD', set) >= limit do
    local first = redis.call('ZRANGE', set, 0, 0)[1]
    if not first then break end
    if redis.call('EXISTS', prefix .. 'session:' .. first) == 1 then
      evict(prefix, channel, index, first, evicted)
    end
    redis.call('ZREM', set, first)
  end
end
"#;

/// Creates a session's record, making room first. KEYS: record, index, the caller's index
/// (or the record again without a caller). ARGV: id, now, idle, init, max, per caller,
/// prefix, channel, has caller, then field/value pairs. Returns the ids of the sessions
/// ended to make room.
const CREATE: &str = r#"
local id, now, idle, init = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local max, per, prefix, channel = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8]
local has_caller = ARGV[9] == '1'
local evicted = {}
forget_expired(prefix, KEYS[2], now, idle, init)
if has_caller then
  forget_expired(prefix, KEYS[3], now, idle, init)
  make_room(prefix, channel, KEYS[3], KEYS[2], per, evicted)
end
make_room(prefix, channel, KEYS[2], KEYS[2], max, evicted)
redis.call('DEL', KEYS[1], KEYS[1] .. ':events')
for i = 10, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], init)
redis.call('ZADD', KEYS[2], now, id)
if has_caller then
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('PEXPIRE', KEYS[3], math.max(idle, init))
end
return evicted
"#;

/// Refreshes a session's expiry and applies changes. KEYS: record, index. ARGV: id, now,
/// idle, prefix, channel, the message telling of the change, then op/field/value triples
/// (`set` or `del`). Returns 0 when the session does not exist.
const CHANGE: &str = r#"
local id, now, idle, prefix, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 7, #ARGV, 3 do
  if ARGV[i] == 'set' then redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
  else redis.call('HDEL', KEYS[1], ARGV[i + 1]) end
end
if redis.call('HGET', KEYS[1], 'initialized') == '1' then
  redis.call('PEXPIRE', KEYS[1], idle)
  redis.call('PEXPIRE', KEYS[1] .. ':events', idle)
  redis.call('ZADD', KEYS[2], now + INITIALIZED, id)
  local caller = redis.call('HGET', KEYS[1], 'caller')
  if caller then
    local mine = prefix .. 'sessions:caller:' .. caller
    redis.call('ZADD', mine, now + INITIALIZED, id)
    redis.call('PEXPIRE', mine, idle)
  end
end
if #ARGV >= 7 then redis.call('PUBLISH', channel, ARGV[6]) end
return 1
"#;

/// Ends a session if it belongs to the owner. KEYS: record, index. ARGV: id, owner, prefix,
/// channel. Returns 1 when it ended.
const REMOVE: &str = r#"
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
local evicted = {}
evict(ARGV[3], ARGV[4], KEYS[2], ARGV[1], evicted)
return 1
"#;

/// Appends an event to a session's stream. KEYS: record, stream. ARGV: message, length.
/// Returns the event's id, or nothing when the session does not exist.
const APPEND: &str = r#"
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return id
"#;

/// Appends an event to the stream of every live session (those subscribed to the URI, when
/// one is given). KEYS: index. ARGV: prefix, message, URI or empty, length. Returns how many
/// sessions were told.
const ANNOUNCE: &str = r#"
local prefix, message, uri, length = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local told = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = prefix .. 'session:' .. id
  local ttl = redis.call('PTTL', key)
  local wanted = ttl > 0
  if wanted and uri ~= '' then wanted = redis.call('HEXISTS', key, 'sub:' .. uri) == 1 end
  if wanted then
    redis.call('XADD', key .. ':events', 'MAXLEN', '~', length, '*', 'm', message)
    redis.call('PEXPIRE', key .. ':events', ttl)
    told = told + 1
  end
end
return told
"#;

fn script(body: &str) -> redis::Script {
    redis::Script::new(&format!(
        "local INITIALIZED = {INITIALIZED}\n{EVICT}\n{body}"
    ))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The session operations on the shared store.
#[derive(Clone)]
pub(crate) struct SessionStore {
    shared: Shared,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    create: redis::Script,
    change: redis::Script,
    remove: redis::Script,
    append: redis::Script,
    announce: redis::Script,
}

impl SessionStore {
    pub(crate) fn new(shared: Shared) -> SessionStore {
        SessionStore {
            shared,
            scripts: std::sync::Arc::new(Scripts {
                create: script(CREATE),
                change: script(CHANGE),
                remove: script(REMOVE),
                append: script(APPEND),
                announce: script(ANNOUNCE),
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    fn record_key(&self, id: &str) -> String {
        self.shared.key(&format!("session:{id}"))
    }

    /// The key of the session's event stream.
    pub(crate) fn events_key(&self, id: &str) -> String {
        self.shared.key(&format!("session:{id}:events"))
    }

    fn index(&self) -> String {
        self.shared.key("sessions")
    }

    /// The channel telling replicas which session changed or ended.
    pub(crate) fn changed_channel(&self) -> String {
        self.shared.key("sessions:changed")
    }

    /// The channel carrying cancellations to every replica.
    pub(crate) fn cancel_channel(&self) -> String {
        self.shared.key("sessions:cancel")
    }

    /// The channel carrying the client's answers to the questions `replica` asked.
    pub(crate) fn answers_channel(&self, replica: &str) -> String {
        self.shared.key(&format!("sessions:replica:{replica}"))
    }

    /// Stores a new session's record, ending the least recently used sessions (of its
    /// caller, then of all) beyond the bounds; returns the ids of the sessions ended.
    pub(crate) async fn create(
        &self,
        id: &str,
        record: &Record,
        bounds: Bounds,
    ) -> Result<Vec<String>, Unavailable> {
        let caller_index = match &record.caller {
            Some(caller) => self.shared.key(&format!("sessions:caller:{caller}")),
            None => self.record_key(id),
        };
        let keys = [self.record_key(id), self.index(), caller_index];
        let mut fields: Vec<(String, String)> = vec![
            ("owner".into(), owner_field(record.owner.as_deref())),
            ("version".into(), record.version.clone()),
            ("client".into(), record.client_info.to_string()),
            (
                "capabilities".into(),
                Value::Object(record.capabilities.clone()).to_string(),
            ),
            (
                "initialized".into(),
                if record.initialized { "1" } else { "0" }.into(),
            ),
        ];
        if let Some(caller) = &record.caller {
            fields.push(("caller".into(), caller.clone()));
        }
        if let Some(level) = &record.level {
            fields.push(("level".into(), level.clone()));
        }
        for uri in &record.subscriptions {
            fields.push((format!("sub:{uri}"), "1".into()));
        }
        let prefix = self.shared.prefix().to_owned();
        let channel = self.changed_channel();
        self.shared
            .run(async |c: &mut ConnectionManager| {
                let mut invocation = self.scripts.create.key(&keys[..]);
                invocation
                    .arg(id)
                    .arg(now_ms())
                    .arg(bounds.idle_ms.max(1))
                    .arg(bounds.init_ms.max(1))
                    .arg(bounds.max.max(1))
                    .arg(bounds.per_caller.max(1))
                    .arg(&prefix)
                    .arg(&channel)
                    .arg(if record.caller.is_some() { "1" } else { "0" });
                for (field, value) in &fields {
                    invocation.arg(field).arg(value);
                }
                invocation.invoke_async(c).await
            })
            .await
    }

    /// The record of session `id`, if it exists.
    pub(crate) async fn load(&self, id: &str) -> Result<Option<Record>, Unavailable> {
        let key = self.record_key(id);
        let fields: Vec<(String, String)> = self
            .shared
            .run(async |c| redis::cmd("HGETALL").arg(&key).query_async(c).await)
            .await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let mut record = Record::default();
        for (field, value) in fields {
            match field.as_str() {
                "owner" => record.owner = value.strip_prefix("s:").map(str::to_owned),
                "caller" => record.caller = Some(value),
                "version" => record.version = value,
                "client" => record.client_info = serde_json::from_str(&value).unwrap_or_default(),
                "capabilities" => {
                    record.capabilities = serde_json::from_str(&value).unwrap_or_default()
                }
                "initialized" => record.initialized = value == "1",
                "level" => record.level = Some(value),
                other => {
                    if let Some(uri) = other.strip_prefix("sub:") {
                        record.subscriptions.push(uri.to_owned());
                    }
                }
            }
        }
        Ok(Some(record))
    }

    /// Refreshes the expiry of session `id` and applies `changes` (telling the other
    /// replicas when there are any); `false` when the session does not exist.
    pub(crate) async fn change(
        &self,
        id: &str,
        changes: &[Change],
        idle_ms: u64,
    ) -> Result<bool, Unavailable> {
        let keys = [self.record_key(id), self.index()];
        let prefix = self.shared.prefix().to_owned();
        let channel = self.changed_channel();
        let changed: i64 = self
            .shared
            .run(async |c: &mut ConnectionManager| {
                let mut invocation = self.scripts.change.key(&keys[..]);
                invocation
                    .arg(id)
                    .arg(now_ms())
                    .arg(idle_ms.max(1))
                    .arg(&prefix)
                    .arg(&channel)
                    .arg(format!("changed:{}:{id}", self.shared.replica()));
                for change in changes {
                    match change {
                        Change::Initialized => invocation.arg("set").arg("initialized").arg("1"),
                        Change::Level(level) => invocation.arg("set").arg("level").arg(level),
                        Change::Subscribe(uri) => {
                            invocation.arg("set").arg(format!("sub:{uri}")).arg("1")
                        }
                        Change::Unsubscribe(uri) => {
                            invocation.arg("del").arg(format!("sub:{uri}")).arg("")
                        }
                    };
                }
                invocation.invoke_async(c).await
            })
            .await?;
        Ok(changed == 1)
    }

    /// Ends session `id` everywhere if it belongs to `owner`; `false` when there is no such
    /// session of that owner.
    pub(crate) async fn remove(&self, id: &str, owner: Option<&str>) -> Result<bool, Unavailable> {
        let keys = [self.record_key(id), self.index()];
        let prefix = self.shared.prefix().to_owned();
        let channel = self.changed_channel();
        let removed: i64 = self
            .shared
            .run(async |c| {
                self.scripts
                    .remove
                    .key(&keys[..])
                    .arg(id)
                    .arg(owner_field(owner))
                    .arg(&prefix)
                    .arg(&channel)
                    .invoke_async(c)
                    .await
            })
            .await?;
        Ok(removed == 1)
    }

    /// Appends `message` to the event stream of session `id`; its event id, or `None` when
    /// the session does not exist.
    pub(crate) async fn append(
        &self,
        id: &str,
        message: &[u8],
    ) -> Result<Option<String>, Unavailable> {
        let keys = [self.record_key(id), self.events_key(id)];
        self.shared
            .run(async |c| {
                self.scripts
                    .append
                    .key(&keys[..])
                    .arg(message)
                    .arg(EVENTS)
                    .invoke_async(c)
                    .await
            })
            .await
    }

    /// The events of session `id` after the event `after` (all of those kept without one).
    pub(crate) async fn events_after(
        &self,
        id: &str,
        after: Option<&str>,
    ) -> Result<Vec<(String, Vec<u8>)>, Unavailable> {
        let key = self.events_key(id);
        let start = match after {
            Some(after) => format!("({after}"),
            None => "-".to_owned(),
        };
        let reply: redis::Value = self
            .shared
            .run(async |c| {
                redis::cmd("XRANGE")
                    .arg(&key)
                    .arg(&start)
                    .arg("+")
                    .query_async(c)
                    .await
            })
            .await?;
        Ok(entries(&reply))
    }

    /// Appends `message` to the stream of every live session, or of those subscribed to
    /// `uri` when given; returns how many sessions were told.
    pub(crate) async fn announce(
        &self,
        message: &[u8],
        uri: Option<&str>,
    ) -> Result<usize, Unavailable> {
        let index = self.index();
        let prefix = self.shared.prefix().to_owned();
        let told: i64 = self
            .shared
            .run(async |c| {
                self.scripts
                    .announce
                    .key(&index)
                    .arg(&prefix)
                    .arg(message)
                    .arg(uri.unwrap_or(""))
                    .arg(EVENTS)
                    .invoke_async(c)
                    .await
            })
            .await?;
        Ok(usize::try_from(told).unwrap_or(0))
    }

    /// Whether session `id` still exists.
    pub(crate) async fn exists(&self, id: &str) -> Result<bool, Unavailable> {
        let key = self.record_key(id);
        let n: i64 = self
            .shared
            .run(async |c| redis::cmd("EXISTS").arg(&key).query_async(c).await)
            .await?;
        Ok(n == 1)
    }
}

/// The entries of an `XRANGE` reply, or of one stream of an `XREAD` reply: each entry's id
/// and its message.
pub(crate) fn entries(reply: &redis::Value) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let redis::Value::Array(items) = reply else {
        return out;
    };
    for item in items {
        let redis::Value::Array(parts) = item else {
            continue;
        };
        let (Some(id), Some(redis::Value::Array(fields))) = (parts.first(), parts.get(1)) else {
            continue;
        };
        let Some(id) = text(id) else { continue };
        if let Some(message) = fields.get(1).and_then(bytes) {
            out.push((id, message));
        }
    }
    out
}

/// The entries of an `XREAD` reply for one stream.
pub(crate) fn read_entries(reply: &redis::Value) -> Vec<(String, Vec<u8>)> {
    match reply {
        redis::Value::Array(streams) => streams
            .iter()
            .flat_map(|stream| match stream {
                redis::Value::Array(parts) => parts.get(1).map(entries).unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect(),
        redis::Value::Map(streams) => streams.iter().flat_map(|(_, v)| entries(v)).collect(),
        _ => Vec::new(),
    }
}

fn bytes(value: &redis::Value) -> Option<Vec<u8>> {
    match value {
        redis::Value::BulkString(bytes) => Some(bytes.clone()),
        redis::Value::SimpleString(text) => Some(text.as_bytes().to_vec()),
        _ => None,
    }
}

fn text(value: &redis::Value) -> Option<String> {
    bytes(value).and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_kept_apart_from_no_owner() {
        assert_eq!(owner_field(None), "-");
        assert_eq!(owner_field(Some("-")), "s:-");
        assert_eq!(owner_field(Some("alice")), "s:alice");
    }

    #[test]
    fn stream_replies_are_read() {
        use redis::Value::{Array, BulkString};
        let entry = |id: &str, m: &str| {
            Array(vec![
                BulkString(id.into()),
                Array(vec![BulkString(b"m".to_vec()), BulkString(m.into())]),
            ])
        };
        let range = Array(vec![entry("1-0", "a"), entry("2-0", "b")]);
        assert_eq!(
            entries(&range),
            [
                ("1-0".to_owned(), b"a".to_vec()),
                ("2-0".to_owned(), b"b".to_vec())
            ]
        );
        let read = Array(vec![Array(vec![BulkString(b"k".to_vec()), range])]);
        assert_eq!(read_entries(&read).len(), 2);
    }
}
