//! The gate against third-party requests: no page may make a reader's browser ask
//! another host for anything.
//!
//! A request to another host tells it who reads what, from where, and when: for a site
//! watched by the government it criticises, one web font or analytics script is enough
//! to expose its readers. Every HTML page, stylesheet and SVG on its way out is parsed
//! (our own tokenizer, `markup`, and cssparser) and every address the browser would load on its
//! own is checked: scripts, stylesheets, icons, preloads, images and `srcset`s, media,
//! frames, objects, SVG `<image href>`, CSS `url()` and `@import`, a refresh to another
//! site. Plain links stay allowed: the reader chooses to follow them. Hosts listed in
//! `[security.allowed_hosts]` are allowed for their kind of resource only.
//!
//! The pages also carry a Content-Security-Policy without `'unsafe-inline'`, so inline
//! scripts, `<style>` elements, `style=""` and `on…=` attributes would be dropped by the
//! browser: they fail the build here, rather than break quietly in front of a reader.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cssparser::{ParseError, Parser, Token};

use crate::config::{AllowedHosts, Config};
use crate::diagnostics::Diagnostic;
use crate::markup::{self, StartTag};
use crate::render::{Content, OutputFile, Sink};
use crate::trace;

/// What a browser would fetch, by the directive of the Content-Security-Policy that
/// governs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Load {
    Script,
    Style,
    Font,
    Image,
    Media,
    Frame,
    /// `<object>` and `<embed>`: never allowed (`object-src 'none'`).
    Object,
    /// `<link rel=preconnect|dns-prefetch>`: a connection opened ahead of time.
    Connection,
}

impl Load {
    fn noun(self) -> &'static str {
        match self {
            Load::Script => "a script",
            Load::Style => "a stylesheet",
            Load::Font => "a font",
            Load::Image => "an image",
            Load::Media => "audio or video",
            Load::Frame => "an embedded page",
            Load::Object => "a plug-in object",
            Load::Connection => "a connection",
        }
    }

    /// The `[security.allowed_hosts]` key that may allow this kind, if any.
    fn key(self) -> Option<&'static str> {
        Some(match self {
            Load::Script => "scripts",
            Load::Style => "styles",
            Load::Font => "fonts",
            Load::Image => "images",
            Load::Media => "media",
            Load::Frame => "frames",
            Load::Object | Load::Connection => return None,
        })
    }

    fn allowed(self, hosts: &AllowedHosts) -> &[String] {
        match self {
            Load::Script => &hosts.scripts,
            Load::Style => &hosts.styles,
            Load::Font => &hosts.fonts,
            Load::Image => &hosts.images,
            Load::Media => &hosts.media,
            Load::Frame => &hosts.frames,
            Load::Object | Load::Connection => &[],
        }
    }
}

/// One thing in a page that the gate refuses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Problem {
    /// Loads from another host, named by its origin.
    Offsite(Load, String),
    /// Loads an address with a scheme other than http(s): `data:`, `javascript:`.
    Scheme(Load, String),
    /// `<a href="javascript:…">`.
    ScriptLink,
    /// `<meta http-equiv=refresh>` to another host.
    Refresh(String),
    /// `<form action>` sending to another host.
    FormAction(String),
    /// `ping` on a link: a request to another host on every click.
    Ping,
    /// `<base href>`: changes where every relative address goes.
    Base,
    /// `<script>` with code in the page.
    InlineScript,
    /// `<style>` element.
    StyleElement,
    /// `style=""` attribute.
    StyleAttribute,
    /// `on…=""` attribute, by name.
    EventHandler(String),
    /// CSS nested deeper than the gate follows.
    TooDeep,
}

impl Problem {
    fn message(&self) -> String {
        match self {
            Problem::Offsite(load, origin) => {
                format!(
                    "makes the page load {} from another host, {origin}",
                    load.noun()
                )
            }
            Problem::Scheme(load, scheme) => {
                format!(
                    "loads {} from a `{scheme}:` address, which the pages' security policy blocks",
                    load.noun()
                )
            }
            Problem::ScriptLink => "has a `javascript:` link".to_owned(),
            Problem::Refresh(origin) => {
                format!("sends the reader on to another host, {origin}, by itself")
            }
            Problem::FormAction(origin) => format!("sends a form to another host, {origin}"),
            Problem::Ping => {
                "has a link with `ping`, which tells another host about every click".to_owned()
            }
            Problem::Base => {
                "has a `<base>` element, which the pages' security policy blocks".to_owned()
            }
            Problem::InlineScript => {
                "has a script written into the page, which the pages' security policy blocks"
                    .to_owned()
            }
            Problem::StyleElement => {
                "has a `<style>` element, which the pages' security policy blocks".to_owned()
            }
            Problem::StyleAttribute => {
                "has a `style` attribute, which the pages' security policy blocks".to_owned()
            }
            Problem::EventHandler(name) => format!(
                "has an `{name}` attribute (code in the page), which the pages' security policy blocks"
            ),
            Problem::TooDeep => {
                format!("has CSS nested more than {MAX_CSS_DEPTH} levels deep, too deep to check")
            }
        }
    }

