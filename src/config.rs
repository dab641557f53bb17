//! `site.toml` → [`Config`]: the site's settings, checked once, read everywhere.
//!
//! `RawConfig` mirrors what the editor writes; [`Config`] is what the rest of the
//! pipeline uses, with the base URL split into the parts that links need.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::toml_de;

/// The file that makes a folder a site root.
pub const CONFIG_FILE: &str = "site.toml";

/// `site.toml` exactly as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    base_url: toml::Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_language")]
    default_language: String,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default = "default_per_page")]
    articles_per_page: toml::Spanned<usize>,
    #[serde(default)]
    licence: Option<String>,
    #[serde(default)]
    chronology: Chronology,
    #[serde(default)]
    privacy: Privacy,
    #[serde(default)]
    markdown: MarkdownConfig,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    translations: BTreeMap<toml::Spanned<String>, SiteText>,
    #[serde(default)]
    security: RawSecurity,
}

/// `[translations.<lang>]`: the site's title and description in another language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteText {
    /// Site title in that language.
    pub title: String,
    /// One-line description in that language.
    #[serde(default)]
    pub description: String,
}

/// `[limits]`: guards against files pasted in by mistake.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    /// Largest content, template or i18n file accepted, in KiB.
    #[serde(default = "default_file_size_kib")]
    file_size_kib: u64,
    /// Largest image accepted, in KiB: photos are larger than texts.
    #[serde(default = "default_image_size_kib")]
    image_size_kib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_size_kib: default_file_size_kib(),
            image_size_kib: default_image_size_kib(),
        }
    }
}

fn default_file_size_kib() -> u64 {
    crate::source::MAX_FILE_SIZE / 1024
}

fn default_image_size_kib() -> u64 {
    crate::images::MAX_IMAGE_SIZE / 1024
}

fn default_language() -> String {
    "en".to_owned()
}

fn default_theme() -> String {
    "default".to_owned()
}

fn default_per_page() -> toml::Spanned<usize> {
    toml::Spanned::new(0..0, 10)
}

/// `[chronology]`: the span of years the chronology must cover.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chronology {
    /// First year shown.
    pub from: i32,
    /// Last year shown.
    pub to: i32,
}

impl Default for Chronology {
    fn default() -> Self {
        Chronology {
            from: 1990,
            to: 2024,
        }
    }
}

/// `[privacy]`: what must never reach a published page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Strings that fail the build wherever they appear in the output.
    #[serde(default)]
    pub forbidden: Vec<String>,
    /// Salted SHA-256 hashes of names, in hex, written by `advocate privacy add`: the
    /// names are kept out of a public repository and still fail the build.
    #[serde(default)]
    pub forbidden_hashes: Vec<String>,
    /// The salt of `forbidden_hashes`, created by `advocate privacy add`.
    #[serde(default)]
    pub salt: Option<String>,
}

/// `[security]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecurity {
    #[serde(default)]
    allowed_hosts: RawAllowedHosts,
    #[serde(default)]
    onion_url: Option<toml::Spanned<String>>,
}

/// `[security.allowed_hosts]` as written: origins per kind of resource.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllowedHosts {
    #[serde(default)]
    images: Vec<toml::Spanned<String>>,
    #[serde(default)]
    media: Vec<toml::Spanned<String>>,
    #[serde(default)]
    fonts: Vec<toml::Spanned<String>>,
    #[serde(default)]
    styles: Vec<toml::Spanned<String>>,
    #[serde(default)]
    scripts: Vec<toml::Spanned<String>>,
    #[serde(default)]
    frames: Vec<toml::Spanned<String>>,
}

/// `[security]`: what pages may load from other hosts, and where the site is mirrored.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Other hosts that pages may load resources from, by kind.
    pub allowed_hosts: AllowedHosts,
    /// The address of the site's onion mirror, announced to Tor Browser.
    pub onion_url: Option<String>,
}

/// Origins (`https://media.example.org`) pages may load each kind of resource from,
/// lower case, without a trailing slash. Each one is a host that learns who reads what.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    /// Images (`<img>`, CSS backgrounds, icons): CSP `img-src`.
    pub images: Vec<String>,
    /// Audio and video: CSP `media-src`.
    pub media: Vec<String>,
    /// Web fonts: CSP `font-src`.
    pub fonts: Vec<String>,
    /// Stylesheets: CSP `style-src`.
    pub styles: Vec<String>,
    /// Scripts: CSP `script-src`.
    pub scripts: Vec<String>,
    /// Embedded pages (`<iframe>`): CSP `frame-src`.
    pub frames: Vec<String>,
}

