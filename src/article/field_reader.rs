//! Reading front matter field by field, so that one bad field does not hide the next.
//!
//! serde stops at the first error, and the YAML deserializer cannot go on after one: an
//! error inside a list or a mapping leaves it in the middle of that value. So a pass
//! that fails is not resumed; the field (or list item) it failed on is remembered and
//! the whole front matter is read again, skipping it, until a pass gets through. Each
//! error thus comes from the same deserializer over the same text as before, with the
//! position and path it found, and a valid file (nearly every file) is still read in
//! exactly one pass. Front matter is small and a file has few errors, so the extra passes
//! cost little; [`MAX_FIELD_ERRORS`] bounds them for hostile files.
//!
//! The skipping needs a hand-written visitor of [`FrontMatter`]'s keys: the derived one
//! cannot be told to pass over a value. Its field list is [`Field`]; a unit test checks
//! it against the derived `Serialize`/`Deserialize`, which stay the struct's public form.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::front_matter::{segments, FrontMatter, Segment};

/// At most this many field errors are reported per file, each costing one more pass
/// over the front matter: real files have a handful, and the cap keeps a 64 KB list of
/// bad event ids from costing thousands of passes.
pub(crate) const MAX_FIELD_ERRORS: usize = 50;

/// A key of the front matter that kbase knows, in [`FrontMatter`]'s field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Id,
    Title,
    Products,
    Platforms,
    Category,
    Published,
    Updated,
    Events,
    Codes,
    Keywords,
    SeeAlso,
    Visibility,
    Status,
    Owner,
    ReviewBy,
    ValidTo,
    Origin,
}

/// The key names, as written, in [`Field`] order (what `deserialize_struct` is told).
const NAMES: &[&str] = &[
    "id",
    "title",
    "products",
    "platforms",
    "category",
    "published",
    "updated",
    "events",
    "codes",
    "keywords",
    "see_also",
    "visibility",
    "status",
    "owner",
    "review_by",
    "valid_to",
    "origin",
];

impl Field {
    /// The key as written in front matter.
    pub(crate) fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    /// The field of a key, if kbase knows it.
    fn from_name(key: &str) -> Option<Field> {
        Some(match key {
            "id" => Field::Id,
            "title" => Field::Title,
            "products" => Field::Products,
            "platforms" => Field::Platforms,
            "category" => Field::Category,
            "published" => Field::Published,
            "updated" => Field::Updated,
            "events" => Field::Events,
            "codes" => Field::Codes,
            "keywords" => Field::Keywords,
            "see_also" => Field::SeeAlso,
            "visibility" => Field::Visibility,
            "status" => Field::Status,
            "owner" => Field::Owner,
            "review_by" => Field::ReviewBy,
            "valid_to" => Field::ValidTo,
            "origin" => Field::Origin,
            _ => return None,
        })
    }
}

/// A value a pass reads: a field's whole value, or one item of a list field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    field: Field,
    item: Option<usize>,
}

/// What a pass was doing when it stopped, so its error can be pinned to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Between values (reading a key, skipping an unknown key's value, the document
    /// itself): an error here is not a field's, and ends the reading.
    Nowhere,
    /// Reading this value.
    Value(Spot),
    /// Meeting this key a second time.
    Repeat(Field),
}

/// Everything read from the front matter, however many passes it took.
#[derive(Debug)]
pub(crate) struct Reading {
    /// The fields that could be read; a field whose value failed keeps its default, a
    /// list its good items. Usable as an article only when `errors` is empty.
    pub front: FrontMatter,
    /// The errors, in the order of their values in the file.
    pub errors: Vec<serde_yaml::Error>,
    /// True when reading stopped early: a YAML syntax error, an error outside any field,
    /// or [`MAX_FIELD_ERRORS`] reached. Nothing more is known about the file then.
    pub stopped: bool,
    /// Paths of unknown keys (from `serde_ignored`), in file order.
    pub ignored: Vec<Vec<Segment>>,
    /// True when reading stopped at [`MAX_FIELD_ERRORS`] with more values left to read.
    pub capped: bool,
    /// The text's own YAML error (its syntax), when a pass failed and there is one: an
    /// error with this message is not a field's.
    pub syntax: Option<String>,
    skipped: Vec<Spot>,
}

impl Reading {
    /// A reading that ended early: nothing is known of the fields or unknown keys.
    fn stopped(
        errors: Vec<serde_yaml::Error>,
        skipped: Vec<Spot>,
        syntax: Option<String>,
        capped: bool,
    ) -> Reading {
        Reading {
            front: FrontMatter::default(),
            errors,
            stopped: true,
            ignored: Vec::new(),
            capped,
            syntax,
            skipped,
        }
    }

    /// True when `err` is the text's YAML syntax error rather than a field's.
    pub(crate) fn is_syntax(&self, err: &serde_yaml::Error) -> bool {
        self.syntax.as_ref().is_some_and(|s| *s == err.to_string())
    }

