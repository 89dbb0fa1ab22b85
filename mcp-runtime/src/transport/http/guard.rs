//! Checks every request passes before its body is read: DNS-rebinding protection (`Host`
//! and `Origin` against allow-lists) and content negotiation (`Content-Type`, `Accept`).

use axum::http::{header, HeaderMap, StatusCode};

/// Hosts and origins a server accepts requests for.
#[derive(Debug, Clone)]
pub(crate) struct AllowList {
    /// Host names (without port) accepted in `Host`; loopback names are always accepted.
    pub(crate) hosts: Vec<String>,
    /// Exact origins (`scheme://host[:port]`) accepted in `Origin`; loopback origins are
    /// always accepted.
    pub(crate) origins: Vec<String>,
}

const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

impl AllowList {
    /// `Err` with the status and reason when the request must be refused.
    /// A request without `Host` (HTTP/1.0, or an in-process call) passes: browsers, which DNS
    /// rebinding abuses, always send one.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), (StatusCode, String)> {
        if headers.get_all(header::HOST).iter().count() > 1 {
            return Err((
                StatusCode::BAD_REQUEST,
                "more than one Host header".to_owned(),
            ));
        }
        if headers.get_all(header::ORIGIN).iter().count() > 1 {
            return Err((
                StatusCode::FORBIDDEN,
                "more than one Origin header".to_owned(),
            ));
        }
        if let Some(host) = headers.get(header::HOST) {
            let host = host.to_str().unwrap_or("");
            let name = host_name(host);
            if !LOOPBACK.contains(&name) && !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
            {
                return Err((
                    StatusCode::FORBIDDEN,
                    format!("Host `{host}` is not allowed"),
                ));
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            if !self.origin_allowed(origin) {
                return Err((
                    StatusCode::FORBIDDEN,
                    format!("Origin `{origin}` is not allowed"),
                ));
            }
        }
        Ok(())
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        if self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            return true;
        }
        let Some((scheme, rest)) = origin.split_once("://") else {
            return false;
        };
        matches!(scheme, "http" | "https")
            && !rest.contains('/')
            && LOOPBACK.contains(&host_name(rest))
    }
}

/// The host name of a `Host` value or an origin's authority, without the port.
fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    authority.split(':').next().unwrap_or(authority)
}

/// `415` unless the body is declared as JSON.
pub(crate) fn require_json_body(headers: &HeaderMap) -> Result<(), (StatusCode, String)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be application/json, not `{content_type}`"),
        ))
    }
}

/// `406` unless the client accepts every one of `types`.
pub(crate) fn require_accept(
    headers: &HeaderMap,
    types: &[&str],
) -> Result<(), (StatusCode, String)> {
    let accepted: Vec<String> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let accepts = |wanted: &str| {
        let (kind, _) = wanted.split_once('/').unwrap_or((wanted, ""));
        accepted
            .iter()
            .any(|t| t == wanted || t == "*/*" || *t == format!("{kind}/*"))
    };
    if types.iter().all(|t| accepts(t)) {
        Ok(())
    } else {
        Err((
            StatusCode::NOT_ACCEPTABLE,
            format!("Accept must include {}", types.join(" and ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn defaults() -> AllowList {
        AllowList {
            hosts: vec![],
            origins: vec![],
        }
    }

    #[test]
    fn loopback_hosts_and_origins_pass() {
        for host in ["localhost", "localhost:8080", "127.0.0.1:3000", "[::1]:80"] {
            assert!(
                defaults().check(&headers(&[(header::HOST, host)])).is_ok(),
                "{host}"
            );
        }
        for origin in [
            "http://localhost:5173",
            "https://127.0.0.1",
            "http://[::1]:9",
        ] {
            assert!(
                defaults()
                    .check(&headers(&[(header::ORIGIN, origin)]))
                    .is_ok(),
                "{origin}"
            );
        }
    }

    #[test]
    fn foreign_hosts_and_origins_are_forbidden() {
        for host in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
        ] {
            assert_eq!(
                defaults()
                    .check(&headers(&[(header::HOST, host)]))
                    .unwrap_err()
                    .0,
                StatusCode::FORBIDDEN
            );
        }
        for origin in [
            "http://evil.example",
            "null",
            "http://localhost.evil.example",
            "file://localhost/x",
        ] {
            assert_eq!(
                defaults()
                    .check(&headers(&[(header::ORIGIN, origin)]))
                    .unwrap_err()
                    .0,
                StatusCode::FORBIDDEN,
                "{origin}"
            );
        }
    }

    #[test]
    fn configured_hosts_and_origins_pass() {
        let list = AllowList {
            hosts: vec!["mcp.example.com".into()],
            origins: vec!["https://app.example.com".into()],
        };
        let ok = headers(&[
            (header::HOST, "mcp.example.com:443"),
            (header::ORIGIN, "https://app.example.com"),
        ]);
        assert!(list.check(&ok).is_ok());
    }

    #[test]
    fn content_negotiation() {
        assert!(require_json_body(&headers(&[(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8"
        )]))
        .is_ok());
        assert_eq!(
            require_json_body(&headers(&[(header::CONTENT_TYPE, "text/plain")]))
                .unwrap_err()
                .0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            require_json_body(&HeaderMap::new()).unwrap_err().0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let both = ["application/json", "text/event-stream"];
        assert!(require_accept(
            &headers(&[(header::ACCEPT, "application/json, text/event-stream")]),
            &both
        )
        .is_ok());
        assert!(require_accept(&headers(&[(header::ACCEPT, "*/*")]), &both).is_ok());
        assert_eq!(
            require_accept(&headers(&[(header::ACCEPT, "application/json")]), &both)
                .unwrap_err()
                .0,
            StatusCode::NOT_ACCEPTABLE
        );
        assert_eq!(
            require_accept(&HeaderMap::new(), &both).unwrap_err().0,
            StatusCode::NOT_ACCEPTABLE
        );
    }
}
