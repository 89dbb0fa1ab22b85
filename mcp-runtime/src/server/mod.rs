//! The [`Server`] builder and the [`Dispatcher`] that answers requests.

mod completion;
mod connection;
mod context;
mod dispatch;
#[cfg(feature = "redis")]
mod fanout;
mod input;
mod lifecycle;
mod listen;
mod lists;
mod live;
mod manifest;
mod pipeline;
mod prompts;
mod registry;
mod resources;
mod skills;
mod span;
mod state;
mod subscriptions;
mod tasks;
mod tools;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "redis")]
pub(crate) use connection::Handshake;
pub use connection::{Connection, Outbound};
pub use context::{Ask, Context, Elicited};
#[cfg(feature = "http")]
pub(crate) use dispatch::unsupported_version;
pub(crate) use dispatch::Inner as DispatcherInner;
pub use dispatch::{Dispatcher, Reply};
pub(crate) use input::MIN_KEY_BYTES as MIN_STATE_KEY_BYTES;
#[cfg(feature = "http")]
pub(crate) use span::TraceHeaders;
pub use subscriptions::Notifier;

use crate::__private::v1::Provider;
use crate::capability::{PromptHandler, ResourceHandler, ToolHandler};
use crate::error::Result;
use crate::protocol::Implementation;
use context::StateMap;

/// Builds an MCP server from tools and shared state, then serves it.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Adds two numbers.
/// #[tool(read_only, idempotent)]
/// fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = Server::new("calculator", "1.0.0")
///     .instructions("Arithmetic on 64-bit integers.")
///     .tools(tools![add]);
/// // server.serve_stdio().await?;   -- or serve_from_args()
/// let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
/// assert_eq!(client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await.unwrap().text(), "5");
/// # }
/// ```
pub struct Server {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: Vec<Box<dyn ToolHandler>>,
    pub(crate) resources: Vec<Box<dyn ResourceHandler>>,
    pub(crate) prompts: Vec<Box<dyn PromptHandler>>,
    /// The skills to serve (see [`Server::skills_dir`]), read when the server is built.
    pub(crate) skills: Vec<crate::skills::SkillSource>,
    pub(crate) state: StateMap,
    /// State made when the server is built (see [`Server::state_with`]).
    pub(crate) pending_state: state::PendingList,
    pub(crate) page_size: usize,
    pub(crate) list_ttl: Duration,
    pub(crate) disabled: Vec<String>,
    pub(crate) policy: crate::permission::Policy,
    pub(crate) audit: crate::permission::AuditLog,
    /// Values kept for the layers that serve it (see [`Server::with_extension`]).
    pub(crate) extensions: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    /// The keys that seal `requestState`: the first signs, every one verifies.
    pub(crate) request_state_keys: Vec<Vec<u8>>,
    pub(crate) request_state_ttl: Duration,
    pub(crate) timeouts: registry::Timeouts,
    pub(crate) optional_parameters: crate::capability::OptionalParameters,
    /// The server's own command-line options, for `--manifest`.
    pub(crate) cli_options: Vec<crate::cli::CliOption>,
    /// Where requests, calls, decisions and sessions are counted, if anywhere.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: Option<crate::metrics::Metrics>,
    /// Where tasks are kept (default: in memory).
    pub(crate) task_store: Option<Arc<dyn crate::tasks::TaskStore>>,
    /// The URL of the store to connect to when the server is served (see
    /// [`Server::store_url`]).
    pub(crate) task_store_url: Option<String>,
    /// The store shared with other replicas, once connected.
    #[cfg(feature = "redis")]
    pub(crate) shared: Option<crate::store::Shared>,
    pub(crate) task_settings: crate::tasks::TaskSettings,
    /// Layers around the request path, outermost first.
    pub(crate) layers: Vec<crate::middleware::Wrap>,
}

