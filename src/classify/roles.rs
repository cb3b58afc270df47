//! The statement-role model: reads a statement (its characters, where it stands, how it starts) and says
//! whether it is an achievement, a problem, a cause, a measure or other text.
//!
//! Headings and turn phrases decide roles where a report has them. Many real documents have neither for
//! some of their statements (a continuation page, problems listed without a heading, 对照检查材料 organised
//! by 方面); there this model decides, and a Viterbi pass over the whole report keeps the decisions in the
//! order reports are written (achievements → problems → causes → measures), with the statements whose role a
//! heading or turn fixed as anchors.

use super::features::{sigmoid, Sparse};
use super::linear::{self, LinearParams, Loss, OneVsRest};
use crate::error::Result;
use crate::structure::markers::is_space;
use crate::structure::{Basis, Role, Structure};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The roles in model order.
pub const ROLES: [Role; 5] = [
    Role::Highlight,
    Role::Problem,
    Role::Cause,
    Role::Measure,
    Role::Other,
];

/// Hashed feature space: 2^18 buckets.
const BITS: u32 = 18;

/// A statement to learn from or to decide: its text, its relative position in the report (0 to 1).
#[derive(Debug, Clone)]
pub struct RoleInput<'a> {
    /// The statement text.
    pub text: &'a str,
    /// Its index over the number of statements of its report.
    pub position: f32,
}

/// The fitted statement-role model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleModel {
    /// Bits of the hashed feature space.
    pub bits: u32,
    /// One logistic model per role, in [`ROLES`] order.
    pub ovr: OneVsRest,
    /// Training rows per role, in [`ROLES`] order.
    pub support: Vec<usize>,
    /// The weights of all roles by feature id, built on first use: every statement of every report is
    /// scored, and a direct lookup is much cheaper than a search in each role's sparse weights.
    #[serde(skip)]
    dense: OnceLock<Option<Vec<[f32; 5]>>>,
}

impl PartialEq for RoleModel {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits && self.ovr == other.ovr && self.support == other.support
    }
}

/// The largest feature space scored through a dense table (2^20 × 5 weights, 20 MB); a larger one (only a
/// hand-edited model has one) is scored from the sparse weights.
const DENSE_BITS: u32 = 20;

/// FNV-1a over parts, each followed by a separator byte.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for &b in *p {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Features of one statement: character unigrams and bigrams, its first characters, its position and
/// length, hashed; binary values, L2-normalised.
pub fn features(input: &RoleInput, bits: u32) -> Sparse {
    let mask = (1u64 << bits) - 1;
    let mut ids: Vec<u32> = Vec::new();
    let mut add = |parts: &[&[u8]]| ids.push((fnv(parts) & mask) as u32);
    let chars: Vec<char> = input
        .text
        .chars()
        .filter(|&c| !is_space(c))
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    let mut buf = [0u8; 4];
    let mut next = [0u8; 4];
    for (i, &c) in chars.iter().enumerate() {
        let a = c.encode_utf8(&mut buf).as_bytes();
        add(&[b"u", a]);
        if let Some(&d) = chars.get(i + 1) {
            add(&[b"b", a, d.encode_utf8(&mut next).as_bytes()]);
        }
    }
    let mut head = [0u8; 16];
    let mut len = 0;
    for &c in chars.iter().take(4) {
        len += c.encode_utf8(&mut head[len..]).len();
        add(&[b"h", &head[..len]]);
    }
    let pos = ((input.position.clamp(0.0, 1.0) * 5.0) as u8).min(4);
    add(&[b"p", &[pos]]);
    let len = match chars.len() {
        0..=15 => 0u8,
        16..=40 => 1,
        41..=100 => 2,
        _ => 3,
    };
    add(&[b"l", &[len]]);
    ids.sort_unstable();
    ids.dedup();
    let v = 1.0 / (ids.len().max(1) as f32).sqrt();
    ids.into_iter().map(|id| (id, v)).collect()
}

/// The model's index of a role.
pub fn role_index(r: Role) -> usize {
    ROLES.iter().position(|&x| x == r).unwrap_or(4)
}

impl RoleModel {
    /// Fits the model on statements with known roles.
    ///
    /// # Errors
    /// A role with no training statement, or a solver failure.
    pub fn fit(inputs: &[RoleInput], roles: &[Role], seed: u64) -> Result<RoleModel> {
        let xs: Vec<Sparse> = inputs.iter().map(|i| features(i, BITS)).collect();
        let labels: Vec<usize> = roles.iter().map(|&r| role_index(r)).collect();
        let params = LinearParams {
            loss: Loss::Logistic,
            c: 4.0,
            seed,
            ..LinearParams::default()
        };
        let ovr = linear::fit_one_vs_rest(&xs, &labels, ROLES.len(), &params)?;
        let mut support = vec![0; ROLES.len()];
        for &l in &labels {
            support[l] += 1;
        }
        Ok(RoleModel {
            bits: BITS,
            ovr,
            support,
            dense: OnceLock::new(),
        })
    }

