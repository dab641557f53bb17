//! Builds that redo only what a save changed, for `advocate serve`.
//!
//! A [`Session`] keeps two things between builds: the outcome of parsing each content file
//! (`content::Cache`, told by the watcher which files changed), and the last good build:
//! its files in memory, the fingerprint of each page (`render::Fingerprints`), and what
//! it was made from (model, configuration, theme, images, page list).
//!
//! A save of articles, pages and incidents that kept their place in the site is served in two
//! steps: first their own pages, rendered from the kept page list, then the rest (the
//! search index when only bodies changed, the other pages otherwise). Any other save
//! takes the full incremental way: the content folders are listed, the checks across
//! files run, every page is listed and fingerprinted, and only pages whose fingerprint
//! changed are rendered. Either way the result is, byte for byte, what a full build
//! would give: the tests compare the two after every kind of edit.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::config::Config;
use crate::content::{Article, Incident, Page, Role, Site};
use crate::diagnostics::{Diagnostic, Sources};
use crate::images::Images;
use crate::render::{self, Content, Edited, Fingerprints, OutputFile, Sink};
use crate::source::{self, SourceFile};
use crate::theme::Theme;
use crate::{Generated, Options, config, content, privacy};

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
    /// The files changed since the last good build, relative to the site root.
    changes: BTreeSet<PathBuf>,
    /// Whether a change since the last good build may concern every page (site.toml,
    /// `static/`, a path outside the site).
    everything: bool,
    /// What the last build left for [`finish`](Session::finish).
    behind: Behind,
}

/// The last good build, and what it was made from.
struct Last {
    fingerprints: Fingerprints,
    files: Arc<Files>,
    /// Its model, with the bodies saved since (see [`Session::first_step`]).
    site: Site,
    config: Config,
    theme: Theme,
    images: Images,
    /// The digest of the protected names from outside the site.
    names: u64,
    /// Its warnings, and the texts they quote.
    warnings: Vec<Diagnostic>,
    sources: Sources,
}

/// What one build of a session gave.
pub struct Build {
    /// What the pipeline found.
    pub generated: Generated,
    /// The whole site, when it has no errors. After a first step that leaves
    /// [`Behind::OtherPages`], a first look not kept: the saved items' pages, new, among
    /// the others as the last good build left them.
    pub files: Option<Arc<Files>>,
    /// How many pages were rendered; the others were unchanged.
    pub rendered: usize,
    /// What is not yet up to date, for [`Session::finish`] to make.
    pub behind: Behind,
}

/// What a build of a session left for [`Session::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behind {
    /// Nothing: the site is whole.
    Nothing,
    /// The search index: the save changed only the text of articles or pages.
    SearchIndex,
    /// The other pages: the save changed what they show of the saved item (a title,
    /// tags, an incident's figures), but not its place in the site. `finish` makes the
    /// full incremental build.
    OtherPages,
}

