//! Value types of the front matter that validate themselves while being read.
//!
//! Validation happens inside serde visitors on purpose: errors raised there carry the
//! YAML position of the offending scalar, so `kbase check` can point at
//! `articles/x.md:7:9` instead of at the top of the file. Each type also serialises back
//! to the text form a person writes, so imported articles round-trip.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Marker that starts every invalid-id message; [`super::front_matter`] maps it to a code.
pub(crate) const BAD_ID: &str = "is not a valid article id";
/// Marker that starts every invalid-date message.
pub(crate) const BAD_DATE: &str = "is not a valid date";
/// Marker of every out-of-range event id message.
pub(crate) const BAD_EVENT_ID: &str = "is outside the event id range 1..=4294967295";

/// An article id: `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`, such as `Q190698`.
///
/// The restricted alphabet makes ids safe as file names, URL path segments and index
/// terms without escaping, and rules out `..`, `/` and NUL by construction.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ArticleId(String);

impl ArticleId {
    /// Checks `s` against the id grammar.
    pub fn parse(s: &str) -> Result<Self, String> {
        if is_valid_id(s) {
            Ok(ArticleId(s.to_owned()))
        } else {
            Err(format!(
                "`{}` {BAD_ID}: use 1 to 64 letters, digits, `_` or `-`, starting with a letter or digit",
                s.escape_debug()
            ))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when no id was given (the front matter lacked one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// True when `s` follows the id grammar `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`.
pub fn is_valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ArticleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ArticleId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an article id such as Q190698")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ArticleId, E> {
                ArticleId::parse(s).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ArticleId, E> {
                self.visit_str(&n.to_string())
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ArticleId, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_str(V)
    }
}

/// A calendar date, written `YYYY-MM-DD` (ISO 8601), checked for real days.
///
/// kbase needs dates only for display, sorting and range filters, so a small exact type
/// is enough and keeps a date-time library out of the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31 depending on the month.
    pub day: u8,
}

impl Date {
    /// Builds a date if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=9999).contains(&year) && (1..=days).contains(&day)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// The date as the number `yyyymmdd`: what the index stores, so that date filters
    /// are numeric ranges.
    pub fn number(self) -> i64 {
        i64::from(self.year) * 10_000 + i64::from(self.month) * 100 + i64::from(self.day)
    }

    /// The date `days` days after 1970-01-01 (negative: before it), or `None` outside
    /// years 1 to 9999.
    ///
    /// Day counts are what clocks give (`SystemTime`, Unix timestamps); this converts
    /// them without a date-time library, by Howard Hinnant's `civil_from_days`.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Beyond this no date of years 1..=9999 lies, and the arithmetic stays far from
        // overflow for any input.
        if days.unsigned_abs() > 4_000_000 {
            return None;
        }
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(u16::try_from(year).ok()?, month as u8, day as u8)
    }

    /// Days from 1970-01-01 to this date (negative before it): the inverse of
    /// [`Date::from_days_since_epoch`], so dates can be compared with day counts and
    /// days between dates are a subtraction.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's `days_from_civil`.
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Today's date in UTC, from the system clock.
    ///
    /// Review dates are whole days, and UTC makes a check's verdict the same on every
    /// machine the same day. A clock set outside years 1 to 9999 gives 1970-01-01 rather
    /// than a panic. Callers that need a fixed day (tests, reproducible runs) pass their
    /// own date instead of calling this.
    pub fn today() -> Date {
        use std::time::{SystemTime, UNIX_EPOCH};
        let days = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => (after.as_secs() / 86_400) as i64,
            // Before 1970: round towards the past, as a calendar does.
            Err(e) => -(e.duration().as_secs().div_ceil(86_400) as i64),
        };
        Date::from_days_since_epoch(days).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = b.get(r)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
        };
        let parsed = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            match (digits(0..4), digits(5..7), digits(8..10)) {
                (Some(y), Some(m), Some(d)) => Date::new(y, m as u8, d as u8),
                _ => None,
            }
        } else {
            None
        };
        parsed.ok_or_else(|| format!("`{}` {BAD_DATE}: write YYYY-MM-DD", s.escape_debug()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Who may read an article (`visibility:`): everyone, or only signed-in agents.
///
/// An article without the key gets the deployment's default, so the field is an
/// `Option` in the front matter and a missing value is never silently "public".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone who can reach the server, signed in or not.
    Public,
    /// Agents only: notes not meant for end users.
    Internal,
}

impl Visibility {
    /// The name as written in front matter, for output and index terms.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }
}

/// Where an article is in its life (`status:`); an article without the key is
/// published, so existing articles need no edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written: not ready for readers.
    Draft,
    /// In use: the normal state.
    Published,
    /// No longer applies, but kept so links and history still resolve.
    Retired,
}

impl Status {
    /// The name as written in front matter, for output and index terms.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Retired => "retired",
        }
    }
}

