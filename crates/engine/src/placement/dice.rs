//! Swarm's dice: the choices its scheduler leaves to Go's map iteration order, and the ways
//! Swarmplan makes them.
//!
//! Nothing in moby/swarmkit's `manager/scheduler` draws a random number: every random choice is
//! a `range` over a Go map. The maps that decide placement are the scheduler's node set
//! (`nodeSet.nodes`, ranged once per service in `nodeSet.tree`), each level of the spread tree
//! (`decisionTree.next`, ranged on every pass of `scheduleNTasksOnSubtree`) and, before the
//! scheduler sees anything, docker/cli's map of a stack's services (`convert.Services`, ranged
//! by `deployServices`, after three more map rebuilds in its loader).
//!
//! A Go map that never held more than eight entries keeps them in one group of eight slots, in
//! insertion order, and a `range` reads the slots cyclically from a random slot: the order is a
//! rotation of insertion order, and the entry after the empty slots comes first more often
//! (Go ≤ 1.23 `runtime/map.go` `mapiterinit`/`mapiternext`; Go ≥ 1.24 `internal/runtime/maps`
//! `Iter.Init`/`Iter.Next`, the same for small maps). Larger maps place entries by hash, which
//! Swarmplan treats as a uniformly random order.
//!
//! [`Dice`] is where each such choice is made: [`Seeded`] samples them (the odds), [`Scripted`]
//! walks every combination with its weight (the exact outcomes of a small cluster), and
//! [`Representative`] takes the most likely start of every rotation and keeps hash orders as
//! they are (join order, first-seen branches, file order).

/// The slots in one group of a small Go map.
pub const SMALL_MAP_SLOTS: usize = 8;
const _: () = assert!(SMALL_MAP_SLOTS as u64 == crate::limits::EXACT_NODES);

/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit state, wrapping additions, multiplications
/// and shifts only, so every platform (wasm32 included) draws the same numbers from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn seeded(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`, without bias: draws below `2^64 mod n` are thrown away.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "a draw needs at least one outcome");
        let threshold = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= threshold {
                return x % n;
            }
        }
    }
}

/// Where each choice Swarm leaves to map order is made.
pub trait Dice {
    /// One of `weights.len()` outcomes, outcome `i` with weight `weights[i]` (the weights of
    /// one choice add up to [`SMALL_MAP_SLOTS`]).
    fn choose(&mut self, weights: &[u32]) -> usize;
    /// The order of a map whose entries are placed by hash: a permutation of `items`.
    fn shuffle(&mut self, items: &mut [u32]);
}

/// A `range` over a small map whose slots hold `entries` in this order (no holes): the entries
/// as the range meets them.
pub fn small_map_order(dice: &mut dyn Dice, entries: &[u32]) -> Vec<u32> {
    let weights: Vec<u32> = entries
        .iter()
        .enumerate()
        .map(|(i, _)| match i {
            0 => (SMALL_MAP_SLOTS + 1 - entries.len()) as u32,
            _ => 1,
        })
        .collect();
    let start = if entries.len() > 1 {
        dice.choose(&weights)
    } else {
        0
    };
    entries[start..]
        .iter()
        .chain(&entries[..start])
        .copied()
        .collect()
}

/// A `range` over a map holding `entries` (in insertion order): a rotation while it fits in one
/// group of eight slots, else a hash order.
pub fn map_order(dice: &mut dyn Dice, entries: &[u32]) -> Vec<u32> {
    if entries.len() <= SMALL_MAP_SLOTS {
        small_map_order(dice, entries)
    } else {
        let mut order = entries.to_vec();
        dice.shuffle(&mut order);
        order
    }
}

/// The order in which `docker stack deploy` creates a stack's services, given their file order
/// (`0..services`). The CLI's loader rebuilds the map of services three times by ranging it
/// (`convertToStringKeysRecursive`, `interpolation.Interpolate`, `LoadServices`) and
/// `deployServices` ranges a fourth: four rotations of file order while there are at most
/// eight services, a hash order beyond.
pub fn creation_order(dice: &mut dyn Dice, services: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..services as u32).collect();
    if services <= SMALL_MAP_SLOTS {
        for _ in 0..4 {
            order = small_map_order(dice, &order);
        }
    } else {
        dice.shuffle(&mut order);
    }
    order
}

