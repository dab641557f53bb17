//! The offline edition (`advocate build --offline`): the site as a folder that works
//! opened from a disk, a USB stick or an unpacked zip, with no server.
//!
//! Opened from `file://`, a link to `/articles/x/` leads to the root of the disk and a
//! folder shows as a file listing. So every internal link of every page is rewritten,
//! on its way to the output, into a relative link that names the file:
//! `/articles/x/` seen from `chronology/index.html` becomes `../articles/x/index.html`.
//! Pages are rewritten with lol_html, a streaming HTML rewriter, so only real attributes
//! change (`href`, `src`, `srcset`, `action`, `poster`), never text that looks like one.
//! Stylesheets get the same treatment for `url(...)`. Feeds and the sitemap keep their
//! absolute addresses: they are for readers that fetch them from the web.

use std::fs;
use std::io;
use std::path::Path;

use lol_html::{RewriteStrSettings, element, rewrite_str};

use crate::config::Config;
use crate::render::{Content, OutputFile, Sink};

/// Attributes that hold a single address.
const LINK_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster"];

/// A sink that makes the internal links of pages and stylesheets relative, then hands
/// every file on to `inner`.
pub(crate) struct Offline<'a> {
    root: &'a Path,
    base_path: String,
    inner: &'a dyn Sink,
}

impl<'a> Offline<'a> {
    pub(crate) fn new(root: &'a Path, config: &Config, inner: &'a dyn Sink) -> Self {
        Offline {
            root,
            base_path: config.base_path.clone(),
            inner,
        }
    }
}

impl Sink for Offline<'_> {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        let css = file.path.ends_with(".css");
        if !css && !file.path.ends_with(".html") {
            return self.inner.put(file);
        }
        let text = match &file.content {
            Content::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Content::Copy(source) => fs::read_to_string(self.root.join(source))?,
        };
        let text = if css {
            stylesheet(&text, &file.path, &self.base_path)
        } else {
            page(&text, &file.path, &self.base_path)
                .map_err(|e| io::Error::other(format!("rewriting {}: {e}", file.path)))?
        };
        self.inner.put(OutputFile {
            path: file.path,
            content: Content::Bytes(text.into_bytes()),
        })
    }
}

/// An HTML page at output path `file` with its internal links made relative.
pub fn page(
    html: &str,
    file: &str,
    base_path: &str,
) -> Result<String, lol_html::errors::RewritingError> {
    let mut settings = RewriteStrSettings::new();
    for &name in LINK_ATTRIBUTES {
        settings =
            settings.append_element_content_handler(element!(format!("[{name}]"), move |el| {
                if let Some(value) = el.get_attribute(name) {
                    if let Some(link) = link(&value, file, base_path) {
                        el.set_attribute(name, &link)?;
                    }
                }
                Ok(())
            }));
    }
    settings = settings.append_element_content_handler(element!("[srcset]", |el| {
        if let Some(value) = el.get_attribute("srcset") {
            el.set_attribute("srcset", &srcset(&value, file, base_path))?;
        }
        Ok(())
    }));
    rewrite_str(html, settings)
}

