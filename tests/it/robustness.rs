//! Whatever an editor saves, the loaders answer with a result or a diagnostic, never a
//! panic: arbitrary text, arbitrary bytes, and valid files with random damage.

use std::path::Path;

use advocate::content::{Article, Incident, Page};
use advocate::source::{self, SourceFile};
use advocate::{Config, frontmatter};
use proptest::prelude::*;

const ARTICLE: &str = include_str!("../fixtures/basic/content/articles/returns-resume.md");
const INCIDENT: &str = include_str!("../fixtures/basic/content/incidents/2024-04-26-tumen.toml");
const CONFIG: &str = include_str!("../fixtures/basic/site.toml");

fn config() -> Config {
    Config::parse(CONFIG, None).unwrap()
}

/// Runs every loader on `text`; only a panic can fail.
fn load_all(text: &str) {
    let config = config();
    let article = SourceFile {
        path: "content/articles/fuzz.md".into(),
        text: text.to_owned(),
    };
    let _ = Article::parse(&article, Path::new("."), &config);
    let _ = Page::parse(&article, &config);
    let incident = SourceFile {
        path: "content/incidents/2024-01-fuzz.toml".into(),
        text: text.to_owned(),
    };
    let _ = Incident::parse(&incident, &config);
    let _ = Config::parse(text, None);
    let _ = frontmatter::split(text, Path::new("x.md"));
}

/// Replaces, inserts or deletes bytes of `text` at the given places, keeping UTF-8.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = at % bytes.len();
        match op % 3 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ => {
                bytes.remove(at);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        load_all(&text);
    }

    #[test]
    fn text_shaped_like_front_matter_never_panics(body in "[+a-z=\"\\[\\] \n0-9.-]{0,300}") {
        load_all(&format!("+++\n{body}"));
        load_all(&format!("+++\n{body}\n+++\n{body}"));
    }

    #[test]
    fn damaged_valid_files_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        load_all(&mutate(ARTICLE, &edits));
        load_all(&mutate(INCIDENT, &edits));
        load_all(&mutate(CONFIG, &edits));
    }

    #[test]
    fn arbitrary_bytes_on_disk_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file.md"), &bytes).unwrap();
        match source::read(dir.path(), Path::new("file.md"), source::MAX_FILE_SIZE) {
            Ok(file) => load_all(&file.text),
            Err(diagnostic) => prop_assert!(diagnostic.message.contains("not UTF-8")),
        }
    }
}
