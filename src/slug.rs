//! Slugs: the path segments of URLs made from names.

use unicode_normalization::UnicodeNormalization;

/// Lower-cases `text` and joins its words with `-`. Letters and digits of any script are
/// kept (a Korean tag keeps its Hangul), in Unicode's composed form (NFC), so the same
/// word typed on two keyboards gives the same address; everything else, including `.`,
/// `/`, `\` and `%`, only separates words, so a slug can never step out of its folder.
pub fn slugify(text: &str) -> String {
    if text.is_ascii() {
        // ASCII is already composed and lower-cases to ASCII: the same rules, by byte.
        let mut slug = String::with_capacity(text.len());
        let mut pending_dash = false;
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() {
                if pending_dash && !slug.is_empty() {
                    slug.push('-');
                }
                pending_dash = false;
                slug.push(char::from(b.to_ascii_lowercase()));
            } else if b != b'\'' {
                pending_dash = true;
            }
        }
        return slug;
    }
    slugify_unicode(text)
}

fn slugify_unicode(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.nfc() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            pending_dash = true;
        }
    }
    // Lower-casing may leave a letter decomposed (`İ` → `i̇`): compose again.
    slug.nfc().collect()
}

/// Whether `slug` is a valid article, page or incident slug: `[a-z0-9-]`, not empty, not
/// starting or ending with `-`.
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ascii_is_slugified_as_any_other_text(text in "[ -~]{0,40}") {
            prop_assert_eq!(slugify(&text), slugify_unicode(&text));
        }
    }

    #[test]
    fn slugs_join_words_with_dashes() {
        assert_eq!(
            slugify("China's Forced Returns, 2024!"),
            "chinas-forced-returns-2024"
        );
        assert_eq!(slugify("  강제 송환  "), "강제-송환");
        assert_eq!(slugify("---"), "");
    }

    #[test]
    fn hangul_is_kept_in_one_stable_form() {
        // The same word as precomposed syllables and as separate jamo (NFD).
        let composed = "탈북민";
        let decomposed = "\u{1110}\u{1161}\u{11af}\u{1107}\u{116e}\u{11a8}\u{1106}\u{1175}\u{11ab}";
        assert_ne!(composed, decomposed);
        assert_eq!(slugify(composed), "탈북민");
        assert_eq!(slugify(decomposed), "탈북민");
        assert_eq!(slugify("Café"), slugify("Cafe\u{301}"));
    }

    #[test]
    fn mixed_scripts_keep_letters_and_digits() {
        assert_eq!(slugify("2024년 4월 Tumen 송환"), "2024년-4월-tumen-송환");
        assert_eq!(slugify("UN 인권이사회"), "un-인권이사회");
    }

    #[test]
    fn emoji_and_symbols_only_separate_words() {
        assert_eq!(slugify("송환 🚨 반대"), "송환-반대");
        assert_eq!(slugify("🇰🇷"), "");
        assert_eq!(slugify("a&b <script>"), "a-b-script");
    }

    #[test]
    fn nothing_in_a_slug_can_leave_its_folder() {
        for tricky in [
            "..",
            "../..",
            "../../etc/passwd",
            "a/../b",
            "..\\x",
            "%2e%2e",
            "~/.ssh",
        ] {
            let slug = slugify(tricky);
            assert!(
                !slug.contains(['.', '/', '\\', '%', '~']),
                "{tricky} → {slug}"
            );
            assert_ne!(slug, "..");
        }
        assert_eq!(slugify(".."), "");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
    }

    #[test]
    fn valid_slugs_are_lower_case_ascii() {
        assert!(is_valid("resumption-2024"));
        assert!(!is_valid("Resumption"));
        assert!(!is_valid("a_b"));
        assert!(!is_valid("-a"));
        assert!(!is_valid(""));
    }
}
