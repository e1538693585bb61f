//! Raft quorum among swarm managers: how many must stay up, and how many may be lost.

use serde::Serialize;

/// The fewest managers that must be reachable for the swarm to be managed: ⌊n/2⌋+1.
pub fn majority(managers: usize) -> usize {
    managers / 2 + 1
}

/// How many managers may be lost while a majority stays: ⌊(n−1)/2⌋.
pub fn tolerates(managers: usize) -> usize {
    managers.saturating_sub(1) / 2
}

/// Whether `left` reachable managers out of `managers` still form a quorum.
pub fn holds(managers: usize, left: usize) -> bool {
    managers > 0 && left >= majority(managers)
}

/// The largest manager count the table shows. Docker advises at most seven managers
/// (`too-many-managers`); the table goes on to nine so that a plan past the advice still sees its row.
pub const TABLE_SIZE: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuorumRow {
    pub managers: usize,
    pub majority: usize,
    pub tolerates: usize,
    /// This row is the plan's manager count.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quorum {
    pub managers: usize,
    pub majority: usize,
    pub tolerates: usize,
    /// Managers 1 to 9, with the plan's row marked.
    pub table: Vec<QuorumRow>,
}

impl Quorum {
    pub fn of(managers: usize) -> Self {
        Quorum {
            managers,
            majority: if managers == 0 { 0 } else { majority(managers) },
            tolerates: tolerates(managers),
            table: (1..=TABLE_SIZE)
                .map(|n| QuorumRow {
                    managers: n,
                    majority: majority(n),
                    tolerates: tolerates(n),
                    current: n == managers,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_quorum_table() {
        // Docker's administration guide: swarm size, majority, fault tolerance.
        let expected = [
            (1, 1, 0),
            (2, 2, 0),
            (3, 2, 1),
            (4, 3, 1),
            (5, 3, 2),
            (6, 4, 2),
            (7, 4, 3),
            (8, 5, 3),
            (9, 5, 4),
        ];
        let table = Quorum::of(3).table;
        for (row, (n, maj, tol)) in table.iter().zip(expected) {
            assert_eq!((row.managers, row.majority, row.tolerates), (n, maj, tol));
            assert_eq!(row.current, n == 3);
        }
    }

    #[test]
    fn majority_and_tolerance_hold_for_any_count() {
        for n in 1..1000 {
            assert_eq!(
                majority(n) + tolerates(n),
                n,
                "the majority and the losses it tolerates make up {n}"
            );
            assert!(
                holds(n, n - tolerates(n)),
                "{n} managers survive {} losses",
                tolerates(n)
            );
            assert!(
                !holds(n, n - tolerates(n) - 1),
                "{n} managers do not survive one more"
            );
            assert!(2 * majority(n) > n, "a majority of {n} is more than half");
        }
        assert!(!holds(0, 0));
    }
}
