//! The tags of an HTML document, read as a browser's tokenizer reads them (WHATWG HTML,
//! section 13.2.5), for the gates that look at every page on its way out.
//!
//! A gate needs every start tag with its attributes, every end tag, and the text of the
//! elements whose content is not markup (`<script>`, `<style>`, `<title>`…); it needs
//! no text nodes, no comments and no tree. General tokenizers (html5ever, html5gum) hand
//! over every character on the way and took a third of a build's time at 10,000
//! articles; this one jumps from `<` to `<` with `memchr` and reads only the markup.
//! It follows the specification's states for tags, attributes, comments, doctypes,
//! bogus comments, text elements and the escape states of script data, and decodes
//! character references in attribute values as a browser does (htmlize). The tests
//! compare what it reads with html5gum, a tokenizer that passes html5lib's test suite,
//! on hostile snippets and on generated tag soup.
//!
//! The tokenizer alone cannot know what the tree builder tells a browser's tokenizer:
//! which elements hold text rather than markup. [`text_state`] decides it by the tag's
//! name, as the tree builder does for HTML content. The same element can hold markup in
//! another context (`<style>` inside `<svg>`, `<noscript>` with scripts off), so a gate
//! reads the text of such an element a second time as markup (see `resources`).

use std::borrow::Cow;

use memchr::{memchr, memmem};

/// A start tag: its name and attributes (lower-cased names, decoded values, in the
/// order written, duplicates included) and the byte offset of its `<`.
#[derive(Debug, Default)]
pub(crate) struct StartTag {
    pub(crate) name: String,
    attrs: Vec<(String, String)>,
    len: usize,
    pub(crate) offset: usize,
    pub(crate) self_closing: bool,
}

impl StartTag {
    /// The attributes, in the order written.
    pub(crate) fn attrs(&self) -> &[(String, String)] {
        &self.attrs[..self.len]
    }

    /// The value of attribute `wanted`; the first one wins, in a browser too.
    pub(crate) fn attr(&self, wanted: &str) -> Option<&str> {
        self.attrs()
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    }

    fn clear(&mut self, offset: usize) {
        self.name.clear();
        self.len = 0;
        self.offset = offset;
        self.self_closing = false;
    }

    fn push_attr(&mut self, name: &str, value: &str) {
        if self.len == self.attrs.len() {
            self.attrs.push(Default::default());
        }
        let (n, v) = &mut self.attrs[self.len];
        push_name(n, name);
        v.clear();
        v.push_str(&decode(value));
        self.len += 1;
    }
}

/// What the tokenizer met.
#[derive(Debug)]
pub(crate) enum Token<'a> {
    Start(&'a StartTag),
    /// An end tag.
    End,
    /// The content of an element read as text, up to its end tag or the end of the
    /// document, and the byte offset where it starts.
    Text(&'a str, usize),
}

/// How the tokenizer reads what follows a start tag, when it is not markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextState {
    /// `<title>`, `<textarea>`: text with character references, up to the end tag.
    RcData,
    /// `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`: text up to the end tag.
    RawText,
    /// `<script>`: text up to the end tag, with its escape rules.
    ScriptData,
    /// `<plaintext>`: text to the end of the document.
    PlainText,
}

/// The state a browser's tokenizer goes on in after the start tag `name` in HTML
/// content, when it is not the data state. `<noscript>` is text when scripts run.
pub(crate) fn text_state(name: &str) -> Option<TextState> {
    match name {
        "title" | "textarea" => Some(TextState::RcData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            Some(TextState::RawText)
        }
        "script" => Some(TextState::ScriptData),
        "plaintext" => Some(TextState::PlainText),
        _ => None,
    }
}

