//! Writing the finished site: the only module that writes to disk.
//!
//! The site is written into a fresh folder beside the output and swapped in only when
//! every file is written, so a failed or interrupted build leaves the previous output
//! exactly as it was and no half-written site is ever served.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::render::{Content, OutputFile, Sink};

/// Outputs being staged right now, as (parent folder, output name). A signal handler
/// cannot unwind the stack to run destructors, so an interrupted build finds here what it
/// must delete. An output is listed before its staging folder is created, so a signal
/// can never fall between the two. This is the one piece of global state, and only
/// [`abandon`] reads it.
static STAGING: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Set by [`abandon`]: from then on no staging folder accepts another file, so that the
/// folders can be deleted while rendering threads are still running.
static ABANDONED: AtomicBool = AtomicBool::new(false);

/// Deletes every staging folder of builds in progress. Called when the process is
/// interrupted (Ctrl-C), so that nothing half-written is left beside the output.
pub fn abandon() {
    ABANDONED.store(true, Ordering::SeqCst);
    let folders = STAGING
        .lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default();
    for (parent, name) in folders {
        // A file being written at this very moment can make a removal fail; try again.
        for _ in 0..5 {
            remove_staging_folders(&parent, &name, &[".new-"]);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// A fresh folder beside the output that rendered files are written into, and that
/// replaces the output only on [`Staging::commit`]. Dropped without a commit, it deletes
/// itself and the output stays as it was.
pub struct Staging {
    root: PathBuf,
    output: PathBuf,
    parent: PathBuf,
    name: String,
    /// Taken by `commit`; while present, dropping deletes it.
    dir: Option<tempfile::TempDir>,
}

impl Staging {
    /// Prepares a staging folder for `output` of the site at `root`.
    pub fn new(root: &Path, output: &Path) -> io::Result<Staging> {
        // A symlinked output folder is replaced where it points, so that the web server
        // that follows the link sees the new site.
        let resolved;
        let output = if fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink()) {
            resolved = fs::canonicalize(output)?;
            resolved.as_path()
        } else {
            output
        };
        guard(root, output)?;
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)?;
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".to_owned());
        remove_staging_folders(&parent, &name, &[".new-", ".old-"]);
        if let Ok(mut v) = STAGING.lock() {
            v.push((parent.clone(), name.clone()));
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .inspect_err(|_| unregister(&parent, &name))?;
        Ok(Staging {
            root: root.to_owned(),
            output: output.to_owned(),
            parent,
            name,
            dir: Some(dir),
        })
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// Puts the staged site in place of the output, then deletes the old one.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(dir) = self.dir.take() else {
            return Ok(());
        };
        let (output, parent, name) = (&self.output, &self.parent, &self.name);
        unregister(parent, name);
        if output.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
                .tempdir_in(parent)?;
            // Move the live site aside, put the new one in place, then delete the old one.
            let old_site = old.path().join(name);
            fs::rename(output, &old_site)?;
            if let Err(e) = fs::rename(dir.path(), output) {
                fs::rename(&old_site, output)?;
                return Err(e);
            }
            let _ = dir.keep();
            keep_hidden_entries(&old_site, output)?;
            // What cannot be deleted here is left to `old`, which tries again.
            let _ = remove_tree(&old_site);
            drop(old);
        } else {
            fs::rename(dir.path(), output)?;
            let _ = dir.keep();
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.dir.is_some() {
            unregister(&self.parent, &self.name);
        }
    }
}

fn unregister(parent: &Path, name: &str) {
    if let Ok(mut v) = STAGING.lock() {
        if let Some(i) = v.iter().position(|(p, n)| p == parent && n == name) {
            v.remove(i);
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if ABANDONED.load(Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the build was interrupted",
            ));
        }
        // Paths come from validated slugs; this is the last line of defence.
        if !stays_inside(&file.path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to write `{}` outside the output folder",
                    file.path
                ),
            ));
        }
        let target = self.path().join(&file.path);
        let parent = target.parent().unwrap_or(&target);
        fs::create_dir_all(parent)
            .and_then(|()| match &file.content {
                Content::Bytes(bytes) => fs::write(&target, bytes),
                Content::Copy(source) => fs::copy(self.root.join(source), &target).map(|_| ()),
            })
            .map_err(|e| {
                // A write that fails because Ctrl-C is deleting the folder is the interruption.
                let kind = if ABANDONED.load(Ordering::SeqCst) {
                    io::ErrorKind::Interrupted
                } else {
                    e.kind()
                };
                io::Error::new(kind, format!("writing {}: {e}", target.display()))
            })
    }
}