/// `[markdown]`: how article bodies are turned into HTML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Pass raw HTML in Markdown through unsanitized. Only for sites whose every editor is
    /// trusted; by default raw HTML is cleaned of scripts, event handlers and embeds.
    #[serde(default)]
    pub trust_raw_html: bool,
}

/// The validated settings of a site.
#[derive(Debug, Clone)]
pub struct Config {
    /// Site title, shown in every page head.
    pub title: String,
    /// One-line description for the home page, feed and search engines.
    pub description: String,
    /// Scheme and host, without a trailing slash: `https://ngo.example`.
    pub origin: String,
    /// Path under the host where the site lives, with slashes at both ends: `/monitor/`.
    pub base_path: String,
    /// Language of pages without a `lang` key.
    pub default_language: String,
    /// Every language the site publishes in, the default first.
    pub languages: Vec<String>,
    /// Name of the theme folder under `themes/`.
    pub theme: String,
    /// Articles on each page of `/articles/`.
    pub articles_per_page: usize,
    /// Licence of the content and data, shown in the footer and beside the data exports.
    pub licence: Option<String>,
    /// The span the chronology covers.
    pub chronology: Chronology,
    /// Strings that must never be published.
    pub privacy: Privacy,
    /// Markdown options.
    pub markdown: MarkdownConfig,
    /// Largest text file accepted, in bytes.
    pub max_file_size: u64,
    /// Title and description in the other languages, by language code.
    pub translations: BTreeMap<String, SiteText>,
    /// Largest image accepted, in bytes.
    pub max_image_size: u64,
    /// Hosts pages may load from, and the onion mirror.
    pub security: Security,
}

impl Config {
    /// Parses the text of `site.toml`. `base_url_override` is `--base-url`.
    pub fn parse(text: &str, base_url_override: Option<&str>) -> Result<Config, Vec<Diagnostic>> {
        let path = Path::new(CONFIG_FILE);
        let raw: RawConfig = toml_de::parse(text, path, 0).map_err(|d| vec![d])?;
        let mut errors = Vec::new();

        let (base_url, base_span) = match base_url_override {
            Some(url) => (url.to_owned(), None),
            None => (raw.base_url.get_ref().clone(), Some(raw.base_url.span())),
        };
        let (origin, base_path) = match split_base_url(&base_url) {
            Ok(parts) => parts,
            Err(message) => {
                errors.push(
                    Diagnostic::error(path, message)
                        .at(base_span)
                        .help("write the full address, such as \"https://ngo.example/\" or \"https://ngo.example/monitor/\""),
                );
                (String::new(), "/".to_owned())
            }
        };

        let mut languages = vec![raw.default_language.clone()];
        for lang in raw.languages {
            if !languages.contains(&lang) {
                languages.push(lang);
            }
        }
        for lang in &languages {
            if !is_language_code(lang) {
                errors.push(
                    Diagnostic::error(path, format!("`{lang}` is not a language code"))
                        .help("use a lower-case code such as \"en\" or \"ko\""),
                );
            }
        }
        for lang in raw.translations.keys() {
            let code = lang.get_ref();
            if *code == raw.default_language || !languages.contains(code) {
                errors.push(
                    Diagnostic::error(
                        path,
                        format!("`[translations.{code}]` is not for another of the site's languages"),
                    )
                    .at(Some(lang.span()))
                    .help("`title` and `description` above are in the default language; translations are for the other languages listed in `languages`"),
                );
            }
        }
        let per_page = *raw.articles_per_page.get_ref();
        if per_page == 0 {
            errors.push(
                Diagnostic::error(path, "`articles_per_page` must be at least 1")
                    .at(Some(raw.articles_per_page.span())),
            );
        }
        if raw.chronology.from > raw.chronology.to {
            errors.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the chronology runs from {} to {}: `from` must not be after `to`",
                        raw.chronology.from, raw.chronology.to
                    ),
                )
                .help("swap the two years"),
            );
        }
        // The theme is a folder name under themes/: `../x` would read templates from
        // outside the site.
        let theme_name_ok = !raw.theme.is_empty()
            && raw
                .theme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        if !theme_name_ok {
            errors.push(
                Diagnostic::error(path, format!("`{}` is not a theme name", raw.theme))
                    .help("name a folder under themes/, such as theme = \"default\""),
            );
        }
        let security = security(raw.security, &mut errors);
        if let Err(message) = check_hashes(&raw.privacy) {
            errors.push(Diagnostic::error(path, message).help(
                "add names with `advocate privacy add`, which writes both the salt and the hashes",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Config {
            title: raw.title,
            description: raw.description,
            origin,
            base_path,
            default_language: raw.default_language,
            languages,
            theme: raw.theme,
            articles_per_page: per_page,
            licence: raw.licence,
            chronology: raw.chronology,
            privacy: raw.privacy,
            markdown: raw.markdown,
            max_file_size: raw.limits.file_size_kib.saturating_mul(1024),
            translations: raw
                .translations
                .into_iter()
                .map(|(lang, text)| (lang.into_inner(), text))
                .collect(),
            max_image_size: raw.limits.image_size_kib.saturating_mul(1024),
            security,
        })
    }

    /// The site's title in `lang`.
    pub fn title(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .map_or(&self.title, |t| &t.title)
    }

    /// The site's description in `lang`.
    pub fn description(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .map_or(&self.description, |t| &t.description)
    }

    /// The absolute URL of a site path such as `/articles/x/`.
    pub fn absolute_url(&self, site_path: &str) -> String {
        format!("{}{}", self.origin, self.link(site_path))
    }

    /// The link for a site path as written in pages: prefixed with the base path, so it
    /// works both at a domain root and under a sub-path.
    pub fn link(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path.trim_start_matches('/'))
    }
}