/// Reads `html`, handing every start tag, end tag and element text to `visit`.
pub(crate) fn tokenize(html: &str, mut visit: impl FnMut(Token<'_>)) {
    let b = html.as_bytes();
    let mut tag = StartTag::default();
    let mut pos = 0;
    while let Some(found) = memchr(b'<', &b[pos..]) {
        let lt = pos + found;
        let p = lt + 1;
        pos = match b.get(p) {
            Some(b'!') => markup_declaration(b, p + 1),
            Some(b'/') => match b.get(p + 1) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let name_end = tag_name_end(b, p + 1);
                    let Some(after) = attributes(html, name_end, None) else {
                        return;
                    };
                    visit(Token::End);
                    after
                }
                Some(b'>') => p + 2,
                None => return,
                Some(_) => bogus_comment(b, p + 1),
            },
            Some(c) if c.is_ascii_alphabetic() => {
                tag.clear(lt);
                let name_end = tag_name_end(b, p);
                push_name(&mut tag.name, &html[p..name_end]);
                let Some(after) = attributes(html, name_end, Some(&mut tag)) else {
                    return;
                };
                visit(Token::Start(&tag));
                match text_state(&tag.name) {
                    None => after,
                    Some(state) => {
                        let (text_end, close) = text_end(b, after, &tag.name, state);
                        visit(Token::Text(&html[after..text_end], after));
                        let Some(name_end) = close else { return };
                        let Some(next) = attributes(html, name_end, None) else {
                            return;
                        };
                        visit(Token::End);
                        next
                    }
                }
            }
            Some(b'?') => bogus_comment(b, p),
            // A `<` that opens nothing is text.
            _ => p,
        };
    }
}

/// Whitespace between attributes; a carriage return is a line feed once the input
/// stream is preprocessed.
fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Where a tag name that starts at `from` ends.
fn tag_name_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| is_space(c) || c == b'/' || c == b'>')
        .map_or(b.len(), |n| from + n)
}

/// Reads attributes from `from` (just after a tag's name) to the tag's `>`, into `tag`
/// when given (end tags keep none). `None` when the document ends inside the tag: a
/// browser drops such a tag.
fn attributes(html: &str, mut q: usize, mut tag: Option<&mut StartTag>) -> Option<usize> {
    let b = html.as_bytes();
    loop {
        while b.get(q).is_some_and(|&c| is_space(c)) {
            q += 1;
        }
        match *b.get(q)? {
            b'>' => return Some(q + 1),
            b'/' => {
                q += 1;
                if *b.get(q)? == b'>' {
                    if let Some(tag) = tag.as_deref_mut() {
                        tag.self_closing = true;
                    }
                    return Some(q + 1);
                }
                // A `/` inside a tag is ignored.
            }
            _ => {
                // The first character is part of the name even when it is `=`.
                let start = q;
                q += 1;
                while b
                    .get(q)
                    .is_some_and(|&c| !is_space(c) && !matches!(c, b'/' | b'>' | b'='))
                {
                    q += 1;
                }
                let name = &html[start..q];
                while b.get(q).is_some_and(|&c| is_space(c)) {
                    q += 1;
                }
                let mut value = "";
                if b.get(q) == Some(&b'=') {
                    q += 1;
                    while b.get(q).is_some_and(|&c| is_space(c)) {
                        q += 1;
                    }
                    match *b.get(q)? {
                        quote @ (b'"' | b'\'') => {
                            let close = q + 1 + memchr(quote, &b[q + 1..])?;
                            value = &html[q + 1..close];
                            q = close + 1;
                        }
                        // `<a href=>`: no value; the `>` ends the tag.
                        b'>' => {}
                        _ => {
                            let start = q;
                            while b.get(q).is_some_and(|&c| !is_space(c) && c != b'>') {
                                q += 1;
                            }
                            b.get(q)?;
                            value = &html[start..q];
                        }
                    }
                }
                if let Some(tag) = tag.as_deref_mut() {
                    tag.push_attr(name, value);
                }
            }
        }
    }
}

/// After `<!`: a comment, a doctype, or a bogus comment; returns where data resumes.
fn markup_declaration(b: &[u8], p: usize) -> usize {
    let rest = &b[p..];
    if rest.starts_with(b"--") {
        comment(b, p + 2)
    } else {
        // `<!DOCTYPE …>` ends at the first `>`, quoted identifiers or not; anything
        // else (`<![CDATA[` outside SVG and MathML too) is a bogus comment.
        bogus_comment(b, p)
    }
}