    fn help(&self) -> String {
        match self {
            Problem::Offsite(load, origin) => match load.key() {
                Some(key) => format!(
                    "save the file under static/ and use its path, such as /img/photo.jpg; or, if readers must load it from {origin}, add \"{origin}\" to `{key}` under [security.allowed_hosts] in site.toml"
                ),
                None => "remove it: every request to another host tells that host who reads the page".to_owned(),
            },
            Problem::Scheme(..) => "save the file under static/ and use its path".to_owned(),
            Problem::ScriptLink => "link to an https:// address or a page of this site".to_owned(),
            Problem::Refresh(_) | Problem::FormAction(_) | Problem::Ping => {
                "remove it, or use a plain link the reader chooses to follow".to_owned()
            }
            Problem::Base => "remove it; links in the theme already carry the base path".to_owned(),
            Problem::InlineScript | Problem::EventHandler(_) => {
                "move the code into a .js file under static/ and load it with <script src=\"…\" defer>".to_owned()
            }
            Problem::StyleElement | Problem::StyleAttribute => {
                "move the rules into the stylesheet and use a class".to_owned()
            }
            Problem::TooDeep => "flatten the nesting of the stylesheet".to_owned(),
        }
    }
}

/// A problem, where it is in the output, and the text to look for in the sources.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) problem: Problem,
    /// The address or markup as found, to search the site's sources for.
    pub(crate) needle: String,
    /// 1-based line in the output file.
    pub(crate) line: u64,
}

/// Which origins are this site's, and which others are allowed.
pub(crate) struct Policy<'a> {
    own: String,
    allowed: &'a AllowedHosts,
}

impl<'a> Policy<'a> {
    pub(crate) fn new(config: &'a Config) -> Self {
        Policy {
            own: config.origin.to_ascii_lowercase(),
            allowed: &config.security.allowed_hosts,
        }
    }

    /// The problem with loading `url` as `load`, if any.
    fn check(&self, load: Load, url: &str) -> Option<Problem> {
        match classify(url) {
            Address::Local => None,
            Address::Remote(origin) => {
                let allowed = origin == self.own
                    || load.allowed(self.allowed).contains(&origin)
                    || load.allowed(self.allowed).iter().any(|a| {
                        // `//host/x` takes the page's scheme; https is what the policy names.
                        origin.starts_with("//") && a.strip_prefix("https:") == Some(&origin)
                    });
                (!allowed).then_some(Problem::Offsite(load, origin))
            }
            Address::Scheme(scheme) => Some(Problem::Scheme(load, scheme)),
        }
    }

    fn elsewhere(&self, url: &str) -> Option<String> {
        match classify(url) {
            Address::Remote(origin) if origin != self.own => Some(origin),
            _ => None,
        }
    }
}

/// The origin of an http(s) address, `https://host[:port]` in lower case, as
/// `[security.allowed_hosts]` lists them.
pub(crate) fn origin(url: &str) -> Option<String> {
    match classify(url) {
        Address::Remote(origin) if !origin.starts_with("//") => Some(origin),
        _ => None,
    }
}

enum Address {
    /// A path on this site, or a fragment.
    Local,
    /// `https://host[:port]`, or `//host` for a scheme-relative address, lower case.
    Remote(String),
    /// Another scheme, lower case: `data`, `javascript`.
    Scheme(String),
}

