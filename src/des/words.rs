//! Enums written in scenario files as one of a few words (`expect = "pass"`, `read_mode =
//! "lease"`): a serde visitor whose errors list the words a key takes, and the macro that
//! declares such an enum. Shared by the scenario format and the protocols' parameters.

use serde::de::{self, Visitor};
use std::fmt;

/// A visitor that accepts one of `words` and returns its position.
pub struct WordVisitor {
    /// The words accepted, in the order of the enum's variants.
    pub words: &'static [&'static str],
}

impl WordVisitor {
    fn choices(&self) -> String {
        let quoted: Vec<String> = self.words.iter().map(|w| format!("\"{w}\"")).collect();
        match quoted.len() {
            1 => quoted[0].clone(),
            2 => format!("{} or {}", quoted[0], quoted[1]),
            _ => format!("one of {}", quoted.join(", ")),
        }
    }
}

impl Visitor<'_> for WordVisitor {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.choices())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.words
            .iter()
            .position(|w| *w == v)
            .ok_or_else(|| E::custom(format!("unknown value `{v}`; expected {}", self.choices())))
    }
}

/// An enum written in scenarios as one of a few words (`expect = "pass"`), whose errors list
/// the words: `1 is a whole number; expected "pass" or "fail"`.
macro_rules! word_enum {
    ($(#[$meta:meta])* $vis:vis $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order of [`Self::WORDS`].
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The words a scenario writes for each value.
            pub const WORDS: &'static [&'static str] = &[$($word),+];
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let visitor = $crate::des::words::WordVisitor { words: Self::WORDS };
                d.deserialize_any(visitor).map(|i| Self::ALL[i])
            }
        }
    };
}
pub(crate) use word_enum;
