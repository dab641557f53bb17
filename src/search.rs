//! The search index: built with the site, read in the reader's browser by the theme's
//! `search.js`, with no server.
//!
//! Each language gets its own index beside its search page (`/search/data/`,
//! `/ko/search/data/`):
//!
//! - `manifest.js` — the number of documents, the labels of their kinds, and which file
//!   holds each shard of terms and each chunk of documents;
//! - one file per **shard**: the terms that begin with the shard's key (one to three
//!   characters, longer where a shorter key would hold too much), each with its postings;
//! - one file per **chunk** of [`CHUNK_DOCUMENTS`] documents: title, link, date, kind and
//!   a short excerpt, for the results list.
//!
//! A query downloads the manifest, the shards of its terms and the chunks of the results
//! it shows. Every file is JavaScript that hands its data to `advocateSearch`, so the
//! index loads with `<script src>`: over HTTP, from `file://` (where browsers refuse
//! `fetch`) and under a `script-src 'self'` policy alike. File names carry a hash of
//! their content, so a browser never mixes a cached shard with a newer manifest.
//!
//! Words are found with Unicode word segmentation after NFKC normalization and lower
//! casing. Runs of Hangul, Han and kana are indexed as overlapping character pairs
//! (bigrams), so that a Korean noun is found inside the word it forms with a particle
//! ("강제송환을" contains 강제, 제송, 송환) without a morphological analyser. The
//! browser splits queries the same way (`search.js` mirrors [`terms`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_segmentation::UnicodeSegmentation;

use crate::content::Site;
use crate::offline::relative;
use crate::render::fingerprint::identity;
use crate::render::views::{DateView, ViewBuilder};
use crate::render::{Content, OutputFile};

/// Documents per chunk of result metadata.
pub const CHUNK_DOCUMENTS: usize = 20;
/// A shard larger than this (bytes before compression) is split by a longer key.
const SHARD_TARGET: usize = 16 * 1024;
/// Longest shard key, in characters: a single very common term may exceed the target.
const MAX_KEY_CHARS: usize = 3;
/// Documents whose terms are gathered at once.
const POSTINGS_BATCH: usize = 1024;
/// Longest excerpt shown under a result, in characters.
const EXCERPT_CHARS: usize = 160;
/// Folder of the index, inside the language's search page.
pub const DATA_DIR: &str = "data";

/// How strongly a document matches a term; the browser turns it into a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Weight {
    /// Once or twice in the body.
    Body = 0,
    /// Three times or more in the body.
    FrequentInBody = 1,
    /// In the summary, tags or places.
    Field = 2,
    /// In the title.
    Title = 3,
}

/// What a document is, in the order of the manifest's `kinds`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Article = 0,
    Incident = 1,
    Page = 2,
}

/// The terms of each document with their weights, kept between the builds of `serve`:
/// by language and the identity of the model item the document was made from (see
/// `render::fingerprint`), so that a save splits only the saved document into words.
pub(crate) type Terms = FxHashMap<(String, usize), Arc<Vec<(String, Weight)>>>;

/// One searchable page, borrowing its text from the site.
struct Document<'a> {
    /// The address of the model item it was made from.
    identity: usize,
    title: &'a str,
    /// Site path without the base path: `/ko/articles/x/`.
    site_path: String,
    date: Option<DateView>,
    /// For ordering: newest first.
    sort_date: Option<chrono::NaiveDate>,
    kind: Kind,
    excerpt: String,
    /// Summary, tags, places.
    fields: Vec<&'a str>,
    body: &'a str,
}

