//! Fingerprints of pages: how `serve` renders only the pages a save changed.
//!
//! A page is a pure function of its job (fields and template values), the view deferred to
//! render time, the templates and the configuration. Its fingerprint hashes exactly those
//! inputs, so two builds that give a page the same fingerprint give it the same bytes, and
//! a page whose fingerprint did not change is taken from the previous build instead of
//! being rendered again. Nothing is declared by hand, so nothing can be forgotten: a new
//! input of a page is a new job field (the hash destructures `Job`, so it does not compile
//! until the field is hashed) or a new template value (hashed like every other). The
//! model items a deferred view is built from are hashed by identity: the parse cache gives
//! an unchanged file's item to the next build as it is and a saved file a new one, and
//! [`Fingerprints`] holds the previous build's model so that no new item can take an old
//! one's address.

use rustc_hash::FxHashMap;
use std::marker::PhantomData;

use tera::Value;

use crate::content::Site;
use tera::value::ValueKind;
use xxhash_rust::xxh3::{Xxh3, xxh3_64_with_seed};

/// Fingerprints of the pages of one successful build.
#[derive(Debug, Default, Clone)]
pub struct Fingerprints {
    /// Of what every page depends on: the configuration and the templates.
    pub(crate) global: u64,
    /// Output path → fingerprint of the page written there.
    pub(crate) pages: FxHashMap<String, u64>,
    /// The model of that build. Holding it keeps the addresses of its items, by which
    /// fingerprints know them, from being given to new items.
    #[expect(dead_code, reason = "held, never read")]
    pub(crate) site: Site,
    /// Summaries shared by list pages, with their hashes, by language and item: those
    /// of unchanged items are reused rather than built and hashed again.
    pub(crate) summaries: FxHashMap<(usize, usize, u64), (Value, u64)>,
    /// The words of each search document, likewise.
    pub(crate) terms: crate::search::Terms,
    /// The data exports' paths, with the digest of the incidents they were made from.
    pub(crate) data: (u64, Vec<String>),
    /// The pages, for `serve` to render a saved item's own pages from.
    pub(crate) plan: super::Plan,
}

impl Fingerprints {
    /// The fingerprint the page at `path` had, when it belongs to a build made with the
    /// same configuration and templates.
    pub(crate) fn get(&self, global: u64, path: &str) -> Option<u64> {
        (self.global == global)
            .then(|| self.pages.get(path).copied())
            .flatten()
    }
}

/// Model items are known by their address: the parse cache gives an unchanged file's item
/// to the next build as it is, and a changed file a new item. Addresses are unique
/// because the previous build's `Fingerprints` hold its whole model alive.
pub(crate) fn identity<T>(item: &T) -> usize {
    std::ptr::from_ref(item) as usize
}

/// A new hasher; all fingerprints use the same one, so they can be compared.
pub(crate) fn hasher() -> Xxh3 {
    Xxh3::new()
}

/// Hashes template values, each shared array or map once however many pages hold it
/// (the summaries of a list are the same values on the list, tag and home pages).
///
/// Shared values are remembered by address, which is only sound while they are alive: the
/// lifetime `'v` keeps every hashed value borrowed for as long as the hasher lives.
#[derive(Default)]
pub(crate) struct ValueHasher<'v> {
    seen: FxHashMap<(usize, usize), u64>,
    values: PhantomData<&'v Value>,
}

const NONE: u64 = 0;
const BOOL: u64 = 1;
const INTEGER: u64 = 2;
const STRING: u64 = 3;
const SAFE_STRING: u64 = 4;
const ARRAY: u64 = 5;
const MAP: u64 = 6;
const BYTES: u64 = 7;
const UNDEFINED: u64 = 8;
const KEY: u64 = 9;
const FLOAT: u64 = 10;
const OTHER: u64 = 11;

impl<'v> ValueHasher<'v> {
    /// Records the hash of an array or map computed by an earlier build.
    pub(crate) fn know(&mut self, value: &'v Value, hash: u64) {
        if let Some(items) = value.as_array() {
            self.seen
                .insert((items.as_ptr() as usize, items.len()), hash);
        } else if let Some(map) = value.as_map() {
            self.seen
                .insert((std::ptr::from_ref(map) as usize, map.len()), hash);
        }
    }