/// Checks a base URL given on the command line, before anything is built.
pub fn check_base_url(url: &str) -> Result<(), String> {
    split_base_url(url).map(|_| ())
}

/// Splits `https://ngo.example/monitor` into `https://ngo.example` and `/monitor/`.
fn split_base_url(url: &str) -> Result<(String, String), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`base_url` must start with https:// or http://, not `{url}`"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("`base_url` has no host: `{url}`"));
    }
    if path.contains(['?', '#']) {
        return Err("`base_url` must not contain `?` or `#`".to_owned());
    }
    let scheme_len = url.len() - rest.len();
    let origin = format!("{}{host}", &url[..scheme_len]);
    let path = path.trim_matches('/');
    let base_path = if path.is_empty() {
        "/".to_owned()
    } else {
        format!("/{path}/")
    };
    Ok((origin, base_path))
}

/// Checks `[security]`, reporting each bad address at its place in the file.
fn security(raw: RawSecurity, errors: &mut Vec<Diagnostic>) -> Security {
    let mut origins = |list: Vec<toml::Spanned<String>>, key: &str| -> Vec<String> {
        let mut out = Vec::new();
        for entry in list {
            match allowed_origin(entry.get_ref()) {
                Ok(origin) => out.push(origin),
                Err(message) => errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("[security.allowed_hosts] {key}: {message}"),
                    )
                    .at(Some(entry.span()))
                    .help("write the scheme and host only, such as \"https://media.example.org\""),
                ),
            }
        }
        out.sort();
        out.dedup();
        out
    };
    let hosts = raw.allowed_hosts;
    let allowed_hosts = AllowedHosts {
        images: origins(hosts.images, "images"),
        media: origins(hosts.media, "media"),
        fonts: origins(hosts.fonts, "fonts"),
        styles: origins(hosts.styles, "styles"),
        scripts: origins(hosts.scripts, "scripts"),
        frames: origins(hosts.frames, "frames"),
    };
    let onion_url = raw.onion_url.and_then(|url| {
        let text = url.get_ref().trim();
        let host = text
            .strip_prefix("http://")
            .or_else(|| text.strip_prefix("https://"))
            .map(|rest| rest.split('/').next().unwrap_or(""));
        if host.is_some_and(|h| h.ends_with(".onion") && h.len() > ".onion".len()) {
            Some(text.trim_end_matches('/').to_owned())
        } else {
            errors.push(
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("`onion_url` is not an onion address: `{text}`"),
                )
                .at(Some(url.span()))
                .help("write the address Tor gave the mirror, such as \"http://….onion\""),
            );
            None
        }
    });
    Security {
        allowed_hosts,
        onion_url,
    }
}

