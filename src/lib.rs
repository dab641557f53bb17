//! advocate: a static site generator for human-rights advocacy groups.
//!
//! One pipeline, each step a function from data to data:
//!
//! ```text
//! Config::parse → content::load ─┐
//!                 theme::load ───┴→ images::publish → render::site → gates → Sink
//!   site.toml     articles,         images in        every page,    no        staging folder
//!                 incidents,        every width,     in parallel    forbidden (build), memory
//!                 pages; templates  no metadata                     name, no  (serve), nothing
//!                                                                   metadata  (check)
//! ```
//!
//! Every step collects problems in the user's site as [`Diagnostic`]s and runs to the end
//! of its inputs; the pipeline stops between steps when errors were found, so a single run
//! reports every mistake. Failures of the machine are `io::Error`s.
//!
//! [`generate`] runs everything but the write (it is `advocate check`); [`build`] writes
//! into a staging folder swapped in at the end; [`generate_into`] takes any sink.

pub mod chronology;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod frontmatter;
pub mod i18n;
pub mod images;
pub mod incremental;
pub mod links;
pub mod markdown;
mod markup;
pub mod offline;
pub mod output;
pub mod privacy;
pub mod render;
mod resources;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod slug;
pub mod source;
pub mod theme;
pub mod toml_de;
mod trace;

use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

pub use config::Config;
pub use diagnostics::{Diagnostic, Severity, Sources};
pub use render::OutputFile;

/// What to build and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site root: the folder holding `site.toml`.
    pub root: PathBuf,
    /// Replaces `base_url` from site.toml (`--base-url`).
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Treat warnings as errors.
    pub strict: bool,
    /// Also fetch every source URL and warn about those that fail (`check --external`).
    pub external: bool,
    /// Images encoded by earlier builds with these options (`serve` rebuilds often).
    pub image_cache: images::Cache,
    /// Write the offline edition: every internal link relative and naming its file
    /// (`build --offline`).
    pub offline: bool,
}

impl Options {
    /// What `advocate build` does without options, for the site at `root`: published
    /// pages only, `base_url` from site.toml, warnings as warnings, no network, the
    /// online edition.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            base_url: None,
            drafts: false,
            strict: false,
            external: false,
            image_cache: images::Cache::default(),
            offline: false,
        }
    }
}

/// The result of running the pipeline.
#[derive(Debug, Default)]
pub struct Generated {
    /// Number of HTML pages rendered; 0 when the site has errors.
    pub pages: usize,
    /// Errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts the diagnostics point into.
    pub sources: Sources,
}

impl Generated {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads, validates and renders the site, writing nothing (`advocate check`). Images are
/// decoded, so that a damaged one is found, but not encoded.
pub fn generate(options: &Options) -> io::Result<Generated> {
    pipeline(options, &Discard, images::Work::Check, None).map(|(generated, _)| generated)
}

/// Runs the pipeline and, when the site has no errors, replaces `output` with the new
/// site; otherwise `output` stays exactly as it was.
pub fn build(options: &Options, output: &Path) -> io::Result<Generated> {
    let staging = output::Staging::new(&options.root, output)?;
    let generated = generate_into(options, &staging)?;
    if !generated.has_errors() {
        staging.commit()?;
    }
    Ok(generated)
}

/// A sink that only counts pages: `check` renders everything and keeps nothing.
struct Discard;

impl render::Sink for Discard {
    fn put(&self, _: OutputFile) -> io::Result<()> {
        Ok(())
    }
}

/// Runs the pipeline, handing every finished file to `sink` (a staging folder for
/// `build`, memory for `serve`, nothing for `check`).
pub fn generate_into(options: &Options, sink: &dyn render::Sink) -> io::Result<Generated> {
    pipeline(options, sink, images::Work::Publish, None).map(|(generated, _)| generated)
}

/// What a build that redoes only what changed keeps from the builds before it.
struct Memory<'a> {
    /// Files parsed before.
    cache: &'a content::Cache,
    /// The fingerprints of the pages of the last successful build.
    previous: &'a render::Fingerprints,
}

/// What a build that reached rendering made, besides its files: what `serve` keeps to
/// renew parts of the site without building it all again.
struct Made {
    outcome: render::Outcome,
    site: content::Site,
    config: Config,
    theme: theme::Theme,
    images: images::Images,
    /// The digest of the protected names from outside the site.
    names: u64,
}