impl Session {
    /// A session for the site `options` describe; nothing is built yet.
    pub fn new(options: Options) -> Self {
        Session {
            options,
            cache: content::Cache::default(),
            last: None,
            changes: BTreeSet::new(),
            everything: false,
            behind: Behind::Nothing,
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
                self.changes.insert(rel.to_owned());
            }
            _ => self.forget_everything(),
        }
    }

    /// Makes the next build parse every file again.
    pub fn forget_everything(&mut self) {
        self.cache.clear();
        self.everything = true;
    }

    /// Builds the site, parsing only the files not parsed before and rendering only the
    /// pages whose inputs changed since the last good build.
    ///
    /// When only articles, pages and incidents were saved, and they kept their place in the site,
    /// their own pages come first: the build renders them alone, and says in
    /// [`Build::behind`] what [`finish`](Session::finish) must still make (the search
    /// index, or the other pages). Call `finish` until it returns `None`.
    pub fn build(&mut self) -> io::Result<Build> {
        if let Some(build) = self.first_step()? {
            return Ok(build);
        }
        self.full()
    }

    /// A build of everything whose inputs changed.
    fn full(&mut self) -> io::Result<Build> {
        let sink = MemorySink::new(&self.options.root);
        let none = Fingerprints::default();
        let memory = crate::Memory {
            cache: &self.cache,
            previous: self.last.as_ref().map_or(&none, |last| &last.fingerprints),
        };
        let (generated, made) = crate::pipeline(
            &self.options,
            &sink,
            crate::images::Work::Publish,
            Some(memory),
        )?;
        self.behind = Behind::Nothing;
        let Some(made) = made.filter(|_| !generated.has_errors()) else {
            return Ok(Build {
                generated,
                files: None,
                rendered: 0,
                behind: Behind::Nothing,
            });
        };
        let mut files = sink.into_files();
        if let Some(last) = &self.last {
            for path in &made.outcome.unchanged {
                if let Some(bytes) = last.files.get(path) {
                    files.insert(path.clone(), bytes.clone());
                }
            }
        }
        let files = Arc::new(files);
        let rendered = made.outcome.rendered;
        self.last = made.outcome.fingerprints.map(|fingerprints| Last {
            fingerprints,
            files: Arc::clone(&files),
            site: made.site,
            config: made.config,
            theme: made.theme,
            images: made.images,
            names: made.names,
            warnings: generated.diagnostics.clone(),
            sources: generated.sources.clone(),
        });
        self.changes.clear();
        self.everything = false;
        Ok(Build {
            rendered,
            generated,
            files: Some(files),
            behind: Behind::Nothing,
        })
    }

    /// The build of a save of articles, pages and incidents only, all of which kept their place in
    /// the site: their own pages and feeds are rendered again (see
    /// [`render::own_pages`]) and every other file is the last good build's. When only
    /// their bodies changed, that is the new site but for its search index; otherwise
    /// it is a preview of those pages, not kept, and the full build follows. `None` when
    /// the changes since the last good build are of another kind, or when the new text
    /// has problems (the full build then reports them as it always does).
    fn first_step(&mut self) -> io::Result<Option<Build>> {
        let options = &self.options;
        let Some(last) = self.last.as_mut() else {
            return Ok(None);
        };
        if self.everything
            || options.offline
            || options.external
            || privacy::names_digest() != last.names
        {
            return Ok(None);
        }
        let root = &options.root;
        let Some(Reparsed {
            site,
            edited,
            bodies_only,
            warnings,
            sources,
        }) = reparse_saved(root, &self.changes, &self.cache, last)
        else {
            return Ok(None);
        };
        let config = &last.config;
        let sink = MemorySink::new(root);
        let (outcome, found, _) = crate::through_gates(root, config, &sink, |gates| {
            let (theme, images) = (&last.theme, &last.images);
            let plan = &last.fingerprints.plan;
            render::own_pages(&site, config, theme, images, gates, plan, &edited)
        })?;
        let mut generated = Generated {
            pages: outcome.pages,
            diagnostics: last
                .warnings
                .iter()
                .filter(|d| !self.changes.contains(&d.path))
                .cloned()
                .chain(warnings)
                .collect(),
            sources,
        };
        generated = crate::finish(generated, options);
        if generated.has_errors() || !outcome.diagnostics.is_empty() || !found.is_empty() {
            return Ok(None);
        }
        let mut files = Files::clone(&last.files);
        files.extend(sink.into_files());
        let files = Arc::new(files);
        if !bodies_only {
            // A first look, not kept: the full build starts from the last good one.
            self.behind = Behind::OtherPages;
        } else {
            last.files = Arc::clone(&files);
            last.site = site;
            last.warnings = generated.diagnostics.clone();
            last.sources = generated.sources.clone();
            self.changes.clear();
            if !edited.is_empty() {
                self.behind = Behind::SearchIndex;
            }
        }
        Ok(Some(Build {
            generated,
            files: Some(files),
            rendered: outcome.rendered,
            behind: self.behind,
        }))
    }

    /// Makes what the last build left behind ([`Build::behind`]): the search index, or
    /// the whole site. Returns the site made whole, or `None` when nothing was behind.
    pub fn finish(&mut self) -> io::Result<Option<Build>> {
        match self.behind {
            Behind::Nothing => Ok(None),
            Behind::OtherPages => self.full().map(Some),
            Behind::SearchIndex => self.search().map(Some),
        }
    }

    /// The last build with a new search index.
    fn search(&mut self) -> io::Result<Build> {
        let root = &self.options.root;
        let Some(last) = self.last.as_mut() else {
            return self.full();
        };
        let sink = MemorySink::new(root);
        let ((), found, masked) = crate::through_gates(root, &last.config, &sink, |gates| {
            let (config, theme, images) = (&last.config, &last.theme, &last.images);
            let memo = &last.fingerprints;
            let index = render::search(&last.site, config, theme, images, memo);
            index.into_iter().try_for_each(|file| gates.put(file))
        })?;
        self.behind = Behind::Nothing;
        let mut generated = Generated {
            pages: last.fingerprints.plan.jobs(),
            diagnostics: last.warnings.clone(),
            sources: last.sources.clone(),
        };
        if !found.is_empty() {
            // Pages and index are made from the same text, so this is unlikely; but a
            // name the gate finds in the index must stop the preview all the same.
            generated.diagnostics.extend(found);
            generated.sources.extend(masked);
            self.everything = true;
            return Ok(Build {
                generated: crate::finish(generated, &self.options),
                files: None,
                rendered: 0,
                behind: Behind::Nothing,
            });
        }
        let index = sink.into_files();
        let mut files = Files::clone(&last.files);
        let plan = &mut last.fingerprints.plan;
        for path in &plan.search {
            files.remove(path);
        }
        plan.search = index.keys().cloned().collect();
        files.extend(index);
        let files = Arc::new(files);
        last.files = Arc::clone(&files);
        Ok(Build {
            generated,
            files: Some(files),
            rendered: 0,
            behind: Behind::Nothing,
        })
    }
}