/// Where an address points, read as a browser reads it: tabs and line breaks inside it
/// are ignored, and so are spaces around it; `\` counts as `/`.
fn classify(url: &str) -> Address {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    let host_of = |rest: &str| -> String {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        host.to_ascii_lowercase()
    };
    if let Some(rest) = url.strip_prefix("//") {
        return Address::Remote(format!("//{}", host_of(rest)));
    }
    let scheme_end = url.find(':').filter(|&i| {
        i > 0
            && url[..i].starts_with(|c: char| c.is_ascii_alphabetic())
            && url[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    });
    let Some(end) = scheme_end else {
        return Address::Local;
    };
    let scheme = url[..end].to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => {
            let rest = url[end + 1..].trim_start_matches('/');
            Address::Remote(format!("{scheme}://{}", host_of(rest)))
        }
        _ => Address::Scheme(scheme),
    }
}

/// (problem, needle) → output files, and lines in them, where it was found.
type Found = BTreeMap<(Problem, String), Vec<(String, u64)>>;

/// A sink that checks every HTML page, stylesheet and SVG on its way to the next sink.
pub(crate) struct ResourceGate<'a> {
    root: &'a Path,
    policy: Policy<'a>,
    sources: Vec<PathBuf>,
    inner: &'a dyn Sink,
    found: Mutex<Found>,
}

impl<'a> ResourceGate<'a> {
    pub(crate) fn new(root: &'a Path, config: &'a Config, inner: &'a dyn Sink) -> Self {
        ResourceGate {
            root,
            policy: Policy::new(config),
            sources: trace::source_dirs(&config.theme),
            inner,
            found: Mutex::new(BTreeMap::new()),
        }
    }

    /// One error per problem, at the source line that produced it when it can be found,
    /// else at the first output file that has it.
    pub(crate) fn violations(self) -> Vec<Diagnostic> {
        let found = self.found.into_inner().unwrap_or_default();
        found
            .into_iter()
            .map(|((problem, needle), mut places)| {
                places.sort();
                let (page, line) = &places[0];
                let pages = match places.len() {
                    1 => format!("{page}, line {line}"),
                    n => format!("{n} places, such as {page}, line {line}"),
                };
                let host = match &problem {
                    Problem::Offsite(_, origin) => Some(
                        origin
                            .trim_start_matches("https:")
                            .trim_start_matches("http:")
                            .to_owned(),
                    ),
                    _ => None,
                };
                let located =
                    trace::locate(self.root, &self.sources, |text| text.contains(&needle)).or_else(
                        || {
                            let host = host.as_ref()?;
                            trace::locate(self.root, &self.sources, |text| {
                                text.contains(host.as_str())
                            })
                        },
                    );
                let message = problem.message();
                let diagnostic = match located {
                    Some((path, span)) => Diagnostic::error(
                        path,
                        format!("this file {message}: `{needle}` (in the output: {pages})"),
                    )
                    .at(span),
                    None => Diagnostic::error(
                        page.as_str(),
                        format!("the generated page {page} {message}: `{needle}` (line {line})"),
                    ),
                };
                diagnostic.help(problem.help())
            })
            .collect()
    }

    fn scan(&self, file: &OutputFile) {
        let ext = file
            .path
            .rsplit_once('.')
            .map_or("", |(_, e)| e)
            .to_ascii_lowercase();
        let is_markup = matches!(ext.as_str(), "html" | "htm" | "svg" | "xhtml");
        if !is_markup && ext != "css" {
            return;
        }
        let read;
        let bytes = match &file.content {
            Content::Bytes(bytes) => bytes,
            Content::Copy(path) => match fs::read(self.root.join(path)) {
                Ok(bytes) => {
                    read = bytes;
                    &read
                }
                Err(_) => return,
            },
        };
        // Pages are UTF-8; checking is quicker than replacing what is not.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        let findings = if is_markup {
            scan_html(&text, &self.policy)
        } else {
            scan_css(&text, 0, Load::Image, &self.policy)
        };
        if findings.is_empty() {
            return;
        }
        if let Ok(mut found) = self.found.lock() {
            for f in findings {
                found
                    .entry((f.problem, f.needle))
                    .or_default()
                    .push((file.path.clone(), f.line));
            }
        }
    }
}

impl Sink for ResourceGate<'_> {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        self.scan(&file);
        self.inner.put(file)
    }
}

/// Every problem in an HTML (or SVG) document.
pub(crate) fn scan_html(text: &str, policy: &Policy<'_>) -> Vec<Finding> {
    let mut scanner = HtmlScanner {
        policy,
        lines: Lines::new(text),
        findings: Vec::new(),
        raw: None,
    };
    scanner.scan(text, 0, 0);
    scanner.findings
}