    /// True when `key`'s whole value failed to read, so the checks that look at it
    /// (present, non-empty) have nothing to say about it.
    pub(crate) fn failed(&self, key: &str) -> bool {
        self.skipped
            .iter()
            .any(|s| s.item.is_none() && s.field.name() == key)
    }
}

/// Reads `yaml` (the text between the `---` lines) into a [`FrontMatter`], collecting
/// the error of every field that fails, each as the YAML deserializer reported it.
///
/// A syntax error ends the reading (nothing after it can be read), as does an error
/// that belongs to no field (the front matter is not a mapping, a key is a list).
pub(crate) fn read(yaml: &str) -> Reading {
    let mut skipped: Vec<Spot> = Vec::new();
    let mut repeats: Vec<Field> = Vec::new();
    let mut errors: Vec<serde_yaml::Error> = Vec::new();
    // The text's own YAML error, looked for only once a pass has failed: an error equal
    // to it is that, not a field's. `IgnoredAny` reads the text without judging keys or
    // values, so only syntax can fail it.
    let mut syntax: Option<Option<String>> = None;
    loop {
        let at = Cell::new(At::Nowhere);
        let mut ignored = Vec::new();
        let pass = Pass {
            skipped: &skipped,
            repeats: &repeats,
            at: &at,
        };
        let mut note = |path: serde_ignored::Path<'_>| ignored.push(segments(&path));
        let de =
            serde_ignored::Deserializer::new(serde_yaml::Deserializer::from_str(yaml), &mut note);
        let err = match pass.deserialize(de) {
            Ok(front) => {
                ignored.retain(|path| !was_skipped(path, &skipped, &repeats));
                return Reading {
                    front,
                    errors,
                    stopped: false,
                    ignored,
                    capped: false,
                    syntax: syntax.flatten(),
                    skipped,
                };
            }
            Err(err) => err,
        };
        let document_error = syntax
            .get_or_insert_with(|| {
                serde_yaml::from_str::<IgnoredAny>(yaml)
                    .err()
                    .map(|e| e.to_string())
            })
            .as_deref();
        let message = err.to_string();
        if errors.iter().any(|e| e.to_string() == message) {
            // The same error again (a syntax error met from another value): stop.
            return Reading::stopped(errors, skipped, syntax.flatten(), false);
        }
        let more = document_error != Some(message.as_str())
            && match at.get() {
                At::Value(spot) if !skipped.contains(&spot) => {
                    skipped.push(spot);
                    true
                }
                At::Repeat(field) if !repeats.contains(&field) => {
                    repeats.push(field);
                    true
                }
                _ => false,
            };
        errors.push(err);
        if !more || errors.len() >= MAX_FIELD_ERRORS {
            return Reading::stopped(errors, skipped, syntax.flatten(), more);
        }
    }
}

/// True when serde_ignored reported `path` only because a pass skipped its value on
/// purpose: a failed value, or a repeated key.
fn was_skipped(path: &[Segment], skipped: &[Spot], repeats: &[Field]) -> bool {
    let field = |key: &str| Field::from_name(key);
    match path {
        [Segment::Key(k)] => field(k).is_some_and(|f| {
            repeats.contains(&f)
                || skipped.contains(&Spot {
                    field: f,
                    item: None,
                })
        }),
        [Segment::Key(k), Segment::Index(i)] => field(k).is_some_and(|f| {
            skipped.contains(&Spot {
                field: f,
                item: Some(*i),
            })
        }),
        _ => false,
    }
}

/// One pass over the front matter: what to skip, and where it is.
#[derive(Clone, Copy)]
struct Pass<'p> {
    skipped: &'p [Spot],
    repeats: &'p [Field],
    at: &'p Cell<At>,
}

impl<'de> DeserializeSeed<'de> for Pass<'_> {
    type Value = FrontMatter;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FrontMatter, D::Error> {
        d.deserialize_struct("FrontMatter", NAMES, self)
    }
}

