//! Builds that redo only what a save changed, for `advocate serve`.
//!
//! A [`Session`] keeps two things between builds: the outcome of parsing each content file
//! (`content::Cache`, told by the watcher which files changed), and the last good site in
//! memory with the fingerprint of each page (`render::Fingerprints`). Every build still
//! lists the content folders, runs the checks across files, and lists every page; only
//! the parsing of unchanged files and the rendering of pages whose inputs are unchanged
//! are skipped. The result is, byte for byte, what a full build would give: the tests
//! compare the two after every kind of edit.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::render::{Content, Fingerprints, OutputFile, Sink};
use crate::{Generated, Options, config, content};

/// A whole site in memory: output path → bytes.
pub type Files = HashMap<String, Bytes>;

/// A sink that keeps every file in memory.
pub struct MemorySink {
    files: Mutex<Files>,
    root: PathBuf,
}

impl MemorySink {
    /// An empty sink for the site at `root` (assets are read from there).
    pub fn new(root: &Path) -> Self {
        MemorySink {
            files: Mutex::new(HashMap::new()),
            root: root.to_owned(),
        }
    }

    /// The files collected.
    pub fn into_files(self) -> Files {
        self.files.into_inner().unwrap_or_default()
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        let bytes = match file.content {
            Content::Bytes(bytes) => bytes,
            Content::Copy(source) => std::fs::read(self.root.join(source))?,
        };
        if let Ok(mut files) = self.files.lock() {
            files.insert(file.path, Bytes::from(bytes));
        }
        Ok(())
    }
}

/// Builds of one site, each reusing what the one before it did.
pub struct Session {
    options: Options,
    cache: content::Cache,
    last: Option<Last>,
}

/// The last good build.
struct Last {
    fingerprints: Fingerprints,
    files: Arc<Files>,
}

/// What one build of a session gave.
pub struct Build {
    /// What the pipeline found.
    pub generated: Generated,
    /// The whole site, when it has no errors.
    pub files: Option<Arc<Files>>,
    /// How many pages were rendered; the others were unchanged.
    pub rendered: usize,
}

impl Session {
    /// A session for the site `options` describe; nothing is built yet.
    pub fn new(options: Options) -> Self {
        Session {
            options,
            cache: content::Cache::default(),
            last: None,
        }
    }

    /// Tells the session that `path` (absolute, or relative to the site root) was
    /// created, changed or removed. A path it cannot place makes it forget everything.
    pub fn changed(&mut self, path: &Path) {
        let rel = if path.is_absolute() {
            path.strip_prefix(&self.options.root).ok()
        } else {
            Some(path)
        };
        match rel {
            // Parsing depends on the configuration, and an article on the existence of
            // its image under static/.
            Some(rel) if rel != Path::new(config::CONFIG_FILE) && !rel.starts_with("static") => {
                self.cache.forget(rel);
            }
            _ => self.forget_everything(),
        }
    }

    /// Makes the next build parse every file again.
    pub fn forget_everything(&mut self) {
        self.cache.clear();
    }

    /// Builds the site, parsing only the files not parsed before and rendering only the
    /// pages whose inputs changed since the last good build.
    pub fn build(&mut self) -> io::Result<Build> {
        let sink = MemorySink::new(&self.options.root);
        let none = Fingerprints::default();
        let memory = crate::Memory {
            cache: &self.cache,
            previous: self.last.as_ref().map_or(&none, |last| &last.fingerprints),
        };
        let (generated, outcome) = crate::pipeline(
            &self.options,
            &sink,
            crate::images::Work::Publish,
            Some(memory),
        )?;
        let Some(outcome) = outcome.filter(|_| !generated.has_errors()) else {
            return Ok(Build {
                generated,
                files: None,
                rendered: 0,
            });
        };
        let mut files = sink.into_files();
        if let Some(last) = &self.last {
            for path in &outcome.unchanged {
                if let Some(bytes) = last.files.get(path) {
                    files.insert(path.clone(), bytes.clone());
                }
            }
        }
        let files = Arc::new(files);
        self.last = outcome.fingerprints.map(|fingerprints| Last {
            fingerprints,
            files: Arc::clone(&files),
        });
        Ok(Build {
            rendered: outcome.rendered,
            generated,
            files: Some(files),
        })
    }
}
