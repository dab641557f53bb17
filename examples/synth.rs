//! A deterministic synthetic site for benchmarks: realistic articles (headings, lists,
//! links, tables, quotes), tags, incidents across 1990–2024 and references between them.
//!
//! ```sh
//! cargo run --release --example synth -- --articles 10000 --incidents 2000 /dev/shm/site
//! cargo run --release --example synth -- --articles 10000 --incidents 2000 --hugo /dev/shm/hugo-site
//! ```
//!
//! The same arguments always give the same files. `--hugo` writes an equivalent Hugo site
//! (same articles and incident pages as Markdown, same tags, same pagination) so the two
//! generators can be compared on equal work. The advocate site uses the themes of the
//! repository it is run from (copied into the site).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// A small deterministic generator (SplitMix64), so the corpus never depends on a crate's
/// version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "border",
    "province",
    "detention",
    "report",
    "families",
    "officials",
    "returned",
    "crossing",
    "river",
    "security",
    "police",
    "refugees",
    "witnesses",
    "according",
    "testimony",
    "sources",
    "camp",
    "interrogation",
    "transfer",
    "vehicles",
    "night",
    "authorities",
    "statement",
    "government",
    "activists",
    "relatives",
    "broker",
    "winter",
    "agreement",
    "protocol",
    "ministry",
    "embassy",
    "consulate",
    "appeal",
    "human",
    "rights",
    "international",
    "obligations",
    "convention",
    "asylum",
    "forced",
    "repatriation",
    "hundreds",
    "dozens",
    "women",
    "children",
    "town",
    "city",
    "checkpoint",
    "village",
    "market",
    "railway",
    "bridge",
    "customs",
    "hunger",
    "famine",
    "policy",
    "pressure",
];
const PLACES: &[(&str, &str, f64, f64)] = &[
    ("Tumen", "Jilin", 42.97, 129.84),
    ("Hunchun", "Jilin", 42.87, 130.36),
    ("Yanji", "Jilin", 42.89, 129.50),
    ("Longjing", "Jilin", 42.77, 129.42),
    ("Changbai", "Jilin", 41.42, 128.20),
    ("Dandong", "Liaoning", 40.13, 124.39),
    ("Shenyang", "Liaoning", 41.79, 123.43),
    ("Changchun", "Jilin", 43.88, 125.32),
];
const KINDS: &[&str] = &[
    "mass-repatriation",
    "repatriation",
    "arrest",
    "policy",
    "diplomacy",
    "response",
];
const CONFIDENCE: &[&str] = &["corroborated", "single-source", "disputed"];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                s.extend(first.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng) -> String {
    let n = 3 + rng.below(4);
    (0..n)
        .map(|_| {
            let words = 10 + rng.below(10);
            sentence(rng, words)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Incident {
    id: String,
    date: String,
}

fn incidents(rng: &mut Rng, count: usize) -> Vec<Incident> {
    (0..count)
        .map(|i| {
            let year = 1990 + rng.below(35);
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(28);
            let date = match i % 4 {
                0 => format!("{year}"),
                1 => format!("{year}-{month:02}"),
                _ => format!("{year}-{month:02}-{day:02}"),
            };
            Incident {
                id: format!("{date}-incident-{i}"),
                date,
            }
        })
        .collect()
}

fn article_body(rng: &mut Rng, incidents: &[Incident], refs: &[usize]) -> String {
    let mut body = String::new();
    body.push_str(&paragraph(rng));
    body.push_str("\n\n");
    for section in 0..3 {
        let _ = writeln!(
            body,
            "## {}\n",
            sentence(rng, 3 + section).trim_end_matches('.')
        );
        body.push_str(&paragraph(rng));
        body.push_str("\n\n");
        match section {
            0 => {
                for _ in 0..4 {
                    let _ = writeln!(body, "- {}", sentence(rng, 6));
                }
                body.push('\n');
            }
            1 => {
                body.push_str("| Source | Reported |\n|---|---|\n");
                for _ in 0..3 {
                    let _ = writeln!(body, "| {} | {} |", rng.pick(WORDS), 10 + rng.below(500));
                }
                body.push('\n');
            }
            _ => {
                let _ = writeln!(body, "> {}\n", sentence(rng, 14));
            }
        }
        body.push_str(&paragraph(rng));
        body.push_str("\n\n");
    }
    for &r in refs {
        let _ = writeln!(
            body,
            "See [the record](/incidents/{}/) and the [chronology](/chronology/).\n",
            incidents[r].id
        );
    }
    let _ = writeln!(
        body,
        "Background: [a report](https://example.org/report/{}).",
        rng.below(1000)
    );
    body
}

fn article_date(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        1995 + rng.below(30),
        1 + rng.below(12),
        1 + rng.below(28)
    )
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(path, text).expect("write file");
}

fn tags(rng: &mut Rng) -> Vec<String> {
    let n = 2 + rng.below(3);
    let mut tags: Vec<String> = (0..n)
        .map(|_| format!("topic-{}", rng.below(150)))
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// One synthetic incident, written out by both flavors.
struct SynthIncident {
    id: String,
    date: String,
    place: (&'static str, &'static str, f64, f64),
    kind: &'static str,
    confidence: &'static str,
    people: (usize, usize),
    summary: String,
    tag: String,
    /// (publisher, headline, url)
    sources: [(String, String, String); 2],
}

/// One synthetic article, written out by both flavors.
struct SynthArticle {
    title: String,
    date: String,
    summary: String,
    tags: Vec<String>,
    incidents: Vec<String>,
    body: String,
}

/// The whole corpus, drawn once so that both flavors publish exactly the same content.
fn corpus(articles: usize, incident_count: usize) -> (Vec<SynthIncident>, Vec<SynthArticle>) {
    let mut rng = Rng(42);
    let dated = incidents(&mut rng, incident_count);
    let synth_incidents = dated
        .iter()
        .enumerate()
        .map(|(i, incident)| {
            let place = PLACES[rng.below(PLACES.len())];
            let min = 1 + rng.below(100);
            SynthIncident {
                id: incident.id.clone(),
                date: incident.date.clone(),
                place,
                kind: rng.pick(KINDS),
                confidence: rng.pick(CONFIDENCE),
                people: (min, min + rng.below(100)),
                summary: paragraph(&mut rng),
                tag: format!("topic-{}", rng.below(150)),
                sources: [
                    (
                        format!("Agency {}", rng.below(20)),
                        sentence(&mut rng, 6),
                        format!("https://example.org/news/{i}"),
                    ),
                    (
                        format!("Agency {}", rng.below(20)),
                        sentence(&mut rng, 6),
                        format!("https://example.net/story/{i}"),
                    ),
                ],
            }
        })
        .collect();
    let synth_articles = (0..articles)
        .map(|i| {
            let refs: Vec<usize> = (0..2)
                .map(|_| rng.below(dated.len().max(1)))
                .filter(|_| !dated.is_empty())
                .collect();
            let tags = tags(&mut rng);
            let date = article_date(&mut rng);
            let title = format!("{} {i}", sentence(&mut rng, 5).trim_end_matches('.'));
            let summary = sentence(&mut rng, 18);
            let body = article_body(&mut rng, &dated, &refs);
            SynthArticle {
                title,
                date,
                summary,
                tags,
                incidents: refs.iter().map(|&r| dated[r].id.clone()).collect(),
                body,
            }
        })
        .collect();
    (synth_incidents, synth_articles)
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn advocate_site(dir: &Path, incidents: &[SynthIncident], articles: &[SynthArticle]) {
    write(
        &dir.join("site.toml"),
        "title = \"Synthetic Monitor\"\ndescription = \"A synthetic site for benchmarks.\"\nbase_url = \"https://bench.example/\"\narticles_per_page = 20\n",
    );
    for (i, inc) in incidents.iter().enumerate() {
        let (name, region, lat, lon) = inc.place;
        let mut text = format!(
            "title = \"Incident {i} near {name}\"\ndate = \"{}\"\nkind = \"{}\"\nconfidence = \"{}\"\npeople_min = {}\npeople_max = {}\nplaces = [ {{ name = \"{name}\", region = \"{region}\", country = \"China\", lat = {lat}, lon = {lon} }} ]\nsummary = \"\"\"\n{}\n\"\"\"\ntags = [\"{}\"]\n",
            inc.date, inc.kind, inc.confidence, inc.people.0, inc.people.1, inc.summary, inc.tag
        );
        for (k, (publisher, title, url)) in inc.sources.iter().enumerate() {
            let _ = write!(
                text,
                "\n[[sources]]\npublisher = \"{publisher}\"\ntitle = \"{title}\"\nurl = \"{url}\"\n"
            );
            if k == 0 {
                let _ = writeln!(text, "people = {}", inc.people.0);
            }
        }
        write(
            &dir.join(format!("content/incidents/{}.toml", inc.id)),
            &text,
        );
    }
    for (i, article) in articles.iter().enumerate() {
        let text = format!(
            "+++\ntitle = \"{}\"\ndate = {}\nsummary = \"{}\"\nauthors = [\"Research team\"]\ntags = [{}]\nincidents = [{}]\n+++\n{}",
            article.title,
            article.date,
            article.summary,
            quoted(&article.tags),
            quoted(&article.incidents),
            article.body
        );
        write(&dir.join(format!("content/articles/article-{i}.md")), &text);
    }
    write(
        &dir.join("content/pages/about.md"),
        "+++\ntitle = \"About\"\nsummary = \"About this synthetic site.\"\nweight = 1\n+++\nA synthetic site.\n",
    );
    let themes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes");
    copy_dir(&themes, &dir.join("themes"));
}

/// An equivalent Hugo site: the same articles and incidents (as a second section of
/// Markdown pages), tags as a taxonomy, lists paged by 20, and minimal templates that
/// print the same things our theme prints.
fn hugo_site(dir: &Path, incidents: &[SynthIncident], articles: &[SynthArticle]) {
    write(
        &dir.join("hugo.toml"),
        "baseURL = \"https://bench.example/\"\ntitle = \"Synthetic Monitor\"\ndisableKinds = []\n[pagination]\npagerSize = 20\n[taxonomies]\ntag = \"tags\"\n",
    );
    for (i, inc) in incidents.iter().enumerate() {
        let date = match inc.date.len() {
            4 => format!("{}-01-01", inc.date),
            7 => format!("{}-01", inc.date),
            _ => inc.date.clone(),
        };
        let sources: Vec<String> = inc
            .sources
            .iter()
            .map(|(p, t, u)| format!("[\"{p}\", \"{t}\", \"{u}\"]"))
            .collect();
        let text = format!(
            "+++\ntitle = \"Incident {i} near {}\"\ndate = {date}\nslug = \"{}\"\ntags = [\"{}\"]\n[params]\nkind = \"{}\"\nconfidence = \"{}\"\npeople = \"{}–{}\"\nsources = [{}]\n+++\n{}\n",
            inc.place.0,
            inc.id,
            inc.tag,
            inc.kind,
            inc.confidence,
            inc.people.0,
            inc.people.1,
            sources.join(", "),
            inc.summary
        );
        write(&dir.join(format!("content/incidents/{}.md", inc.id)), &text);
    }
    for (i, article) in articles.iter().enumerate() {
        let text = format!(
            "+++\ntitle = \"{}\"\ndate = {}\nsummary = \"{}\"\ntags = [{}]\n+++\n{}",
            article.title,
            article.date,
            article.summary,
            quoted(&article.tags),
            article.body
        );
        write(&dir.join(format!("content/articles/article-{i}.md")), &text);
    }
    write(
        &dir.join("content/about.md"),
        "+++\ntitle = \"About\"\n+++\nA synthetic site.\n",
    );
    // The layouts; `term.html` lists every page of a tag on one page, as advocate does.
    let layouts: [(&str, &str); 6] = [
        (
            "_default/baseof.html",
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }} — {{ .Site.Title }}</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><header><a href=\"/\">{{ .Site.Title }}</a><nav><a href=\"/articles/\">Reports</a> <a href=\"/tags/\">Tags</a></nav></header><main>{{ block \"main\" . }}{{ end }}</main><footer>{{ .Site.Title }}</footer></body></html>",
        ),
        (
            "_default/single.html",
            "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p><time>{{ .Date.Format \"2 January 2006\" }}</time></p><ul>{{ range .Params.tags }}<li><a href=\"/tags/{{ . | urlize }}/\">{{ . }}</a></li>{{ end }}</ul>{{ with .Params.people }}<p>{{ . }} people</p>{{ end }}{{ with .Params.sources }}<table>{{ range . }}<tr><td>{{ index . 0 }}</td><td><a href=\"{{ index . 2 }}\">{{ index . 1 }}</a></td></tr>{{ end }}</table>{{ end }}{{ .Content }}{{ with .PrevInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}{{ with .NextInSection }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</article>{{ end }}",
        ),
        (
            "_default/list.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ol>{{ range .Paginator.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> <time>{{ .Date.Format \"2 January 2006\" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ol>{{ template \"_internal/pagination.html\" . }}{{ end }}",
        ),
        (
            "_default/term.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ol>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> <time>{{ .Date.Format \"2 January 2006\" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ol>{{ end }}",
        ),
        (
            "_default/terms.html",
            "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}",
        ),
        (
            "index.html",
            "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1><ul>{{ range first 5 (where .Site.RegularPages \"Section\" \"articles\") }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}",
        ),
    ];
    for (path, template) in layouts {
        write(&dir.join("layouts").join(path), template);
    }
    write(&dir.join("static/style.css"), "body{font-family:system-ui}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("read themes") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            fs::create_dir_all(&target).expect("create");
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut articles, mut incident_count, mut hugo, mut dir) = (1000, 200, false, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--articles" => {
                articles = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--articles N")
            }
            "--incidents" => {
                incident_count = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--incidents N")
            }
            "--hugo" => hugo = true,
            other => dir = Some(PathBuf::from(other)),
        }
    }
    let dir = dir.expect("usage: synth [--articles N] [--incidents N] [--hugo] DIR");
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("remove the old corpus");
    }
    let (incidents, articles_list) = corpus(articles, incident_count);
    if hugo {
        hugo_site(&dir, &incidents, &articles_list);
    } else {
        advocate_site(&dir, &incidents, &articles_list);
    }
    eprintln!(
        "wrote {} ({articles} articles, {incident_count} incidents)",
        dir.display()
    );
}
