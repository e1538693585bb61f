//! The stand-in for IPVS on kernels without it (written in the next step).

use crate::Result;

/// Runs the stand-in's loop inside a node until it is stopped.
pub fn run_loop(_node: &str, _pidfile: &str) -> Result {
    Ok(())
}
