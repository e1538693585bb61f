//! Keyed lists whose items follow their own look: an update redraws the items it changes, in
//! place, and leaves the others' elements alone (and the keyboard focus where it is).
//!
//! Rebuilding a list of views from scratch removes and re-adds every attribute of every item (as
//! tachys does for erased attributes), which costs most of an update on a large canvas and
//! blurs a focused item. Here each item is created once per key; its look is a memo of the
//! list, bound to the item's attributes and content.

use leptos::prelude::*;
use std::collections::BTreeMap;

/// Items in display order, each under a key that names what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T> {
    keys: Vec<String>,
    items: BTreeMap<String, T>,
}

impl<T> FromIterator<(String, T)> for Keyed<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(items: I) -> Self {
        let mut keyed = Keyed {
            keys: Vec::new(),
            items: BTreeMap::new(),
        };
        for (key, item) in items {
            // A key used twice (a name the plan repeats, which the findings report) still gets
            // an item of its own.
            let mut unique = key.clone();
            let mut copy = 1;
            while keyed.items.contains_key(&unique) {
                copy += 1;
                unique = format!("{key}#{copy}");
            }
            keyed.keys.push(unique.clone());
            keyed.items.insert(unique, item);
        }
        keyed
    }
}

impl<T> Keyed<T> {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The item under `key`, for the tests of what a list shows.
    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&T> {
        self.items.get(key)
    }
}

/// The list `pick` takes from `source`, drawn by `draw`, which gets each item's look as a memo.
pub fn keyed<S, T, V>(
    source: Memo<S>,
    pick: fn(&S) -> &Keyed<T>,
    draw: impl Fn(Memo<T>) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    S: Send + Sync + 'static,
    T: Clone + PartialEq + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <For
            each=move || source.with(|s| pick(s).keys.clone())
            key=String::clone
            children=move |key| {
                // While the key is listed its item is there; as it goes, the last look stays.
                let look = Memo::new(move |last: Option<&T>| {
                    source
                        .with(|s| pick(s).items.get(&key).cloned())
                        .or_else(|| last.cloned())
                        .expect("an item is drawn only while its key is listed")
                });
                draw(look)
            }
        />
    }
}
