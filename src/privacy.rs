//! The last gate before anything is written: no protected name may appear in any file of
//! the output.
//!
//! Names come from three lists: `[privacy] forbidden` (plain), `[privacy]
//! forbidden_hashes` (salted SHA-256 hashes, so that a public repository does not publish
//! the very names it protects) and a file named by `ADVOCATE_FORBIDDEN_FILE` (a CI
//! secret). A name can reach a page in many shapes: with a typographic apostrophe, as an
//! HTML entity, broken over two lines, split by markup, in capitals, in full-width
//! letters, in Hangul written as separate jamo. Names and output are both brought to one
//! comparable form (markup removed, entities decoded, Unicode NFKC, lower case, one
//! space) before they are compared. Plain names are looked for as they are; for hashes,
//! every run of one to [`MAX_WORDS`] words of the output is hashed, and so is every run
//! of Han or Hangul characters of [`CJK_LENGTHS`], since Korean and Chinese names are
//! written without spaces.
//!
//! A match names the content file and line the name came from, and the message says
//! which entry of which list matched: the name itself is never printed, and the quoted
//! line is shown with the name masked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostics::{Diagnostic, Sources};
use crate::render::{Content, OutputFile, Sink};
use crate::trace;

/// The environment variable naming a file of protected names, one per line.
pub const FORBIDDEN_FILE_VAR: &str = "ADVOCATE_FORBIDDEN_FILE";

/// A digest of the file named by [`FORBIDDEN_FILE_VAR`] as it is now (0 without one):
/// when it changes, every page must pass the gate again.
pub(crate) fn names_digest() -> u64 {
    let names = std::env::var_os(FORBIDDEN_FILE_VAR).and_then(|f| std::fs::read(f).ok());
    names.map_or(0, |bytes| xxhash_rust::xxh3::xxh3_64(&bytes))
}

/// Longest name, in words, that a hash can stand for.
pub const MAX_WORDS: usize = 4;

/// Lengths, in characters, of the Han and Hangul names a hash can stand for.
pub const CJK_LENGTHS: RangeInclusive<usize> = 2..=5;

/// Where a protected name was listed. Diagnostics name the entry, never the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Listed {
    /// `[privacy] forbidden`, by position from 1.
    Plain(usize),
    /// A line of the file named by [`FORBIDDEN_FILE_VAR`].
    File(usize),
    /// `[privacy] forbidden_hashes`, by position from 1.
    Hash(usize),
}

impl Listed {
    fn describe(self) -> String {
        match self {
            Listed::Plain(n) => format!("name #{n} of [privacy] forbidden"),
            Listed::File(line) => {
                format!("the name on line {line} of the file named by {FORBIDDEN_FILE_VAR}")
            }
            Listed::Hash(n) => format!("name #{n} of [privacy] forbidden_hashes"),
        }
    }
}

/// How a listed name is recognised in comparable text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// The name, in comparable form, anywhere in the text.
    Substring(String),
    /// A word or character run of the text, as [`grams`] makes them.
    Gram(String),
}

impl Matcher {
    fn matches(&self, text: &str) -> bool {
        let text = comparable(text);
        match self {
            Matcher::Substring(name) => text.contains(name.as_str()),
            Matcher::Gram(key) => grams(&text).contains(key),
        }
    }
}

/// Every protected name the site knows.
struct Names {
    plain: Vec<(String, Listed)>,
    /// Salted hash → its entry.
    hashes: HashMap<[u8; 32], Listed>,
    /// The hasher with the salt already fed in.
    salted: Sha256,
}

