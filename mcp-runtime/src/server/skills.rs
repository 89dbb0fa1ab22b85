//! The skills extension's requests: `skills/list`, `skills/get` and
//! `resources/directory/read`. Skill files themselves are resources, read by
//! `resources/read` like any other.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::connection::Connection;
use super::dispatch::{parse_params, ListParams, Negotiated};
use super::Dispatcher;
use crate::permission::Kind;
use crate::protocol::{encode_result, Era, RequestId, RequestMeta, RpcError};
use crate::skills::{Catalog, Child, DIRECTORY_MIME_TYPE};

/// The parameters of `skills/get` and `resources/directory/read`.
#[derive(Deserialize)]
struct UriParams {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMeta>,
    uri: String,
    #[serde(default)]
    cursor: Option<String>,
}

impl Dispatcher {
    fn catalog(&self, method: &str) -> Result<&Catalog, RpcError> {
        self.inner
            .skills
            .as_ref()
            .ok_or_else(|| RpcError::method_not_found(method))
    }

    /// True when the resource at `uri` is registered with exactly that URI, switched on and
    /// not denied by the policy: what `resources/list` shows.
    fn shows(&self, uri: &str) -> bool {
        let registry = &self.inner.registry;
        registry
            .resource(uri, &self.inner.hub.resources)
            .is_some_and(|(index, _)| {
                let entry = &registry.resources[index];
                entry.listed && entry.descriptor.uri() == uri
            })
    }

    /// `skills/list`: the skills whose `SKILL.md` shows in `resources/list`, paginated.
    pub(super) fn list_skills(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let catalog = self.catalog("skills/list")?;
        let params: ListParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let skills: Vec<&Value> = catalog
            .entries()
            .iter()
            .filter(|entry| self.shows(&entry.uri))
            .map(|entry| &entry.wire)
            .collect();
        let (page, next_cursor) = self.page(&skills, params.cursor.as_deref())?;
        Ok(self.encode(id, &negotiated, json!({ "skills": page }), next_cursor))
    }

    /// `skills/get`: the entry of the skill whose `SKILL.md` is at `uri`, decided by the
    /// policy as reading that `SKILL.md` would be; `-32602` for anything else.
    pub(super) fn get_skill(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let catalog = self.catalog("skills/get")?;
        let params: UriParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let uri = params.uri.as_str();
        let unknown = || {
            RpcError::invalid_params(format!("no skill is served at {uri}"))
                .with_data(json!({ "uri": uri }))
        };
        let entry = catalog.entry(uri).ok_or_else(unknown)?;
        let registry = &self.inner.registry;
        let (index, _) = registry
            .resource(uri, &self.inner.hub.resources)
            .filter(|(index, _)| registry.resources[*index].descriptor.uri() == uri)
            .ok_or_else(unknown)?;
        let resource = &registry.resources[index];
        self.check_access(
            Kind::Resource,
            resource.descriptor.core(),
            resource.listed,
            unknown,
        )?;
        Ok(self.encode(id, &negotiated, json!({ "skill": entry.wire }), None))
    }

    /// `resources/directory/read`: the direct children of a directory of the skill
    /// namespace that `resources/list` would show, subdirectories as `inode/directory`
    /// resources; `-32602` for a URI that is not such a directory.
    pub(super) fn read_directory(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let catalog = self.catalog("resources/directory/read")?;
        let params: UriParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let uri = params.uri.as_str();
        let visible = |file: &str| self.shows(file);
        let children = catalog
            .directory(uri)
            .filter(|_| catalog.directory_shows(uri, &visible))
            .ok_or_else(|| {
                RpcError::invalid_params(format!("not a directory: {uri}"))
                    .with_data(json!({ "uri": uri }))
            })?;
        let registry = &self.inner.registry;
        let mut listed = Vec::with_capacity(children.len());
        for child in children {
            match child {
                Child::File(file) if self.shows(file) => {
                    if let Some((index, _)) = registry.resource(file, &self.inner.hub.resources) {
                        let resource = registry.resources[index].descriptor.to_resource();
                        listed.push(serde_json::to_value(resource).map_err(RpcError::internal)?);
                    }
                }
                Child::Directory { uri, name } if catalog.directory_shows(uri, &visible) => {
                    listed.push(json!({
                        "uri": uri,
                        "name": name,
                        "mimeType": DIRECTORY_MIME_TYPE,
                    }));
                }
                _ => {}
            }
        }
        let listed: Vec<&Value> = listed.iter().collect();
        let (page, next_cursor) = self.page(&listed, params.cursor.as_deref())?;
        Ok(self.encode(id, &negotiated, json!({ "resources": page }), next_cursor))
    }

    /// The page of `items` a cursor names (`page-N`, as the other lists spell it), and the
    /// cursor of the next page.
    fn page<'a>(
        &self,
        items: &[&'a Value],
        cursor: Option<&str>,
    ) -> Result<(Vec<&'a Value>, Option<String>), RpcError> {
        let size = self.inner.hub.settings.page_size;
        let start = match cursor {
            None => 0,
            Some(cursor) => cursor
                .strip_prefix("page-")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .and_then(|n| n.checked_mul(size))
                .filter(|&start| start < items.len())
                .ok_or_else(|| RpcError::invalid_params(format!("invalid cursor `{cursor}`")))?,
        };
        let end = items.len().min(start + size);
        let next = (end < items.len()).then(|| format!("page-{}", end / size));
        Ok((items[start..end].to_vec(), next))
    }

    /// A result of these requests: in the 2026-07-28 era with its result type, caching hints
    /// and the server's `_meta`, as the other lists carry.
    fn encode(
        &self,
        id: &RequestId,
        negotiated: &Negotiated,
        body: Value,
        next_cursor: Option<String>,
    ) -> Vec<u8> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            result_type: Option<&'static str>,
            #[serde(flatten)]
            body: Value,
            #[serde(skip_serializing_if = "Option::is_none")]
            next_cursor: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ttl_ms: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            cache_scope: Option<&'static str>,
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a RawValue>,
        }
        let modern = negotiated.version.era() == Era::Modern;
        encode_result(
            id,
            &Wire {
                result_type: modern.then_some("complete"),
                body,
                next_cursor,
                ttl_ms: modern.then_some(self.inner.hub.settings.ttl_ms),
                cache_scope: modern.then_some("public"),
                meta: modern.then_some(&*self.inner.server_meta),
            },
        )
    }
}