/// How many times the text of an element read as text is read again as markup, inside
/// itself; real pages need one.
const MAX_TEXT_NESTING: usize = 4;

/// How deeply the elements of an HTML fragment nest, counting open tags not yet closed.
/// Linear in the length of the text, unlike building the tree.
pub(crate) fn nesting_depth(html: &str) -> usize {
    let (mut now, mut max) = (0usize, 0usize);
    markup::tokenize(html, |token| match token {
        markup::Token::Start(tag) => {
            let void = tag.self_closing
                || matches!(
                    tag.name.as_str(),
                    "area"
                        | "base"
                        | "br"
                        | "col"
                        | "embed"
                        | "hr"
                        | "img"
                        | "input"
                        | "link"
                        | "meta"
                        | "source"
                        | "track"
                        | "wbr"
                );
            if !void {
                now += 1;
                max = max.max(now);
            }
        }
        markup::Token::End => now = now.saturating_sub(1),
        markup::Token::Text(..) => {}
    });
    max
}

/// Line numbers of byte offsets in a text, counted only for the offsets asked (where
/// problems are), from the last one asked when it comes before.
struct Lines<'t> {
    text: &'t [u8],
    offset: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of byte `offset`.
    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let newlines = memchr::memchr_iter(b'\n', &self.text[self.offset..offset]).count();
        self.line += newlines as u64;
        self.offset = offset;
        self.line
    }
}

/// An element whose content the tokenizer reads as text, and the byte where it started.
#[derive(Clone, Copy)]
enum Raw {
    Script { executable: bool, at: usize },
    Style { at: usize },
    Other,
}

struct HtmlScanner<'p, 'c, 't> {
    policy: &'p Policy<'c>,
    lines: Lines<'t>,
    findings: Vec<Finding>,
    raw: Option<Raw>,
}

