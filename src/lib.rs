//! advocate: a static site generator for human-rights advocacy groups.
//!
//! One pipeline, each step a function from data to data:
//!
//! ```text
//! config::Config::parse → content::load → theme::load → render::site → output::write
//!   site.toml             articles,         templates,     every page      public/, swapped
//!                         incidents, pages  strings        in memory       in atomically
//! ```
//!
//! Every step collects problems in the user's site as [`Diagnostic`]s and runs to the end
//! of its inputs; the pipeline stops between steps when errors were found, so a single run
//! reports every mistake. Failures of the machine are `io::Error`s.
//!
//! [`generate`] runs everything but the write (it is `advocate check`); [`build`] writes.

pub mod chronology;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod frontmatter;
pub mod i18n;
pub mod links;
pub mod markdown;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod slug;
pub mod source;
pub mod theme;
pub mod toml_de;

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
    /// Every output file, when the site has no errors.
    pub files: Option<Vec<OutputFile>>,
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

    /// Number of HTML pages rendered.
    pub fn page_count(&self) -> usize {
        self.files.as_ref().map_or(0, |files| {
            files.iter().filter(|f| f.path.ends_with(".html")).count()
        })
    }
}

/// Loads, validates and renders the site in memory, writing nothing.
pub fn generate(options: &Options) -> io::Result<Generated> {
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
            return Ok(finish(generated, options.strict));
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
        return Ok(finish(generated, options.strict));
    };
    if generated.has_errors() {
        return Ok(finish(generated, options.strict));
    }

    if options.external {
        generated
            .diagnostics
            .extend(links::check(&loaded.site.incidents));
    }
    match render::site(&loaded.site, &config, &theme) {
        Ok(files) => {
            let forbidden = privacy_violations(root, &config, &files);
            if forbidden.is_empty() {
                generated.files = Some(files);
            } else {
                generated.diagnostics.extend(forbidden);
            }
        }
        Err(diagnostics) => generated.diagnostics.extend(diagnostics),
    }
    // Late diagnostics (links, templates) point into files whose text was not kept.
    let missing: Vec<PathBuf> = generated
        .diagnostics
        .iter()
        .filter(|d| d.span.is_some() && generated.sources.get(&d.path).is_none())
        .map(|d| d.path.clone())
        .collect();
    for path in missing {
        if let Ok(text) = fs::read_to_string(root.join(&path)) {
            generated.sources.insert(path, text);
        }
    }
    Ok(finish(generated, options.strict))
}

/// Runs the pipeline and, when the site has no errors, writes it to `output`.
/// Returns what was generated; `files` is `None` when nothing was written.
pub fn build(options: &Options, output: &Path) -> io::Result<Generated> {
    let generated = generate(options)?;
    if let Some(files) = &generated.files {
        output::write(&options.root, output, files)?;
    }
    Ok(generated)
}

fn finish(mut generated: Generated, strict: bool) -> Generated {
    if strict {
        for d in &mut generated.diagnostics {
            d.severity = Severity::Error;
        }
    }
    if generated.has_errors() {
        generated.files = None;
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

/// The last gate before writing: no string listed in `[privacy] forbidden` may appear in
/// any generated file. Compared case-insensitively.
fn privacy_violations(root: &Path, config: &Config, files: &[OutputFile]) -> Vec<Diagnostic> {
    let forbidden: Vec<String> = config
        .privacy
        .forbidden
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.to_lowercase())
        .collect();
    if forbidden.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for file in files {
        let text = match &file.content {
            render::Content::Bytes(bytes) => String::from_utf8_lossy(bytes).to_lowercase(),
            render::Content::Copy(path) => match fs::read(root.join(path)) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).to_lowercase(),
                Err(_) => continue,
            },
        };
        for (i, word) in forbidden.iter().enumerate() {
            if text.contains(word.as_str()) {
                found.push(
                    Diagnostic::error(
                        config::CONFIG_FILE,
                        format!(
                            "forbidden string #{} of [privacy] appears in the output file {}",
                            i + 1,
                            file.path
                        ),
                    )
                    .help("remove the name from the content that produces this page; nothing was published"),
                );
            }
        }
    }
    found
}
