//! SplitMix64: a small seeded pseudo-random generator, so that seeded steps (k-means++ starts, scale-corpus
//! generation) are reproducible without a random-number crate.

/// SplitMix64 state.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// `n` texts of 1 to `max` pieces each, drawn from `pieces`: the inputs of the property tests that compare
/// a fast path with the code it stands for.
#[cfg(test)]
pub(crate) fn random_texts(seed: u64, pieces: &[&str], max: usize, n: usize) -> Vec<String> {
    let mut rng = SplitMix(seed);
    (0..n)
        .map(|_| {
            let k = 1 + rng.below(max);
            (0..k).map(|_| pieces[rng.below(pieces.len())]).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_ranges() {
        let (mut a, mut b) = (SplitMix(7), SplitMix(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(a.below(5) < 5);
            b.unit();
            b.below(5);
        }
        assert_eq!(SplitMix(1).below(0), 0);
    }
}