impl HtmlScanner<'_, '_, '_> {
    /// Scans `html`, which starts at byte `base` of the page. The text of an element read
    /// as text (`<style>`, `<noscript>`, `<title>`…) is checked as what it is, then read
    /// again as markup: inside `<svg>`, or with scripts off, a browser reads it so.
    fn scan(&mut self, html: &str, base: usize, depth: usize) {
        let mut texts = Vec::new();
        markup::tokenize(html, |token| match token {
            markup::Token::Start(tag) => {
                self.check_tag(tag, base + tag.offset);
            }
            markup::Token::Text(text, offset) => {
                self.end_raw(text);
                if text.contains('<') {
                    texts.push((offset, text.len()));
                }
            }
            markup::Token::End => {}
        });
        for (offset, len) in texts {
            if depth == MAX_TEXT_NESTING {
                self.push(Problem::TooDeep, "<", base + offset);
                return;
            }
            self.scan(&html[offset..offset + len], base + offset, depth + 1);
        }
    }

    /// Records a problem found at byte `at` of the page.
    fn push(&mut self, problem: Problem, needle: impl Into<String>, at: usize) {
        let line = self.lines.at(at);
        self.findings.push(Finding {
            problem,
            needle: needle.into(),
            line,
        });
    }

    fn load(&mut self, load: Load, url: &str, at: usize) {
        if let Some(problem) = self.policy.check(load, url) {
            self.push(problem, url.trim(), at);
        }
    }

    fn check_tag(&mut self, tag: &StartTag, at: usize) {
        let attr = |wanted: &str| tag.attr(wanted);
        for (key, value) in tag.attrs() {
            let (key, value) = (key.as_str(), value.as_str());
            if key.starts_with("on") && key.len() > 2 {
                self.push(Problem::EventHandler(key.to_owned()), format!("{key}="), at);
            } else if key == "style" {
                self.push(Problem::StyleAttribute, "style=", at);
                self.css(value, at, Load::Image);
            } else if key == "srcset" || key == "imagesrcset" {
                for candidate in value.split(',') {
                    let url = candidate.split_whitespace().next().unwrap_or("");
                    self.load(Load::Image, url, at);
                }
            } else if key == "background" || key == "poster" {
                self.load(Load::Image, value, at);
            } else if key == "ping" && !value.trim().is_empty() {
                self.push(Problem::Ping, "ping=", at);
            } else if value.contains("url(") && key != "content" {
                // SVG presentation attributes: fill="url(…)", filter="url(…)".
                self.css(value, at, Load::Image);
            }
        }
        let src = |scanner: &mut Self, load: Load| {
            if let Some(url) = attr("src") {
                scanner.load(load, url, at);
            }
        };
        match tag.name.as_str() {
            "script" => {
                src(self, Load::Script);
                let executable = attr("type").is_none_or(|t| {
                    let t = t.trim().to_ascii_lowercase();
                    t.is_empty()
                        || t == "module"
                        || t.contains("javascript")
                        || t.contains("ecmascript")
                });
                let inline = attr("src").is_none();
                self.raw = Some(Raw::Script {
                    executable: executable && inline,
                    at,
                });
            }
            "style" => self.raw = Some(Raw::Style { at }),
            "iframe" | "frame" => src(self, Load::Frame),
            "img" => src(self, Load::Image),
            "input" if attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => {
                src(self, Load::Image)
            }
            "video" | "audio" | "track" | "source" => src(self, Load::Media),
            "embed" => src(self, Load::Object),
            "object" => {
                if let Some(url) = attr("data") {
                    self.load(Load::Object, url, at);
                }
            }
            "image" | "use" | "feimage" => {
                for key in ["href", "xlink:href"] {
                    if let Some(url) = attr(key).filter(|u| !u.trim_start().starts_with('#')) {
                        self.load(Load::Image, url, at);
                    }
                }
            }
            "link" => {
                if let (Some(rel), Some(href)) = (attr("rel"), attr("href")) {
                    if let Some(load) = link_load(rel, attr("as")) {
                        self.load(load, href, at);
                    }
                }
            }
            "a" | "area" => {
                let href = attr("href").or_else(|| attr("xlink:href"));
                if href
                    .is_some_and(|h| matches!(classify(h), Address::Scheme(s) if s == "javascript"))
                {
                    self.push(Problem::ScriptLink, "javascript:", at);
                }
            }
            "base" if attr("href").is_some() => self.push(Problem::Base, "<base", at),
            "form" => {
                if let Some(origin) = attr("action").and_then(|a| self.policy.elsewhere(a)) {
                    self.push(
                        Problem::FormAction(origin),
                        attr("action").unwrap_or_default(),
                        at,
                    );
                }
            }
            "meta" if attr("http-equiv").is_some_and(|h| h.eq_ignore_ascii_case("refresh")) => {
                let content = attr("content").unwrap_or("");
                let target = content
                    .split_once(['=', ','])
                    .map(|(_, rest)| rest)
                    .unwrap_or("");
                let target = target.trim().trim_start_matches(['\'', '"']);
                let target = target.trim_end_matches(['\'', '"']);
                if let Some(origin) = self.policy.elsewhere(target) {
                    self.push(Problem::Refresh(origin), target, at);
                }
            }
            _ => {}
        }
        if self.raw.is_none() && markup::text_state(&tag.name).is_some() {
            self.raw = Some(Raw::Other);
        }
    }

    /// Checks the text of the element read as text that just ended.
    fn end_raw(&mut self, text: &str) {
        let Some(raw) = self.raw.take() else { return };
        match raw {
            Raw::Script {
                executable: true,
                at,
            } if !text.trim().is_empty() => {
                self.push(Problem::InlineScript, "<script>", at);
            }
            Raw::Style { at } => {
                self.push(Problem::StyleElement, "<style", at);
                // CSS lines count from the at of the `<style>` tag.
                self.css(text, at, Load::Image);
            }
            _ => {}
        }
    }

    fn css(&mut self, css: &str, at: usize, context: Load) {
        let line = self.lines.at(at);
        let found = scan_css(css, line.saturating_sub(1), context, self.policy);
        self.findings.extend(found);
    }
}

/// What a `<link rel=…>` makes the browser fetch by itself, if anything.
fn link_load(rel: &str, r#as: Option<&str>) -> Option<Load> {
    let rel = rel.to_ascii_lowercase();
    let mut load = None;
    for word in rel.split_whitespace() {
        let this = match word {
            "stylesheet" => Load::Style,
            "icon"
            | "apple-touch-icon"
            | "apple-touch-icon-precomposed"
            | "mask-icon"
            | "manifest" => Load::Image,
            "preload" | "prefetch" | "modulepreload" | "prerender" => {
                match r#as.map(str::to_ascii_lowercase).as_deref() {
                    Some("script") | Some("worker") => Load::Script,
                    Some("style") => Load::Style,
                    Some("font") => Load::Font,
                    Some("image") => Load::Image,
                    Some("audio") | Some("video") | Some("track") => Load::Media,
                    _ if word == "modulepreload" => Load::Script,
                    _ => Load::Connection,
                }
            }
            "dns-prefetch" | "preconnect" => Load::Connection,
            _ => continue,
        };
        load = Some(load.map_or(this, |l: Load| l.min(this)));
    }
    load
}