/// The pipeline, with or without memory of earlier builds. Also returns what it made
/// when it got as far as rendering. `work` says whether images are encoded or only
/// decoded (`check`).
fn pipeline(
    options: &Options,
    sink: &dyn render::Sink,
    work: images::Work,
    memory: Option<Memory<'_>>,
) -> io::Result<(Generated, Option<Made>)> {
    let root = &options.root;
    let config_path = root.join(config::CONFIG_FILE);
    if !config_path.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} has no {}; run advocate in a site folder or pass --root",
                display_root(root),
                config::CONFIG_FILE
            ),
        ));
    }
    let mut generated = Generated::default();
    let config_file =
        match source::read(root, Path::new(config::CONFIG_FILE), source::MAX_FILE_SIZE) {
            Ok(file) => file,
            Err(d) => {
                generated.diagnostics.push(d);
                return Ok((generated, None));
            }
        };
    generated
        .sources
        .insert(&config_file.path, config_file.text.clone());
    let config = match Config::parse(&config_file.text, options.base_url.as_deref()) {
        Ok(config) => config,
        Err(diagnostics) => {
            generated.diagnostics = diagnostics;
            return Ok((finish(generated, options), None));
        }
    };

    let fresh = content::Cache::default();
    let cache = memory.as_ref().map_or(&fresh, |m| m.cache);
    let (loaded, loaded_theme) = rayon::join(
        || content::load_with(root, &config, options.drafts, cache),
        || theme::load(root, &config),
    );
    let (loaded, loaded_theme) = (loaded?, loaded_theme?);
    generated.diagnostics.extend(loaded.diagnostics);
    generated.diagnostics.extend(loaded_theme.diagnostics);
    generated.sources.extend(loaded.sources);
    generated.sources.extend(loaded_theme.sources);
    let Some(theme) = loaded_theme.theme else {
        return Ok((finish(generated, options), None));
    };
    if generated.has_errors() {
        return Ok((finish(generated, options), None));
    }

    if options.external {
        generated
            .diagnostics
            .extend(links::check(&loaded.site.incidents));
    }
    // The offline edition's rewriter comes after the gates, just before the output.
    let offline = options
        .offline
        .then(|| offline::Offline::new(root, &config, sink));
    let sink: &dyn render::Sink = match &offline {
        Some(offline) => offline,
        None => sink,
    };
    let names = privacy::names_digest();
    let site = &loaded.site;
    let (made, found, masked) = through_gates(root, &config, sink, |gates| {
        let (limit, cache) = (config.max_image_size, &options.image_cache);
        let published = images::publish(root, &theme.assets, limit, cache, work, gates)?;
        if published.diagnostics.iter().any(Diagnostic::is_error) {
            return Ok((published.diagnostics, None));
        }
        let incremental = memory.map(|m| render::Incremental {
            previous: m.previous,
            config: {
                let mut h = render::fingerprint::hasher();
                (&config_file.text, &options.base_url, options.drafts).hash(&mut h);
                // Names from the secret file decide which pages may be published too.
                h.write_u64(names);
                published.images.hash(&mut h);
                h.finish()
            },
        });
        let index = work == images::Work::Publish;
        let images = &published.images;
        let outcome = render::site(site, &config, &theme, images, gates, index, incremental)?;
        Ok((published.diagnostics, Some((outcome, published.images))))
    })?;
    let (published, rendered) = made;
    generated.diagnostics.extend(published);
    let Some((mut outcome, images)) = rendered else {
        return Ok((finish(generated, options), None));
    };
    generated.pages = outcome.pages;
    generated.diagnostics.append(&mut outcome.diagnostics);
    generated.diagnostics.extend(found);
    // Quote files that hold protected names with the names masked.
    generated.sources.extend(masked);
    let made = Made {
        outcome,
        site: loaded.site,
        config,
        theme,
        images,
        names,
    };
    Ok((finish(generated, options), Some(made)))
}

/// Runs `f` with a sink that hands each file through the gates, in this order, before
/// `sink`: nothing loaded from another host, no protected name, no image metadata.
/// Returns what `f` returned, what the gates found, and the texts they quote (with the
/// protected names masked).
fn through_gates<R>(
    root: &Path,
    config: &Config,
    sink: &dyn render::Sink,
    f: impl FnOnce(&dyn render::Sink) -> io::Result<R>,
) -> io::Result<(R, Vec<Diagnostic>, Sources)> {
    let clean = images::MetadataGate::new(root, sink);
    let privacy = privacy::PrivacyGate::new(root, config, &clean)?;
    let resources = resources::ResourceGate::new(root, config, &privacy);
    let made = f(&resources)?;
    let mut found = resources.violations();
    let (leaks, masked) = privacy.violations();
    found.extend(leaks);
    found.extend(clean.violations());
    Ok((made, found, masked))
}

fn finish(mut generated: Generated, options: &Options) -> Generated {
    // Checks across files, links and templates point into files whose text was not kept.
    let missing: Vec<PathBuf> = generated
        .diagnostics
        .iter()
        .filter(|d| d.span.is_some() && generated.sources.get(&d.path).is_none())
        .map(|d| d.path.clone())
        .collect();
    for path in missing {
        if let Ok(text) = fs::read_to_string(options.root.join(&path)) {
            generated.sources.insert(path, text);
        }
    }
    if options.strict {
        for d in &mut generated.diagnostics {
            d.severity = Severity::Error;
        }
    }
    if generated.has_errors() {
        generated.pages = 0;
    }
    diagnostics::sort(&mut generated.diagnostics);
    generated
}

fn display_root(root: &Path) -> String {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        "this folder".to_owned()
    } else {
        root.display().to_string()
    }
}