impl Names {
    fn load(config: &Config) -> io::Result<Names> {
        let privacy = &config.privacy;
        let mut plain: Vec<(String, Listed)> = privacy
            .forbidden
            .iter()
            .enumerate()
            .map(|(i, name)| (comparable(name), Listed::Plain(i + 1)))
            .collect();
        if let Some(path) = std::env::var_os(FORBIDDEN_FILE_VAR).filter(|p| !p.is_empty()) {
            let text = fs::read_to_string(&path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{FORBIDDEN_FILE_VAR} names {}, which cannot be read: {e}",
                        Path::new(&path).display()
                    ),
                )
            })?;
            plain.extend(names_in_file(&text));
        }
        plain.retain(|(name, _)| !name.is_empty());
        let hashes = privacy
            .forbidden_hashes
            .iter()
            .enumerate()
            .filter_map(|(i, hex)| Some((from_hex(hex)?, Listed::Hash(i + 1))))
            .collect();
        Ok(Names {
            plain,
            hashes,
            salted: salted(privacy.salt.as_deref().unwrap_or("")),
        })
    }

    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.hashes.is_empty()
    }

    /// Every name found in `text` (in comparable form), with the matcher that finds it.
    fn find(&self, text: &str) -> Vec<(Listed, Matcher)> {
        let mut found: Vec<(Listed, Matcher)> = self
            .plain
            .iter()
            .filter(|(name, _)| text.contains(name.as_str()))
            .map(|(name, listed)| (*listed, Matcher::Substring(name.clone())))
            .collect();
        if !self.hashes.is_empty() {
            for gram in grams(text) {
                if let Some(listed) = self.hashes.get(&digest(&self.salted, &gram)) {
                    found.push((*listed, Matcher::Gram(gram)));
                }
            }
        }
        found
    }
}

/// The names of a names file, with their line numbers; `#` starts a comment line.
fn names_in_file(text: &str) -> impl Iterator<Item = (String, Listed)> + '_ {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim();
        (!line.is_empty() && !line.starts_with('#'))
            .then(|| (comparable(line), Listed::File(i + 1)))
    })
}

/// A sink that scans every file on its way to the next sink, and counts HTML pages.
pub(crate) struct PrivacyGate<'a> {
    root: &'a Path,
    names: Names,
    inner: &'a dyn Sink,
    /// Entry → how to find it again, and the output files it was found in.
    found: Mutex<BTreeMap<Listed, (Matcher, Vec<String>)>>,
}

impl<'a> PrivacyGate<'a> {
    /// Fails when the file named by [`FORBIDDEN_FILE_VAR`] cannot be read: a build that
    /// was meant to check names must not go on without them.
    pub(crate) fn new(root: &'a Path, config: &Config, inner: &'a dyn Sink) -> io::Result<Self> {
        Ok(PrivacyGate {
            root,
            names: Names::load(config)?,
            inner,
            found: Mutex::new(BTreeMap::new()),
        })
    }

    /// One error per protected name found, pointing at the content file that holds it,
    /// and the texts of those files with every protected name masked, for quoting.
    pub(crate) fn violations(self) -> (Vec<Diagnostic>, Sources) {
        let found = self.found.into_inner().unwrap_or_default();
        let content = [PathBuf::from("content")];
        let mut masks: BTreeMap<PathBuf, Vec<Matcher>> = BTreeMap::new();
        let mut diagnostics = Vec::new();
        for (listed, (matcher, mut outputs)) in found {
            outputs.sort();
            let published = format!(
                "it would be published in {} file(s), such as {}",
                outputs.len(),
                outputs[0]
            );
            let help = "remove or replace the name; nothing was published";
            let what = listed.describe();
            // Every content file that holds the name: each must change.
            let holders: Vec<trace::Location> =
                trace::locate_all(self.root, &content, |text| matcher.matches(text)).collect();
            if holders.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("{what} appears in the output; {published}"),
                    )
                    .help(help),
                );
            }
            for (path, span) in holders {
                masks.entry(path.clone()).or_default().push(matcher.clone());
                diagnostics.push(
                    Diagnostic::error(&path, format!("this file contains {what}; {published}"))
                        .at(span)
                        .help(help),
                );
            }
        }
        let mut sources = Sources::default();
        for (path, matchers) in masks {
            if let Ok(text) = fs::read_to_string(self.root.join(&path)) {
                sources.insert(path, masked(&text, &matchers));
            }
        }
        (diagnostics, sources)
    }

    fn scan(&self, file: &OutputFile) {
        let text = match &file.content {
            Content::Bytes(bytes) => comparable(&String::from_utf8_lossy(bytes)),
            Content::Copy(path) => match fs::read(self.root.join(path)) {
                Ok(bytes) => comparable(&String::from_utf8_lossy(&bytes)),
                Err(_) => return,
            },
        };
        let found = self.names.find(&text);
        if found.is_empty() {
            return;
        }
        if let Ok(mut all) = self.found.lock() {
            for (listed, matcher) in found {
                all.entry(listed)
                    .or_insert_with(|| (matcher, Vec::new()))
                    .1
                    .push(file.path.clone());
            }
        }
    }
}