/// The last good build's model with the articles, pages and incidents saved since parsed
/// again.
struct Reparsed {
    site: Site,
    edited: Vec<Edited>,
    /// Whether every saved file changed in its body alone.
    bodies_only: bool,
    /// The warnings of the saved files, and the texts they quote with those of `last`.
    warnings: Vec<Diagnostic>,
    sources: Sources,
}

/// Parses the files in `changes` into `last`'s model, when each is an article, page or
/// incident that kept its place in the site (and records them in `cache`); `None` when one is
/// something else, new, gone, moved, or has errors or a dangling incident.
fn reparse_saved(
    root: &Path,
    changes: &BTreeSet<PathBuf>,
    cache: &content::Cache,
    last: &Last,
) -> Option<Reparsed> {
    let config = &last.config;
    let mut site = last.site.clone();
    let mut edited = Vec::new();
    let mut bodies_only = true;
    let mut warnings = Vec::new();
    let mut sources = last.sources.clone();
    for rel in changes {
        let role = content::role(rel);
        if role == Role::Ignored {
            continue;
        }
        // Created, removed or replaced by something else: the pages listed change.
        if !fs::symlink_metadata(root.join(rel)).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let file = source::read(root, rel, config.max_file_size).ok()?;
        let (edit, change, found) = match role {
            Role::Article => {
                let parse = || Article::parse(&file, root, config);
                let (i, change, found) = replace_item(&mut site.articles, &file, cache, parse)?;
                (Edited::Article(i), change, found)
            }
            Role::Page => {
                let parse = || Page::parse(&file, config);
                let (i, change, found) = replace_item(&mut site.pages, &file, cache, parse)?;
                (Edited::Page(i), change, found)
            }
            Role::Incident => {
                let parse = || Incident::parse(&file, config);
                let (i, change, found) = replace_item(&mut site.incidents, &file, cache, parse)?;
                (Edited::Incident(i), change, found)
            }
            Role::Other | Role::Ignored => return None,
        };
        bodies_only &= change == Change::Body;
        // The file's earlier warnings are replaced by its new ones.
        sources.remove(rel);
        if !found.is_empty() {
            sources.insert(rel, file.text);
        }
        warnings.extend(found);
        edited.push(edit);
    }
    // Items saved together may show each other (neighbouring articles, an article and
    // its incident): the kept page list has only the old versions of the others.
    if !bodies_only && edited.len() > 1 {
        return None;
    }
    // An article may now name other incidents: they must exist.
    let named = |id: &str| site.incidents.iter().any(|i| i.id == id);
    let dangling = edited.iter().any(|edit| match *edit {
        Edited::Article(i) => !site.articles[i].incidents.iter().all(|r| named(&r.id)),
        Edited::Page(_) | Edited::Incident(_) => false,
    });
    (!dangling).then_some(Reparsed {
        site,
        edited,
        bodies_only,
        warnings,
        sources,
    })
}

