//! Splits a Markdown file into its TOML front matter and its body.
//!
//! Both parts keep their byte offset in the file, so that errors found later in either
//! one point at the right line of the file and not of the snippet (zola#1133).

use std::path::Path;

use crate::diagnostics::Diagnostic;

/// A Markdown file cut into its two parts.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML between the `+++` lines.
    pub front_matter: &'a str,
    /// Byte offset of the front matter in the file.
    pub front_matter_offset: usize,
    /// The Markdown after the closing `+++` line.
    pub body: &'a str,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
}

const FENCE: &str = "+++";

/// Finds the `+++` block at the start of `text`.
pub fn split<'a>(text: &'a str, path: &Path) -> Result<Split<'a>, Diagnostic> {
    let start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let mut lines = line_spans(text, start);
    let opening = lines
        .next()
        .filter(|&(s, e)| text[s..e].trim_end() == FENCE);
    let Some((_, opening_end)) = opening else {
        let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        return Err(Diagnostic::error(path, "this file has no front matter")
            .at(Some(start..first_line_end))
            .help("begin the file with a line `+++`, then `title = \"...\"` and `date = 2024-05-10`, then a closing `+++` line"));
    };
    let front_matter_offset = next_line(text, opening_end);
    for (line_start, line_end) in lines {
        if text[line_start..line_end].trim_end() == FENCE {
            let body_offset = next_line(text, line_end);
            return Ok(Split {
                front_matter: &text[front_matter_offset..line_start],
                front_matter_offset,
                body: &text[body_offset..],
                body_offset,
            });
        }
    }
    Err(Diagnostic::error(path, "the front matter is never closed")
        .at(Some(start..opening_end))
        .help("add a line `+++` after the last front matter key, before the text"))
}

/// (start, end) of each line from `from`, without the line break.
fn line_spans(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = (pos, end);
        pos = end + 1;
        Some(line)
    })
}

fn next_line(text: &str, line_end: usize) -> usize {
    (line_end + 1).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> &'static Path {
        Path::new("content/articles/a.md")
    }

    #[test]
    fn splits_and_keeps_offsets() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let split = split(text, path()).unwrap();
        assert_eq!(split.front_matter, "title = \"A\"\n");
        assert_eq!(&text[split.front_matter_offset..][..5], "title");
        assert_eq!(split.body, "Body\n");
        assert_eq!(split.body_offset, 20);
    }

    #[test]
    fn windows_line_endings_and_bom_are_accepted() {
        let text = "\u{feff}+++\r\ntitle = \"A\"\r\n+++\r\nBody";
        let split = split(text, path()).unwrap();
        assert_eq!(split.front_matter, "title = \"A\"\r\n");
        assert_eq!(split.body, "Body");
    }

    #[test]
    fn missing_and_unclosed_front_matter_are_errors() {
        let missing = split("title = \"A\"\n", path()).unwrap_err();
        assert_eq!(missing.message, "this file has no front matter");
        let unclosed = split("+++\ntitle = \"A\"\nBody\n", path()).unwrap_err();
        assert_eq!(unclosed.message, "the front matter is never closed");
        assert_eq!(unclosed.span, Some(0..3));
    }
}
