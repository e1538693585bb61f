//! Quantities a plan writes as text: memory sizes (`8GiB`, `512M`) and CPU counts (`4`, `"0.50"`).
//!
//! Both are stored exactly (bytes, thousandths of a CPU) so that a plan read and written back is
//! the same plan, and both are written back in one canonical spelling.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A memory size in bytes.
///
/// Suffixes are read as Docker reads them (`units.RAMInBytes`): case-insensitive, always powers of
/// 1024, so `512M`, `512MB`, `512mib` and `512MiB` are the same size. A plain number is bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub u64);

const KIB: u64 = 1024;
const BINARY_UNITS: [(&str, u64); 4] = [
    ("TiB", KIB * KIB * KIB * KIB),
    ("GiB", KIB * KIB * KIB),
    ("MiB", KIB * KIB),
    ("KiB", KIB),
];

impl Bytes {
    pub const fn gib(n: u64) -> Self {
        Bytes(n * KIB * KIB * KIB)
    }

    pub const fn mib(n: u64) -> Self {
        Bytes(n * KIB * KIB)
    }

    /// Reads a size such as `8GiB`, `512M`, `1.5g` or `1073741824`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = unit.trim();
        let multiplier = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => KIB,
            "m" | "mb" | "mib" => KIB * KIB,
            "g" | "gb" | "gib" => KIB * KIB * KIB,
            "t" | "tb" | "tib" => KIB * KIB * KIB * KIB,
            "p" | "pb" | "pib" => KIB * KIB * KIB * KIB * KIB,
            _ => {
                return Err(format!(
                    "`{text}` is not a size: use a number with a unit such as 512MiB, 8GiB or 512M"
                ))
            }
        };
        if number.is_empty() {
            return Err(format!("`{text}` is not a size: it has no number"));
        }
        let bytes = if let Some((whole, fraction)) = number.split_once('.') {
            let whole: u64 = if whole.is_empty() {
                0
            } else {
                whole
                    .parse()
                    .map_err(|_| format!("`{text}` is not a size"))?
            };
            if fraction.is_empty()
                || fraction.len() > 9
                || !fraction.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!("`{text}` is not a size"));
            }
            let scale = 10u64.pow(fraction.len() as u32);
            let fraction: u64 = fraction
                .parse()
                .map_err(|_| format!("`{text}` is not a size"))?;
            whole.checked_mul(multiplier).and_then(|w| {
                let part = (fraction as u128 * multiplier as u128 / scale as u128) as u64;
                w.checked_add(part)
            })
        } else {
            number
                .parse::<u64>()
                .ok()
                .and_then(|n| n.checked_mul(multiplier))
        };
        bytes
            .map(Bytes)
            .ok_or_else(|| format!("`{text}` is not a size, or is too large"))
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return write!(f, "0");
        }
        for (unit, size) in BINARY_UNITS {
            if self.0.is_multiple_of(size) {
                return write!(f, "{}{unit}", self.0 / size);
            }
        }
        write!(f, "{}", self.0)
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 != 0 && BINARY_UNITS.iter().any(|(_, s)| self.0.is_multiple_of(*s)) {
            serializer.collect_str(self)
        } else {
            serializer.serialize_u64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl Visitor<'_> for BytesVisitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as 8GiB, 512MiB or 512M")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bytes, E> {
                u64::try_from(v)
                    .map(Bytes)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                Bytes::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(BytesVisitor)
    }
}

/// A number of CPUs, kept in thousandths so that `"0.50"` and `0.5` are the same amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cpus(pub u64);

impl Cpus {
    pub const fn whole(n: u64) -> Self {
        Cpus(n * 1000)
    }

    pub fn millis(self) -> u64 {
        self.0
    }

    /// Reads `4`, `"4"`, `"0.50"` or `"1.5"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let error = || format!("`{text}` is not a CPU count: use a number such as 4 or 0.5");
        let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(error());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(error());
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| error())?
        };
        let mut millis = 0u64;
        for (i, digit) in fraction.bytes().take(3).enumerate() {
            millis += u64::from(digit - b'0') * 10u64.pow(2 - i as u32);
        }
        whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(millis))
            .map(Cpus)
            .ok_or_else(error)
    }

    fn from_f64(v: f64) -> Result<Self, String> {
        if !v.is_finite() || !(0.0..=1e12).contains(&v) {
            return Err(format!("{v} is not a CPU count"));
        }
        Ok(Cpus((v * 1000.0).round() as u64))
    }
}