/// `https://Media.Example.org/` → `https://media.example.org`; anything more than a
/// scheme, a host and a port is refused, so that the policy allows exactly one host.
pub fn allowed_origin(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let Some(host) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return Err(format!("`{text}` must start with https://"));
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !valid {
        return Err(format!("`{text}` is not a scheme and a host"));
    }
    Ok(text)
}

/// `forbidden_hashes` must be SHA-256 hex digests, with the salt they were made with.
fn check_hashes(privacy: &Privacy) -> Result<(), String> {
    if privacy.forbidden_hashes.is_empty() {
        return Ok(());
    }
    if privacy.salt.as_deref().is_none_or(str::is_empty) {
        return Err("[privacy] forbidden_hashes needs the `salt` they were made with".to_owned());
    }
    match privacy
        .forbidden_hashes
        .iter()
        .position(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(i) => Err(format!(
            "entry #{} of [privacy] forbidden_hashes is not a SHA-256 hash (64 hex digits)",
            i + 1
        )),
        None => Ok(()),
    }
}

fn is_language_code(lang: &str) -> bool {
    !lang.is_empty()
        && lang.len() <= 8
        && lang
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A configuration for unit tests: a title, `https://ngo.example/` and `extra`.
#[cfg(test)]
pub(crate) fn for_tests(extra: &str) -> Config {
    let text = format!("title = \"t\"\nbase_url = \"https://ngo.example/\"\n{extra}");
    Config::parse(&text, None).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "title = \"Monitor\"\nbase_url = \"https://ngo.example/monitor\"\n";

    #[test]
    fn base_url_splits_into_origin_and_path() {
        let config = Config::parse(MINIMAL, None).unwrap();
        assert_eq!(config.origin, "https://ngo.example");
        assert_eq!(config.base_path, "/monitor/");
        assert_eq!(config.link("/articles/a/"), "/monitor/articles/a/");
        assert_eq!(
            config.absolute_url("/feed.xml"),
            "https://ngo.example/monitor/feed.xml"
        );
        let root = Config::parse(MINIMAL, Some("http://127.0.0.1:1111")).unwrap();
        assert_eq!(root.base_path, "/");
        assert_eq!(root.link("/"), "/");
    }

    #[test]
    fn defaults_follow_the_design() {
        let config = Config::parse(MINIMAL, None).unwrap();
        assert_eq!(config.default_language, "en");
        assert_eq!(config.languages, ["en"]);
        assert_eq!(config.theme, "default");
        assert_eq!(config.articles_per_page, 10);
        assert_eq!((config.chronology.from, config.chronology.to), (1990, 2024));
    }

    #[test]
    fn unknown_key_names_the_key_and_the_known_ones() {
        let errors = Config::parse(&format!("{MINIMAL}titel = \"x\"\n"), None).unwrap_err();
        assert_eq!(errors[0].message, "unknown key `titel`");
        assert!(errors[0].help.as_deref().unwrap().contains("base_url"));
    }

    #[test]
    fn base_url_without_scheme_is_an_error_at_its_line() {
        let errors =
            Config::parse("title = \"x\"\nbase_url = \"ngo.example\"\n", None).unwrap_err();
        assert!(errors[0].message.contains("https://"));
        assert_eq!(errors[0].span.as_ref().map(|s| s.start), Some(23));
    }

    #[test]
    fn title_and_description_may_be_translated() {
        let text = format!(
            "{MINIMAL}description = \"A monitor\"\nlanguages = [\"en\", \"ko\"]\n[translations.ko]\ntitle = \"감시\"\ndescription = \"기록\"\n"
        );
        let config = Config::parse(&text, None).unwrap();
        assert_eq!(
            (config.title("en"), config.description("en")),
            ("Monitor", "A monitor")
        );
        assert_eq!(
            (config.title("ko"), config.description("ko")),
            ("감시", "기록")
        );
        let errors = Config::parse(&text.replace(".ko]", ".fr]"), None).unwrap_err();
        assert!(
            errors[0].message.contains("`[translations.fr]`"),
            "{}",
            errors[0].message
        );
    }
}
