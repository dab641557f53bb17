//! Times `serve`'s rebuilds: builds a site once in memory, then edits one article and
//! rebuilds, several times, printing how long each rebuild took and how many pages it
//! rendered: the first step, which serves the article's page, and what follows it (the
//! search index, or the other pages). The median is of the first step. The article is
//! restored at the end.
//!
//! ```sh
//! cargo run --release --example synth -- --articles 10000 --incidents 2000 /dev/shm/site
//! cargo run --release --example rebuild -- /dev/shm/site [body|title] [ROUNDS]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use advocate::Options;
use advocate::incremental::{Behind, Session};

// The allocator `advocate` itself uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(
        args.next()
            .expect("usage: rebuild SITE [body|title] [ROUNDS]"),
    );
    let edit = args.next().unwrap_or_else(|| "body".to_owned());
    let rounds: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("ROUNDS is a number"));
    let article = first_article(&root)?;
    let original = std::fs::read_to_string(root.join(&article))?;

    let mut session = Session::new(Options {
        base_url: Some("http://127.0.0.1:1111/".to_owned()),
        drafts: true,
        ..Options::new(&root)
    });
    let start = Instant::now();
    let first = session.build()?;
    eprintln!(
        "first build: {} pages in {} ms",
        first.generated.pages,
        start.elapsed().as_millis()
    );
    let mut times = Vec::new();
    for round in 0..rounds {
        let text = match edit.as_str() {
            "title" => original.replacen("title = \"", &format!("title = \"Edit {round}: "), 1),
            _ => format!("{original}\nOne more sentence, number {round}.\n"),
        };
        std::fs::write(root.join(&article), text)?;
        let start = Instant::now();
        session.changed(&article);
        let build = session.build()?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        assert!(!build.generated.has_errors(), "the edit broke the site");
        // What the first step left (the search index, or the other pages) follows;
        // `serve` reloads the tab in between.
        let start = Instant::now();
        let mut rest = String::new();
        if let Some(finished) = session.finish()? {
            let what = match build.behind {
                Behind::SearchIndex => "search index",
                _ => "other pages",
            };
            let later = start.elapsed().as_secs_f64() * 1000.0;
            rest = format!(
                "; {what} ({} rendered) {later:.1} ms later",
                finished.rendered
            );
        }
        eprintln!(
            "{edit} edit: {} rendered in {ms:.1} ms{rest}",
            build.rendered
        );
        times.push(ms);
    }
    std::fs::write(root.join(&article), original)?;
    times.sort_by(f64::total_cmp);
    if let (Some(min), Some(median), Some(max)) =
        (times.first(), times.get(times.len() / 2), times.last())
    {
        eprintln!("median {median:.1} ms (from {min:.1} to {max:.1}) over {rounds} rebuilds");
    }
    Ok(())
}

/// The first article of the site, relative to its root.
fn first_article(root: &std::path::Path) -> std::io::Result<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(root.join("content/articles"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    names.sort();
    let first = names
        .first()
        .ok_or_else(|| std::io::Error::other("no article"))?;
    Ok(first.strip_prefix(root).unwrap_or(first).to_owned())
}
