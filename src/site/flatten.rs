//! Serializing one struct's fields as fields of another: what `#[serde(flatten)]` does, but
//! as a struct rather than a map.
//!
//! serde's `flatten` turns the parent into a map, and Tera makes a map's keys into strings
//! of their own (`Arc<str>`), where a struct's field names stay `&'static str`. A document
//! view of some 45 fields is converted for each page that lists it, so at 100,000
//! documents that was tens of millions of small allocations (book/src/performance.md,
//! "Tera's maps").

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct};

/// Serializes `value`, a struct, as fields of `parent` (a struct being serialized).
pub fn fields_into<P: SerializeStruct, T: Serialize + ?Sized>(
    value: &T,
    parent: &mut P,
) -> Result<(), P::Error> {
    value.serialize(Into { parent })
}

/// A serializer that takes only a struct, and hands its fields to `parent`.
struct Into<'p, P> {
    parent: &'p mut P,
}

/// The error for anything but a struct (a bug in the caller: the types are fixed).
fn not_a_struct<E: ser::Error>(found: &str) -> E {
    E::custom(format!(
        "only a struct's fields can be flattened, not {found}"
    ))
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $found:literal;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), P::Error> {
            Err(not_a_struct($found))
        })*
    };
}

impl<'p, P: SerializeStruct> ser::Serializer for Into<'p, P> {
    type Ok = ();
    type Error = P::Error;
    type SerializeSeq = Impossible<(), P::Error>;
    type SerializeTuple = Impossible<(), P::Error>;
    type SerializeTupleStruct = Impossible<(), P::Error>;
    type SerializeTupleVariant = Impossible<(), P::Error>;
    type SerializeMap = Impossible<(), P::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), P::Error>;

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, P::Error> {
        Ok(self)
    }

    refuse! {
        serialize_bool(bool) -> "a boolean";
        serialize_i8(i8) -> "a number";
        serialize_i16(i16) -> "a number";
        serialize_i32(i32) -> "a number";
        serialize_i64(i64) -> "a number";
        serialize_u8(u8) -> "a number";
        serialize_u16(u16) -> "a number";
        serialize_u32(u32) -> "a number";
        serialize_u64(u64) -> "a number";
        serialize_f32(f32) -> "a number";
        serialize_f64(f64) -> "a number";
        serialize_char(char) -> "a character";
        serialize_str(&str) -> "a string";
        serialize_bytes(&[u8]) -> "bytes";
        serialize_none() -> "none";
        serialize_unit() -> "a unit";
        serialize_unit_struct(&'static str) -> "a unit struct";
        serialize_unit_variant(&'static str, u32, &'static str) -> "an enum";
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), P::Error> {
        Err(not_a_struct("an option"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), P::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), P::Error> {
        Err(not_a_struct("an enum"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, P::Error> {
        Err(not_a_struct("a list"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, P::Error> {
        Err(not_a_struct("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, P::Error> {
        Err(not_a_struct("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, P::Error> {
        Err(not_a_struct("an enum"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, P::Error> {
        Err(not_a_struct("a map"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, P::Error> {
        Err(not_a_struct("an enum"))
    }
}

impl<P: SerializeStruct> SerializeStruct for Into<'_, P> {
    type Ok = ();
    type Error = P::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), P::Error> {
        self.parent.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), P::Error> {
        self.parent.skip_field(key)
    }

    fn end(self) -> Result<(), P::Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Inner {
        a: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u32>,
    }

    struct Outer {
        inner: Inner,
        c: &'static str,
    }

    impl Serialize for Outer {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut parent = serializer.serialize_struct("Outer", 3)?;
            fields_into(&self.inner, &mut parent)?;
            parent.serialize_field("c", self.c)?;
            parent.end()
        }
    }

    #[test]
    fn the_fields_come_out_as_the_parents_in_order() {
        let outer = Outer {
            inner: Inner { a: 1, b: None },
            c: "x",
        };
        assert_eq!(serde_json::to_string(&outer).unwrap(), r#"{"a":1,"c":"x"}"#);
        let value = tera::Value::from_serializable(&outer);
        let keys: Vec<String> = value
            .as_map()
            .unwrap()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn anything_but_a_struct_is_an_error() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut parent = serializer.serialize_struct("Bad", 1)?;
                fields_into(&[1, 2], &mut parent)?;
                parent.end()
            }
        }
        let err = serde_json::to_string(&Bad).unwrap_err();
        assert!(err.to_string().contains("not a tuple"), "{err}");
    }
}