/// An event ID, 1 to 4294967295: the event log keeps 16 bits for most providers, but
/// some log larger numbers (Exchange connectors' 94086) and tools print them as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EventId(pub u32);

impl EventId {
    /// Accepts 1..=4294967295 and explains anything else.
    pub fn from_number(n: i128) -> Result<EventId, String> {
        u32::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .map(EventId)
            .ok_or_else(|| format!("event id {n} {BAD_EVENT_ID}"))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = EventId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event id from 1 to 4294967295")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<EventId, E> {
                EventId::from_number(n.into()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<EventId, E> {
                EventId::from_number(n.into()).map_err(E::custom)
            }
            fn visit_u128<E: de::Error>(self, n: u128) -> Result<EventId, E> {
                EventId::from_number(i128::try_from(n).unwrap_or(i128::MAX)).map_err(E::custom)
            }
            fn visit_i128<E: de::Error>(self, n: i128) -> Result<EventId, E> {
                EventId::from_number(n).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<EventId, E> {
                match s.trim().parse::<i128>() {
                    Ok(n) => EventId::from_number(n).map_err(E::custom),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A product an article applies to, with the versions concerned.
///
/// Written either as a map (`{name: Microsoft Exchange Server, versions: ["5.5"]}`) or,
/// for short, as a plain name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Product name as the vendor writes it.
    pub name: String,
    /// Versions concerned, as written (`"5.5"`, `"4.0 SP3"`); empty means unspecified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

impl<'de> Deserialize<'de> for Product {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            name: String,
            #[serde(default)]
            versions: Vec<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Product;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a product name or a map with `name` and `versions`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Product, E> {
                Ok(Product {
                    name: s.to_owned(),
                    versions: Vec::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Product, A::Error> {
                let f = Fields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Product {
                    name: f.name,
                    versions: f.versions,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_grammar() {
        for ok in ["Q190698", "a", "0-x_y", &"a".repeat(64)] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            "a b",
            "../x",
            "a/b",
            "a\0",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn dates_must_exist() {
        assert_eq!(Date::parse("1999-05-13").unwrap().to_string(), "1999-05-13");
        assert!(Date::parse("2000-02-29").is_ok());
        for bad in [
            "1900-02-29",
            "1999-13-01",
            "1999-04-31",
            "1999-5-13",
            "0000-01-01",
            "x",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn day_counts_and_dates_convert_both_ways() {
        let d = |s: &str| Date::parse(s).unwrap();
        for (date, days) in [
            ("1970-01-01", 0),
            ("1970-01-02", 1),
            ("1969-12-31", -1),
            ("2000-02-29", 11_016),
            ("2000-03-01", 11_017),
            ("2024-02-29", 19_782),
            ("2024-03-01", 19_783),
            ("2100-03-01", 47_541),
            ("0001-01-01", -719_162),
            ("9999-12-31", 2_932_896),
        ] {
            assert_eq!(d(date).days_since_epoch(), days, "{date}");
            assert_eq!(Date::from_days_since_epoch(days), Some(d(date)), "{days}");
        }
        // 2100 is not a leap year: February 28 is followed by March 1.
        assert_eq!(
            Date::from_days_since_epoch(d("2100-02-28").days_since_epoch() + 1),
            Some(d("2100-03-01"))
        );
        // Every day of four centuries round-trips, in order.
        let start = d("1900-01-01").days_since_epoch();
        let mut previous = None;
        for days in start..start + 146_097 {
            let date = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(date.days_since_epoch(), days);
            assert!(previous < Some(date), "{date}");
            previous = Some(date);
        }
        for out_of_range in [-719_163, 2_932_897, i64::MIN, i64::MAX] {
            assert_eq!(Date::from_days_since_epoch(out_of_range), None);
        }
    }

    #[test]
    fn dates_order_by_year_then_month_then_day() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert!(d("1999-12-31") < d("2000-01-01"));
        assert!(d("2000-01-31") < d("2000-02-01"));
        assert!(d("2000-02-01") < d("2000-02-02"));
        assert!(Date::today() > d("2024-01-01"));
    }

    #[test]
    fn lifecycle_names_are_lowercase() {
        assert_eq!(Visibility::Internal.as_str(), "internal");
        assert_eq!(Status::Retired.as_str(), "retired");
        assert_eq!(
            serde_yaml::to_string(&Visibility::Public).unwrap().trim(),
            "public"
        );
    }

    #[test]
    fn event_ids_are_positive_and_32_bit() {
        assert_eq!(EventId::from_number(5058), Ok(EventId(5058)));
        assert_eq!(EventId::from_number(94086), Ok(EventId(94086)));
        assert!(EventId::from_number(0).is_err());
        assert!(EventId::from_number(1 << 32).is_err());
        assert!(EventId::from_number(-1).is_err());
    }
}
