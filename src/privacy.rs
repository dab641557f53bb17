//! The last gate before anything is written: no string listed in `[privacy] forbidden`
//! may appear in any file of the output.
//!
//! A name can reach a page in many shapes: with a typographic apostrophe (Markdown's
//! smart punctuation), as an HTML entity (`O&#39;Hara`), broken over two lines, split by
//! markup, in capitals. Both the names and the output are brought to one comparable form
//! before they are compared. A match names the content file and line the name came from,
//! so that the editor knows what to change.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostics::Diagnostic;
use crate::render::{Content, OutputFile, Sink};

/// A sink that scans every file on its way to the next sink.
pub(crate) struct PrivacyGate<'a> {
    root: &'a Path,
    forbidden: Vec<String>,
    inner: &'a dyn Sink,
    /// Index of a forbidden string → output files it was found in.
    found: Mutex<BTreeMap<usize, Vec<String>>>,
}

impl<'a> PrivacyGate<'a> {
    pub(crate) fn new(root: &'a Path, config: &Config, inner: &'a dyn Sink) -> Self {
        PrivacyGate {
            root,
            forbidden: config
                .privacy
                .forbidden
                .iter()
                .map(|s| comparable(s))
                .filter(|s| !s.is_empty())
                .collect(),
            inner,
            found: Mutex::new(BTreeMap::new()),
        }
    }

    /// One error per forbidden string found, pointing at the content file that holds it.
    pub(crate) fn violations(self) -> Vec<Diagnostic> {
        let found = self.found.into_inner().unwrap_or_default();
        found
            .into_iter()
            .map(|(index, mut outputs)| {
                outputs.sort();
                let word = &self.forbidden[index];
                let published = format!(
                    "it would be published in {} file(s), such as {}",
                    outputs.len(),
                    outputs[0]
                );
                let help = "remove or replace the name; nothing was published";
                match locate(self.root, word) {
                    Some((path, span)) => Diagnostic::error(
                        path,
                        format!(
                            "this file contains name #{} of [privacy] forbidden; {published}",
                            index + 1
                        ),
                    )
                    .at(span)
                    .help(help),
                    None => Diagnostic::error(
                        CONFIG_FILE,
                        format!(
                            "name #{} of [privacy] forbidden appears in the output; {published}",
                            index + 1
                        ),
                    )
                    .help(help),
                }
            })
            .collect()
    }

    fn scan(&self, file: &OutputFile) {
        let text = match &file.content {
            Content::Bytes(bytes) => comparable(&String::from_utf8_lossy(bytes)),
            Content::Copy(path) => match fs::read(self.root.join(path)) {
                Ok(bytes) => comparable(&String::from_utf8_lossy(&bytes)),
                Err(_) => return,
            },
        };
        for (i, word) in self.forbidden.iter().enumerate() {
            if text.contains(word.as_str()) {
                if let Ok(mut found) = self.found.lock() {
                    found.entry(i).or_default().push(file.path.clone());
                }
            }
        }
    }
}

impl Sink for PrivacyGate<'_> {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !self.forbidden.is_empty() {
            self.scan(&file);
        }
        self.inner.put(file)
    }
}

/// Text as the gate compares it: markup removed, entities decoded, typographic quotes
/// made plain, every run of white space one space, lower case.
pub(crate) fn comparable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut space = false;
    while let Some(c) = rest.chars().next() {
        let (piece, len): (Option<char>, usize) = match c {
            '<' => match rest.find('>') {
                Some(end) => (Some(' '), end + 1),
                None => (Some(c), 1),
            },
            '&' => match decode_entity(rest) {
                Some((decoded, len)) => (Some(decoded), len),
                None => (Some(c), 1),
            },
            _ => (Some(c), c.len_utf8()),
        };
        rest = &rest[len..];
        let Some(mut c) = piece else { continue };
        c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{00a0}' => ' ',
            other => other,
        };
        if c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end().to_owned()
}

/// The character an entity at the start of `text` stands for, and the entity's length.
fn decode_entity(text: &str) -> Option<(char, usize)> {
    let end = text[..text.len().min(12)].find(';')?;
    let name = &text[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    name.strip_prefix('#')?.parse().ok()?
                };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

/// The content file, and the line in it, that holds `word` (in comparable form).
fn locate(root: &Path, word: &str) -> Option<(PathBuf, Option<std::ops::Range<usize>>)> {
    let files = crate::source::walk(root, Path::new("content")).ok()?;
    for rel in files {
        let path = Path::new("content").join(rel);
        let Ok(text) = fs::read_to_string(root.join(&path)) else {
            continue;
        };
        if !comparable(&text).contains(word) {
            continue;
        }
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if comparable(line).contains(word) {
                let trimmed = line.trim_end().len();
                return Some((path, Some(offset..offset + trimmed)));
            }
            offset += line.len();
        }
        return Some((path, None));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_any_shape() {
        let name = comparable("Pak O'Hara");
        for shape in [
            "<p>Pak O\u{2019}Hara</p>",
            "<h1>Pak O&#39;Hara</h1>",
            "Pak\n  O&#x27;Hara",
            "PAK <em>O'HARA</em>",
            "Pak&nbsp;O&apos;Hara",
        ] {
            assert!(
                comparable(shape).contains(&name),
                "{shape:?} → {:?}",
                comparable(shape)
            );
        }
        assert!(!comparable("Pako Hara").contains(&name));
    }
}