/// Every file of the index of one language, under `<prefix>/search/data/`. With `terms`,
/// the words of documents whose item is in the first map are taken from it, and the
/// words of every document are recorded in the second.
pub(crate) fn files(
    site: &Site,
    builder: &ViewBuilder<'_>,
    lang: &str,
    terms: Option<(Option<&Terms>, &mut Terms)>,
) -> Vec<OutputFile> {
    let documents = documents(site, builder, lang);
    let postings = postings(&documents, lang, terms);
    let dir = format!("{}/search/", builder.prefix);
    let mut files = Vec::new();
    let mut out = |payload: String| -> String {
        let name = format!("{:016x}", fnv1a(payload.as_bytes()));
        files.push(data_file(&dir, &name, payload));
        name
    };

    let mut shards = BTreeMap::new();
    for shard in split(&postings) {
        let mut body = String::new();
        for (i, (term, list)) in shard.terms.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(body, "{sep}{}:{list}", json(term));
        }
        let payload = format!("advocateSearch.shard({},{{{body}}});\n", json(&shard.key));
        shards.insert(shard.key, out(payload));
    }

    let mut chunks = Vec::new();
    for (n, chunk) in documents.chunks(CHUNK_DOCUMENTS).enumerate() {
        let rows: Vec<Row<'_>> = chunk.iter().map(|d| Row::new(d, &dir)).collect();
        let payload = format!("advocateSearch.chunk({n},{});\n", json(&rows));
        chunks.push(out(payload));
    }

    let s = builder.strings;
    let manifest = Manifest {
        documents: documents.len(),
        chunk: CHUNK_DOCUMENTS,
        kinds: [
            s.get("search.kind_article"),
            s.get("search.kind_incident"),
            s.get("search.kind_page"),
        ],
        shards,
        chunks,
    };
    let payload = format!("advocateSearch.manifest({});\n", json(&manifest));
    files.push(data_file(&dir, "manifest", payload));
    files
}

#[derive(Serialize)]
struct Manifest<'a> {
    documents: usize,
    chunk: usize,
    kinds: [&'a str; 3],
    /// Shard key → file name without `.js`.
    shards: BTreeMap<String, String>,
    /// File names of the chunks, in order.
    chunks: Vec<String>,
}

/// A document as the results list shows it: `[title, link, date, machine date, kind,
/// excerpt]`, the link relative to the search page so that it also works offline.
#[derive(Serialize)]
struct Row<'a>(
    &'a str,
    String,
    Option<&'a str>,
    Option<&'a str>,
    u8,
    &'a str,
);

impl<'a> Row<'a> {
    fn new(d: &'a Document, search_dir: &str) -> Self {
        Row(
            d.title,
            relative(search_dir, &d.site_path),
            d.date.as_ref().map(|v| v.text.as_str()),
            d.date.as_ref().and_then(|v| v.machine.as_deref()),
            d.kind as u8,
            &d.excerpt,
        )
    }
}

fn data_file(dir: &str, name: &str, payload: String) -> OutputFile {
    // The byte order mark makes browsers read the file as UTF-8 whatever the server says.
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(payload.as_bytes());
    OutputFile {
        path: format!("{}{DATA_DIR}/{name}.js", dir.trim_start_matches('/')),
        content: Content::Bytes(bytes),
    }
}

/// JSON that is also valid JavaScript in every browser: the two line separators that
/// older engines reject inside strings are escaped.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    text.replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// 64-bit FNV-1a: a stable content hash for file names (std's hashers may change
/// between Rust releases, which would rename every file).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The documents of one language, newest first; a document's index is its id.
fn documents<'a>(site: &'a Site, b: &ViewBuilder<'_>, lang: &str) -> Vec<Document<'a>> {
    let s = b.strings;
    let p = &b.prefix;
    let mut docs = Vec::new();
    for a in site.articles.iter().filter(|a| a.lang == lang) {
        let summary = a.summary.as_deref().unwrap_or_default();
        docs.push(Document {
            identity: identity(&**a),
            title: &a.title,
            site_path: format!("{p}/articles/{}/", a.slug),
            date: Some(DateView::day(a.date, s)),
            sort_date: Some(a.date),
            kind: Kind::Article,
            excerpt: excerpt_of(summary, &a.body.text),
            fields: std::iter::once(summary)
                .chain(a.tags.iter().map(String::as_str))
                .collect(),
            body: &a.body.text,
        });
    }
    for i in &site.incidents {
        let text = i.text(lang);
        let summary = text.summary.text.as_str();
        docs.push(Document {
            identity: identity(&**i),
            title: text.title,
            site_path: format!("{p}/incidents/{}/", i.id),
            date: Some(DateView::partial(&i.date, s)),
            sort_date: Some(i.date.first_day()),
            kind: Kind::Incident,
            excerpt: excerpt(summary),
            fields: std::iter::once(summary)
                .chain(i.places.iter().map(|p| p.name.as_str()))
                .chain(i.tags.iter().map(String::as_str))
                .collect(),
            body: "",
        });
    }
    for page in site.pages.iter().filter(|pg| pg.lang == lang) {
        let summary = page.summary.as_deref().unwrap_or_default();
        docs.push(Document {
            identity: identity(&**page),
            title: &page.title,
            site_path: format!("{p}/{}/", page.slug),
            date: page.updated.map(|d| DateView::day(d, s)),
            sort_date: page.updated,
            kind: Kind::Page,
            excerpt: excerpt_of(summary, &page.body.text),
            fields: vec![summary],
            body: &page.body.text,
        });
    }
    // Newest first, so that the results a query shows first share few chunks.
    docs.sort_by(|a, b| {
        b.sort_date
            .cmp(&a.sort_date)
            .then_with(|| a.site_path.cmp(&b.site_path))
    });
    docs
}