impl fmt::Display for Cpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 1000;
        let fraction = self.0 % 1000;
        if fraction == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{fraction:03}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Cpus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1000) {
            serializer.serialize_u64(self.0 / 1000)
        } else {
            serializer.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

impl<'de> Deserialize<'de> for Cpus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CpusVisitor;
        impl Visitor<'_> for CpusVisitor {
            type Value = Cpus;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a CPU count such as 4 or \"0.5\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cpus, E> {
                v.checked_mul(1000)
                    .map(Cpus)
                    .ok_or_else(|| E::custom("CPU count too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cpus, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a CPU count cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cpus, E> {
                Cpus::from_f64(v).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Cpus, E> {
                Cpus::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(CpusVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_every_spelling() {
        let cases = [
            ("8GiB", Bytes::gib(8)),
            ("8G", Bytes::gib(8)),
            ("8g", Bytes::gib(8)),
            ("512M", Bytes::mib(512)),
            ("512MiB", Bytes::mib(512)),
            ("512m", Bytes::mib(512)),
            ("1.5GiB", Bytes::mib(1536)),
            ("2GB", Bytes::gib(2)),
            ("2gb", Bytes::gib(2)),
            ("1024", Bytes(1024)),
            (" 4 GiB ", Bytes::gib(4)),
            ("256GiB", Bytes::gib(256)),
        ];
        for (text, expected) in cases {
            assert_eq!(Bytes::parse(text), Ok(expected), "{text}");
        }
        for bad in [
            "",
            "GiB",
            "12 parsecs",
            "-1G",
            "1.2.3G",
            "99999999999999999999T",
        ] {
            assert!(Bytes::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn sizes_print_canonically_and_read_back() {
        for bytes in [
            Bytes::gib(8),
            Bytes::mib(512),
            Bytes(1000),
            Bytes(1023),
            Bytes(0),
        ] {
            let text = bytes.to_string();
            assert_eq!(Bytes::parse(&text), Ok(bytes), "{text}");
        }
        assert_eq!(Bytes::mib(1536).to_string(), "1536MiB");
        assert_eq!(Bytes::gib(256).to_string(), "256GiB");
    }

    #[test]
    fn cpus_read_as_numbers_or_strings() {
        assert_eq!(Cpus::parse("4"), Ok(Cpus::whole(4)));
        assert_eq!(Cpus::parse("0.50"), Ok(Cpus(500)));
        assert_eq!(Cpus::parse(".25"), Ok(Cpus(250)));
        assert_eq!(Cpus::parse("1.5"), Ok(Cpus(1500)));
        assert!(Cpus::parse("four").is_err());
        assert!(Cpus::parse("-1").is_err());
        assert!(Cpus::parse(".").is_err());
        assert_eq!(Cpus(500).to_string(), "0.5");
        assert_eq!(Cpus(4000).to_string(), "4");
        assert_eq!(Cpus(125).to_string(), "0.125");
    }
}

#[cfg(feature = "schema")]
mod schema {
    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
    use std::borrow::Cow;

    impl JsonSchema for super::Bytes {
        fn schema_name() -> Cow<'static, str> {
            "Bytes".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A size as Docker reads one: a number of bytes, or a number with a unit (`512M` = `512MiB`, `8GiB`, `1.5g`).",
                "oneOf": [
                    { "type": "integer", "minimum": 0 },
                    { "type": "string", "pattern": "^\\s*([0-9]+(\\.[0-9]{1,9})?|\\.[0-9]{1,9})\\s*([kKmMgGtTpP]([iI]?[bB])?|[bB])?\\s*$" }
                ]
            })
        }
    }

    impl JsonSchema for super::Cpus {
        fn schema_name() -> Cow<'static, str> {
            "Cpus".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A number of CPUs, to the thousandth: `4`, `0.5` or `\"0.25\"`.",
                "oneOf": [
                    { "type": "number", "minimum": 0 },
                    { "type": "string", "pattern": "^\\s*([0-9]+(\\.[0-9]*)?|\\.[0-9]+)\\s*$" }
                ]
            })
        }
    }
}
