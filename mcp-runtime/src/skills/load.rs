//! Reading a directory of skills from disk into drafts, refusing whatever would leave the
//! directory (symbolic links included).

use std::fs;
use std::path::{Path, PathBuf};

use super::catalog::{Draft, DraftFile};
use super::{MAX_FILES_PER_SKILL, MAX_SKILL_BYTES};
use crate::error::{Error, Result};

/// How deep organisational directories may nest above a skill.
const MAX_PREFIX_DEPTH: usize = 16;

/// Every skill under `root`: each directory holding a `SKILL.md` is a skill, at the path of
/// its parents below `root` (the organisational prefix). A skill's subdirectories belong to
/// it, so a `SKILL.md` deeper inside is one of its supporting files.
pub(super) fn read_dir(root: &Path) -> Result<Vec<Draft>> {
    let boundary = fs::canonicalize(root)
        .map_err(|e| invalid(root, format!("cannot open the skills directory: {e}")))?;
    if !boundary.is_dir() {
        return Err(invalid(root, "the skills directory is not a directory"));
    }
    let mut drafts = Vec::new();
    visit(root, &boundary, &mut Vec::new(), &mut drafts)?;
    Ok(drafts)
}

fn visit(
    dir: &Path,
    boundary: &Path,
    prefix: &mut Vec<String>,
    drafts: &mut Vec<Draft>,
) -> Result<()> {
    if prefix.len() > MAX_PREFIX_DEPTH {
        return Err(invalid(
            dir,
            format!("skills nest at most {MAX_PREFIX_DEPTH} directories deep"),
        ));
    }
    for (path, name, kind) in entries(dir, boundary)? {
        if kind != Kind::Directory {
            continue;
        }
        prefix.push(name);
        if path.join("SKILL.md").is_file() {
            let name = prefix.pop().expect("just pushed");
            drafts.push(read_skill(&path, prefix.clone(), name)?);
        } else {
            visit(&path, boundary, prefix, drafts)?;
            prefix.pop();
        }
    }
    Ok(())
}

/// The skill in `dir`, named `name` by its directory, below `prefix`.
fn read_skill(dir: &Path, prefix: Vec<String>, name: String) -> Result<Draft> {
    let boundary = fs::canonicalize(dir)
        .map_err(|e| invalid(dir, format!("cannot open the skill directory: {e}")))?;
    let mut files = Vec::new();
    let mut total = 0;
    collect(dir, &boundary, "", &mut files, &mut total)?;
    let at = files.iter().position(|f: &DraftFile| f.path == "SKILL.md");
    let skill_md = files.remove(at.expect("the caller saw SKILL.md"));
    Ok(Draft {
        prefix,
        dir_name: Some(name),
        skill_md,
        files,
    })
}

/// Reads every file under `dir` (at `relative` inside the skill), checking the limits as it
/// goes so that an oversized skill is refused before it is read whole.
fn collect(
    dir: &Path,
    boundary: &Path,
    relative: &str,
    files: &mut Vec<DraftFile>,
    total: &mut u64,
) -> Result<()> {
    for (path, name, kind) in entries(dir, boundary)? {
        let inside = match relative {
            "" => name,
            _ => format!("{relative}/{name}"),
        };
        match kind {
            Kind::Directory => collect(&path, boundary, &inside, files, total)?,
            Kind::File => {
                if files.len() == MAX_FILES_PER_SKILL {
                    return Err(invalid(
                        &path,
                        format!(
                            "a skill has at most {MAX_FILES_PER_SKILL} files, SKILL.md included"
                        ),
                    ));
                }
                let size = fs::metadata(&path)
                    .map_err(|e| invalid(&path, format!("cannot read the file: {e}")))?
                    .len();
                *total += size;
                if *total > MAX_SKILL_BYTES {
                    return Err(invalid(
                        &path,
                        format!("the files of a skill hold at most {MAX_SKILL_BYTES} bytes (16 MiB) together"),
                    ));
                }
                let contents = fs::read(&path)
                    .map_err(|e| invalid(&path, format!("cannot read the file: {e}")))?;
                files.push(DraftFile {
                    path: inside,
                    origin: path.display().to_string(),
                    contents,
                });
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Directory,
}

/// The entries of `dir` a skill is made of, sorted by name: hidden ones left out, symbolic
/// links resolved when they point at a file inside `boundary` and refused otherwise.
fn entries(dir: &Path, boundary: &Path) -> Result<Vec<(PathBuf, String, Kind)>> {
    let listing =
        fs::read_dir(dir).map_err(|e| invalid(dir, format!("cannot list the directory: {e}")))?;
    let mut found = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| invalid(dir, format!("cannot list the directory: {e}")))?;
        let path = entry.path();
        let Ok(name) = entry.file_name().into_string() else {
            return Err(invalid(&path, "the file name is not valid UTF-8"));
        };
        if name.starts_with('.') {
            continue;
        }
        let file_type = entry
            .file_type()
            .map_err(|e| invalid(&path, format!("cannot read the file: {e}")))?;
        let kind = if file_type.is_symlink() {
            let target = fs::canonicalize(&path)
                .map_err(|e| invalid(&path, format!("cannot follow the symbolic link: {e}")))?;
            if !target.starts_with(boundary) {
                return Err(invalid(
                    &path,
                    format!(
                        "the symbolic link leads outside {} (to {}); a skill's files must stay inside its directory",
                        boundary.display(),
                        target.display()
                    ),
                ));
            }
            if target.is_dir() {
                return Err(invalid(
                    &path,
                    "the symbolic link points at a directory; only links to files are followed",
                ));
            }
            Kind::File
        } else if file_type.is_dir() {
            Kind::Directory
        } else if file_type.is_file() {
            Kind::File
        } else {
            continue;
        };
        found.push((path, name, kind));
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(found)
}

fn invalid(path: &Path, reason: impl Into<String>) -> Error {
    Error::InvalidSkill {
        file: path.display().to_string(),
        reason: reason.into(),
    }
}