/// The excerpt of a document with a summary, or of its body when it has none.
fn excerpt_of(summary: &str, body: &str) -> String {
    excerpt(if summary.is_empty() { body } else { summary })
}

/// The first words of `text`, cut at a space.
fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// Term → its postings, written as the JSON array the shard holds: for each document
/// that contains the term, in order of id, `(id - previous id) * 4 + weight`.
fn postings(
    documents: &[Document<'_>],
    lang: &str,
    mut terms: Option<(Option<&Terms>, &mut Terms)>,
) -> Vec<(String, String)> {
    let mut index: FxHashMap<String, (String, usize)> = FxHashMap::default();
    let mut digits = itoa::Buffer::new();
    let previous = terms.as_ref().and_then(|(previous, _)| *previous);
    let known = |d: &Document<'_>| {
        previous?
            .get(&(lang.to_owned(), d.identity))
            .map(Arc::clone)
    };
    // Terms are gathered in parallel a batch at a time, so that the terms of every
    // document are never all held at once (unless `terms` keeps them for the next build).
    for (batch, chunk) in documents.chunks(POSTINGS_BATCH).enumerate() {
        let lists: Vec<Arc<Vec<(String, Weight)>>> = chunk
            .par_iter()
            .map(|d| known(d).unwrap_or_else(|| Arc::new(weights(d))))
            .collect();
        for (i, list) in lists.into_iter().enumerate() {
            let id = batch * POSTINGS_BATCH + i;
            for (term, weight) in list.iter() {
                let (text, previous) = match index.get_mut(term) {
                    Some(entry) => entry,
                    None => index
                        .entry(term.clone())
                        .or_insert_with(|| (String::new(), 0)),
                };
                text.push(if text.is_empty() { '[' } else { ',' });
                // Millions of numbers at 10,000 articles: itoa, not the formatter.
                text.push_str(digits.format((id - *previous) * 4 + *weight as usize));
                *previous = id;
            }
            if let Some((_, next)) = terms.as_mut() {
                next.insert((lang.to_owned(), chunk[i].identity), list);
            }
        }
    }
    let mut index: Vec<(String, String)> = index
        .into_iter()
        .map(|(term, (mut text, _))| {
            text.push(']');
            (term, text)
        })
        .collect();
    index.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    index
}

/// The terms of one document, each once, with the strongest weight it has there, in no
/// particular order.
fn weights(d: &Document<'_>) -> Vec<(String, Weight)> {
    // Term → (strongest weight in the title and fields, occurrences in the body).
    let mut found: FxHashMap<String, (Option<Weight>, u32)> = FxHashMap::default();
    let mut add = |term: &str, weight: Option<Weight>| {
        let entry = match found.get_mut(term) {
            Some(entry) => entry,
            None => found.entry(term.to_owned()).or_default(),
        };
        entry.0 = entry.0.max(weight);
        entry.1 += u32::from(weight.is_none());
    };
    each_term(d.body, |t| add(t, None));
    for field in &d.fields {
        each_term(field, |t| add(t, Some(Weight::Field)));
    }
    each_term(d.title, |t| add(t, Some(Weight::Title)));
    found
        .into_iter()
        .map(|(term, (weight, in_body))| {
            let body = if in_body >= 3 {
                Weight::FrequentInBody
            } else {
                Weight::Body
            };
            (term, weight.unwrap_or(body).max(body))
        })
        .collect()
}