/// Samples every choice, from a seed.
pub struct Seeded(pub Rng);

impl Dice for Seeded {
    fn choose(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut draw = self.0.below(u64::from(total)) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if draw < w {
                return i;
            }
            draw -= w;
        }
        weights.len() - 1
    }

    fn shuffle(&mut self, items: &mut [u32]) {
        // Fisher–Yates.
        for i in (1..items.len()).rev() {
            let j = self.0.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// The most likely start of every rotation (the first entry, after the empty slots), hash
/// orders left as given.
pub struct Representative;

impl Dice for Representative {
    fn choose(&mut self, weights: &[u32]) -> usize {
        let mut best = 0;
        for (i, &w) in weights.iter().enumerate() {
            if w > weights[best] {
                best = i;
            }
        }
        best
    }

    fn shuffle(&mut self, _: &mut [u32]) {}
}

/// Replays a given prefix of choices, then takes the first outcome of each later choice, and
/// records every choice met with its arity and the probability of the whole path: running it
/// again with [`Scripted::next`] walks every combination once, as an odometer.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    /// The choices to make, in order; beyond them, the first outcome.
    forced: Vec<usize>,
    /// Each choice made: the outcome taken and how many there were.
    made: Vec<(usize, usize)>,
    /// The probability of the path so far. Weights are eighths, so the product is exact in
    /// binary floating point for any path Swarmplan walks.
    pub probability: f64,
    /// Set when a hash order was met: the walk cannot enumerate those.
    pub unenumerable: bool,
}

impl Scripted {
    pub fn new() -> Self {
        Scripted {
            probability: 1.0,
            ..Scripted::default()
        }
    }

    /// The choices this path made, to replay it.
    pub fn script(&self) -> Vec<usize> {
        self.made.iter().map(|&(c, _)| c).collect()
    }

    /// The script of the path after this one, or `None` when every path has been walked.
    pub fn next(&self) -> Option<Scripted> {
        let mut made = self.made.clone();
        while let Some((choice, arity)) = made.pop() {
            if choice + 1 < arity {
                let mut forced: Vec<usize> = made.iter().map(|&(c, _)| c).collect();
                forced.push(choice + 1);
                return Some(Scripted {
                    forced,
                    ..Scripted::new()
                });
            }
        }
        None
    }

    /// A path that makes exactly these choices.
    pub fn replaying(script: Vec<usize>) -> Scripted {
        Scripted {
            forced: script,
            ..Scripted::new()
        }
    }
}

impl Dice for Scripted {
    fn choose(&mut self, weights: &[u32]) -> usize {
        let choice = self.forced.get(self.made.len()).copied().unwrap_or(0);
        let choice = choice.min(weights.len() - 1);
        let total: u32 = weights.iter().sum();
        self.probability *= f64::from(weights[choice]) / f64::from(total);
        self.made.push((choice, weights.len()));
        choice
    }

    fn shuffle(&mut self, _: &mut [u32]) {
        self.unenumerable = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_draws_the_same_numbers_everywhere() {
        // SplitMix64's published first outputs for seed 0.
        let mut rng = Rng::seeded(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
        let mut rng = Rng::seeded(7);
        let draws: Vec<u64> = (0..8).map(|_| rng.below(6)).collect();
        assert!(draws.iter().all(|&d| d < 6));
    }

    #[test]
    fn creation_starts_at_the_first_service_as_often_as_the_loader_rebuilds_allow() {
        // Two services: each of the four rotations keeps file order with weight 7/8, so the
        // order is file order when an even number of them turn it: (1 + (3/4)^4) / 2.
        let mut p_first = 0.0;
        let mut path = Some(Scripted::new());
        while let Some(mut dice) = path {
            let order = creation_order(&mut dice, 2);
            if order[0] == 0 {
                p_first += dice.probability;
            }
            path = dice.next();
        }
        assert!((p_first - (1.0 + 0.75_f64.powi(4)) / 2.0).abs() < 1e-12);
    }
}
