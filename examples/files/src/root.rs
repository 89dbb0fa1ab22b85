//! The directory tree the server may touch, and the check that keeps every path inside it.
//!
//! A path from a caller is relative to the root. It is resolved the way the operating
//! system would resolve it — `..` steps and symbolic links included — and refused when the
//! result lies outside the root.

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a path was refused or an operation failed.
#[derive(Debug)]
pub enum PathError {
    /// The path leads outside the root.
    Escapes(String),
    /// The path is absolute; paths are relative to the root.
    Absolute(String),
    /// Nothing is at the path.
    NotFound(String),
    /// Anything else the file system said.
    Io(String, io::Error),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Escapes(path) => write!(
                f,
                "`{path}` is outside the served directory; only paths inside it are allowed"
            ),
            PathError::Absolute(path) => write!(
                f,
                "`{path}` is absolute; give a path relative to the served directory"
            ),
            PathError::NotFound(path) => write!(f, "nothing exists at `{path}`"),
            PathError::Io(path, error) => write!(f, "`{path}`: {error}"),
        }
    }
}

impl std::error::Error for PathError {}

/// The served directory, canonical (absolute, no links).
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// The directory at `dir`, which must exist.
    pub fn new(dir: &Path) -> io::Result<Root> {
        let dir = dir.canonicalize()?;
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Ok(Root { dir })
    }

    /// The root's own path.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` relative to the root, for messages and URIs (`.` for the root itself).
    pub fn relative(&self, path: &Path) -> String {
        match path.strip_prefix(&self.dir) {
            Ok(p) if p.as_os_str().is_empty() => ".".to_owned(),
            Ok(p) => p.to_string_lossy().replace('\\', "/"),
            Err(_) => path.display().to_string(),
        }
    }

    fn joined(&self, path: &str) -> Result<PathBuf, PathError> {
        let relative = Path::new(path);
        if relative.has_root() || relative.is_absolute() {
            return Err(PathError::Absolute(path.to_owned()));
        }
        Ok(self.dir.join(relative))
    }

    fn inside(&self, path: &str, resolved: PathBuf) -> Result<PathBuf, PathError> {
        if resolved.starts_with(&self.dir) {
            Ok(resolved)
        } else {
            Err(PathError::Escapes(path.to_owned()))
        }
    }

    /// An existing file or directory, resolved through links; refused outside the root.
    pub fn existing(&self, path: &str) -> Result<PathBuf, PathError> {
        let joined = self.joined(path)?;
        match joined.canonicalize() {
            Ok(resolved) => self.inside(path, resolved),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Say "outside" rather than "not found" for a path that would leave the root.
                self.writable(path)?;
                Err(PathError::NotFound(path.to_owned()))
            }
            Err(e) => Err(PathError::Io(path.to_owned(), e)),
        }
    }

    /// Where a file may be written: an existing file inside the root (through links), or a
    /// new name whose nearest existing ancestor is inside the root and whose remaining
    /// components are plain names.
    pub fn writable(&self, path: &str) -> Result<PathBuf, PathError> {
        let joined = self.joined(path)?;
        if let Ok(resolved) = joined.canonicalize() {
            return self.inside(path, resolved);
        }
        if joined.symlink_metadata().is_ok() {
            // A link whose target does not exist: writing would create the target, wherever
            // it points.
            return Err(PathError::Escapes(path.to_owned()));
        }
        let mut existing = joined.as_path();
        let mut missing = Vec::new();
        loop {
            match existing.canonicalize() {
                Ok(resolved) => {
                    let base = self.inside(path, resolved)?;
                    let mut target = base;
                    for component in missing.iter().rev() {
                        match component {
                            Component::Normal(name) => target.push(name),
                            _ => return Err(PathError::Escapes(path.to_owned())),
                        }
                    }
                    return Ok(target);
                }
                Err(_) => {
                    let Some(component) = existing.components().next_back() else {
                        return Err(PathError::Escapes(path.to_owned()));
                    };
                    missing.push(component);
                    existing = match existing.parent() {
                        Some(parent) => parent,
                        None => return Err(PathError::Escapes(path.to_owned())),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, tempfile::TempDir, Root) {
        let served = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(served.path().join("docs")).unwrap();
        std::fs::write(served.path().join("docs/a.txt"), "a").unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path(), served.path().join("out")).unwrap();
            std::os::unix::fs::symlink(
                outside.path().join("secret.txt"),
                served.path().join("docs/link.txt"),
            )
            .unwrap();
            std::os::unix::fs::symlink(
                outside.path().join("new.txt"),
                served.path().join("dangling"),
            )
            .unwrap();
            std::os::unix::fs::symlink("a.txt", served.path().join("docs/inside.txt")).unwrap();
        }
        let root = Root::new(served.path()).unwrap();
        (served, outside, root)
    }

    #[test]
    fn paths_inside_resolve() {
        let (_s, _o, root) = tree();
        assert!(root.existing("docs/a.txt").unwrap().ends_with("docs/a.txt"));
        assert!(root.existing("docs/../docs/a.txt").is_ok());
        assert_eq!(root.relative(&root.existing(".").unwrap()), ".");
        assert!(root
            .writable("docs/new/deeper/b.txt")
            .unwrap()
            .ends_with("docs/new/deeper/b.txt"));
        assert!(matches!(
            root.existing("docs/none.txt"),
            Err(PathError::NotFound(_))
        ));
    }

    #[test]
    fn dot_dot_cannot_leave() {
        let (_s, _o, root) = tree();
        for path in ["..", "../x", "docs/../../etc/passwd", "docs/../.."] {
            assert!(
                matches!(root.existing(path), Err(PathError::Escapes(_))),
                "{path}"
            );
            assert!(
                matches!(root.writable(path), Err(PathError::Escapes(_))),
                "{path}"
            );
        }
        assert!(matches!(
            root.writable("new/../../x"),
            Err(PathError::Escapes(_))
        ));
        assert!(matches!(
            root.existing("/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_cannot_leave() {
        let (_s, _o, root) = tree();
        for path in [
            "out",
            "out/secret.txt",
            "docs/link.txt",
            "dangling",
            "out/new.txt",
        ] {
            assert!(
                matches!(root.writable(path), Err(PathError::Escapes(_))),
                "{path}"
            );
        }
        assert!(matches!(
            root.existing("out/secret.txt"),
            Err(PathError::Escapes(_))
        ));
        assert!(root
            .existing("docs/inside.txt")
            .unwrap()
            .ends_with("docs/a.txt"));
    }
}
