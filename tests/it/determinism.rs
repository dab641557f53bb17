//! The same input gives byte-identical output, however many threads render it: the
//! bundled site (two languages, every kind of page), built with one thread and with four.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Every output file, by path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn one_thread_and_four_threads_write_the_same_bytes() {
    let outside = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let out = outside.path().join(format!("out-{threads}"));
        let run = Command::new(env!("CARGO_BIN_EXE_advocate"))
            .arg("--root")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--drafts", "--output-dir"])
            .arg(&out)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        outputs.push(tree(&out));
    }
    assert!(outputs[0].len() > 200, "{} files", outputs[0].len());
    assert_eq!(
        outputs[0].keys().collect::<Vec<_>>(),
        outputs[1].keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &outputs[0] {
        assert!(
            outputs[1][path] == *bytes,
            "{path} differs between 1 and 4 threads"
        );
    }
}
