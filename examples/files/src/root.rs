//! The directory tree the server may touch, held open as a directory handle.
//!
//! The root is opened once. Everything beneath it is opened relative to that handle with
//! `cap-std`, which resolves each path inside the kernel (`openat2` with `RESOLVE_BENEATH`
//! on Linux, a component-by-component walk elsewhere): a path is never resolved from the
//! outside and reopened later, so a link swapped in between cannot lead outside.
//!
//! A path from a caller is relative to the root. Its `.` and `..` steps are taken
//! lexically first (`notes/../todo.md` is `todo.md`), and a `..` that would climb above the
//! root is refused. Symbolic links are followed only while they stay beneath the root: a
//! link to an absolute path, or one that climbs out, is refused. Only regular files are
//! read or written: a FIFO, a device or a socket is refused, decided on the opened handle.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsSyncExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, OpenOptions};

/// Why a path was refused or an operation failed.
#[derive(Debug)]
pub enum PathError {
    /// The path leads outside the root.
    Escapes(String),
    /// The path is absolute; paths are relative to the root.
    Absolute(String),
    /// Nothing is at the path.
    NotFound(String),
    /// The path names a directory where a file is needed.
    Directory(String),
    /// The path names something other than a regular file or directory (a FIFO, a device,
    /// a socket).
    NotRegular(String),
    /// The file is larger than the limit, in bytes.
    TooLarge(String, u64),
    /// The path names the root itself, which cannot be deleted.
    IsRoot,
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
            PathError::Directory(path) => write!(f, "`{path}` is a directory"),
            PathError::NotRegular(path) => write!(
                f,
                "`{path}` is not a regular file (a FIFO, device or socket); it is not opened"
            ),
            PathError::TooLarge(path, limit) => {
                write!(f, "`{path}` is larger than {} MiB", limit / 1024 / 1024)
            }
            PathError::IsRoot => write!(f, "the served directory itself cannot be deleted"),
            PathError::Io(path, error) => write!(f, "`{path}`: {error}"),
        }
    }
}

impl std::error::Error for PathError {}

/// True for cap-std's refusal of a path that would leave the directory it was given; the
/// operating system's own "permission denied" carries an error number, this one none.
fn is_escape(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::PermissionDenied && error.raw_os_error().is_none()
}

/// What the file system said about `shown`, in the example's terms.
fn classify(shown: &str) -> impl Fn(io::Error) -> PathError + '_ {
    move |error| {
        if is_escape(&error) {
            PathError::Escapes(shown.to_owned())
        } else if error.kind() == io::ErrorKind::NotFound {
            PathError::NotFound(shown.to_owned())
        } else if error.kind() == io::ErrorKind::IsADirectory {
            PathError::Directory(shown.to_owned())
        } else {
            PathError::Io(shown.to_owned(), error)
        }
    }
}

/// A caller's path, checked and made lexically plain: relative, without `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relative {
    parts: Vec<String>,
}

impl Relative {
    /// Checks `path`: absolute paths and `..` steps above the root are refused.
    pub fn parse(path: &str) -> Result<Relative, PathError> {
        let given = Path::new(path);
        if given.has_root() || given.is_absolute() {
            return Err(PathError::Absolute(path.to_owned()));
        }
        let mut parts = Vec::new();
        for component in given.components() {
            match component {
                // From a `&str`, every name is UTF-8.
                Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Err(PathError::Escapes(path.to_owned()));
                    }
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(PathError::Absolute(path.to_owned()))
                }
            }
        }
        Ok(Relative { parts })
    }

    /// True for the root itself.
    pub fn is_root(&self) -> bool {
        self.parts.is_empty()
    }

    /// The path as the kernel gets it, relative to the root's handle (`.` for the root).
    pub fn path(&self) -> PathBuf {
        if self.parts.is_empty() {
            PathBuf::from(".")
        } else {
            self.parts.iter().collect()
        }
    }

    /// The path as shown to callers and in URIs: `/`-separated, `.` for the root.
    pub fn shown(&self) -> String {
        if self.parts.is_empty() {
            ".".to_owned()
        } else {
            self.parts.join("/")
        }
    }

    /// This path with `name` appended.
    pub fn join(&self, name: &str) -> Relative {
        let mut parts = self.parts.clone();
        parts.push(name.to_owned());
        Relative { parts }
    }

    /// The parent directory and the last name; `None` for the root.
    pub fn split_last(&self) -> Option<(Relative, &str)> {
        let (last, parent) = self.parts.split_last()?;
        Some((
            Relative {
                parts: parent.to_vec(),
            },
            last,
        ))
    }
}

