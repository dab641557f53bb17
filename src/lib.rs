//! advocate: a static site generator for human-rights advocacy groups.
//!
//! One pipeline, each step a function from data to data:
//!
//! ```text
//! Config::parse → content::load ─┐
//!                 theme::load ───┴→ render::site → privacy gate → Sink
//!   site.toml     articles, incidents,  every page,     no forbidden    staging folder
//!                 pages; templates      in parallel     string          (build), memory
//!                                                                       (serve), nothing
//!                                                                       (check)
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
pub mod links;
pub mod markdown;
pub mod output;
pub mod privacy;
pub mod render;
mod resources;
pub mod scaffold;
pub mod serve;
pub mod slug;
pub mod source;
pub mod theme;
pub mod toml_de;
mod trace;

use std::fs;
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

/// Loads, validates and renders the site, writing nothing (`advocate check`).
pub fn generate(options: &Options) -> io::Result<Generated> {
    generate_into(options, &Discard)
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
                return Ok(generated);
            }
        };
    generated
        .sources
        .insert(&config_file.path, config_file.text.clone());
    let config = match Config::parse(&config_file.text, options.base_url.as_deref()) {
        Ok(config) => config,
        Err(diagnostics) => {
            generated.diagnostics = diagnostics;
            return Ok(finish(generated, options));
        }
    };

    let (loaded, loaded_theme) = rayon::join(
        || content::load(root, &config, options.drafts),
        || theme::load(root, &config),
    );
    let (loaded, loaded_theme) = (loaded?, loaded_theme?);
    generated.diagnostics.extend(loaded.diagnostics);
    generated.diagnostics.extend(loaded_theme.diagnostics);
    generated.sources.extend(loaded.sources);
    generated.sources.extend(loaded_theme.sources);
    let Some(theme) = loaded_theme.theme else {
        return Ok(finish(generated, options));
    };
    if generated.has_errors() {
        return Ok(finish(generated, options));
    }

    if options.external {
        generated
            .diagnostics
            .extend(links::check(&loaded.site.incidents));
    }
    let gate = privacy::PrivacyGate::new(root, &config, sink)?;
    let resources = resources::ResourceGate::new(root, &config, &gate);
    let problems = render::site(&loaded.site, &config, &theme, &resources)?;
    generated.pages = gate.pages();
    generated.diagnostics.extend(problems);
    generated.diagnostics.extend(resources.violations());
    let (leaks, masked) = gate.violations();
    generated.diagnostics.extend(leaks);
    // Quote files that hold protected names with the names masked.
    generated.sources.extend(masked);
    Ok(finish(generated, options))
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