/// Each candidate of a `srcset` (`/img/a.jpg 2x, /img/b.jpg 640w`), made relative.
fn srcset(value: &str, file: &str, base_path: &str) -> String {
    value
        .split(',')
        .map(|candidate| {
            let candidate = candidate.trim();
            let (url, descriptor) = candidate.split_once(' ').unwrap_or((candidate, ""));
            let url = link(url, file, base_path).unwrap_or_else(|| url.to_owned());
            if descriptor.is_empty() {
                url
            } else {
                format!("{url} {}", descriptor.trim())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A stylesheet at output path `file` with its `url(...)`s under the base path made
/// relative.
fn stylesheet(css: &str, file: &str, base_path: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("url(") {
        let (head, tail) = rest.split_at(start + "url(".len());
        out.push_str(head);
        let end = tail.find(')').unwrap_or(tail.len());
        let inner = &tail[..end];
        let quote = inner
            .trim()
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'');
        let url = inner.trim().trim_matches(['"', '\'']);
        match link(url, file, base_path) {
            Some(relative) => {
                let q = quote.map(String::from).unwrap_or_default();
                out.push_str(&format!("{q}{relative}{q}"));
            }
            None => out.push_str(inner),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The relative form of an internal address seen from the output file `file`, naming
/// `index.html` where the address names a folder; `None` for addresses that are not
/// under the base path (other sites, `#fragments`, `mailto:`).
pub fn link(value: &str, file: &str, base_path: &str) -> Option<String> {
    let rest = value.strip_prefix(base_path)?;
    if value.starts_with("//") {
        return None;
    }
    let split = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, suffix) = rest.split_at(split);
    let last = path.rsplit('/').next().unwrap_or("");
    let target = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else if !last.contains('.') {
        // A folder written without its slash: `/articles/x`.
        format!("{path}/index.html")
    } else {
        path.to_owned()
    };
    let dir = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    Some(format!(
        "{}{suffix}",
        relative(&format!("/{dir}/"), &format!("/{target}"))
    ))
}

/// The link from the folder `from_dir` to the site path `to`, both starting with `/`:
/// `relative("/search/", "/articles/x/")` is `../articles/x/`.
pub fn relative(from_dir: &str, to: &str) -> String {
    let from: Vec<&str> = from_dir.split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut link = "../".repeat(from.len() - common);
    link.push_str(&to_parts[common..].join("/"));
    if to.ends_with('/') && common < to_parts.len() {
        link.push('/');
    }
    if link.is_empty() {
        link.push_str("./");
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_files_relative_to_the_page() {
        let at = |v: &str, file: &str| link(v, file, "/");
        assert_eq!(at("/", "index.html").as_deref(), Some("index.html"));
        assert_eq!(
            at("/articles/x/", "chronology/index.html").as_deref(),
            Some("../articles/x/index.html")
        );
        assert_eq!(
            at("/search/?q=tumen#top", "ko/articles/a/index.html").as_deref(),
            Some("../../../search/index.html?q=tumen#top")
        );
        assert_eq!(
            at("/style.css", "a/b/index.html").as_deref(),
            Some("../../style.css")
        );
        assert_eq!(
            at("/articles/x", "404.html").as_deref(),
            Some("articles/x/index.html")
        );
        for outside in [
            "https://ngo.example/",
            "#main",
            "mailto:a@b.org",
            "//cdn.example/x.js",
        ] {
            assert_eq!(at(outside, "index.html"), None, "{outside}");
        }
        assert_eq!(
            link("/monitor/tags/", "monitor-x/index.html", "/monitor/").as_deref(),
            Some("../tags/index.html")
        );
        assert_eq!(link("/other/", "index.html", "/monitor/"), None);
    }

    #[test]
    fn pages_stylesheets_and_srcsets_are_rewritten() {
        let html = r#"<a href="/tags/">t</a><img src="/img/a.jpg" srcset="/img/a.jpg 1x, /img/b.jpg 2x"><form action="/search/"></form><p>/tags/</p>"#;
        assert_eq!(
            page(html, "articles/x/index.html", "/").unwrap(),
            r#"<a href="../../tags/index.html">t</a><img src="../../img/a.jpg" srcset="../../img/a.jpg 1x, ../../img/b.jpg 2x"><form action="../../search/index.html"></form><p>/tags/</p>"#
        );
        assert_eq!(
            stylesheet(
                "a{background:url(\"/img/x.png\")} b{c:url(#f)}",
                "css/site.css",
                "/"
            ),
            "a{background:url(\"../img/x.png\")} b{c:url(#f)}"
        );
    }

    #[test]
    fn relative_paths_climb_only_as_far_as_needed() {
        assert_eq!(relative("/search/", "/articles/x/"), "../articles/x/");
        assert_eq!(
            relative("/ko/search/", "/ko/incidents/a/"),
            "../incidents/a/"
        );
        assert_eq!(relative("/search/", "/"), "../");
        assert_eq!(relative("/search/", "/search/"), "./");
        assert_eq!(relative("/a/b/", "/feed.xml"), "../../feed.xml");
    }
}
