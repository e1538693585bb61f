//! The example plans shipped with Swarmplan, one per source guide.

/// An example plan: a short id, a title, and the plan file.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    pub yaml: &'static str,
}

macro_rules! example {
    ($id:literal, $title:literal) => {
        Example {
            id: $id,
            title: $title,
            yaml: include_str!(concat!("../../../examples/plans/", $id, ".yaml")),
        }
    };
}

/// Every example, the default (the one the app opens on) first.
pub const EXAMPLES: &[Example] = &[
    example!(
        "msactivator",
        "MSactivator HA: 3 managers, 3 app and 2 database workers on 3 servers"
    ),
    example!(
        "digital-access",
        "Smart ID Digital Access HA with two policy services"
    ),
    example!(
        "api-gateway",
        "API Gateway three-node topology behind a load balancer"
    ),
    example!("active-passive", "Active/passive load-balancer pair"),
    example!("nuvla", "Nuvla db and core stacks behind Traefik"),
];

pub fn example(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

/// The example the app opens on.
pub fn default_example() -> &'static Example {
    &EXAMPLES[0]
}

/// The default example's text alone (a program that reads only this holds no other text).
pub const DEFAULT_YAML: &str = EXAMPLES[0].yaml;

/// What is known of an example without its text: its id, title, and the length and
/// fingerprint of its text. The app lists the examples and recognises an unchanged one from
/// this alone, and fetches a text only when it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub len: usize,
    pub fingerprint: u64,
}

/// The examples' `ExampleInfo`, in the order of `EXAMPLES`. Computed at compile time: a
/// program that reads only this holds none of the texts.
pub const INFO: &[ExampleInfo] = &{
    let mut info = [ExampleInfo {
        id: "",
        title: "",
        len: 0,
        fingerprint: 0,
    }; EXAMPLES.len()];
    let mut i = 0;
    while i < EXAMPLES.len() {
        info[i] = ExampleInfo {
            id: EXAMPLES[i].id,
            title: EXAMPLES[i].title,
            len: EXAMPLES[i].yaml.len(),
            fingerprint: fingerprint(EXAMPLES[i].yaml),
        };
        i += 1;
    }
    info
};

/// The example a text is, unchanged, if it is one (by its length, then its fingerprint). The
/// app asks on every keystroke; a text of no example's length is not read at all.
pub fn recognise(text: &str) -> Option<&'static ExampleInfo> {
    let mut same_length = INFO.iter().filter(|e| e.len == text.len()).peekable();
    same_length.peek()?;
    let print = fingerprint(text);
    same_length.find(|e| e.fingerprint == print)
}

/// FNV-1a, 64 bits, of a text: to tell an unchanged example from any other text.
pub const fn fingerprint(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_info_follows_the_examples_and_recognises_each_text() {
        assert_eq!(INFO.len(), EXAMPLES.len());
        for (info, example) in INFO.iter().zip(EXAMPLES) {
            assert_eq!((info.id, info.title), (example.id, example.title));
            assert_eq!(recognise(example.yaml), Some(info));
            // One character more, or one changed, and it is the user's own text.
            assert_eq!(recognise(&format!("{} ", example.yaml)), None);
            let changed = example.yaml.replacen("swarmplan: 1", "swarmplan: 2", 1);
            assert_eq!(changed.len(), example.yaml.len());
            assert_eq!(recognise(&changed), None);
        }
        let prints: std::collections::BTreeSet<u64> = INFO.iter().map(|e| e.fingerprint).collect();
        assert_eq!(
            prints.len(),
            INFO.len(),
            "every example has its own fingerprint"
        );
        assert_eq!(recognise(""), None);
    }
}