/// Deepest nesting of CSS blocks followed; deeper blocks are refused as unreadable.
const MAX_CSS_DEPTH: usize = 64;

/// Every problem in a stylesheet whose first line is line `first_line + 1` of its file.
/// `context` is what a bare `url()` loads: an image, except inside `@font-face`.
pub(crate) fn scan_css(
    css: &str,
    first_line: u64,
    context: Load,
    policy: &Policy<'_>,
) -> Vec<Finding> {
    let mut parser = Parser::new(css);
    let mut findings = Vec::new();
    let mut found = |event: Css<'_>, line: u32| {
        let (problem, needle) = match event {
            Css::Url(load, url) => match policy.check(load, url) {
                Some(problem) => (problem, url.trim().to_owned()),
                None => return,
            },
            Css::TooDeep => (Problem::TooDeep, "{".to_owned()),
        };
        findings.push(Finding {
            problem,
            needle,
            line: first_line + u64::from(line) + 1,
        });
    };
    walk_css(&mut parser, context, 0, &mut found);
    findings
}

/// What the walk over a stylesheet reports.
enum Css<'s> {
    /// An address the browser would load as the given kind.
    Url(Load, &'s str),
    /// A block nested deeper than [`MAX_CSS_DEPTH`].
    TooDeep,
}

