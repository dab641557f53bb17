//! The pages' security policy: a Content-Security-Policy for the `<meta>` tag of every
//! page, and the same policy with the other security headers as `_headers`, the file
//! Netlify and Cloudflare Pages read. [`nginx`] and [`apache`] give the same headers as
//! server configuration, for docs/security.md.
//!
//! The policy allows only this site's own files, plus, for each kind of resource, the
//! hosts listed for it in `[security.allowed_hosts]`: the resource gate refuses every
//! other load, so the policy and the gate agree.

use crate::config::Config;

use super::{Content, OutputFile};

/// Where the output says what headers to send: Netlify and Cloudflare Pages.
pub const HEADERS_FILE: &str = "_headers";

/// How long browsers keep to HTTPS once they have seen the site: one year.
const HSTS: &str = "max-age=31536000";

/// Browser features no page of the site uses, denied to every frame.
const PERMISSIONS: &str = "accelerometer=(), ambient-light-sensor=(), autoplay=(), battery=(), \
browsing-topics=(), camera=(), display-capture=(), encrypted-media=(), geolocation=(), \
gyroscope=(), hid=(), idle-detection=(), interest-cohort=(), magnetometer=(), microphone=(), \
midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), \
xr-spatial-tracking=()";

/// The Content-Security-Policy of the site. A `<meta>` tag cannot carry
/// `frame-ancestors` (browsers ignore it there), so only the header version has it.
pub fn content_security_policy(config: &Config, in_meta: bool) -> String {
    let hosts = &config.security.allowed_hosts;
    let with = |directive: &str, base: &str, extra: &[String]| {
        let mut out = format!("{directive} {base}");
        for origin in extra {
            out.push(' ');
            out.push_str(origin);
        }
        out
    };
    let mut directives = vec![
        "default-src 'none'".to_owned(),
        with("script-src", "'self'", &hosts.scripts),
        with("style-src", "'self'", &hosts.styles),
        with("img-src", "'self'", &hosts.images),
        with("font-src", "'self'", &hosts.fonts),
        with("media-src", "'self'", &hosts.media),
        "connect-src 'self'".to_owned(),
        "manifest-src 'self'".to_owned(),
    ];
    if !hosts.frames.is_empty() {
        directives.push(with("frame-src", "", &hosts.frames).replace("  ", " "));
    }
    directives.extend([
        "object-src 'none'".to_owned(),
        "form-action 'self'".to_owned(),
        "base-uri 'none'".to_owned(),
    ]);
    if !in_meta {
        directives.push("frame-ancestors 'none'".to_owned());
    }
    directives.join("; ")
}

/// Every security header, in the order they are written.
pub fn headers(config: &Config) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        (
            "Content-Security-Policy",
            content_security_policy(config, false),
        ),
        ("Strict-Transport-Security", HSTS.to_owned()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
        ("X-Frame-Options", "DENY".to_owned()),
        ("Referrer-Policy", "no-referrer".to_owned()),
        ("Permissions-Policy", PERMISSIONS.to_owned()),
        ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
        ("Cross-Origin-Resource-Policy", "same-origin".to_owned()),
    ];
    if let Some(onion) = &config.security.onion_url {
        headers.push(("Onion-Location", format!("{onion}/")));
    }
    headers
}

/// `_headers` for Netlify and Cloudflare Pages: every header on every path.
pub fn file(config: &Config) -> OutputFile {
    let mut text =
        String::from("# Security headers, written by advocate: see docs/security.md.\n/*\n");
    for (name, value) in headers(config) {
        text.push_str(&format!("  {name}: {value}\n"));
    }
    OutputFile {
        path: HEADERS_FILE.to_owned(),
        content: Content::Bytes(text.into_bytes()),
    }
}

/// The headers as nginx directives, for a `server` or `location` block. Onion-Location
/// names the same page on the mirror.
pub fn nginx(config: &Config) -> String {
    server_snippet(config, |name, value| match name {
        "Onion-Location" => format!(
            "add_header Onion-Location \"{}$request_uri\" always;\n",
            origin_of(value)
        ),
        _ => format!("add_header {name} \"{value}\" always;\n"),
    })
}

/// The headers as Apache directives (mod_headers), for the virtual host or `.htaccess`.
pub fn apache(config: &Config) -> String {
    let body = server_snippet(config, |name, value| match name {
        "Onion-Location" => format!(
            "    Header always set Onion-Location \"{}%{{REQUEST_URI}}s\"\n",
            origin_of(value)
        ),
        _ => format!("    Header always set {name} \"{value}\"\n"),
    });
    format!("<IfModule mod_headers.c>\n{body}</IfModule>\n")
}

fn server_snippet(config: &Config, line: impl Fn(&str, &str) -> String) -> String {
    headers(config)
        .iter()
        .map(|(name, value)| line(name, value))
        .collect()
}

/// `http://x.onion/monitor/` → `http://x.onion`.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::for_tests as config;

    #[test]
    fn the_policy_allows_only_this_site_and_listed_hosts_for_their_kind() {
        let strict = content_security_policy(&config(""), true);
        assert_eq!(
            strict,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; media-src 'self'; connect-src 'self'; manifest-src 'self'; object-src 'none'; form-action 'self'; base-uri 'none'"
        );
        assert!(!strict.contains("unsafe"));
        let allowed = config(
            "[security.allowed_hosts]\nimages = [\"https://media.example.org\"]\nframes = [\"https://video.example\"]\n",
        );
        let policy = content_security_policy(&allowed, false);
        assert!(
            policy.contains("img-src 'self' https://media.example.org;"),
            "{policy}"
        );
        assert!(
            policy.contains("frame-src https://video.example;"),
            "{policy}"
        );
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    }

    #[test]
    fn onion_location_names_the_same_page_on_the_mirror() {
        let c = config("[security]\nonion_url = \"http://abc.onion/\"\n");
        let Content::Bytes(bytes) = file(&c).content else {
            unreachable!()
        };
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains("\n  Onion-Location: http://abc.onion/\n"),
            "{text}"
        );
        assert!(
            nginx(&c)
                .contains("add_header Onion-Location \"http://abc.onion$request_uri\" always;")
        );
        assert!(
            apache(&c)
                .contains("Header always set Onion-Location \"http://abc.onion%{REQUEST_URI}s\"")
        );
        assert!(!nginx(&config("")).contains("Onion"));
    }

    /// docs/security.md shows the snippets for a site without allowed hosts; they must be
    /// what the generator writes.
    #[test]
    fn the_documented_snippets_are_the_generated_ones() {
        let docs = include_str!("../../docs/security.md");
        let c = config("");
        assert!(
            docs.contains(&nginx(&c)),
            "docs/security.md must contain:\n{}",
            nginx(&c)
        );
        assert!(
            docs.contains(&apache(&c)),
            "docs/security.md must contain:\n{}",
            apache(&c)
        );
    }
}
