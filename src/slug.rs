//! Slugs: the path segments of URLs made from names.

/// Lower-cases `text` and joins its words with `-`. Letters and digits of any script are
/// kept (a Korean tag keeps its Hangul); everything else separates words.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
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
    slug
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
    fn valid_slugs_are_lower_case_ascii() {
        assert!(is_valid("resumption-2024"));
        assert!(!is_valid("Resumption"));
        assert!(!is_valid("a_b"));
        assert!(!is_valid("-a"));
        assert!(!is_valid(""));
    }
}