    /// Probability of each role (in [`ROLES`] order), summing to 1.
    pub fn probs(&self, input: &RoleInput) -> [f32; 5] {
        let x = features(input, self.bits);
        let classes = &self.ovr.classes[..self.ovr.classes.len().min(5)];
        // Decision values; through the table the same sums in the same order as `decision` (absent
        // weights add 0).
        let mut z = [0f32; 5];
        match self.dense() {
            Some(table) => {
                for (zk, m) in z.iter_mut().zip(classes) {
                    *zk = m.intercept;
                }
                for &(id, v) in &x {
                    for (zk, w) in z.iter_mut().zip(&table[id as usize]) {
                        *zk += v * w;
                    }
                }
            }
            None => {
                for (zk, m) in z.iter_mut().zip(classes) {
                    *zk = m.decision(&x);
                }
            }
        }
        let mut p = [0f32; 5];
        for (pk, &zk) in p.iter_mut().zip(&z).take(classes.len()) {
            *pk = sigmoid(zk);
        }
        let s: f32 = p.iter().sum::<f32>().max(1e-6);
        p.map(|v| v / s)
    }

    /// The weights of all roles by feature id; `None` for a feature space too large to tabulate.
    fn dense(&self) -> Option<&[[f32; 5]]> {
        self.dense
            .get_or_init(|| {
                (self.bits <= DENSE_BITS).then(|| {
                    let mut table = vec![[0f32; 5]; 1 << self.bits];
                    for (k, m) in self.ovr.classes.iter().enumerate().take(5) {
                        for &(id, w) in &m.weights {
                            if let Some(row) = table.get_mut(id as usize) {
                                row[k] = w;
                            }
                        }
                    }
                    table
                })
            })
            .as_deref()
    }

    /// The most likely role of one statement, with its probability.
    pub fn predict(&self, input: &RoleInput) -> (Role, f32) {
        let p = self.probs(input);
        let k = linear::argmax(&p);
        (ROLES[k], p[k])
    }

    /// Decides the role of every statement whose role nothing fixed ([`Basis::Default`]), by Viterbi over the
    /// report with the fixed statements as anchors.
    pub fn assign(&self, structure: &mut Structure) {
        let n = structure.statements().count();
        if n == 0 || !structure.statements().any(|s| s.role_by == Basis::Default) {
            return;
        }
        // Model probabilities of the statements nothing fixed; `None` for the anchors.
        let probs: Vec<Option<[f32; 5]>> = structure
            .statements()
            .enumerate()
            .map(|(i, s)| {
                (s.role_by == Basis::Default).then(|| {
                    self.probs(&RoleInput {
                        text: &s.text,
                        position: i as f32 / n as f32,
                    })
                })
            })
            .collect();
        let emissions: Vec<[f32; 5]> = structure
            .statements()
            .zip(&probs)
            .map(|(s, p)| match p {
                None => {
                    let mut e = [f32::NEG_INFINITY; 5];
                    e[role_index(s.role)] = 0.0;
                    e
                }
                Some(p) => {
                    let mut e = p.map(|v| v.max(1e-6).ln());
                    // What the layout suggested stays a weak prior.
                    e[role_index(s.role)] += PRIOR;
                    e
                }
            })
            .collect();
        let path = viterbi(&emissions);
        let mut i = 0;
        for sec in &mut structure.sections {
            for st in &mut sec.statements {
                if let Some(p) = probs[i] {
                    let k = path[i];
                    st.role = ROLES[k];
                    st.role_by = Basis::Model;
                    st.role_score = (p[k] * 10_000.0).round() / 10_000.0;
                }
                i += 1;
            }
        }
    }
}

/// Log-bonus of the role the layout gave a statement.
const PRIOR: f32 = 0.4;

/// Log transition weight from role `a` to role `b` (indices into [`ROLES`]): reports mostly stay in a part,
/// move forward through achievements → problems → causes → measures, and rarely go back.
fn transition(a: usize, b: usize) -> f32 {
    let w: f32 = if a == b {
        0.85
    } else if a == 4 || b == 4 {
        0.05
    } else if b > a {
        0.08
    } else if a == 2 && b == 1 {
        // Causes and problems alternate in combined parts.
        0.05
    } else {
        0.01
    };
    w.ln()
}

fn viterbi(em: &[[f32; 5]]) -> Vec<usize> {
    let n = em.len();
    let mut score = vec![[f32::NEG_INFINITY; 5]; n];
    let mut back = vec![[0usize; 5]; n];
    score[0] = em[0];
    for t in 1..n {
        for b in 0..5 {
            let mut best = (f32::NEG_INFINITY, 0);
            for (a, prev) in score[t - 1].iter().enumerate() {
                let s = prev + transition(a, b);
                if s > best.0 {
                    best = (s, a);
                }
            }
            score[t][b] = best.0 + em[t][b];
            back[t][b] = best.1;
        }
    }
    let mut k = linear::argmax(&score[n - 1]);
    let mut path = vec![0; n];
    for t in (0..n).rev() {
        path[t] = k;
        k = back[t][k];
    }
    path
}

