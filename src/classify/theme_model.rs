//! One theme's fitted binary model: sparse weights, intercept and threshold. Shared by the linfa fit
//! ([`super::model`]) and the dual solver ([`super::linear`]), which both produce it.

use super::features::{dot_from, sigmoid, Sparse};
use serde::{Deserialize, Serialize};

/// One theme's fitted binary model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeModel {
    /// Weights by feature id (sparse, sorted by id), oriented so that a positive logit means "has theme".
    pub weights: Vec<(u32, f32)>,
    /// Intercept, same orientation.
    pub intercept: f32,
    /// Decision threshold on the probability.
    pub threshold: f32,
    /// Positive training statements.
    pub positives: usize,
}

impl ThemeModel {
    /// P(theme | x).
    pub fn prob(&self, x: &Sparse) -> f32 {
        sigmoid(dot_from(self.intercept, &self.weights, x))
    }
}
