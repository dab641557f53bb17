//! Reading the site's text files from disk: the only place content is read.
//!
//! A file that cannot be used (not UTF-8, too large, unreadable) becomes a diagnostic
//! naming it; listing a folder that exists but cannot be read is a failure of the machine.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

/// Largest text file accepted by default, in bytes (`[limits] file_size_kib` changes
/// it). A longer file is almost always a mistake (a pasted PDF, a data dump) and would
/// slow every build.
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// A text file of the site, with its path relative to the site root.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the site root, such as `content/articles/x.md`.
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// The file stem, which is an incident's id and an article's default slug.
    pub fn stem(&self) -> &str {
        self.path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
    }
}

/// Reads `root/rel` as UTF-8 text of at most `limit` bytes.
pub fn read(root: &Path, rel: &Path, limit: u64) -> Result<SourceFile, Diagnostic> {
    let full = root.join(rel);
    let size = fs::metadata(&full)
        .map_err(|e| Diagnostic::error(rel, format!("cannot read this file: {e}")))?
        .len();
    if size > limit {
        return Err(Diagnostic::error(
            rel,
            format!(
                "this file is {} KiB; the limit is {} KiB",
                size / 1024,
                limit / 1024
            ),
        )
        .help("split it into several files, or raise [limits] file_size_kib in site.toml"));
    }
    let bytes = fs::read(&full)
        .map_err(|e| Diagnostic::error(rel, format!("cannot read this file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Diagnostic::error(
            rel,
            format!("this file is not UTF-8 text (invalid bytes on line {line})"),
        )
        .help("save the file as UTF-8 in your editor (\"Save with encoding\" → UTF-8)")
    })?;
    Ok(SourceFile {
        path: rel.to_owned(),
        text,
    })
}

/// The files directly in `root/dir` whose extension is `ext`, as paths relative to
/// `root`, sorted. A missing folder has no files.
pub fn list(root: &Path, dir: &str, ext: &str) -> io::Result<Vec<PathBuf>> {
    let full = root.join(dir);
    if !full.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(&full)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if is_listed(&path, ext) && entry.file_type()?.is_file() {
            files.push(Path::new(dir).join(name));
        }
    }
    files.sort();
    Ok(files)
}

/// Whether [`list`] takes a file of this name (not hidden, extension `ext`), were it in
/// the folder listed.
pub fn is_listed(path: &Path, ext: &str) -> bool {
    let hidden = path
        .file_name()
        .is_none_or(|name| name.to_string_lossy().starts_with('.'));
    !hidden && path.extension().is_some_and(|e| e == ext)
}

/// Every file under `root/dir`, recursively, relative to `root/dir`, sorted. Hidden files
/// and folders (editor swap files, `.DS_Store`) are skipped.
pub fn walk(root: &Path, dir: &Path) -> io::Result<Vec<PathBuf>> {
    walk_filtered(root, dir, |name| !name.starts_with('.'))
}

/// The folder name that keeps files out of the output wherever it appears, such as
/// `static/private/` for notes kept beside the site.
pub const PRIVATE_DIR: &str = "private";

/// Whether a relative path is inside a `private/` folder.
pub fn is_private(rel: &Path) -> bool {
    rel.parent()
        .is_some_and(|dir| dir.iter().any(|part| part == PRIVATE_DIR))
}

/// Like [`walk`], but keeps the hidden names a published site needs, such as
/// `.well-known/security.txt`; only `.git`, `.DS_Store`, editor leftovers and `private/`
/// folders are skipped.
pub fn walk_static(root: &Path, dir: &Path) -> io::Result<Vec<PathBuf>> {
    walk_filtered(root, dir, |name| {
        !matches!(name, ".git" | ".DS_Store" | ".gitkeep" | PRIVATE_DIR)
            && !name.ends_with(".swp")
            && !name.ends_with('~')
    })
}

fn walk_filtered(root: &Path, dir: &Path, keep: impl Fn(&str) -> bool) -> io::Result<Vec<PathBuf>> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(&base)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || keep(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(&base)
                .map_err(io::Error::other)?
                .to_owned();
            files.push(rel);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.md"), b"ok\nstill ok\nbad \xff here\n").unwrap();
        let err = read(dir.path(), Path::new("a.md"), MAX_FILE_SIZE).unwrap_err();
        assert!(err.message.contains("not UTF-8"), "{}", err.message);
        assert!(err.message.contains("line 3"), "{}", err.message);
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![b'a'; MAX_FILE_SIZE as usize + 1];
        fs::write(dir.path().join("big.md"), big).unwrap();
        let err = read(dir.path(), Path::new("big.md"), MAX_FILE_SIZE).unwrap_err();
        assert!(err.message.contains("the limit is"), "{}", err.message);
    }

    #[test]
    fn static_files_keep_well_known_but_not_editor_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let stat = dir.path().join("static");
        fs::create_dir_all(stat.join(".well-known")).unwrap();
        fs::write(stat.join(".well-known/security.txt"), "x").unwrap();
        fs::write(stat.join(".DS_Store"), "x").unwrap();
        fs::write(stat.join("style.css.swp"), "x").unwrap();
        let files = walk_static(dir.path(), Path::new("static")).unwrap();
        assert_eq!(files, [Path::new(".well-known/security.txt")]);
    }

    #[test]
    fn listing_skips_hidden_and_other_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let articles = dir.path().join("content/articles");
        fs::create_dir_all(&articles).unwrap();
        for name in ["b.md", "a.md", ".a.md.swp", "notes.txt", ".hidden.md"] {
            fs::write(articles.join(name), "").unwrap();
        }
        let files = list(dir.path(), "content/articles", "md").unwrap();
        assert_eq!(
            files,
            [
                Path::new("content/articles/a.md"),
                Path::new("content/articles/b.md")
            ]
        );
    }
}