fn walk_css(
    parser: &mut Parser<'_>,
    context: Load,
    depth: usize,
    found: &mut dyn FnMut(Css<'_>, u32),
) {
    // What the next `{…}` block holds, and whether a `@import` awaits its address.
    let mut block = context;
    let mut import = false;
    loop {
        let line = parser.current_source_location().line;
        let Ok(token) = parser.next_including_whitespace_and_comments() else {
            return;
        };
        let token = token.clone();
        let nested = match &token {
            Token::UnquotedUrl(url) => {
                found(
                    Css::Url(if import { Load::Style } else { context }, url),
                    line,
                );
                None
            }
            Token::QuotedString(url) if import => {
                found(Css::Url(Load::Style, url), line);
                None
            }
            Token::AtKeyword(name) => {
                import = name.eq_ignore_ascii_case("import");
                if name.eq_ignore_ascii_case("font-face") {
                    block = Load::Font;
                }
                None
            }
            Token::Semicolon => {
                import = false;
                None
            }
            Token::Function(name) => {
                let name = name.to_ascii_lowercase();
                let holds_urls = matches!(
                    name.as_str(),
                    "url" | "src" | "image" | "image-set" | "-webkit-image-set"
                );
                Some((if import { Load::Style } else { context }, holds_urls))
            }
            Token::CurlyBracketBlock => {
                let inner = block;
                block = context;
                import = false;
                Some((inner, false))
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => Some((context, false)),
            _ => None,
        };
        let Some((inner, holds_urls)) = nested else {
            continue;
        };
        if depth >= MAX_CSS_DEPTH {
            found(Css::TooDeep, line);
            continue;
        }
        let _ = parser.parse_nested_block(|p| -> Result<(), ParseError<()>> {
            if holds_urls {
                while let Ok(token) = p.next() {
                    if let Token::QuotedString(url) = token {
                        let url = url.to_string();
                        found(Css::Url(inner, &url), line);
                    }
                }
            } else {
                walk_css(p, inner, depth + 1, found);
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::for_tests as config;

    fn problems(html: &str, config: &Config) -> Vec<Problem> {
        scan_html(html, &Policy::new(config))
            .into_iter()
            .map(|f| f.problem)
            .collect()
    }

    fn offsite(load: Load, origin: &str) -> Problem {
        Problem::Offsite(load, origin.to_owned())
    }

    #[test]
    fn every_way_of_loading_from_another_host_is_found() {
        let c = config("");
        let cases: &[(&str, Problem)] = &[
            (
                "<script src=\"https://cdn.example/a.js\"></script>",
                offsite(Load::Script, "https://cdn.example"),
            ),
            (
                "<link rel=\"stylesheet\" href=\"//fonts.example/css\">",
                offsite(Load::Style, "//fonts.example"),
            ),
            (
                "<link rel=\"shortcut icon\" href=\"http://x.example/i.ico\">",
                offsite(Load::Image, "http://x.example"),
            ),
            (
                "<link rel=preload as=font href=https://f.example/a.woff2>",
                offsite(Load::Font, "https://f.example"),
            ),
            (
                "<link rel=preconnect href=https://f.example>",
                offsite(Load::Connection, "https://f.example"),
            ),
            (
                "<img alt=x srcset=\"/a.jpg 1x, https://t.example/b.jpg 2x\">",
                offsite(Load::Image, "https://t.example"),
            ),
            (
                "<img src=\" HTTPS://T.example/p.gif\">",
                offsite(Load::Image, "https://t.example"),
            ),
            (
                "<img src=\"ht\ntps://t.example/p.gif\">",
                offsite(Load::Image, "https://t.example"),
            ),
            (
                "<iframe src=\"https://video.example/embed/1\"></iframe>",
                offsite(Load::Frame, "https://video.example"),
            ),
            (
                "<video poster=\"https://v.example/p.jpg\"></video>",
                offsite(Load::Image, "https://v.example"),
            ),
            (
                "<audio><source src=\"https://a.example/x.mp3\"></audio>",
                offsite(Load::Media, "https://a.example"),
            ),
            (
                "<object data=\"https://o.example/x.swf\"></object>",
                offsite(Load::Object, "https://o.example"),
            ),
            (
                "<embed src=\"https://o.example/x.swf\">",
                offsite(Load::Object, "https://o.example"),
            ),
            (
                "<svg><image href=\"https://i.example/a.png\"/></svg>",
                offsite(Load::Image, "https://i.example"),
            ),
            (
                "<svg><use xlink:href=\"https://i.example/s.svg#a\"/></svg>",
                offsite(Load::Image, "https://i.example"),
            ),
            (
                "<meta http-equiv=\"refresh\" content=\"0; url='https://elsewhere.example/'\">",
                Problem::Refresh("https://elsewhere.example".into()),
            ),
            (
                "<form action=\"https://collect.example/\"></form>",
                Problem::FormAction("https://collect.example".into()),
            ),
            (
                "<a href=\"https://src.example/\" ping=\"https://t.example/\">x</a>",
                Problem::Ping,
            ),
            (
                "<img src=\"data:image/png;base64,AAAA\">",
                Problem::Scheme(Load::Image, "data".into()),
            ),
            (
                "<a href=\" javascript:alert(1)\">x</a>",
                Problem::ScriptLink,
            ),
            ("<base href=\"https://x.example/\">", Problem::Base),
        ];
        for (html, expected) in cases {
            assert_eq!(problems(html, &c), std::slice::from_ref(expected), "{html}");
        }
    }

    #[test]
    fn css_urls_imports_and_fonts_are_found_with_their_lines() {
        let c = config("");
        let css = "body { color: red }\n@import \"https://x.example/a.css\";\n@font-face { src: url(https://f.example/a.woff2) format(\"woff2\") }\n.a { background: image-set(\"https://i.example/a.png\" 1x) }\n.b { background: url( '/local.png' ) }\n";
        let found = scan_css(css, 0, Load::Image, &Policy::new(&c));
        let got: Vec<(Problem, u64)> = found.into_iter().map(|f| (f.problem, f.line)).collect();
        assert_eq!(
            got,
            [
                (offsite(Load::Style, "https://x.example"), 2),
                (offsite(Load::Font, "https://f.example"), 3),
                (offsite(Load::Image, "https://i.example"), 4),
            ]
        );
    }

    #[test]
    fn inline_code_and_styles_are_found_with_their_lines() {
        let c = config("");
        let html = "<p>a</p>\n<script>alert(1)</script>\n<script type=\"application/ld+json\">{}</script>\n<p onclick=\"x()\" style=\"background:url(https://t.example/p.gif)\">b</p>\n<style>\n\n.x { background: url(//t.example/q.gif) }</style>";
        let found: Vec<(Problem, u64)> = scan_html(html, &Policy::new(&c))
            .into_iter()
            .map(|f| (f.problem, f.line))
            .collect();
        assert_eq!(
            found,
            [
                (Problem::InlineScript, 2),
                (Problem::EventHandler("onclick".into()), 4),
                (Problem::StyleAttribute, 4),
                (offsite(Load::Image, "https://t.example"), 4),
                (Problem::StyleElement, 5),
                (offsite(Load::Image, "//t.example"), 7),
            ]
        );
    }

    #[test]
    fn links_own_files_and_allowed_hosts_pass() {
        let c = config("[security.allowed_hosts]\nimages = [\"https://Media.example.org/\"]\n");
        let html = "<!doctype html><link rel=canonical href=\"https://other.example/\"><link rel=\"stylesheet\" href=\"/style.css\"><link rel=alternate href=\"https://feeds.example/\">\
                    <a href=\"https://www.rfa.org/x\">source</a><img src=\"https://ngo.example/a.png\"><img src=\"https://media.example.org/b.jpg\">\
                    <img src=\"//media.example.org/c.jpg\"><svg><use href=\"#icon\"/><rect fill=\"url(#g)\"/></svg><script src=\"/chronology.js\" defer></script>";
        assert_eq!(problems(html, &c), []);
        // Allowed for images is not allowed for scripts.
        assert_eq!(
            problems(
                "<script src=\"https://media.example.org/x.js\"></script>",
                &c
            ),
            [offsite(Load::Script, "https://media.example.org")]
        );
    }

    #[test]
    fn markup_is_read_as_a_browser_reads_it() {
        let c = config("");
        let image = || vec![offsite(Load::Image, "https://t.example")];
        // Character references are decoded before the address is looked at.
        let encoded = "<img src=\"&#104;ttps&colon;//t.example/a.png\">";
        assert_eq!(problems(encoded, &c), image());
        // With scripts off (Tor Browser's safest setting), <noscript> holds markup.
        let noscript = "<noscript><img src=\"https://t.example/a.png\"></noscript>";
        assert_eq!(problems(noscript, &c), image());
        // The text of an element read as text is markup elsewhere (in <svg>, or in
        // <noscript> with scripts off): it is read both ways, and where a browser ends
        // it decides what follows.
        for html in [
            "<svg><style><img src=\"https://t.example/a.png\"></style></svg>",
            "<svg><script/><img src=\"https://t.example/a.png\"></svg>",
            "<noscript><img src=\"https://t.example/a.png\"></noscript>",
            "<noscript><p title=\"</noscript><img src=https://t.example/a.png>\"></p>",
            "<title><p title=\"</title><img src=https://t.example/a.png>\"></title>",
            "<textarea><img src=\"https://t.example/a.png\"></textarea><p>",
        ] {
            assert!(problems(html, &c).contains(&image()[0]), "{html}");
        }
        // Comments hide markup; a script's escapes decide where it ends.
        for html in [
            "<!-- <img src=\"https://t.example/a.png\"> -->",
            "<!--> <img src=\"https://t.example/a.png\">",
        ] {
            let expected = if html.starts_with("<!-->") {
                image()
            } else {
                vec![]
            };
            assert_eq!(problems(html, &c), expected, "{html}");
        }
        // Inside `<!--<script>`, a `</script>` does not end the script: the image is
        // text of the script, as a browser reads it.
        let escaped = "<script type=\"text/plain\"><!--<script></script><img src=https://t.example/a.png>--></script>";
        assert_eq!(problems(escaped, &c), []);
        // Deeply nested text elements are refused, not read again and again.
        let nested = format!("{}<img src=x>", "<title>".repeat(50));
        assert_eq!(problems(&nested, &c), [Problem::TooDeep]);
        // After the text element ends, markup counts again.
        let after = "<title>x</title><img src=\"https://t.example/a.png\">";
        assert_eq!(problems(after, &c), image());
        // A tag written across lines is reported at the line where it starts.
        let html = "<p>\n<img\n alt=\"\"\n src=\"https://t.example/a.png\">";
        let lines: Vec<u64> = scan_html(html, &Policy::new(&c))
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, [2]);
    }

    #[test]
    fn nesting_depth_counts_open_elements() {
        assert_eq!(nesting_depth("<p>a<br><img src=x><b>c</b></p>"), 2);
        assert_eq!(nesting_depth(&"<div>".repeat(300)), 300);
        assert_eq!(nesting_depth("<script><div><div></script>"), 1);
    }

    #[test]
    fn deeply_nested_css_is_refused_not_overflowed() {
        let c = config("");
        let css = format!("{}{}", "a{".repeat(100_000), "}".repeat(100_000));
        let found = scan_css(&css, 0, Load::Image, &Policy::new(&c));
        assert_eq!(found[0].problem, Problem::TooDeep);
    }
}