impl Server {
    /// A server with a name and a version (usually `env!("CARGO_PKG_VERSION")`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Server {
            info: Implementation {
                name: name.into(),
                version: version.into(),
                title: None,
                icons: Vec::new(),
            },
            instructions: None,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            skills: Vec::new(),
            state: StateMap::new(),
            pending_state: Default::default(),
            page_size: 100,
            list_ttl: Duration::from_secs(60),
            disabled: Vec::new(),
            policy: crate::permission::Policy::default(),
            audit: crate::permission::AuditLog::default(),
            extensions: HashMap::new(),
            request_state_keys: Vec::new(),
            request_state_ttl: Duration::from_secs(5 * 60),
            timeouts: registry::Timeouts::default(),
            optional_parameters: Default::default(),
            cli_options: Vec::new(),
            #[cfg(feature = "metrics")]
            metrics: None,
            task_store: None,
            task_store_url: None,
            #[cfg(feature = "redis")]
            shared: None,
            task_settings: Default::default(),
            layers: Vec::new(),
        }
    }

    /// Describes the server's own command-line options (`--db PATH`) in the manifest that
    /// `--manifest` prints, under `"options"`: `cargo mcp bundle` makes a bundle's
    /// `user_config` of them, and `cargo mcp server-json` a registry entry's arguments. With
    /// the `clap` feature, `CliOption::from_command` reads them from the server's parser:
    ///
    /// ```
    /// # #[cfg(feature = "clap")] {
    /// use clap::{CommandFactory, Parser};
    /// use mcp_runtime::cli::{CliOption, Options};
    /// use mcp_runtime::Server;
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     /// The SQLite database
    ///     #[arg(long, default_value = "accounts.db")]
    ///     db: std::path::PathBuf,
    ///     #[command(flatten)]
    ///     mcp: Options,
    /// }
    ///
    /// let server = Server::new("accounts", "1.0.0")
    ///     .cli_options(CliOption::from_command(&Cli::command()));
    /// # }
    /// ```
    ///
    /// Or by hand:
    ///
    /// ```
    /// use mcp_runtime::cli::{CliOption, OptionKind};
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::new("notes", "1.0.0").cli_options([
    ///     CliOption::new("--root", "The directory to serve").kind(OptionKind::Directory).required(),
    /// ]);
    /// ```
    pub fn cli_options(mut self, options: impl IntoIterator<Item = crate::cli::CliOption>) -> Self {
        self.cli_options.extend(options);
        self
    }

    /// Counts requests, capability calls, policy decisions and sessions in `metrics` (see
    /// [`metrics`](crate::metrics)); without it nothing is counted. `--metrics` and
    /// `--metrics-bind` give the server metrics and serve them.
    #[cfg(feature = "metrics")]
    pub fn metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// A display title for clients.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Adds an image clients can show for the server: an `https:` URL or a `data:image/...`
    /// URI, checked by [`Server::build`]. Clients of `2025-06-18` and older are not sent it.
    ///
    /// ```
    /// use mcp_runtime::protocol::Icon;
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::new("accounts", "1.0.0")
    ///     .icon(Icon::new("https://example.com/accounts.svg").mime_type("image/svg+xml").sizes(["any"]));
    /// assert_eq!(server.info().icons.len(), 1);
    /// ```
    pub fn icon(mut self, icon: crate::protocol::Icon) -> Self {
        self.info.icons.push(icon);
        self
    }

    /// Adds images clients can show for the server (see [`Server::icon`]).
    pub fn icons(mut self, icons: impl IntoIterator<Item = crate::protocol::Icon>) -> Self {
        self.info.icons.extend(icons);
        self
    }

    /// Guidance for the model on how to use this server.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers the tools of functions marked `#[tool]`, named with [`tools!`](crate::tools):
    /// `.tools(tools![add, subtract])`. Also takes any other collection of boxed handlers.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Box<dyn ToolHandler>>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Registers one tool written by hand: any [`ToolHandler`], such as a
    /// [`FnTool`](crate::capability::FnTool). Functions marked `#[tool]` go through
    /// [`Server::tools`].
    pub fn tool(mut self, tool: impl ToolHandler) -> Self {
        self.tools.push(Box::new(tool));
        self
    }

    /// Registers every capability of an `impl` block annotated with `#[mcp_server]`; its
    /// methods share the value through `&self`.
    pub fn provider<P: Provider>(self, provider: P) -> Self {
        self.provider_arc(Arc::new(provider))
    }

    /// Like [`Server::provider`], for a value that is already shared.
    pub fn provider_arc<P: Provider>(mut self, provider: Arc<P>) -> Self {
        self.tools.extend(Arc::clone(&provider).tools());
        self.resources.extend(Arc::clone(&provider).resources());
        self.prompts.extend(provider.prompts());
        self
    }

    /// Registers the resources and resource templates of functions marked `#[resource]`,
    /// named with [`resources!`](crate::resources): `.resources(resources![readme, note])`.
    pub fn resources(
        mut self,
        resources: impl IntoIterator<Item = Box<dyn ResourceHandler>>,
    ) -> Self {
        self.resources.extend(resources);
        self
    }

    /// Registers one resource or resource template written by hand: any [`ResourceHandler`].
    /// Functions marked `#[resource]` go through [`Server::resources`].
    pub fn resource(mut self, resource: impl ResourceHandler) -> Self {
        self.resources.push(Box::new(resource));
        self
    }

    /// Registers the prompts of functions marked `#[prompt]`, named with
    /// [`prompts!`](crate::prompts): `.prompts(prompts![review])`.
    pub fn prompts(mut self, prompts: impl IntoIterator<Item = Box<dyn PromptHandler>>) -> Self {
        self.prompts.extend(prompts);
        self
    }

    /// Registers one prompt written by hand: any [`PromptHandler`]. Functions marked
    /// `#[prompt]` go through [`Server::prompts`].
    pub fn prompt(mut self, prompt: impl PromptHandler) -> Self {
        self.prompts.push(Box::new(prompt));
        self
    }

    /// Serves every skill under `path` (the skills extension, `io.modelcontextprotocol/skills`;
    /// see [`skills`](crate::skills)): each subdirectory holding a `SKILL.md` is a skill, its
    /// other files are the skill's resources, and directories without a `SKILL.md` on the
    /// way down are an organisational prefix (`acme/billing/refunds/SKILL.md` is served at
    /// `skill://acme/billing/refunds/SKILL.md`).
    ///
    /// The files are read, checked and digested when the server is built, which fails with
    /// [`Error::InvalidSkill`](crate::Error::InvalidSkill) naming the file and the rule it
    /// breaks: a name against the naming rules or unlike its directory's, frontmatter without
    /// `name` or `description`, more than 512 files or 16 MiB in one skill, a symbolic link
    /// leading out of its skill. A path relative to the crate reads
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "/skills")`.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use serde_json::json;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let root = std::env::temp_dir().join(format!("skills-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(root.join("pdf-processing/references"))?;
    /// std::fs::write(
    ///     root.join("pdf-processing/SKILL.md"),
    ///     "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n---\n\nSee references/FORMS.md.\n",
    /// )?;
    /// std::fs::write(root.join("pdf-processing/references/FORMS.md"), "# Forms\n")?;
    ///
    /// let client = mcp_runtime::testing::TestClient::modern(
    ///     Server::new("documents", "1.0.0").skills_dir(&root),
    /// )?;
    /// let skill = client
    ///     .request("skills/get", json!({"uri": "skill://pdf-processing/SKILL.md"}))
    ///     .await?;
    /// assert_eq!(skill["skill"]["frontmatter"]["name"], "pdf-processing");
    /// let children = client
    ///     .request("resources/directory/read", json!({"uri": "skill://pdf-processing"}))
    ///     .await?;
    /// assert_eq!(children["resources"][1]["mimeType"], "inode/directory");
    /// # std::fs::remove_dir_all(&root)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn skills_dir(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.skills
            .push(crate::skills::SkillSource::Directory(path.into()));
        self
    }

    /// Serves one skill written in code (see [`Skill`](crate::skills::Skill)), checked when
    /// the server is built under the same rules as [`Server::skills_dir`]'s.
    pub fn skill(mut self, skill: crate::skills::Skill) -> Self {
        self.skills.push(crate::skills::SkillSource::Code(skill));
        self
    }

    /// Registers a shared value that tools receive as `State<T>`. One value per type; a
    /// second value of the same type (or [`Server::state_with`] for it) replaces the first.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.pending_state.remove(TypeId::of::<T>());
        self.state.insert(
            TypeId::of::<T>(),
            Arc::new(value) as Arc<dyn Any + Send + Sync>,
        );
        self
    }

    /// Registers the shared value that tools receive as `State<T>`, made by `make` only when
    /// the server is served: when it is built ([`Server::build`], which serving and
    /// [`TestClient`](crate::testing::TestClient) do), and never for the command line's
    /// `--manifest`, `--print-config`, `--help` or `--version`. Opening a database or a
    /// directory here leaves nothing behind when the server is only described.
    ///
    /// The capabilities taking `State<T>` count it as registered. If `make` fails, building
    /// fails with [`Error::StateInit`](crate::Error::StateInit), whose message names the
    /// type and then gives `make`'s error: say there what could not be done
    /// (`cannot open accounts.db: ...`). One value per type, as with [`Server::state`].
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use mcp_runtime::prelude::*;
    ///
    /// struct Notes {
    ///     dir: PathBuf,
    /// }
    ///
    /// /// Says where the notes are.
    /// #[tool(read_only)]
    /// fn notes_dir(notes: State<Notes>) -> String {
    ///     notes.dir.display().to_string()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dir = std::env::temp_dir();
    /// let server = Server::new("notes", "1.0.0")
    ///     .state_with(move || match dir.is_dir() {
    ///         true => Ok(Notes { dir }),
    ///         false => Err(format!("cannot open {}: not a directory", dir.display())),
    ///     })
    ///     .tools(tools![notes_dir]);
    /// let client = mcp_runtime::testing::TestClient::modern(server).unwrap(); // made here
    /// let answer = client.call_tool("notes_dir", serde_json::json!({})).await.unwrap();
    /// assert_eq!(answer.text(), std::env::temp_dir().display().to_string());
    ///
    /// let failing = Server::new("notes", "1.0.0")
    ///     .state_with(|| Err::<Notes, _>("cannot open /nowhere: not a directory"))
    ///     .tools(tools![notes_dir]);
    /// let error = failing.build().unwrap_err().to_string();
    /// assert!(error.ends_with("cannot open /nowhere: not a directory"), "{error}");
    /// # }
    /// ```
    pub fn state_with<T, E, F>(mut self, make: F) -> Self
    where
        T: Send + Sync + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
        F: FnOnce() -> std::result::Result<T, E> + Send + 'static,
    {
        self.state.remove(&TypeId::of::<T>());
        self.pending_state
            .insert(TypeId::of::<T>(), state::Pending::new(make));
        self
    }

    /// How many items a list result holds before it continues on a next page (default 100).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Starts the tool or prompt `name` (or the resource registered for the URI `name`)
    /// switched off: unlisted and unserved until
    /// [`Notifier::enable_tool`](crate::server::Notifier::enable_tool) (or `enable_prompt`,
    /// `enable_resource`) switches it on. Building fails if nothing has that name.
    pub fn disable(mut self, name: impl Into<String>) -> Self {
        self.disabled.push(name.into());
        self
    }

    /// How long modern-era clients may cache discovery and list results (default 60 s).
    pub fn list_ttl(mut self, ttl: Duration) -> Self {
        self.list_ttl = ttl;
        self
    }

    /// Sets the permission policy in code. `--policy FILE` (or `MCP_POLICY`) and the
    /// `MCP_POLICY_*` environment variables are laid over it by
    /// [`Serve::serve_from_args`](crate::Serve::serve_from_args), each winning per key. Without one, low and medium
    /// risks run, high and critical ask the user first, and nothing is denied.
    pub fn policy(mut self, policy: crate::permission::Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Where audit records go (default: `tracing` only); `--audit FILE` sets a file.
    pub fn audit(mut self, audit: crate::permission::AuditLog) -> Self {
        self.audit = audit;
        self
    }

    /// The secret that seals `requestState` in 2026-07-28 multi round-trip requests (the
    /// answers a client gave in earlier rounds travel there, protected by HMAC-SHA256).
    ///
    /// By default each process draws a random key, so a retry must reach the same process,
    /// unless the server shares a store with its replicas (`--store`): they then agree on a
    /// key through it. Give every replica behind a load balancer the same key (at least 32
    /// random bytes, from a secret store) and any of them can serve the retry. To change
    /// keys without refusing the states in flight, see [`Server::request_state_keys`].
    pub fn request_state_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.request_state_keys = vec![key.into()];
        self
    }

    /// A key ring for `requestState`: the first key seals, and every key opens the states
    /// it sealed (each state names its key by a short digest). To rotate keys without a
    /// flag day, add the new key behind the current one on every replica, then move it to
    /// the front, then drop the old one once the states it sealed have expired
    /// ([`Server::request_state_ttl`]). A state sealed with a key no longer held is refused
    /// like a forged one (`-32602`). `--state-key` and `MCP_STATE_KEYS` win over it.
    ///
    /// ```
    /// use mcp_runtime::Server;
    ///
    /// let current = [7u8; 32]; // from a secret store, in practice
    /// let previous = [9u8; 32];
    /// let server = Server::new("bank", "1.0.0").request_state_keys([current, previous]);
    /// ```
    pub fn request_state_keys<K: Into<Vec<u8>>>(
        mut self,
        keys: impl IntoIterator<Item = K>,
    ) -> Self {
        self.request_state_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// How long a `requestState` stays valid for a retry (default 5 minutes: long enough for
    /// a user to answer a question, short enough that an abandoned one does not linger). Each
    /// state is accepted once, whatever its age.
    pub fn request_state_ttl(mut self, ttl: Duration) -> Self {
        self.request_state_ttl = ttl;
        self
    }

    /// Wraps every request in `layer`, a [`tower::Layer`] over
    /// [`McpService`](crate::middleware::McpService) (see [`crate::middleware`]): it may
    /// observe, change, answer or time out each request before the server's own checks. The
    /// first layer registered is the outermost.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Waits a while.
    /// #[tool]
    /// async fn wait(ms: u64) -> String {
    ///     tokio::time::sleep(Duration::from_millis(ms)).await;
    ///     "waited".into()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Any tower middleware: here, no request may take more than 50 ms.
    /// let server = Server::new("waiter", "1.0.0")
    ///     .tools(tools![wait])
    ///     .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(50)));
    /// let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
    /// let error = client.call_tool("wait", serde_json::json!({"ms": 10_000})).await.unwrap_err();
    /// assert_eq!(error.code, -32603);
    /// # }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<crate::middleware::McpService> + Send + 'static,
        L::Service: tower::Service<
                crate::middleware::McpRequest,
                Response = crate::middleware::McpResponse,
                Error = crate::middleware::BoxError,
            > + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<crate::middleware::McpRequest>>::Future: Send + 'static,
    {
        self.layers.push(crate::middleware::wrap(layer));
        self
    }

    /// Where tasks are kept (see [`crate::tasks`]). By default in memory
    /// ([`MemoryTaskStore`](crate::tasks::MemoryTaskStore), at most 1000 tasks): a restart
    /// loses them, and replicas do not share them.
    ///
    /// ```
    /// use mcp_runtime::tasks::MemoryTaskStore;
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::new("reports", "1.0.0").task_store(MemoryTaskStore::new(10_000));
    /// ```
    ///
    /// A [`RedisTaskStore`](crate::tasks) (the `redis` feature) is the store the replicas
    /// share for the rest as well, as with [`Server::store_url`]: legacy-era HTTP sessions
    /// with their event logs, the keys that seal `requestState` and the fan-out of changes
    /// (see the replicas guide).
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn example() -> Result<(), mcp_runtime::tasks::TaskStoreError> {
    /// use mcp_runtime::tasks::RedisTaskStore;
    /// use mcp_runtime::Server;
    ///
    /// let store = RedisTaskStore::builder("redis://127.0.0.1:6379/0").prefix("reports:").connect().await?;
    /// let server = Server::new("reports", "1.0.0").task_store(store);
    /// # Ok(())
    /// # }
    /// ```
    pub fn task_store(mut self, store: impl crate::tasks::TaskStore) -> Self {
        #[cfg(feature = "redis")]
        if let Some(redis) = (&store as &dyn Any).downcast_ref::<crate::tasks::RedisTaskStore>() {
            self.shared = Some(redis.shared().clone());
        }
        self.task_store = Some(Arc::new(store));
        self
    }

    /// Keeps tasks in the store `url` names, connected when the server is served
    /// ([`Serve::serve_from_args`](crate::Serve::serve_from_args),
    /// [`serve_with`](crate::Serve::serve_with), [`serve_stdio`](crate::Serve::serve_stdio)):
    /// `redis://HOST:PORT[/DB]` is a [`RedisTaskStore`](crate::tasks) (the `redis` feature),
    /// shared by every replica given the same URL. A store that cannot be reached then is an
    /// error naming the URL. `--store URL` and the `MCP_STORE` variable win over it; without
    /// any of them, tasks stay in memory. [`Server::build`] fails while the URL is not
    /// connected: a server built by hand takes a connected store with
    /// [`Server::task_store`].
    ///
    /// ```
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::new("reports", "1.0.0").store_url("redis://127.0.0.1:6379/0");
    /// ```
    pub fn store_url(mut self, url: impl Into<String>) -> Self {
        self.task_store_url = Some(url.into());
        self
    }

    /// Connects to the store of [`Server::store_url`], if any, and keeps tasks there.
    pub(crate) async fn connect_task_store(mut self) -> Result<Self> {
        if let Some(url) = self.task_store_url.take() {
            crate::tasks::check_url(&url).map_err(crate::Error::TaskStore)?;
            #[cfg(feature = "redis")]
            {
                let shared = crate::store::Shared::connect(
                    &url,
                    crate::store::DEFAULT_PREFIX,
                    crate::store::DEFAULT_TIMEOUT,
                )
                .await
                .map_err(|e| {
                    crate::Error::TaskStore(format!("cannot connect to the task store: {e}"))
                })?;
                tracing::info!(store = %crate::tasks::shown_url(&url), replica = shared.replica(), "tasks are kept in the shared store");
                self.task_store = Some(Arc::new(crate::tasks::RedisTaskStore::on(
                    shared.clone(),
                    crate::tasks::DEFAULT_REDIS_LIMIT,
                )));
                self.shared = Some(shared);
            }
        }
        Ok(self)
    }

    /// How long a task is kept after it was created (default one hour); `None` keeps it until
    /// the store drops it to make room. A 2025-11-25 client may ask for less.
    pub fn task_ttl(mut self, ttl: impl Into<Option<Duration>>) -> Self {
        self.task_settings.ttl = ttl.into();
        self
    }

    /// How often clients are asked to poll a task (default every 500 ms).
    pub fn task_poll_interval(mut self, interval: Duration) -> Self {
        self.task_settings.poll_interval = interval;
        self
    }

    /// How tools' optional parameters appear in their input schemas: by default
    /// [`Omittable`](crate::capability::OptionalParameters::Omittable), not required with a
    /// plain type, the form every client accepts;
    /// [`Nullable`](crate::capability::OptionalParameters::Nullable) also admits `null`.
    pub fn optional_parameters(mut self, form: crate::capability::OptionalParameters) -> Self {
        self.optional_parameters = form;
        self
    }

    /// How long a call (`tools/call`, `resources/read`, `prompts/get`) may run, confirmation
    /// included, before it is stopped and answered with an error (an error result for a
    /// tool): default 10 minutes, `None` for no limit. The handler's `Context` sees the
    /// cancellation.
    pub fn call_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeouts.default = timeout.into();
        self
    }

    /// Overrides [`Server::call_timeout`] for the tool or prompt `name` (or the resource
    /// registered for the URI `name`). Building fails if nothing has that name.
    pub fn timeout_for(
        mut self,
        name: impl Into<String>,
        timeout: impl Into<Option<Duration>>,
    ) -> Self {
        self.timeouts.by_name.insert(name.into(), timeout.into());
        self
    }

    /// Keeps `value` for a layer above the server (the command line keeps its HTTP
    /// authentication here); one value per type, a second replacing the first.
    #[doc(hidden)]
    pub fn with_extension<T: std::any::Any + Send + Sync>(mut self, value: T) -> Self {
        self.extensions.insert(TypeId::of::<T>(), Box::new(value));
        self
    }

    /// Takes the value of type `T` kept by [`Server::with_extension`].
    #[doc(hidden)]
    pub fn take_extension<T: std::any::Any + Send + Sync>(&mut self) -> Option<T> {
        let value = self.extensions.remove(&TypeId::of::<T>())?;
        value.downcast::<T>().ok().map(|boxed| *boxed)
    }

    /// The server's name and version.
    pub fn info(&self) -> &Implementation {
        &self.info
    }

    /// Checks the configuration and prepares everything that does not change per request,
    /// making the state given to [`Server::state_with`].
    ///
    /// Fails on duplicate tool names, names the specification does not allow, tools that
    /// take a `State<T>` nobody registered, icons whose source is not `https:` or
    /// `data:image/...`, tools whose MCP Apps view (`ui`) names no registered `ui://` view,
    /// and state that could not be made.
    pub fn build(mut self) -> Result<Dispatcher> {
        self.check_icons()?;
        if let Some(url) = &self.task_store_url {
            return Err(crate::Error::TaskStore(format!(
                "the task store {} is not connected: serve the server with `serve_from_args`, `serve_with` or `serve_stdio`, which connect it, or give a connected store with `Server::task_store`",
                crate::tasks::shown_url(url)
            )));
        }
        let pending = std::mem::take(&mut self.pending_state);
        state::make_all(pending, &mut self.state)?;
        Dispatcher::new(self)
    }

    /// Like [`Server::build`], for describing the server only (`--manifest`): the state
    /// given to [`Server::state_with`] is not made, and counts as registered. The
    /// dispatcher must not serve.
    pub(crate) fn build_to_describe(mut self) -> Result<Dispatcher> {
        self.check_icons()?;
        let pending = std::mem::take(&mut self.pending_state);
        state::stand_in(pending, &mut self.state);
        Dispatcher::new(self)
    }
}

impl Server {
    /// Fails on the first of the server's own icons that breaks the rules.
    fn check_icons(&self) -> Result<()> {
        self.info
            .icons
            .iter()
            .try_for_each(crate::protocol::Icon::check)
            .map_err(|reason| crate::Error::InvalidIcon {
                kind: "server",
                name: self.info.name.clone(),
                reason,
            })
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("info", &self.info)
            .field("tools", &self.tools.len())
            .field("resources", &self.resources.len())
            .field("prompts", &self.prompts.len())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// True when `name` follows the specification's rules for tool names.
pub(crate) fn is_valid_tool_name(name: &str) -> bool {
    mcp_rules::tool_name::is_valid(name)
}
