//! From a piece of output back to the file that produced it.
//!
//! The gates see finished pages; an editor needs the content file or template to change.
//! Output carries no record of where each byte came from, so the gates search the site's
//! sources for the line that holds what they found.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Folders output comes from, most specific first: site templates, theme templates,
/// content, then static files of the site and of the theme.
pub(crate) fn source_dirs(theme: &str) -> Vec<PathBuf> {
    let theme = Path::new("themes").join(theme);
    vec![
        PathBuf::from("templates"),
        theme.join("templates"),
        PathBuf::from("content"),
        PathBuf::from("static"),
        theme.join("static"),
    ]
}

/// A file relative to the site root, and the span of the line that matched, if one line
/// did on its own (a match broken across lines has none).
pub(crate) type Location = (PathBuf, Option<Range<usize>>);

/// The first text file under `dirs` for which `matches` holds, with the first line for
/// which it holds too. Private folders are skipped: nothing in them is published.
pub(crate) fn locate(
    root: &Path,
    dirs: &[PathBuf],
    matches: impl Fn(&str) -> bool,
) -> Option<Location> {
    locate_all(root, dirs, matches).next()
}

/// Like [`locate`], every such file in turn.
pub(crate) fn locate_all<'a>(
    root: &'a Path,
    dirs: &'a [PathBuf],
    matches: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = Location> + 'a {
    dirs.iter()
        .flat_map(move |dir| {
            let files = crate::source::walk(root, dir).unwrap_or_default();
            files
                .into_iter()
                .filter(|rel| !crate::source::is_private(rel))
                .map(move |rel| dir.join(rel))
        })
        .filter_map(move |path| {
            let text = fs::read_to_string(root.join(&path)).ok()?;
            matches(&text).then(|| {
                let line = lines_matching(&text, &matches).next();
                (path, line)
            })
        })
}

/// Spans of the lines of `text` for which `matches` holds, without line ends.
pub(crate) fn lines_matching<'a>(
    text: &'a str,
    matches: &'a impl Fn(&str) -> bool,
) -> impl Iterator<Item = Range<usize>> + 'a {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let start = offset;
        offset += line.len();
        let line = line.trim_end();
        matches(line).then(|| start..start + line.len())
    })
}