/// A comment whose text starts at `p`; returns where data resumes.
fn comment(b: &[u8], p: usize) -> usize {
    let rest = &b[p..];
    // `<!-->` and `<!--->` are closed at once.
    if rest.starts_with(b">") {
        return p + 1;
    }
    if rest.starts_with(b"->") {
        return p + 2;
    }
    // Otherwise the first `-->` or `--!>` closes it.
    let finder = memmem::Finder::new(b"--");
    let mut from = p;
    while let Some(found) = finder.find(&b[from..]) {
        let dashes = from + found;
        match b.get(dashes + 2) {
            Some(b'>') => return dashes + 3,
            Some(b'!') if b.get(dashes + 3) == Some(&b'>') => return dashes + 4,
            _ => from = dashes + 1,
        }
    }
    b.len()
}

/// A bogus comment (or a doctype) whose text starts at `p`: up to the first `>`.
fn bogus_comment(b: &[u8], p: usize) -> usize {
    memchr(b'>', &b[p..]).map_or(b.len(), |n| p + n + 1)
}

/// Where the text of element `name` read in `state` from `from` ends, and, when its end
/// tag follows, where that tag's name ends.
fn text_end(b: &[u8], from: usize, name: &str, state: TextState) -> (usize, Option<usize>) {
    match state {
        TextState::PlainText => (b.len(), None),
        TextState::RcData | TextState::RawText => {
            let mut pos = from;
            while let Some(found) = memchr(b'<', &b[pos..]) {
                let lt = pos + found;
                if let Some(name_end) = end_tag_at(b, lt, name) {
                    return (lt, Some(name_end));
                }
                pos = lt + 1;
            }
            (b.len(), None)
        }
        TextState::ScriptData => script_end(b, from),
    }
}

/// When an end tag for `name` (the "appropriate end tag") starts at `lt`, where its name
/// ends: the whole run of letters must be the name, and it must be followed by
/// whitespace, `/` or `>`.
fn end_tag_at(b: &[u8], lt: usize, name: &str) -> Option<usize> {
    if b.get(lt + 1) != Some(&b'/') {
        return None;
    }
    let start = lt + 2;
    let letters = b[start..]
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .unwrap_or(b.len() - start);
    let name_end = start + letters;
    let follows = *b.get(name_end)?;
    let is_end = b[start..name_end].eq_ignore_ascii_case(name.as_bytes())
        && (is_space(follows) || follows == b'/' || follows == b'>');
    is_end.then_some(name_end)
}

/// The states of script data that decide where a `<script>` ends.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    Data,
    /// After `<!--`.
    Escaped,
    /// After `<!--<script`: here `</script>` does not end the script.
    DoubleEscaped,
}

/// Where the text of a `<script>` that starts at `from` ends (see [`text_end`]).
fn script_end(b: &[u8], from: usize) -> (usize, Option<usize>) {
    let mut state = Script::Data;
    // Dashes just read in an escaped state, up to two: `-->` goes back to data.
    let mut dashes = 0u8;
    let mut i = from;
    while i < b.len() {
        if state == Script::Data {
            let Some(found) = memchr(b'<', &b[i..]) else {
                break;
            };
            let lt = i + found;
            if let Some(name_end) = end_tag_at(b, lt, "script") {
                return (lt, Some(name_end));
            }
            if b[lt + 1..].starts_with(b"!--") {
                (state, dashes) = (Script::Escaped, 2);
                i = lt + 4;
            } else {
                i = lt + 1;
            }
            continue;
        }
        match b[i] {
            b'-' => {
                dashes = (dashes + 1).min(2);
                i += 1;
                continue;
            }
            b'>' if dashes == 2 => {
                state = Script::Data;
                i += 1;
            }
            b'<' if state == Script::Escaped => {
                if let Some(name_end) = end_tag_at(b, i, "script") {
                    return (i, Some(name_end));
                }
                // `<script` opens the double-escaped state.
                let (letters, script) = script_word(b, i + 1);
                if script {
                    state = Script::DoubleEscaped;
                }
                i += 1 + letters + usize::from(script);
            }
            b'<' => {
                i += 1;
                // `</script` goes back to the escaped state.
                if b.get(i) == Some(&b'/') {
                    let (letters, script) = script_word(b, i + 1);
                    if script {
                        state = Script::Escaped;
                    }
                    i += 1 + letters + usize::from(script);
                }
            }
            _ => i += 1,
        }
        dashes = 0;
    }
    (b.len(), None)
}

