//! Problems found in the user's site, collected rather than thrown.
//!
//! Every phase of the pipeline reports what is wrong with the site as [`Diagnostic`]s and
//! keeps going to the end of its inputs, so one run lists every mistake. A diagnostic
//! stores a path relative to the site root and a byte span into that file; line and
//! column are worked out only when it is printed, from the text kept in [`Sources`].
//!
//! Failures of the tool or the machine (unreadable theme, disk full) are not diagnostics:
//! they travel as ordinary `Result` errors and end the run with exit status 2.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars, Config as TermConfig};

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The site cannot be published as it is.
    Error,
    /// Worth fixing; fails the build only in strict mode.
    Warning,
}

/// One problem in one file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, relative to the site root.
    pub path: PathBuf,
    /// Byte range in the file that the problem points at, when known.
    pub span: Option<Range<usize>>,
    /// What is wrong, in words an editor can act on.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error in `path`, not yet tied to a place in the file.
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            span: None,
            message: message.into(),
            help: None,
        }
    }

    /// A warning in `path`.
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Points the diagnostic at a byte range of the file.
    pub fn at(mut self, span: Option<Range<usize>>) -> Self {
        self.span = span;
        self
    }

    /// Adds a hint saying what to write instead.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Shifts the span by `offset` bytes: used when a snippet (front matter, a template
    /// block) was parsed apart from the file that holds it.
    pub fn shifted(mut self, offset: usize) -> Self {
        self.span = self.span.map(|s| s.start + offset..s.end + offset);
        self
    }

    /// Whether this is an error rather than a warning.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of every file that diagnostics may point into, keyed by relative path.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    texts: BTreeMap<PathBuf, String>,
}

impl Sources {
    /// Remembers the text of a file so that diagnostics can quote it.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) {
        self.texts.insert(path.into(), text.into());
    }

    /// Forgets the text of `path`.
    pub fn remove(&mut self, path: &Path) {
        self.texts.remove(path);
    }

    /// The text of a file, if it was read.
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    /// Merges another set of sources into this one.
    pub fn extend(&mut self, other: Sources) {
        self.texts.extend(other.texts);
    }

    /// 1-based line and column of a byte offset in a file.
    pub fn line_col(&self, path: &Path, offset: usize) -> Option<(usize, usize)> {
        let text = self.get(path)?;
        Some(line_col(text, offset))
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Sorts diagnostics the way they are printed: by file, then position, errors first.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (
            &a.path,
            a.span.as_ref().map(|s| s.start),
            a.severity,
            &a.message,
        )
            .cmp(&(
                &b.path,
                b.span.as_ref().map(|s| s.start),
                b.severity,
                &b.message,
            ))
    });
    diagnostics.dedup();
}

/// Renders diagnostics in the rustc shape: `error: what`, `--> path:line:col`, the line
/// with a marker, and `= help: ...`. With `color`, ANSI colours are used.
pub fn render(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let mut files = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let config = TermConfig {
        chars: Chars::ascii(),
        ..TermConfig::default()
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let name = display_path(&diagnostic.path);
        let text = sources.get(&diagnostic.path);
        let mut report = match diagnostic.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        }
        .with_message(&diagnostic.message);
        match (text, &diagnostic.span) {
            (Some(text), Some(span)) => {
                let id = *ids
                    .entry(diagnostic.path.clone())
                    .or_insert_with(|| files.add(name.clone(), text.to_owned()));
                let span = clamp_span(text, span.clone());
                report = report.with_labels(vec![Label::primary(id, span)]);
            }
            _ => {
                // No place in the file to quote: name the file the way rustc does.
                let label = match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let _ = writeln!(out, "{label}: {}\n  --> {name}", diagnostic.message);
                if let Some(help) = &diagnostic.help {
                    let _ = writeln!(out, "   = help: {help}");
                }
                out.push('\n');
                continue;
            }
        }
        if let Some(help) = &diagnostic.help {
            let mut notes = report.notes;
            notes.push(format!("help: {help}"));
            report.notes = notes;
        }
        let rendered = if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            term::emit_to_write_style(&mut buffer, &config, &files, &report)
                .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
        } else {
            term::emit_into_string(&config, &files, &report)
        };
        match rendered {
            Ok(text) => out.push_str(&text),
            Err(_) => {
                let _ = writeln!(out, "error: {}\n  --> {name}", diagnostic.message);
            }
        }
    }
    out
}

/// One line summing up a failed run, such as `3 errors in 2 files`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let files: std::collections::BTreeSet<_> = errors.iter().map(|d| &d.path).collect();
    format!(
        "{} in {}",
        plural(errors.len(), "error", "errors"),
        plural(files.len(), "file", "files")
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
    start..end
}

/// A path as users see it in messages: forward slashes on every platform.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The nearest of `candidates` to a misspelled `word`, if one is close enough to suggest.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let text = "a = 1\n제목 = \"x\"\n";
        let offset = text.find('=').unwrap();
        assert_eq!(line_col(text, offset), (1, 3));
        let second = text.rfind('=').unwrap();
        assert_eq!(line_col(text, second), (2, 4));
    }

    #[test]
    fn rendered_error_names_file_line_and_help() {
        let mut sources = Sources::default();
        sources.insert(
            "content/incidents/x.toml",
            "title = \"t\"\nkind = \"raid\"\n",
        );
        let d = Diagnostic::error("content/incidents/x.toml", "unknown kind `raid`")
            .at(Some(19..25))
            .help("write one of: arrest, policy");
        let text = render(&[d], &sources, false);
        assert!(text.starts_with("error: unknown kind `raid`"), "{text}");
        assert!(text.contains("--> content/incidents/x.toml:2:8"), "{text}");
        assert!(text.contains("kind = \"raid\""), "{text}");
        assert!(
            text.contains("help: write one of: arrest, policy"),
            "{text}"
        );
    }

    #[test]
    fn nearest_suggests_close_spellings_only() {
        let keys = ["title", "summary", "people_min"];
        assert_eq!(nearest("summry", keys), Some("summary"));
        assert_eq!(nearest("zzz", keys), None);
        // Long ids that share only a date prefix are not suggested for each other.
        assert_eq!(
            nearest("2024-04-26-tumen-hunchun", ["2024-08-21-kunming-arrests"]),
            None
        );
        assert_eq!(
            nearest("2024-04-26-tumenn", ["2024-04-26-tumen"]),
            Some("2024-04-26-tumen")
        );
    }
}