    /// The hash of `value` and everything in it. Scalars are hashed in one pass over
    /// their bytes, seeded with their kind; arrays and maps hash the hashes of their
    /// items, and are remembered.
    pub(crate) fn hash(&mut self, value: &'v Value) -> u64 {
        match value.kind() {
            ValueKind::Array => {
                let items = value.as_array().unwrap_or_default();
                let key = (items.as_ptr() as usize, items.len());
                if let Some(&known) = self.seen.get(&key) {
                    return known;
                }
                let parts: Vec<u64> = items.iter().map(|item| self.hash(item)).collect();
                let hash = combine(ARRAY, &parts);
                self.seen.insert(key, hash);
                hash
            }
            ValueKind::Map => {
                let Some(map) = value.as_map() else {
                    return combine(MAP, &[]);
                };
                let key = (std::ptr::from_ref(map) as usize, map.len());
                if let Some(&known) = self.seen.get(&key) {
                    return known;
                }
                // Tera's maps have no fixed order: sort the entries' hashes.
                let mut entries: Vec<[u64; 2]> = map
                    .iter()
                    .map(|(k, v)| {
                        let k = match k.as_str() {
                            Some(name) => xxh3_64_with_seed(name.as_bytes(), KEY),
                            None => xxh3_64_with_seed(k.to_string().as_bytes(), KEY),
                        };
                        [k, self.hash(v)]
                    })
                    .collect();
                entries.sort_unstable();
                let hash = combine(MAP, entries.as_flattened());
                self.seen.insert(key, hash);
                hash
            }
            ValueKind::String => {
                let kind = if value.is_safe() { SAFE_STRING } else { STRING };
                xxh3_64_with_seed(value.as_str().unwrap_or_default().as_bytes(), kind)
            }
            ValueKind::Bool => xxh3_64_with_seed(&[u8::from(value.is_truthy())], BOOL),
            ValueKind::None => xxh3_64_with_seed(&[], NONE),
            ValueKind::Undefined => xxh3_64_with_seed(&[], UNDEFINED),
            ValueKind::Bytes => xxh3_64_with_seed(value.as_bytes().unwrap_or_default(), BYTES),
            ValueKind::U64 | ValueKind::I64 | ValueKind::U128 | ValueKind::I128 => {
                match value.as_i128() {
                    Some(n) => xxh3_64_with_seed(&n.to_le_bytes(), INTEGER),
                    None => xxh3_64_with_seed(value.to_string().as_bytes(), INTEGER),
                }
            }
            ValueKind::F64 => {
                let bits = value.as_f64().unwrap_or_default().to_bits();
                xxh3_64_with_seed(&bits.to_le_bytes(), FLOAT)
            }
            // Kinds tera may add: their printed form is what a template can see of them.
            _ => xxh3_64_with_seed(value.to_string().as_bytes(), OTHER),
        }
    }
}

/// One hash of a container's kind and its items' hashes, in order.
fn combine(kind: u64, parts: &[u64]) -> u64 {
    let bytes: Vec<u8> = parts.iter().flat_map(|p| p.to_le_bytes()).collect();
    xxh3_64_with_seed(&bytes, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(value: &Value) -> u64 {
        ValueHasher::default().hash(value)
    }

    #[test]
    fn equal_values_hash_equal_and_different_values_differ() {
        let a = Value::from_serializable(&serde_json::json!({"t": "x", "n": [1, 2.5, null]}));
        let b = Value::from_serializable(&serde_json::json!({"n": [1, 2.5, null], "t": "x"}));
        assert_eq!(hash_of(&a), hash_of(&b));
        for other in [
            serde_json::json!({"t": "y", "n": [1, 2.5, null]}),
            serde_json::json!({"t": "x", "n": [1, 2.5]}),
            serde_json::json!({"t": "x", "n": [2, 1, null]}),
            serde_json::json!({"u": "x", "n": [1, 2.5, null]}),
        ] {
            assert_ne!(hash_of(&a), hash_of(&Value::from_serializable(&other)));
        }
    }

    #[test]
    fn safe_strings_differ_from_plain_ones() {
        // The same text is escaped in one case and not in the other.
        assert_ne!(
            hash_of(&Value::safe_string("<b>")),
            hash_of(&Value::normal_string("<b>"))
        );
    }

    #[test]
    fn a_shared_list_is_hashed_once_and_the_same_everywhere() {
        let shared = Value::from(vec![Value::from("a"), Value::from("b")]);
        let pages = [
            Value::from(vec![shared.clone()]),
            Value::from(vec![shared.clone()]),
        ];
        let mut hasher = ValueHasher::default();
        let first = hasher.hash(&pages[0]);
        assert_eq!(first, hasher.hash(&pages[1]));
        assert_eq!(hasher.hash(&shared), hash_of(&shared));
    }
}
