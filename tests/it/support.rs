//! A fixture site in a temporary folder, and helpers to run advocate on it and read the
//! result.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use scraper::{Html, Selector};

/// The repository root, where `tests/fixtures` and `themes` live.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of a fixture site that tests may change freely.
pub(crate) struct TestSite {
    dir: tempfile::TempDir,
}

impl TestSite {
    /// Copies `tests/fixtures/<name>` and the bundled `themes/` into a fresh folder.
    pub(crate) fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("tests/fixtures").join(name), dir.path());
        copy_dir(&repo().join("themes"), &dir.path().join("themes"));
        TestSite { dir }
    }

    /// Copies the bundled example site (`site.toml`, `content/`, `themes/`) into a fresh
    /// folder.
    pub(crate) fn bundled() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(repo().join("site.toml"), dir.path().join("site.toml")).unwrap();
        for folder in ["content", "themes", "static", "templates"] {
            if repo().join(folder).is_dir() {
                copy_dir(&repo().join(folder), &dir.path().join(folder));
            }
        }
        TestSite { dir }
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file of the site, creating folders as needed.
    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Runs `advocate --root <site> <args>`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], "")
    }

    /// Runs `advocate --root <site> <args>` with more environment variables and `input`
    /// on its standard input.
    pub(crate) fn run_with(&self, args: &[&str], env: &[(&str, &Path)], input: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_advocate"))
            .arg("--root")
            .arg(self.root())
            .args(args)
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A command that does not read its input closes the pipe: that is fine.
        let _ = stdin.write_all(input.as_bytes());
        drop(stdin);
        Run {
            output: child.wait_with_output().unwrap(),
        }
    }

    /// Builds into `public/` and insists that it succeeds.
    pub(crate) fn build(&self, args: &[&str]) -> Run {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        assert!(run.ok(), "build failed:\n{}", run.stderr());
        run
    }

    /// The text of an output file under `public/`.
    pub(crate) fn read(&self, rel: &str) -> String {
        let path = self.root().join("public").join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The bytes of an output file under `public/`.
    pub(crate) fn read_bytes(&self, rel: &str) -> Vec<u8> {
        fs::read(self.root().join("public").join(rel)).unwrap()
    }

    pub(crate) fn exists(&self, rel: &str) -> bool {
        self.root().join("public").join(rel).exists()
    }

    /// An output page, parsed.
    pub(crate) fn page(&self, rel: &str) -> Page {
        Page(Html::parse_document(&self.read(rel)))
    }

    /// Every file under `public/` with its bytes, sorted by path.
    pub(crate) fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let base = self.root().join("public");
        self.output_files()
            .into_iter()
            .map(|f| {
                let bytes = fs::read(base.join(&f)).unwrap();
                (f, bytes)
            })
            .collect()
    }

    /// Hidden entries of the site folder: staging folders a build left behind.
    pub(crate) fn hidden_entries(&self) -> Vec<String> {
        fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    /// Every file under `public/`, relative, sorted.
    pub(crate) fn output_files(&self) -> Vec<String> {
        let base = self.root().join("public");
        let mut files: Vec<String> = walkdir::WalkDir::new(&base)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        files.sort();
        files
    }
}

/// The outcome of one run of the binary.
pub(crate) struct Run {
    output: Output,
}

impl Run {
    pub(crate) fn ok(&self) -> bool {
        self.output.status.success()
    }

    pub(crate) fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// A parsed HTML page.
pub(crate) struct Page(Html);

impl Page {
    /// Text content of every element matching `selector`, whitespace collapsed.
    pub(crate) fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        self.0
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// All visible text of the page, whitespace collapsed.
    pub(crate) fn text(&self) -> String {
        self.texts("body").join(" ")
    }

    /// Values of `attr` on every element matching `selector`.
    pub(crate) fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        self.0
            .select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// Names of the elements matching `selector`, in document order ("h2", "h3", …).
    pub(crate) fn names(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        self.0
            .select(&sel)
            .map(|e| e.value().name().to_owned())
            .collect()
    }

    /// Every link on the page.
    pub(crate) fn links(&self) -> Vec<String> {
        self.attrs("a[href]", "href")
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
