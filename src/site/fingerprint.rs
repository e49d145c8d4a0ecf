//! Fingerprints: a hash of exactly the data a page is made from, so `opsbook serve` renders a
//! page again only when that data changed, and never leaves it stale.
//!
//! A page's fingerprint is the hash of its context serialized, the same serialization Tera
//! receives ([`fingerprint`]); whatever a template can see is in it, including any field added
//! later. Document views, which appear in thousands of pages, are not serialized again each
//! time: while a fingerprint is taken, a view serializes as the hash of all its fields
//! (computed once per view, [`Hashed`] and `DocView`'s `Hash`).
//!
//! For Tera, a page's context is converted into Tera's values ([`template_context`]): a link
//! shared by many views ([`Shared`]) hands over the Tera value it was converted into the
//! first time (an `Arc` clone); a document view brings only the fields the page's template
//! reads, converted for that page (keeping every view's whole value cost more memory than
//! the time it saved: book/src/performance.md, "Document views in lists").

use std::cell::Cell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::templates::FieldNames;

/// What the value being serialized on this thread is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Written out (JSON files) or anything else: every field, as it is.
    Plain,
    /// Hashed by [`fingerprint`]: a value with a memoized hash may serialize as that hash.
    Fingerprint,
    /// Converted into Tera's values by [`template_context`]: a value with a memoized Tera
    /// value may hand that over.
    Template,
}

thread_local! {
    static PURPOSE: Cell<Purpose> = const { Cell::new(Purpose::Plain) };
}

/// What the value being serialized on this thread is for.
pub fn purpose() -> Purpose {
    PURPOSE.with(Cell::get)
}

/// Whether the value being serialized is being fingerprinted.
pub fn taking() -> bool {
    purpose() == Purpose::Fingerprint
}

/// Serializes with `purpose` set on this thread, and restores the one before however the
/// serialization ends.
fn serializing_for<R>(purpose: Purpose, serialize: impl FnOnce() -> R) -> R {
    let _restore = Restore(PURPOSE.with(|p| p.replace(purpose)));
    serialize()
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

/// Puts the purpose back (see [`serializing_for`]).
struct Restore(Purpose);

impl Drop for Restore {
    fn drop(&mut self) {
        PURPOSE.with(|p| p.set(self.0));
    }
}

/// The hash of `value` as serialized for a template.
pub fn fingerprint(value: &impl Serialize) -> u64 {
    serializing_for(Purpose::Fingerprint, || {
        let mut h = DefaultHasher::new();
        // Serializing the site's types cannot fail (no maps with non-string keys); a failure
        // would only make the page render again.
        if serde_json::to_writer(HashWriter(&mut h), value).is_err() {
            0_u8.hash(&mut h);
        }
        h.finish()
    })
}

/// The hash of what `write` writes (a file made by code rather than by a template).
pub fn hash_written(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> u64 {
    let mut h = DefaultHasher::new();
    // Writing into a hasher cannot fail; a failure would only make the file be written again.
    if write(&mut HashWriter(&mut h)).is_err() {
        0_u8.hash(&mut h);
    }
    h.finish()
}

/// A page's context converted into Tera's values (see the module's documentation). With
/// `fields`, the names the page's template reads fields by ([`Templates::fields_read`]), each
/// document view brings only those fields: a list of 50,000 documents then holds a dozen
/// fields of each rather than all of them (book/src/performance.md, "Document views in
/// lists").
///
/// [`Templates::fields_read`]: super::templates::Templates::fields_read
pub fn template_context(
    value: &impl Serialize,
    fields: Option<&Arc<FieldNames>>,
) -> tera::TeraResult<tera::Context> {
    let _restore = RestoreFields(FIELDS_READ.with(|f| f.replace(fields.cloned())));
    serializing_for(Purpose::Template, || tera::Context::from_serialize(value))
}

thread_local! {
    /// The `fields` of the [`template_context`] being made on this thread.
    static FIELDS_READ: std::cell::RefCell<Option<Arc<FieldNames>>> =
        const { std::cell::RefCell::new(None) };
}

/// The names the template whose context is being made on this thread reads fields by;
/// `None` when any field may be read.
pub fn fields_read() -> Option<Arc<FieldNames>> {
    FIELDS_READ.with(|f| f.borrow().clone())
}

/// Puts the fields of the context made before back (see [`template_context`]).
struct RestoreFields(Option<Arc<FieldNames>>);

impl Drop for RestoreFields {
    fn drop(&mut self) {
        FIELDS_READ.with(|f| *f.borrow_mut() = self.0.take());
    }
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

/// A small value many views show (a term's link, a link to a document), shared by all of
/// them and converted into Tera's value once for all of them: a list page of 50,000 documents
/// then holds one copy of each link rather than one per view that shows it. Serializes and
/// hashes as the value.
#[derive(Debug)]
pub struct Shared<T>(Arc<(T, OnceLock<Option<tera::Value>>)>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new((value, OnceLock::new())))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.0
    }
}

impl<T: Hash> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.0.hash(state);
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if purpose() == Purpose::Template {
            let kept = self
                .0
                .1
                .get_or_init(|| tera::Value::try_from_serializable(&self.0.0).ok());
            if let Some(value) = kept {
                // Tera takes its own values over as they are (an `Arc` clone).
                return value.serialize(serializer);
            }
        }
        self.0.0.serialize(serializer)
    }
}

/// A struct's fields, leaving out those whose names are not in `names` (every field without
/// names).
pub struct Only<'n, P> {
    pub fields: P,
    pub names: Option<&'n FieldNames>,
}

impl<P: serde::ser::SerializeStruct> serde::ser::SerializeStruct for Only<'_, P> {
    type Ok = P::Ok;
    type Error = P::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        match self.names {
            Some(names) if !names.contains(key) => Ok(()),
            _ => self.fields.serialize_field(key, value),
        }
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        self.fields.end()
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

    #[derive(Serialize)]
    struct TwoViews {
        first: Vec<Shared<Own>>,
        second: Vec<Shared<Own>>,
    }

    #[test]
    fn a_shared_value_is_itself_in_files_and_one_tera_value_for_every_view() {
        let link = Shared::new(Own {
            title: "db".into(),
            hidden: 1,
        });
        let views = TwoViews {
            first: vec![link.clone()],
            second: vec![link],
        };
        assert_eq!(
            serde_json::to_string(&views).unwrap(),
            r#"{"first":[{"title":"db"}],"second":[{"title":"db"}]}"#
        );
        let context = template_context(&views, None).unwrap();
        let map = |key: &str| {
            let list = context.get(key).unwrap().as_array().unwrap();
            list[0].as_map().unwrap() as *const _
        };
        assert!(
            std::ptr::eq(map("first"), map("second")),
            "converted once, shared"
        );
        let title = context.get("first").unwrap().as_array().unwrap()[0]
            .as_map()
            .unwrap();
        assert_eq!(title.len(), 1, "the fields a template sees, no more");
        assert_eq!(fingerprint(&views), fingerprint(&views));
    }
}