impl<'de> Visitor<'de> for Pass<'_> {
    type Value = FrontMatter;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // What the derived visitor says, which `front_matter` turns into plain words.
        f.write_str("struct FrontMatter")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FrontMatter, A::Error> {
        let mut front = FrontMatter::default();
        let mut seen = [false; NAMES.len()];
        loop {
            self.at.set(At::Nowhere);
            let Some(key) = map.next_key::<Key>()? else {
                break;
            };
            let Key(Some(field)) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[field as usize], true) {
                if self.repeats.contains(&field) {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                self.at.set(At::Repeat(field));
                return Err(de::Error::duplicate_field(field.name()));
            }
            let spot = Spot { field, item: None };
            if self.skipped.contains(&spot) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.at.set(At::Value(spot));
            match field {
                Field::Id => front.id = map.next_value()?,
                Field::Title => front.title = map.next_value()?,
                Field::Products => front.products = map.next_value_seed(self.list(field))?,
                Field::Platforms => front.platforms = map.next_value_seed(self.list(field))?,
                Field::Category => front.category = map.next_value()?,
                Field::Published => front.published = map.next_value()?,
                Field::Updated => front.updated = map.next_value()?,
                Field::Events => front.events = map.next_value_seed(self.list(field))?,
                Field::Codes => front.codes = map.next_value_seed(self.list(field))?,
                Field::Keywords => front.keywords = map.next_value_seed(self.list(field))?,
                Field::SeeAlso => front.see_also = map.next_value_seed(self.list(field))?,
                Field::Visibility => front.visibility = map.next_value()?,
                Field::Status => front.status = map.next_value()?,
                Field::Owner => front.owner = map.next_value()?,
                Field::ReviewBy => front.review_by = map.next_value()?,
                Field::ValidTo => front.valid_to = map.next_value()?,
                Field::Origin => front.origin = map.next_value()?,
            }
        }
        self.at.set(At::Nowhere);
        Ok(front)
    }
}

/// A front matter key: a known field, or `None` for a key kbase does not know.
struct Key(Option<Field>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(Key(Field::from_name(s)))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A list field read item by item, so that a bad item is skipped on the next pass and
/// the items after it are still read.
#[derive(Clone, Copy)]
struct List<'p, T> {
    pass: Pass<'p>,
    field: Field,
    item: PhantomData<fn() -> T>,
}

impl<'p> Pass<'p> {
    /// The list `field`, of the item type the field needs.
    fn list<T>(self, field: Field) -> List<'p, T> {
        List {
            pass: self,
            field,
            item: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for List<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for List<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // Like serde's own `Vec`: trust the length hint only so far.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        for item in 0.. {
            let spot = Spot {
                field: self.field,
                item: Some(item),
            };
            if self.pass.skipped.contains(&spot) {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
                continue;
            }
            self.pass.at.set(At::Value(spot));
            match seq.next_element()? {
                Some(value) => out.push(value),
                None => break,
            }
        }
        self.pass.at.set(At::Value(Spot {
            field: self.field,
            item: None,
        }));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_matches_the_struct() {
        // Every field set, so the derived `Serialize` writes each key once, in order.
        let yaml = "id: a\ntitle: t\nproducts:\n- name: P\nplatforms:\n- W\ncategory: c\n\
                    published: 2020-01-01\nupdated: 2020-01-02\nevents:\n- id: 1\n\
                    codes:\n- '0x00000001'\nkeywords:\n- k\nsee_also:\n- b\n\
                    visibility: public\nstatus: draft\nowner: o\nreview_by: 2020-01-03\n\
                    valid_to: 2020-01-04\norigin:\n  format: f\n  file: x\n";
        let derived: FrontMatter = serde_yaml::from_str(yaml).unwrap();
        let reading = read(yaml);
        assert!(reading.errors.is_empty(), "{:?}", reading.errors);
        assert_eq!(reading.front, derived);
        assert_eq!(serde_yaml::to_string(&derived).unwrap(), yaml);
        let keys: Vec<&str> = yaml
            .lines()
            .filter(|l| !l.starts_with([' ', '-']))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(keys, NAMES);
        for (i, name) in NAMES.iter().enumerate() {
            let field = Field::from_name(name).unwrap();
            assert_eq!((field as usize, field.name()), (i, *name));
        }
    }

    #[test]
    fn every_bad_value_is_an_error_and_the_rest_is_read() {
        let reading = read(
            "id: a\npublished: 2021-02-30\nevents:\n  - id: 0\n  - id: 7\n  - id: -1\n\
             title: t\nstatus: 5\n",
        );
        let paths: Vec<String> = reading
            .errors
            .iter()
            .map(|e| e.to_string().split(':').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            paths,
            ["published", "events[0].id", "events[2].id", "status"]
        );
        assert!(!reading.stopped);
        assert_eq!(reading.front.title, "t");
        assert_eq!(reading.front.events.len(), 1);
        assert!(reading.failed("published") && !reading.failed("events"));
    }

    #[test]
    fn a_syntax_error_stops_the_reading_once() {
        let reading = read("id: a\npublished: 2021-02-30\nproducts:\n  - name: x\n   v: 1\n");
        assert!(reading.stopped);
        assert_eq!(reading.errors.len(), 2, "{:?}", reading.errors);
        assert!(reading.errors[0].to_string().starts_with("published: "));
    }

    #[test]
    fn the_number_of_errors_is_capped() {
        let yaml = format!("id: a\ntitle: t\nevents: [{}]\n", "0, ".repeat(500));
        let reading = read(&yaml);
        assert!(reading.stopped);
        assert_eq!(reading.errors.len(), MAX_FIELD_ERRORS);
        assert!(reading.capped);
    }
}
