//! Front matter splitting and parsing on arbitrary input: a result or a diagnostic, never
//! a panic, and spans that always fall inside the text.
#![no_main]

use std::path::Path;

use advocate::content::Article;
use advocate::source::SourceFile;
use advocate::{Config, frontmatter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match frontmatter::split(text, Path::new("a.md")) {
        Ok(split) => {
            assert!(split.front_matter_offset <= text.len());
            assert!(split.body_offset <= text.len());
        }
        Err(diagnostic) => {
            if let Some(span) = diagnostic.span {
                assert!(span.end <= text.len());
            }
        }
    }
    let config = Config::parse("title = \"t\"\nbase_url = \"https://x.example/\"\n", None).expect("valid config");
    let file = SourceFile {
        path: "content/articles/a.md".into(),
        text: text.to_owned(),
    };
    let _ = Article::parse(&file, Path::new("."), &config);
});