/// The run of letters at `from`, and whether it is `script` followed by whitespace, `/`
/// or `>` (which is then read too): the words that switch script data's escapes.
fn script_word(b: &[u8], from: usize) -> (usize, bool) {
    let letters = letters_after(b, from);
    let word = &b[from..from + letters];
    let follows = b.get(from + letters);
    let script = word.eq_ignore_ascii_case(b"script")
        && follows.is_some_and(|&c| is_space(c) || c == b'/' || c == b'>');
    (letters, script)
}

/// How many ASCII letters follow from `from`.
fn letters_after(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |rest| {
        rest.iter()
            .position(|c| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len())
    })
}

/// Appends a tag or attribute name as the tokenizer sees it: ASCII letters lower-cased,
/// NUL replaced.
fn push_name(buf: &mut String, name: &str) {
    buf.clear();
    buf.push_str(name);
    buf.make_ascii_lowercase();
    if buf.contains('\0') {
        *buf = buf.replace('\0', "\u{FFFD}");
    }
}

/// An attribute value as a browser reads it: character references decoded, line breaks
/// normalised, NUL replaced.
fn decode(value: &str) -> Cow<'_, str> {
    let mut value = Cow::Borrowed(value);
    if value.contains('\r') {
        value = Cow::Owned(value.replace("\r\n", "\n").replace('\r', "\n"));
    }
    if value.contains('\0') {
        value = Cow::Owned(value.replace('\0', "\u{FFFD}"));
    }
    if value.contains('&') {
        value = Cow::Owned(htmlize::unescape_attribute(value).into_owned());
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
    use proptest::prelude::*;

    /// What a reader of tags sees, for comparing two of them.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Start(String, Vec<(String, String)>, bool),
        Text(String),
        End,
    }

    fn ours(html: &str) -> Vec<Seen> {
        let mut seen = Vec::new();
        let mut rcdata = false;
        tokenize(html, |token| {
            seen.push(match token {
                Token::Start(tag) => {
                    rcdata = text_state(&tag.name) == Some(TextState::RcData);
                    Seen::Start(tag.name.clone(), tag.attrs().to_vec(), tag.self_closing)
                }
                // Text is handed over as written; html5gum preprocesses it, and decodes
                // references in the text of a <title> or <textarea>.
                Token::Text(text, _) => {
                    let text = text
                        .replace("\r\n", "\n")
                        .replace('\r', "\n")
                        .replace('\0', "\u{FFFD}");
                    match rcdata {
                        true => Seen::Text(htmlize::unescape(text).into_owned()),
                        false => Seen::Text(text),
                    }
                }
                Token::End => Seen::End,
            })
        });
        seen
    }

    /// The same, read by html5gum, switched into text states by the same rule.
    fn theirs(html: &str) -> Vec<Seen> {
        let mut seen = Vec::new();
        let mut text: Option<String> = None;
        let mut pending: Option<Seen> = None;
        let emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _: html5gum::Span<()>| {
            let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            match event {
                CallbackEvent::OpenStartTag { name } => {
                    pending = Some(Seen::Start(s(name), Vec::new(), false));
                }
                CallbackEvent::AttributeName { name } => {
                    if let Some(Seen::Start(_, attrs, _)) = &mut pending {
                        attrs.push((s(name), String::new()));
                    }
                }
                CallbackEvent::AttributeValue { value } => {
                    if let Some(Seen::Start(_, attrs, _)) = &mut pending {
                        if let Some(last) = attrs.last_mut() {
                            last.1 = s(value);
                        }
                    }
                }
                CallbackEvent::CloseStartTag { self_closing } => {
                    let Some(Seen::Start(name, attrs, _)) = pending.take() else {
                        return None;
                    };
                    let state = text_state(&name);
                    seen.push(Seen::Start(name, attrs, self_closing));
                    if state.is_some() {
                        text = Some(String::new());
                    }
                    return state.map(|state| match state {
                        TextState::RcData => html5gum::State::RcData,
                        TextState::RawText => html5gum::State::RawText,
                        TextState::ScriptData => html5gum::State::ScriptData,
                        TextState::PlainText => html5gum::State::PlainText,
                    });
                }
                CallbackEvent::String { value } => {
                    if let Some(text) = &mut text {
                        text.push_str(&s(value));
                    }
                }
                CallbackEvent::EndTag { .. } => {
                    if let Some(text) = text.take() {
                        seen.push(Seen::Text(text));
                    }
                    seen.push(Seen::End);
                }
                _ => {}
            }
            None
        });
        let mut tokenizer = html5gum::Tokenizer::new_with_emitter(html, emitter);
        while let Some(Ok(state)) = tokenizer.next() {
            tokenizer.set_state(state);
        }
        drop(tokenizer);
        if let Some(text) = text {
            seen.push(Seen::Text(text));
        }
        seen
    }

    /// Pieces of tag soup: the characters and words every tokenizer state turns on.
    const PIECES: &[&str] = &[
        "<",
        ">",
        "/",
        "/>",
        "=",
        "\"",
        "'",
        " ",
        "\n",
        "\r",
        "\t",
        "-",
        "!",
        "?",
        "&",
        "`",
        "\0",
        "é",
        "x",
        "1",
        "a",
        "img",
        "IMG",
        "src",
        "href",
        "on",
        "style",
        "title",
        "script",
        "SCRIPT",
        "textarea",
        "noscript",
        "plaintext",
        "svg",
        "iframe",
        "<a",
        "<img",
        "</",
        "</a>",
        "<p title=",
        "<!--",
        "-->",
        "--!>",
        "--",
        "<!",
        "<!-",
        "<!DOCTYPE html>",
        "<![CDATA[",
        "]]>",
        "<?xml ",
        "<script>",
        "</script>",
        "<script ",
        "</script",
        "<!--<script>",
        "<style>",
        "</style>",
        "<title>",
        "</title>",
        "<noscript>",
        "</noscript>",
        "<textarea>",
        "</textarea>",
        "&amp;",
        "&#104;",
        "&#x68",
        "&lt",
        "&notit;",
        "&not",
        "&colon;",
        "&Tab;",
        "&#0;",
        "&#x80;",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn reads_tag_soup_as_html5gum_does(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..48)
        ) {
            let html = pieces.concat();
            prop_assert_eq!(ours(&html), theirs(&html), "{:?}", html);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn reads_any_text_as_html5gum_does(
            chars in prop::collection::vec(prop_oneof![
                4 => prop::sample::select(&[
                    '<', '>', '/', '=', '"', '\'', ' ', '\n', '\r', '-', '!', '?', '&', ';',
                    '#', 'a', 's', 't', 'x', '\0', '[',
                ][..]),
                1 => any::<char>(),
            ], 0..64)
        ) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(ours(&text), theirs(&text), "{:?}", text);
        }
    }

    #[test]
    fn reads_hostile_snippets_as_html5gum_does() {
        for html in [
            "<img src=\"a\" SRC=b alt='c' / data-x=>",
            "<a href=&#104;ttps&colon;//x.example/&amp;>x</a>",
            "<p <img src=x>",
            "<p title=\"</p><img src=x>\">",
            "<script>if (a<b) { x = '</scrip' + 't>'; }</script><img src=x>",
            "<script><!--<script>--></script><img src=x></script>",
            "<script><!--<script></script>--><img src=x></script>",
            "<style>a{}</style x=\">\"><img src=x>",
            "<title>a</title/><img src=x>",
            "<!----!><img src=x>--><img src=y>",
            "<!DOCTYPE html PUBLIC \"a>b\"><img src=x>",
            "<![CDATA[<img src=x>]]><img src=y>",
            "</ x><img src=x></a x=\">\"><img src=y>",
            "<img src=x",
            "<plaintext><img src=x></plaintext>",
        ] {
            assert_eq!(ours(html), theirs(html), "{html}");
        }
    }
}