/// A group of terms sharing a key, written to one file.
struct Shard<'a> {
    key: String,
    terms: &'a [(String, String)],
}

/// Groups sorted terms into shards by their first character, splitting a shard by one
/// more character while it is larger than [`SHARD_TARGET`].
fn split(terms: &[(String, String)]) -> Vec<Shard<'_>> {
    let mut shards = Vec::new();
    split_by(terms, 1, &mut shards);
    shards
}

fn split_by<'a>(terms: &'a [(String, String)], chars: usize, out: &mut Vec<Shard<'a>>) {
    let key_of = |term: &str| term.chars().take(chars).collect::<String>();
    let mut start = 0;
    while start < terms.len() {
        let key = key_of(&terms[start].0);
        let len = terms[start..]
            .iter()
            .take_while(|(t, _)| key_of(t) == key)
            .count();
        let group = &terms[start..start + len];
        let size: usize = group.iter().map(|(t, p)| t.len() + p.len() + 4).sum();
        // Terms as long as the key stay in the key's own shard when it is split.
        let whole = group
            .iter()
            .take_while(|(t, _)| t.chars().count() < chars + 1)
            .count();
        if size > SHARD_TARGET && chars < MAX_KEY_CHARS && len > whole + 1 {
            if whole > 0 {
                out.push(Shard {
                    key,
                    terms: &group[..whole],
                });
            }
            split_by(&group[whole..], chars + 1, out);
        } else {
            out.push(Shard { key, terms: group });
        }
        start += len;
    }
}

/// The terms of `text` as the index stores them (and `search.js` looks them up): words
/// by Unicode segmentation, NFKC-normalized and lower-cased, English plurals and
/// possessives folded; runs of Hangul, Han and kana as overlapping pairs of characters.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_term(text, |term| out.push(term.to_owned()));
    out
}

/// Calls `f` with each term of `text`, in order, as [`terms`] lists them.
fn each_term(text: &str, mut f: impl FnMut(&str)) {
    // Most text is ASCII or already normalized: skip the costly normalization then.
    let text = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.to_lowercase()
    } else {
        text.nfkc().collect::<String>().to_lowercase()
    };
    // A run of CJK characters may span several segmenter words (each Han character is
    // one): the pending run and the byte offset where it ends.
    let mut run = String::new();
    let mut run_end = 0;
    for (start, word) in text.unicode_word_indices() {
        let mut offset = start;
        for (cjk, part) in script_runs(word) {
            if cjk {
                if offset != run_end {
                    bigrams(&mut run, &mut f);
                }
                run.push_str(part);
                run_end = offset + part.len();
            } else {
                bigrams(&mut run, &mut f);
                if let Some(term) = fold(part) {
                    f(&term);
                }
            }
            offset += part.len();
        }
    }
    bigrams(&mut run, &mut f);
}

/// Splits a word into runs of CJK and other characters.
fn script_runs(word: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = word;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let cjk = is_cjk(first);
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_cjk(c) != cjk)
            .map_or(rest.len(), |(i, _)| i);
        let (part, tail) = rest.split_at(end);
        rest = tail;
        Some((cjk, part))
    })
}

/// Empties `run` into `out` as overlapping character pairs (a lone character as itself).
fn bigrams(run: &mut String, f: &mut impl FnMut(&str)) {
    let mut chars = run.char_indices().peekable();
    if let Some((_, first)) = chars.peek().copied() {
        if first.len_utf8() == run.len() {
            f(run);
        }
    }
    while let Some((start, _)) = chars.next() {
        if let Some(&(next, c)) = chars.peek() {
            f(&run[start..next + c.len_utf8()]);
        }
    }
    run.clear();
}