/// The options for reading a file without blocking on it: a FIFO opens at once instead of
/// waiting for a writer. `follow` says whether a link in the last place is followed
/// (beneath the directory still).
fn read_options(follow: bool) -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).nonblock(true);
    if !follow {
        options.follow(FollowSymlinks::No);
    }
    options
}

/// `file`, when the opened handle says it is a regular file.
fn regular(file: File, shown: &str) -> Result<File, PathError> {
    let meta = file.metadata().map_err(classify(shown))?;
    if meta.is_dir() {
        Err(PathError::Directory(shown.to_owned()))
    } else if !meta.is_file() {
        Err(PathError::NotRegular(shown.to_owned()))
    } else {
        Ok(file)
    }
}

/// Reads at most `limit` bytes of `file`; more is an error.
pub fn read_limited(file: File, shown: &str, limit: u64) -> Result<Vec<u8>, PathError> {
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(classify(shown))?;
    if bytes.len() as u64 > limit {
        return Err(PathError::TooLarge(shown.to_owned(), limit));
    }
    Ok(bytes)
}

/// Opens the regular file `name` of `dir` for reading, not following a link in its place;
/// `None` for anything else (a directory, a link, a FIFO) or a file larger than `limit`.
pub fn open_small_file(dir: &Dir, name: &OsStr, limit: u64) -> Option<File> {
    let file = dir.open_with(name, &read_options(false)).ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && meta.len() <= limit).then_some(file)
}

/// Opens the directory `name` of `dir`, not following a link in its place.
pub fn open_subdirectory(dir: &Dir, name: &OsStr) -> Option<Dir> {
    dir.open_dir_nofollow(name).ok()
}

/// The served directory, held open.
#[derive(Debug, Clone)]
pub struct Root {
    dir: Arc<Dir>,
}

impl Root {
    /// Opens the directory at `dir`, which must exist. Its path is looked up this once;
    /// after that, only the handle is used.
    pub fn new(dir: &Path) -> io::Result<Root> {
        let handle = Dir::open_ambient_dir(dir.canonicalize()?, ambient_authority())?;
        Ok(Root {
            dir: Arc::new(handle),
        })
    }

    /// Opens the directory at `path`.
    pub fn open_dir(&self, path: &Relative) -> Result<Dir, PathError> {
        let shown = path.shown();
        if path.is_root() {
            return self.dir.try_clone().map_err(classify(&shown));
        }
        self.dir.open_dir(path.path()).map_err(classify(&shown))
    }

    /// Opens the regular file at `path` for reading.
    pub fn open_file(&self, path: &Relative) -> Result<File, PathError> {
        let shown = path.shown();
        // Refuse special files before opening them at all; the handle's own type decides.
        let meta = self.dir.metadata(path.path()).map_err(classify(&shown))?;
        if meta.is_dir() {
            return Err(PathError::Directory(shown));
        }
        if !meta.is_file() {
            return Err(PathError::NotRegular(shown));
        }
        let file = self
            .dir
            .open_with(path.path(), &read_options(true))
            .map_err(classify(&shown))?;
        regular(file, &shown)
    }

    /// Writes `content` to the regular file at `path`, creating it and its directories
    /// when missing, replacing what it held.
    pub fn write_file(&self, path: &Relative, content: &[u8]) -> Result<(), PathError> {
        let shown = path.shown();
        let Some((parent, _)) = path.split_last() else {
            return Err(PathError::Directory(shown));
        };
        if !parent.is_root() {
            if let Err(error) = self.dir.create_dir_all(parent.path()) {
                // A link leading outside exists, so it is not created, and says "exists":
                // say where it leads instead.
                return Err(match self.dir.metadata(parent.path()) {
                    Err(e) if is_escape(&e) => PathError::Escapes(shown),
                    _ => classify(&shown)(error),
                });
            }
        }
        match self.dir.symlink_metadata(path.path()) {
            Ok(meta) if meta.is_dir() => return Err(PathError::Directory(shown)),
            Ok(meta) if !meta.is_file() && !meta.is_symlink() => {
                return Err(PathError::NotRegular(shown))
            }
            _ => {}
        }
        // Not truncated on opening: only once the handle shows a regular file.
        let mut options = OpenOptions::new();
        options.write(true).create(true).nonblock(true);
        let file = self
            .dir
            .open_with(path.path(), &options)
            .map_err(classify(&shown))?;
        let mut file = regular(file, &shown)?;
        file.set_len(0).map_err(classify(&shown))?;
        file.write_all(content).map_err(classify(&shown))?;
        Ok(())
    }

