//! TOML into typed records, with every failure turned into a [`Diagnostic`] that says what
//! to write instead.
//!
//! The records derive `Deserialize` with `deny_unknown_fields`, so serde already knows the
//! allowed keys and values; this module only rewords its messages for editors and adds the
//! nearest known key as a hint.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, nearest};

/// Parses `text` (which starts at byte `offset` of the file at `path`) as a `T`.
pub fn parse<T: DeserializeOwned>(text: &str, path: &Path, offset: usize) -> Result<T, Diagnostic> {
    toml::from_str(text).map_err(|err| to_diagnostic(&err, path).shifted(offset))
}

fn to_diagnostic(err: &toml::de::Error, path: &Path) -> Diagnostic {
    let message = err.message().trim();
    let (message, help) = reword(message);
    let diagnostic = Diagnostic::error(path, message).at(err.span());
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// Turns serde's and toml's wording into a message and a hint.
fn reword(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = split_expected(rest);
        let help = match nearest(&name, expected.iter().map(String::as_str)) {
            Some(near) => format!("did you mean `{near}`? Known keys: {}", expected.join(", ")),
            None if expected.is_empty() => "remove this key".to_owned(),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        return (format!("unknown key `{name}`"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = split_expected(rest);
        let help = match nearest(&name, expected.iter().map(String::as_str)) {
            Some(near) => format!("did you mean \"{near}\"? Allowed: {}", expected.join(", ")),
            None => format!("write one of: {}", expected.join(", ")),
        };
        return (format!("`{name}` is not an allowed value here"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        return (
            format!("the required key `{name}` is missing"),
            Some(format!("add a line such as `{name} = ...`")),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let expected = describe(expected);
            return (
                format!("expected {expected}, found {found}"),
                Some(format!("write {expected} here")),
            );
        }
    }
    if message.starts_with("duplicate key") {
        return (
            message.to_owned(),
            Some("each key may appear only once in a table; remove one of them".to_owned()),
        );
    }
    (
        message.to_owned(),
        Some("check this line for a missing quote, bracket or `=`; text must be in double quotes, as title = \"...\"".to_owned()),
    )
}

/// Splits "`name`, expected one of `a`, `b`" into the name and the list.
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let (name, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
    let name = name.trim_matches('`').to_owned();
    let expected = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    (name, expected)
}

fn describe(expected: &str) -> String {
    match expected {
        "i64" | "u64" | "u32" | "i32" | "usize" => "a whole number".to_owned(),
        "f64" | "f32" => "a number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a sequence" => "a list in square brackets, such as [\"a\", \"b\"]".to_owned(),
        "a string" => "text in double quotes".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Record {
        title: String,
        summary: Option<String>,
        count: Option<u32>,
    }

    fn error(text: &str) -> Diagnostic {
        parse::<Record>(text, Path::new("x.toml"), 0).unwrap_err()
    }

    #[test]
    fn misspelled_key_suggests_the_nearest() {
        let d = error("title = \"a\"\nsummry = \"b\"\n");
        assert_eq!(d.message, "unknown key `summry`");
        assert!(d.help.unwrap().starts_with("did you mean `summary`?"));
        assert_eq!(d.span, Some(12..18));
    }

    #[test]
    fn missing_and_mistyped_fields_are_explained() {
        assert_eq!(
            error("summary = \"b\"").message,
            "the required key `title` is missing"
        );
        let d = error("title = \"a\"\ncount = \"three\"");
        assert_eq!(d.message, "expected a whole number, found string \"three\"");
    }

    #[test]
    fn spans_shift_to_the_position_in_the_file() {
        let d = parse::<Record>("title = 1", Path::new("a.md"), 4).unwrap_err();
        assert_eq!(d.span.map(|s| s.start), Some(12));
    }
}
