//! The theme: templates (with site-level overrides), interface strings and assets.
//!
//! Templates come from `themes/<name>/templates/`; a file of the same name under the
//! site's own `templates/` replaces the theme's. Each template is parsed once, here.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use tera::Tera;

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostics::{Diagnostic, Sources, display_path};
use crate::i18n::Strings;
use crate::render::map::Outline;
use crate::source;

/// A loaded theme, ready to render.
pub struct Theme {
    /// Every template, parsed.
    pub tera: Tera,
    /// Template name → file it came from, relative to the site root.
    pub template_paths: BTreeMap<String, PathBuf>,
    /// Interface strings per language.
    pub strings: BTreeMap<String, Strings>,
    /// Assets to copy: path in the output → file relative to the site root. The site's
    /// `static/` wins over the theme's.
    pub assets: BTreeMap<String, PathBuf>,
    /// Country outlines for the chronology's map, when the theme ships them.
    pub map: Option<Outline>,
    /// Digest of the templates, interface strings and map: what every page depends on.
    pub digest: u64,
}

/// Where a theme keeps the outline data of its map.
pub const MAP_FILE: &str = "map/border-region.geojson";

/// What loading the theme found.
pub struct LoadedTheme {
    /// The theme, when nothing was wrong with it.
    pub theme: Option<Theme>,
    /// Problems in templates or string tables.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts of templates and tables, for printing diagnostics.
    pub sources: Sources,
}

/// Loads the theme named in `config` from the site at `root`.
pub fn load(root: &Path, config: &Config) -> io::Result<LoadedTheme> {
    let theme_dir = Path::new("themes").join(&config.theme);
    let mut loaded = LoadedTheme {
        theme: None,
        diagnostics: Vec::new(),
        sources: Sources::default(),
    };
    if !root.join(&theme_dir).is_dir() {
        loaded.diagnostics.push(
            Diagnostic::error(CONFIG_FILE, format!("there is no theme `{}`", config.theme)).help(
                format!(
                    "the folder {} does not exist; use theme = \"default\"",
                    display_path(&theme_dir)
                ),
            ),
        );
        return Ok(loaded);
    }

    let mut templates: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in [theme_dir.join("templates"), PathBuf::from("templates")] {
        for rel in source::walk(root, &dir)? {
            let name = rel
                .iter()
                .map(|s| s.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            templates.insert(name, dir.join(rel));
        }
    }
    let mut texts = Vec::with_capacity(templates.len());
    for (name, path) in &templates {
        match source::read(root, path, config.max_file_size) {
            Ok(file) => texts.push((name.clone(), file.text)),
            Err(d) => loaded.diagnostics.push(d),
        }
    }

    // Everything of the theme a page is made from, but its assets.
    let mut digest = crate::render::fingerprint::hasher();
    texts.hash(&mut digest);
    let mut strings = BTreeMap::new();
    for lang in &config.languages {
        let path = theme_dir.join("i18n").join(format!("{lang}.toml"));
        if !root.join(&path).is_file() {
            loaded.diagnostics.push(
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("the theme has no interface strings for language `{lang}`"),
                )
                .help(format!(
                    "add {} (copy en.toml and translate it)",
                    display_path(&path)
                )),
            );
            continue;
        }
        match source::read(root, &path, config.max_file_size) {
            Ok(file) => {
                file.text.hash(&mut digest);
                match Strings::parse(lang, &path, &file.text) {
                    Ok(table) => {
                        strings.insert(lang.clone(), table);
                    }
                    Err(mut e) => loaded.diagnostics.append(&mut e),
                }
                loaded.sources.insert(file.path, file.text);
            }
            Err(d) => loaded.diagnostics.push(d),
        }
    }

    if let Some(reference) = strings.get(&config.default_language) {
        for (lang, other) in &strings {
            if *lang != config.default_language {
                loaded.diagnostics.extend(other.missing_keys(reference));
            }
        }
    }

    let mut assets = BTreeMap::new();
    for dir in [theme_dir.join("static"), PathBuf::from("static")] {
        for rel in source::walk_static(root, &dir)? {
            let out = rel
                .iter()
                .map(|s| s.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            assets.insert(out, dir.join(rel));
        }
    }

    let map_path = theme_dir.join(MAP_FILE);
    let map = if root.join(&map_path).is_file() {
        match source::read(root, &map_path, config.max_file_size) {
            Ok(file) => match Outline::parse(&file.text).inspect(|_| file.text.hash(&mut digest)) {
                Ok(outline) => Some(outline),
                Err(message) => {
                    loaded.diagnostics.push(Diagnostic::error(
                        &map_path,
                        format!("the map outline is unusable: {message}"),
                    ));
                    None
                }
            },
            Err(d) => {
                loaded.diagnostics.push(d);
                None
            }
        }
    } else {
        None
    };

    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    for (name, text) in &texts {
        loaded.sources.insert(&templates[name], text.clone());
    }
    if let Err(err) = tera.add_raw_templates(texts.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        loaded.diagnostics.push(template_error(&err, &templates));
    }
    if loaded.diagnostics.is_empty() {
        loaded.theme = Some(Theme {
            digest: digest.finish(),
            tera,
            template_paths: templates,
            strings,
            assets,
            map,
        });
    }
    Ok(loaded)
}

/// Turns a tera error into a diagnostic pointing into the template file.
pub fn template_error(err: &tera::Error, templates: &BTreeMap<String, PathBuf>) -> Diagnostic {
    let path_of = |name: &str| {
        templates
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    };
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let mut message = report.message().to_owned();
            let mut cause = std::error::Error::source(err);
            while let Some(c) = cause {
                message.push_str(": ");
                message.push_str(&c.to_string());
                cause = c.source();
            }
            Diagnostic::error(path_of(report.filename()), format!("template: {message}"))
                .at(Some(report.span().range.clone()))
        }
        tera::ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            PathBuf::from("templates"),
            format!("the template `{name}` does not exist"),
        )
        .help("a theme must provide every template the site renders; check the theme's templates/ folder"),
        _ => Diagnostic::error(PathBuf::from("templates"), format!("template: {err}")),
    }
}