    /// Deletes the file, link or empty directory at `path`; a link is removed, not what it
    /// points to.
    pub fn remove(&self, path: &Relative) -> Result<(), PathError> {
        let shown = path.shown();
        let Some((parent, name)) = path.split_last() else {
            return Err(PathError::IsRoot);
        };
        let parent = self.open_dir(&parent)?;
        let meta = parent.symlink_metadata(name).map_err(classify(&shown))?;
        if meta.is_dir() {
            parent.remove_dir(name).map_err(classify(&shown))
        } else {
            parent.remove_file(name).map_err(classify(&shown))
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
            use std::os::unix::fs::symlink;
            symlink(outside.path(), served.path().join("out")).unwrap();
            symlink(
                outside.path().join("secret.txt"),
                served.path().join("docs/link.txt"),
            )
            .unwrap();
            symlink(
                outside.path().join("new.txt"),
                served.path().join("dangling"),
            )
            .unwrap();
            symlink("a.txt", served.path().join("docs/inside.txt")).unwrap();
            symlink("../..", served.path().join("docs/up")).unwrap();
        }
        let root = Root::new(served.path()).unwrap();
        (served, outside, root)
    }

    fn rel(path: &str) -> Relative {
        Relative::parse(path).unwrap()
    }

    fn read(root: &Root, path: &str) -> Result<String, PathError> {
        let file = root.open_file(&Relative::parse(path)?)?;
        Ok(String::from_utf8(read_limited(file, path, 1024)?).unwrap())
    }

    #[test]
    fn paths_are_made_plain() {
        assert_eq!(rel("docs/../docs/./a.txt").shown(), "docs/a.txt");
        assert_eq!(rel("").shown(), ".");
        assert_eq!(rel("docs/..").shown(), ".");
        assert!(rel(".").is_root());
        assert_eq!(rel("docs/").path(), PathBuf::from("docs"));
    }

    #[test]
    fn paths_inside_are_reached() {
        let (served, _o, root) = tree();
        assert_eq!(read(&root, "docs/a.txt").unwrap(), "a");
        assert_eq!(read(&root, "docs/../docs/a.txt").unwrap(), "a");
        assert!(matches!(
            read(&root, "docs/none.txt"),
            Err(PathError::NotFound(_))
        ));
        assert!(matches!(read(&root, "docs"), Err(PathError::Directory(_))));
        root.write_file(&rel("docs/new/deeper/b.txt"), b"b")
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(served.path().join("docs/new/deeper/b.txt")).unwrap(),
            "b"
        );
        root.remove(&rel("docs/new/deeper/b.txt")).unwrap();
        root.remove(&rel("docs/new/deeper")).unwrap();
        assert!(!served.path().join("docs/new/deeper").exists());
        assert!(matches!(root.remove(&rel(".")), Err(PathError::IsRoot)));
    }

    #[test]
    fn dot_dot_cannot_leave() {
        for path in [
            "..",
            "../x",
            "docs/../../etc/passwd",
            "docs/../..",
            "new/../../x",
        ] {
            assert!(
                matches!(Relative::parse(path), Err(PathError::Escapes(_))),
                "{path}"
            );
        }
        assert!(matches!(
            Relative::parse("/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_cannot_leave() {
        let (_s, outside, root) = tree();
        for path in ["out/secret.txt", "docs/link.txt", "docs/up/x"] {
            assert!(
                matches!(read(&root, path), Err(PathError::Escapes(_))),
                "{path}"
            );
        }
        for path in [
            "out/new.txt",
            "dangling",
            "docs/link.txt",
            "docs/up/new.txt",
        ] {
            assert!(
                matches!(
                    root.write_file(&rel(path), b"x"),
                    Err(PathError::Escapes(_))
                ),
                "{path}"
            );
        }
        assert!(matches!(
            root.open_dir(&rel("out")),
            Err(PathError::Escapes(_))
        ));
        assert!(matches!(
            root.remove(&rel("out/secret.txt")),
            Err(PathError::Escapes(_))
        ));
        assert_eq!(
            std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
            "secret"
        );
        assert!(!outside.path().join("new.txt").exists());
        assert_eq!(read(&root, "docs/inside.txt").unwrap(), "a");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_not_opened() {
        let (served, _o, root) = tree();
        let pipe = served.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(read(&root, "pipe"), Err(PathError::NotRegular(_))));
        assert!(matches!(
            root.write_file(&rel("pipe"), b"x"),
            Err(PathError::NotRegular(_))
        ));
        let dir = root.open_dir(&rel(".")).unwrap();
        for name in ["pipe", "dangling", "docs", "out"] {
            assert!(
                open_small_file(&dir, OsStr::new(name), 1024).is_none(),
                "{name}"
            );
        }
        assert!(open_small_file(&dir, OsStr::new("docs/a.txt"), 1024).is_some());
        assert!(open_subdirectory(&dir, OsStr::new("out")).is_none());
        assert!(open_subdirectory(&dir, OsStr::new("docs")).is_some());
    }
}
