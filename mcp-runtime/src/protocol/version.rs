//! The protocol revisions this runtime speaks, and the era each belongs to.

use std::fmt;

/// The two families of MCP revisions. The documentation, the code and
/// [`TestClient`](crate::testing::TestClient) call them by these names: the *legacy* era and
/// the *modern* era.
///
/// * [`Era::Legacy`] revisions open with an `initialize` handshake and keep per-connection
///   state (negotiated version, log level, client capabilities).
/// * [`Era::Modern`] revisions are stateless: every request carries its protocol version,
///   client info and capabilities in `_meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Era {
    /// `initialize` handshake; `2025-11-25` and earlier.
    Legacy,
    /// Per-request metadata, no handshake; `2026-07-28` and later.
    Modern,
}

/// A protocol revision this runtime implements.
///
/// ```
/// use mcp_runtime::protocol::{Era, ProtocolVersion};
///
/// let v = ProtocolVersion::parse("2025-06-18").unwrap();
/// assert_eq!(v.era(), Era::Legacy);
/// assert_eq!(ProtocolVersion::LATEST.as_str(), "2026-07-28");
/// assert!(ProtocolVersion::parse("1900-01-01").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// `2025-03-26` (legacy era; accepted for older clients).
    V2025_03_26,
    /// `2025-06-18` (legacy era).
    V2025_06_18,
    /// `2025-11-25` (legacy era; the newest handshake revision).
    V2025_11_25,
    /// `2026-07-28` (modern era).
    V2026_07_28,
}

impl ProtocolVersion {
    /// The newest revision of all.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2026_07_28;
    /// The newest legacy-era revision, offered to `initialize` requests for unknown versions.
    pub const LATEST_LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;
    /// Every supported revision, newest first (the order used in error data and discovery).
    pub const ALL: [ProtocolVersion; 4] = [
        ProtocolVersion::V2026_07_28,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_03_26,
    ];

    /// Parses a revision string such as `"2025-11-25"`; `None` for revisions this runtime does not speak.
    pub fn parse(s: &str) -> Option<ProtocolVersion> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The revision string as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// The era this revision belongs to.
    pub const fn era(self) -> Era {
        match self {
            ProtocolVersion::V2026_07_28 => Era::Modern,
            _ => Era::Legacy,
        }
    }

    /// True when the revision has `icons` on the server and its capabilities (`2025-11-25`
    /// and later); older clients are sent none.
    pub const fn has_icons(self) -> bool {
        matches!(
            self,
            ProtocolVersion::V2025_11_25 | ProtocolVersion::V2026_07_28
        )
    }

    /// Every supported revision string, newest first.
    pub fn supported_strings() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.as_str()).collect()
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_revision_round_trips_through_its_string() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
        }
    }

    #[test]
    fn only_the_newest_revision_is_modern() {
        let modern: Vec<_> = ProtocolVersion::ALL
            .into_iter()
            .filter(|v| v.era() == Era::Modern)
            .collect();
        assert_eq!(modern, vec![ProtocolVersion::V2026_07_28]);
        assert_eq!(ProtocolVersion::LATEST_LEGACY.era(), Era::Legacy);
    }
}