/// Hangul, Han ideographs and kana: scripts written without spaces between morphemes.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'     // Hangul Jamo
        | '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3130}'..='\u{318F}'   // Hangul Compatibility Jamo
        | '\u{3400}'..='\u{4DBF}'   // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
        | '\u{A960}'..='\u{A97F}'   // Hangul Jamo Extended-A
        | '\u{AC00}'..='\u{D7FF}'   // Hangul Syllables, Jamo Extended-B
        | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{2FFFF}' // CJK Extensions B and later
    )
}

/// Folds a non-CJK word: typographic apostrophes straightened, a possessive `'s` and an
/// English plural removed (`refugees` → `refugee`, `agencies` → `agency`, not `process`
/// or `status`).
fn fold(word: &str) -> Option<Cow<'_, str>> {
    let word: Cow<'_, str> = if word.contains('\u{2019}') {
        Cow::Owned(word.replace('\u{2019}', "'"))
    } else {
        Cow::Borrowed(word)
    };
    let trimmed = word.strip_suffix("'s").unwrap_or(&word).trim_matches('\'');
    if trimmed.is_empty() {
        return None;
    }
    let ascii = trimmed.bytes().all(|b| b.is_ascii_lowercase());
    let plural = ascii
        && trimmed.len() >= 4
        && trimmed.ends_with('s')
        && !["ss", "us", "is"].iter().any(|end| trimmed.ends_with(end));
    Some(match trimmed.strip_suffix("ies") {
        Some(stem) if ascii && trimmed.len() >= 5 => Cow::Owned(format!("{stem}y")),
        _ if plural => Cow::Owned(trimmed[..trimmed.len() - 1].to_owned()),
        _ if trimmed.len() == word.len() => word,
        _ => Cow::Owned(trimmed.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_folded() {
        assert_eq!(
            terms("China’s REFUGEES: the process, status and 2024 returns."),
            [
                "china", "refugee", "the", "process", "status", "and", "2024", "return"
            ]
        );
    }

    #[test]
    fn korean_is_indexed_as_bigrams_so_particles_do_not_hide_nouns() {
        let indexed = terms("중국의 강제송환을 규탄한다");
        for term in terms("강제송환") {
            assert!(indexed.contains(&term), "{term} not in {indexed:?}");
        }
        assert_eq!(terms("북"), ["북"]);
        assert_eq!(terms("2024년"), ["2024", "년"]);
    }

    #[test]
    fn han_runs_span_segmenter_words() {
        assert_eq!(terms("中国政府"), ["中国", "国政", "政府"]);
        assert_eq!(terms("ＡＢＣ ﾃｽﾄ"), ["abc", "テス", "スト"]);
    }

    #[test]
    fn large_shards_split_by_longer_keys() {
        let postings = format!("[{}]", vec!["4"; 3000].join(","));
        let terms: Vec<(String, String)> = ["re", "rea", "refugee", "return", "s"]
            .iter()
            .map(|t| ((*t).to_owned(), postings.clone()))
            .collect();
        let keys: Vec<String> = split(&terms).into_iter().map(|s| s.key).collect();
        assert_eq!(keys, ["re", "rea", "ref", "ret", "s"]);
    }

    #[test]
    fn each_term_keeps_its_strongest_weight() {
        let d = Document {
            identity: 0,
            title: "Tumen",
            site_path: "/a/".into(),
            date: None,
            sort_date: None,
            kind: Kind::Article,
            excerpt: String::new(),
            fields: vec!["Jilin returns"],
            body: "tumen jilin river river river bank bank",
        };
        let mut found = weights(&d);
        found.sort();
        assert_eq!(
            found,
            [
                ("bank".to_owned(), Weight::Body),
                ("jilin".to_owned(), Weight::Field),
                ("return".to_owned(), Weight::Field),
                ("river".to_owned(), Weight::FrequentInBody),
                ("tumen".to_owned(), Weight::Title),
            ]
        );
    }

    #[test]
    fn excerpts_end_at_a_word() {
        let long = "word ".repeat(100);
        let e = excerpt(&long);
        assert!(e.ends_with("word…") && e.chars().count() <= EXCERPT_CHARS + 1);
    }
}