impl Sink for PrivacyGate<'_> {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !self.names.is_empty() {
            self.scan(&file);
        }
        self.inner.put(file)
    }
}

/// `text` with the part of each line that holds a protected name replaced by `*`s,
/// byte for byte, so that spans into the file stay valid.
fn masked(text: &str, matchers: &[Matcher]) -> String {
    let mut out = text.to_owned();
    for matcher in matchers {
        let holds = |t: &str| matcher.matches(t);
        let lines: Vec<Range<usize>> = trace::lines_matching(text, &holds).collect();
        for line in lines {
            let part = narrowest(&text[line.clone()], &holds);
            let range = line.start + part.start..line.start + part.end;
            out.replace_range(range.clone(), &"*".repeat(range.len()));
        }
    }
    out
}

/// The shortest part of `line` (which `holds`) that still `holds`: the latest start
/// that does, then the earliest end.
fn narrowest(line: &str, holds: &impl Fn(&str) -> bool) -> Range<usize> {
    let bounds: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain([line.len()])
        .collect();
    // holds(line[s..]) is true at s = 0 and turns false as s grows.
    let last_true = |ok: &dyn Fn(usize) -> bool| {
        let (mut lo, mut hi) = (0, bounds.len() - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if ok(bounds[mid]) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        bounds[lo]
    };
    let start = last_true(&|s| holds(&line[s..]));
    // holds(line[start..e]) is false for small e and true at the end.
    let (mut lo, mut hi) = (
        bounds.iter().position(|&b| b == start).unwrap_or(0),
        bounds.len() - 1,
    );
    while lo < hi {
        let mid = (lo + hi) / 2;
        if holds(&line[start..bounds[mid]]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    start..bounds[lo]
}

/// Text as the gate compares it: markup removed, entities decoded, Unicode NFKC and
/// lower case (so full-width letters and decomposed Hangul match their usual forms),
/// typographic quotes made plain, every run of white space one space.
pub(crate) fn comparable(text: &str) -> String {
    let folded = fold(&strip_markup(text));
    let mut out = String::with_capacity(folded.len());
    let mut space = false;
    for c in folded.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            other => other,
        };
        if c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// NFKC, lower case, NFKC again (lower-casing may undo the normal form).
fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let lower: String = text.nfkc().flat_map(char::to_lowercase).collect();
    lower.nfkc().collect()
}

/// Tags replaced by a space, entities decoded.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (piece, len) = match c {
            '<' => match rest.find('>') {
                Some(end) => (' ', end + 1),
                None => (c, 1),
            },
            '&' => decode_entity(rest).unwrap_or((c, 1)),
            _ => (c, c.len_utf8()),
        };
        out.push(piece);
        rest = &rest[len..];
    }
    out
}

