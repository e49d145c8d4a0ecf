//! Fingerprints: a hash of exactly the data a page is made from, so `opsbook serve` renders a
//! page again only when that data changed, and never leaves it stale.
//!
//! A page's fingerprint is the hash of its context serialized, the same serialization Tera
//! receives ([`fingerprint`]); whatever a template can see is in it, including any field added
//! later. Document views, which appear in thousands of pages, are not serialized again each
//! time: while a fingerprint is taken, a view serializes as the hash of all its fields
//! (computed once per view, [`Hashed`] and `DocView`'s `Hash`).

use std::cell::Cell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

thread_local! {
    /// Set on this thread while [`fingerprint`] serializes a value.
    static TAKING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the value being serialized is being fingerprinted (rather than handed to a
/// template or written out): then a value with a memoized hash may serialize as that hash.
pub fn taking() -> bool {
    TAKING.with(Cell::get)
}

/// Feeds everything written to it into a hasher (serde_json's output, without a buffer).
struct HashWriter<'a>(&'a mut DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Resets [`TAKING`] however the serialization ends.
struct Taking(bool);

impl Drop for Taking {
    fn drop(&mut self) {
        TAKING.with(|t| t.set(self.0));
    }
}

/// The hash of `value` as serialized for a template.
pub fn fingerprint(value: &impl Serialize) -> u64 {
    let _restore = Taking(TAKING.with(|t| t.replace(true)));
    let mut h = DefaultHasher::new();
    // Serializing the site's types cannot fail (no maps with non-string keys); a failure
    // would only make the page render again.
    if serde_json::to_writer(HashWriter(&mut h), value).is_err() {
        0_u8.hash(&mut h);
    }
    h.finish()
}

/// The hash of a value's `Hash` (every field, also those no template sees).
pub fn hash_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A shared value whose hash is computed once: cloning shares both. Serializes as the value
/// (as the hash while a fingerprint is taken); hashes as the memoized hash.
#[derive(Debug)]
pub struct Hashed<T>(Arc<(T, OnceLock<u64>)>);

impl<T> Clone for Hashed<T> {
    fn clone(&self) -> Self {
        Hashed(self.0.clone())
    }
}

impl<T: Hash> Hashed<T> {
    pub fn new(value: T) -> Hashed<T> {
        Hashed(Arc::new((value, OnceLock::new())))
    }

    /// The hash of every field of the value.
    pub fn hash_value(&self) -> u64 {
        *self.0.1.get_or_init(|| hash_of(&self.0.0))
    }
}

impl<T> Deref for Hashed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.0
    }
}

impl<T: Hash> Hash for Hashed<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_value().hash(state);
    }
}

impl<T: Hash + Serialize> Serialize for Hashed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if taking() {
            // A map, so the value may still be `#[serde(flatten)]`ed into its parent.
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("#", &self.hash_value())?;
            map.end()
        } else {
            self.0.0.serialize(serializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Hash, Serialize)]
    struct Own {
        title: String,
        #[serde(skip)]
        hidden: u32,
    }

    #[derive(Serialize)]
    struct Page {
        #[serde(flatten)]
        own: Hashed<Own>,
        extra: u8,
    }

    fn page(title: &str, hidden: u32) -> Page {
        Page {
            own: Hashed::new(Own {
                title: title.into(),
                hidden,
            }),
            extra: 1,
        }
    }

    #[test]
    fn serializes_as_itself_for_templates_and_as_its_hash_for_fingerprints() {
        let p = page("A", 1);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"title":"A","extra":1}"#
        );
        assert!(!taking());
        assert_ne!(fingerprint(&p), fingerprint(&page("B", 1)));
        // A field no template sees still counts (the pages computed from it in code).
        assert_ne!(fingerprint(&p), fingerprint(&page("A", 2)));
        assert_eq!(fingerprint(&p), fingerprint(&page("A", 1)));
        assert!(!taking(), "reset after a fingerprint");
    }
}