/// Statements to learn roles from: every statement whose role a heading or a turn phrase fixed, title and
/// closing text, and every statement a label gives a role (the label wins).
pub fn training_rows<'a>(
    reports: &'a [crate::pipeline::Parsed],
    labelled: &[crate::labels::Resolved],
) -> (Vec<RoleInput<'a>>, Vec<Role>, Vec<&'a str>) {
    use std::collections::HashMap;
    let given: HashMap<(&str, usize), Role> = labelled
        .iter()
        .filter_map(|r| {
            r.labelled_role
                .map(|role| ((r.report.as_str(), r.statement), role))
        })
        .collect();
    let (mut inputs, mut roles, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for p in reports {
        let n = p.structure.statements().count();
        for (i, s) in p.structure.statements().enumerate() {
            let role = match given.get(&(p.doc.id.as_str(), i)) {
                Some(&r) => r,
                None if s.role_by != Basis::Default || s.role == Role::Other => s.role,
                None => continue,
            };
            inputs.push(RoleInput {
                text: &s.text,
                position: i as f32 / n as f32,
            });
            roles.push(role);
            groups.push(p.doc.id.as_str());
        }
    }
    (inputs, roles, groups)
}

/// Fits the role model on a corpus and measures it by `folds`-fold cross-validation grouped by report
/// (statement by statement, without the Viterbi pass). Returns the model and per-role figures.
///
/// # Errors
/// A fold or the final fit failing (a role without statements).
pub fn train_with_cv(
    reports: &[crate::pipeline::Parsed],
    labelled: &[crate::labels::Resolved],
    folds: usize,
    seed: u64,
) -> Result<(
    RoleModel,
    std::collections::BTreeMap<String, super::persist::Prf>,
)> {
    let (inputs, roles, groups) = training_rows(reports, labelled);
    let fold_of = |g: &str| (fnv(&[g.as_bytes()]) % folds.max(2) as u64) as usize;
    let mut pred = vec![Vec::new(); inputs.len()];
    for f in 0..folds.max(2) {
        let train: Vec<usize> = (0..inputs.len())
            .filter(|&i| fold_of(groups[i]) != f)
            .collect();
        let test: Vec<usize> = (0..inputs.len())
            .filter(|&i| fold_of(groups[i]) == f)
            .collect();
        if test.is_empty() {
            continue;
        }
        let ti: Vec<RoleInput> = train.iter().map(|&i| inputs[i].clone()).collect();
        let tr: Vec<Role> = train.iter().map(|&i| roles[i]).collect();
        let m = RoleModel::fit(&ti, &tr, seed)?;
        for &i in &test {
            pred[i] = vec![role_index(m.predict(&inputs[i]).0)];
        }
    }
    let gold: Vec<Vec<usize>> = roles.iter().map(|&r| vec![role_index(r)]).collect();
    let report = super::metrics::score(&pred, &gold, ROLES.len());
    let metrics = ROLES
        .iter()
        .zip(report.per_theme)
        .map(|(r, p)| (r.as_str().to_string(), p))
        .collect();
    Ok((RoleModel::fit(&inputs, &roles, seed)?, metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viterbi_follows_anchors_and_order() {
        let fixed = |k: usize| {
            let mut e = [f32::NEG_INFINITY; 5];
            e[k] = 0.0;
            e
        };
        let unsure = [0.2f32, 0.25, 0.2, 0.2, 0.15].map(f32::ln);
        // Between two problem anchors an unsure statement stays a problem.
        assert_eq!(viterbi(&[fixed(1), unsure, fixed(1)]), [1, 1, 1]);
    }

    #[test]
    fn learns_roles_from_text() {
        let rows = [
            ("全年发展党员12名，新建党群服务中心3个", Role::Highlight),
            ("建成便民服务站15个，群众满意度明显提升", Role::Highlight),
            ("党员队伍老化，青年党员偏少，后继乏人", Role::Problem),
            ("村级集体经济薄弱，缺乏稳定收入来源", Role::Problem),
            ("究其原因，主要是抓党建的精力投入不足", Role::Cause),
            ("思想认识不到位，重业务轻党建", Role::Cause),
            ("下一步将加强青年党员发展工作", Role::Measure),
            ("着力发展壮大村级集体经济", Role::Measure),
            ("以上述职，请予评议", Role::Other),
            ("某镇党委书记述职报告", Role::Other),
        ];
        let inputs: Vec<RoleInput> = rows
            .iter()
            .enumerate()
            .map(|(i, (t, _))| RoleInput {
                text: t,
                position: i as f32 / rows.len() as f32,
            })
            .collect();
        let roles: Vec<Role> = rows.iter().map(|r| r.1).collect();
        let m = RoleModel::fit(&inputs, &roles, 7).unwrap();
        let (r, _) = m.predict(&RoleInput {
            text: "村级集体经济薄弱，党员队伍老化",
            position: 0.4,
        });
        assert_eq!(r, Role::Problem);
        let p = m.probs(&inputs[0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
}