/// The character an entity at the start of `text` stands for, and the entity's length.
fn decode_entity(text: &str) -> Option<(char, usize)> {
    let end = text.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let name = &text[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    name.strip_prefix('#')?.parse().ok()?
                };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

/// Han, Hangul and kana: scripts whose names are written without spaces.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF
        | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// The words of comparable text: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// What a hash of `name` is made from: its words joined by one space, or, for a name
/// written only in Han or Hangul, its characters without spaces. `None` when no scan
/// could find it: too many words, or too few or too many characters.
pub fn hash_key(name: &str) -> Option<String> {
    let text = comparable(name);
    let words: Vec<&str> = words(&text).collect();
    if words.iter().all(|w| w.chars().all(is_cjk)) {
        let key = words.concat();
        CJK_LENGTHS.contains(&key.chars().count()).then_some(key)
    } else {
        (1..=MAX_WORDS)
            .contains(&words.len())
            .then(|| words.join(" "))
    }
}

/// Every key a name in comparable `text` could have: runs of 1 to [`MAX_WORDS`] words,
/// and runs of Han or Hangul characters of [`CJK_LENGTHS`].
fn grams(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let words: Vec<&str> = words(text).collect();
    for n in 1..=MAX_WORDS {
        out.extend(words.windows(n).map(|w| w.join(" ")));
    }
    let mut run: Vec<char> = Vec::new();
    for c in text.chars().chain(['\0']) {
        if is_cjk(c) {
            run.push(c);
            continue;
        }
        for n in CJK_LENGTHS {
            out.extend(run.windows(n).map(|w| w.iter().collect::<String>()));
        }
        run.clear();
    }
    out
}

fn salted(salt: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher
}

fn digest(salted: &Sha256, key: &str) -> [u8; 32] {
    let mut hasher = salted.clone();
    hasher.update(key.as_bytes());
    let mut out = [0; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

fn from_hex(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The salted hash of a name, as `[privacy] forbidden_hashes` lists it.
pub fn hash_name(salt: &str, name: &str) -> Option<String> {
    let key = hash_key(name)?;
    Some(
        digest(&salted(salt), &key)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// What `advocate privacy add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// The hash was appended.
    Added,
    /// The name was listed already.
    AlreadyListed,
}

/// Adds the salted hash of `name` to `[privacy] forbidden_hashes` in the text of
/// site.toml, creating the table, the list and the salt as needed, and keeping every
/// comment and the layout of the rest of the file. The error says why the name cannot
/// be added, without repeating it.
pub fn add_hash(site_toml: &str, name: &str) -> Result<(String, Added), String> {
    let mut doc: toml_edit::DocumentMut = site_toml
        .parse()
        .map_err(|e| format!("{CONFIG_FILE} is not valid TOML: {e}"))?;
    if hash_key(name).is_none() {
        return Err(format!(
            "the name must have 1 to {MAX_WORDS} words, or {} to {} Han or Hangul characters; add its distinctive part",
            CJK_LENGTHS.start(),
            CJK_LENGTHS.end()
        ));
    }
    let privacy = doc
        .entry("privacy")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or("[privacy] in site.toml is not a table")?;
    if privacy.get("salt").and_then(|s| s.as_str()).is_none() {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| format!("no random salt: {e}"))?;
        let salt: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        privacy.insert("salt", toml_edit::value(salt));
    }
    let salt = privacy
        .get("salt")
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_owned();
    let hash = hash_name(&salt, name).unwrap_or_default();
    let list = privacy
        .entry("forbidden_hashes")
        .or_insert(toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or("[privacy] forbidden_hashes in site.toml is not a list")?;
    if list.iter().any(|v| v.as_str() == Some(hash.as_str())) {
        return Ok((doc.to_string(), Added::AlreadyListed));
    }
    list.push(hash);
    Ok((doc.to_string(), Added::Added))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_in_any_shape() {
        let name = comparable("Pak O'Hara");
        for shape in [
            "<p>Pak O\u{2019}Hara</p>",
            "<h1>Pak O&#39;Hara</h1>",
            "Pak\n  O&#x27;Hara",
            "PAK <em>O'HARA</em>",
            "Pak&nbsp;O&apos;Hara",
            "Ｐａｋ Ｏ＇Ｈａｒａ",
        ] {
            assert!(
                comparable(shape).contains(&name),
                "{shape:?} → {:?}",
                comparable(shape)
            );
        }
        assert!(!comparable("Pako Hara").contains(&name));
        let hangul = comparable("김철수");
        let decomposed: String = "김철수".nfd().collect();
        assert_ne!(decomposed, "김철수");
        assert!(comparable(&format!("증인 {decomposed}씨가")).contains(&hangul));
        // An ampersand before Hangul is text, not a broken entity.
        assert_eq!(comparable("&김철수;"), "&김철수;");
    }

    #[test]
    fn hashes_match_word_runs_and_hangul_inside_words() {
        let salt = "s1";
        let names = Names {
            plain: Vec::new(),
            hashes: [("Pak O'Hara", 1), ("김철수", 2), ("李明", 3)]
                .into_iter()
                .map(|(n, i)| {
                    (
                        from_hex(&hash_name(salt, n).unwrap()).unwrap(),
                        Listed::Hash(i),
                    )
                })
                .collect(),
            salted: salted(salt),
        };
        let found = |text: &str| -> Vec<Listed> {
            let mut found: Vec<Listed> = names
                .find(&comparable(text))
                .into_iter()
                .map(|(l, _)| l)
                .collect();
            found.sort();
            found
        };
        assert_eq!(
            found("A witness, PAK O’HARA’s cousin, said"),
            [Listed::Hash(1)]
        );
        assert_eq!(found("증인 김철수씨가 말했다"), [Listed::Hash(2)]);
        assert_eq!(found("据李明说"), [Listed::Hash(3)]);
        assert_eq!(found("Pak Ohara and 김철 수"), []);
        // Another salt, another hash.
        assert_ne!(hash_name("s2", "김철수"), hash_name(salt, "김철수"));
    }

    #[test]
    fn names_too_long_or_short_for_a_hash_are_refused() {
        assert!(hash_key("Kim").is_some());
        assert!(hash_key("a b c d e").is_none());
        assert!(hash_key("김").is_none());
        assert_eq!(hash_key("김 철수").as_deref(), Some("김철수"));
    }

    #[test]
    fn adding_a_hash_keeps_the_file_and_never_writes_the_name() {
        let before =
            "# The site.\ntitle = \"t\" # inline comment\n\n[privacy]\n# Names.\nforbidden = []\n";
        let (after, added) = add_hash(before, "Pak O'Hara").unwrap();
        assert_eq!(added, Added::Added);
        assert!(after.starts_with("# The site.\ntitle = \"t\" # inline comment\n\n[privacy]\n# Names.\nforbidden = []\n"), "{after}");
        assert!(!after.to_lowercase().contains("pak"), "{after}");
        let config: toml::Table = toml::from_str(&after).unwrap();
        let salt = config["privacy"]["salt"].as_str().unwrap();
        assert_eq!(salt.len(), 32);
        let hash = hash_name(salt, "pak o’hara").unwrap();
        assert_eq!(
            config["privacy"]["forbidden_hashes"][0].as_str(),
            Some(hash.as_str())
        );
        let (again, added) = add_hash(&after, "PAK O'HARA").unwrap();
        assert_eq!(
            (again.as_str(), added),
            (after.as_str(), Added::AlreadyListed)
        );
        let (fresh, _) = add_hash("title = \"t\"\n", "김철수").unwrap();
        assert!(fresh.contains("[privacy]"), "{fresh}");
    }

    #[test]
    fn masking_hides_the_name_and_keeps_offsets() {
        let text = "+++\ntitle = \"x\"\n+++\nA witness, Pak O'Hara, said so.\n";
        let masked = masked(text, &[Matcher::Substring(comparable("Pak O'Hara"))]);
        assert_eq!(masked.len(), text.len());
        assert_eq!(
            masked,
            "+++\ntitle = \"x\"\n+++\nA witness, **********, said so.\n"
        );
    }
}