/// How a saved article, page or incident differs from the one the last good build had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// In its body alone.
    Body,
    /// In what other pages show of it, but not in its place in the site.
    InPlace,
}

/// An article, page or incident, as a save may change it.
trait Item: Sized {
    fn path(&self) -> &Path;
    /// How `new` differs from this item, if it stays where it is.
    fn change(&self, new: &Self) -> Option<Change>;
    /// Records the item parsed from `rel` in `cache`.
    fn remember(cache: &content::Cache, rel: &Path, item: Arc<Self>, found: content::Found);
}

impl Item for Article {
    fn path(&self) -> &Path {
        &self.path
    }

    fn change(&self, new: &Self) -> Option<Change> {
        if self.differs_only_in_body(new) {
            Some(Change::Body)
        } else {
            self.same_place(new).then_some(Change::InPlace)
        }
    }

    fn remember(cache: &content::Cache, rel: &Path, item: Arc<Self>, found: content::Found) {
        cache.remember_article(rel, item, found);
    }
}

impl Item for Incident {
    fn path(&self) -> &Path {
        &self.path
    }

    // All of an incident shows in lists, the chronology and the data exports.
    fn change(&self, new: &Self) -> Option<Change> {
        self.same_place(new).then_some(Change::InPlace)
    }

    fn remember(cache: &content::Cache, rel: &Path, item: Arc<Self>, found: content::Found) {
        cache.remember_incident(rel, item, found);
    }
}

impl Item for Page {
    fn path(&self) -> &Path {
        &self.path
    }

    // A page's title may be in every page's navigation.
    fn change(&self, new: &Self) -> Option<Change> {
        self.differs_only_in_body(new).then_some(Change::Body)
    }

    fn remember(cache: &content::Cache, rel: &Path, item: Arc<Self>, found: content::Found) {
        cache.remember_page(rel, item, found);
    }
}

/// Replaces the item of `items` that `file` holds with what `parse` makes of it now,
/// when it kept its place, and records it in `cache` (the next full build need not
/// parse the file again). Returns its index, how it changed and its warnings; `None`
/// when the file held no item, has errors, or moved.
fn replace_item<T: Item>(
    items: &mut [Arc<T>],
    file: &SourceFile,
    cache: &content::Cache,
    parse: impl FnOnce() -> content::Checked<T>,
) -> Option<(usize, Change, Vec<Diagnostic>)> {
    // Paths are made the same way everywhere: their bytes are compared, not their parts.
    let path = file.path.as_os_str();
    let i = items
        .iter()
        .position(|item| item.path().as_os_str() == path)?;
    let (new, found) = parse().ok()?;
    let change = items[i].change(&new)?;
    items[i] = Arc::new(new);
    let text = (!found.is_empty()).then(|| file.text.clone());
    T::remember(
        cache,
        &file.path,
        Arc::clone(&items[i]),
        (found.clone(), text),
    );
    Some((i, change, found))
}