/// Moves the hidden files and folders at the top of the old output (a `.git` folder of a
/// deployment repository, a `.gitkeep` placeholder) into the new one, unless the new
/// site has its own (a `.well-known` folder from `static/`): what was generated wins.
fn keep_hidden_entries(old: &Path, new: &Path) -> io::Result<()> {
    for entry in fs::read_dir(old)? {
        let entry = entry?;
        if is_hidden(&entry.file_name()) && !new.join(entry.file_name()).exists() {
            fs::rename(entry.path(), new.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Deletes a folder and everything in it, folders in parallel: on one thread, deleting
/// the previous site's thousands of files took a tenth of a build. Links are deleted,
/// never followed.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())
        } else {
            fs::remove_file(entry.path())
        }
    })?;
    fs::remove_dir(dir)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Deletes the staging folders of `name` in `parent` whose kind is one of `kinds`
/// (`.new-`, `.old-`): those of earlier builds that were killed before they could clean
/// up, or of this one when it is interrupted.
fn remove_staging_folders(parent: &Path, name: &str, kinds: &[&str]) {
    let prefixes: Vec<String> = kinds.iter().map(|k| format!(".{name}{k}")).collect();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Refuses outputs that would replace the site itself or a folder we did not make.
fn guard(root: &Path, output: &Path) -> io::Result<()> {
    let root = fs::canonicalize(root)?;
    if let Ok(out) = fs::canonicalize(output) {
        if root.starts_with(&out) {
            return Err(io::Error::other(format!(
                "refusing to write the site into {}: it contains the site's own files",
                output.display()
            )));
        }
        let mut visible =
            fs::read_dir(&out)?.filter(|e| e.as_ref().is_ok_and(|e| !is_hidden(&e.file_name())));
        let empty = visible.next().is_none();
        if !empty && !out.join("index.html").is_file() {
            return Err(io::Error::other(format!(
                "refusing to replace {}: it is not empty and holds no index.html, so it does not look like a built site",
                output.display()
            )));
        }
    }
    Ok(())
}

/// Whether a relative output path names a place inside the output folder: no `..`, no
/// root, no drive.
fn stays_inside(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, output: &Path, files: Vec<OutputFile>) -> io::Result<()> {
        let staging = Staging::new(root, output)?;
        for file in files {
            staging.put(file)?;
        }
        staging.commit()
    }

    #[cfg(unix)]
    #[test]
    fn the_old_site_is_deleted_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir_all(outside.join("keep")).unwrap();
        fs::write(outside.join("keep/file.txt"), "x").unwrap();
        let old = dir.path().join("old");
        for sub in ["a/b/c", "d", "e/f"] {
            fs::create_dir_all(old.join(sub)).unwrap();
            fs::write(old.join(sub).join("index.html"), "<p>").unwrap();
        }
        std::os::unix::fs::symlink(&outside, old.join("d/link")).unwrap();
        remove_tree(&old).unwrap();
        assert!(!old.exists());
        assert!(outside.join("keep/file.txt").exists());
    }

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_owned(),
            content: Content::Bytes(text.as_bytes().to_vec()),
        }
    }

    #[test]
    fn a_new_build_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(
            dir.path(),
            &out,
            vec![file("index.html", "one"), file("old/index.html", "x")],
        )
        .unwrap();
        write(dir.path(), &out, vec![file("index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert!(!out.join("old").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["public"]);
    }

    #[test]
    fn hidden_entries_of_the_old_output_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(out.join(".git")).unwrap();
        fs::write(out.join(".git/HEAD"), "ref").unwrap();
        fs::write(out.join(".gitkeep"), "").unwrap();
        write(dir.path(), &out, vec![file("index.html", "one")]).unwrap();
        write(dir.path(), &out, vec![file("index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join(".git/HEAD")).unwrap(), "ref");
        assert!(out.join(".gitkeep").exists());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_is_replaced_where_it_points() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        write(dir.path(), &real, vec![file("index.html", "one")]).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(dir.path(), &link, vec![file("index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(real.join("index.html")).unwrap(), "two");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn refuses_to_replace_the_site_or_a_foreign_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write(dir.path(), dir.path(), vec![file("index.html", "x")]).is_err());
        let foreign = dir.path().join("documents");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("letter.txt"), "keep me").unwrap();
        assert!(write(dir.path(), &foreign, vec![file("index.html", "x")]).is_err());
        assert!(foreign.join("letter.txt").exists());
    }

    #[test]
    fn nothing_is_written_outside_the_output_folder() {
        let site = tempfile::tempdir().unwrap();
        let staging = Staging::new(site.path(), &site.path().join("public")).unwrap();
        // An absolute path, here one into the site folder itself.
        let absolute = site
            .path()
            .join("escape.html")
            .to_string_lossy()
            .into_owned();
        for path in ["../escape.html", &absolute, "a/../../escape.html", ""] {
            let file = OutputFile {
                path: path.to_owned(),
                content: Content::Bytes(b"x".to_vec()),
            };
            assert!(staging.put(file).is_err(), "{path}");
        }
        assert!(!site.path().join("escape.html").exists());
        assert!(stays_inside("articles/x/index.html"));
    }
}
