//! Aligning descriptions to keys by meaning: tokenizing, vocabulary, scoring, and
//! the choice of pairs.
//!
//! Descriptions and keys are cut into content words (stopwords dropped, plurals made
//! singular, synonyms mapped to one form; a description's adjacent words are also
//! compared joined). Every (description, key) pair is scored by the words they share,
//! weighted by how rare each word is among the descriptions; the pairs are then
//! chosen together ([`hungarian()`]) so that the total score is highest.
//!
//! Invariants: a pair sharing no word is never made; the result does not depend on
//! the order of either list, nor on hashing order (sums run over ordered sets).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::hungarian::hungarian;

/// Words that carry no meaning for the alignment.
const STOPWORDS: [&str; 25] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its", "of",
    "on", "or", "that", "the", "this", "to", "was", "were", "which", "with",
];

/// General vocabulary: a word and the form it is compared in. Two-word terms are
/// written as one (`mousephenotype`), since adjacent words are also compared joined.
const SYNONYMS: [(&str, &str); 6] = [
    ("identifier", "id"),
    ("accession", "acc"),
    ("dimension", "dim"),
    ("link", "url"),
    ("old", "age"),
    ("mousephenotype", "mp"),
];

fn singular(w: &str) -> String {
    if let Some(stem) = w.strip_suffix("ies").filter(|s| s.len() > 1) {
        return format!("{stem}y");
    }
    match w.strip_suffix('s') {
        Some(stem)
            if stem.len() >= 2
                && !stem.ends_with('s')
                && !stem.ends_with('u')
                && !stem.ends_with('i') =>
        {
            stem.to_string()
        }
        _ => w.to_string(),
    }
}

fn normal(w: &str) -> String {
    let s = singular(w);
    SYNONYMS
        .iter()
        .find(|(from, _)| *from == s)
        .map_or(s, |(_, to)| to.to_string())
}

/// Content words of a text, in order.
fn words(text: &str, separators: impl Fn(char) -> bool) -> Vec<String> {
    text.split(separators)
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| normal(&w))
        .collect()
}

/// A description as compared: its words, and each pair of adjacent words joined
/// (`data source` is also `datasource`).
struct Terms {
    words: Vec<String>,
    joined: Vec<(usize, String)>,
}

impl Terms {
    fn of_description(text: &str) -> Self {
        let words = words(text, |c: char| !c.is_alphanumeric());
        let joined = words
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i, normal(&format!("{}{}", w[0], w[1]))))
            .collect();
        Terms { words, joined }
    }

    fn all(&self) -> HashSet<&str> {
        self.words
            .iter()
            .map(String::as_str)
            .chain(self.joined.iter().map(|(_, j)| j.as_str()))
            .collect()
    }
}

/// How well a description fits a key: the weight of the words they share over the
/// weight of all their words (a weighted Dice coefficient), in `[0, 1]`.
fn score(d: &Terms, key: &[String], weight: &dyn Fn(&str) -> f64) -> f64 {
    // Ordered sets: sums of floats must not depend on hashing order.
    let key: BTreeSet<&str> = key.iter().map(String::as_str).collect();
    let mut covered: BTreeSet<usize> = BTreeSet::new();
    let mut shared = 0.0;
    for k in &key {
        let mut hit = false;
        for (i, w) in d.words.iter().enumerate() {
            if w == k {
                covered.insert(i);
                hit = true;
            }
        }
        for (i, j) in &d.joined {
            if j == k {
                covered.extend([*i, i + 1]);
                hit = true;
            }
        }
        if hit {
            shared += weight(k);
        }
    }
    let mut unique: BTreeMap<&str, bool> = BTreeMap::new();
    for (i, w) in d.words.iter().enumerate() {
        *unique.entry(w.as_str()).or_default() |= covered.contains(&i);
    }
    let desc_total: f64 = unique.keys().map(|w| weight(w)).sum();
    let desc_shared: f64 = unique
        .iter()
        .filter(|(_, covered)| **covered)
        .map(|(w, _)| weight(w))
        .sum();
    let key_total: f64 = key.iter().map(|k| weight(k)).sum();
    let total = key_total + desc_total;
    if total == 0.0 {
        0.0
    } else {
        (shared + desc_shared) / total
    }
}

/// Aligns descriptions to keys by meaning: for each description, the index of its
/// key, or `None` when no key shares a word with it (or every fitting key went to a
/// description that fits it better).
pub(crate) fn align(descriptions: &[&str], keys: &[&str]) -> Vec<Option<usize>> {
    let scores = scores(descriptions, keys);
    let n = descriptions.len();
    let m = keys.len();
    if n == 0 || m == 0 {
        return vec![None; n];
    }
    // The assignment runs on rows ≤ columns: transpose when there are more rows.
    let assignment: Vec<(usize, usize)> = if n <= m {
        let cost: Vec<Vec<f64>> = scores
            .iter()
            .map(|r| r.iter().map(|s| -s).collect())
            .collect();
        hungarian(&cost).into_iter().enumerate().collect()
    } else {
        let cost: Vec<Vec<f64>> = (0..m)
            .map(|j| (0..n).map(|i| -scores[i][j]).collect())
            .collect();
        hungarian(&cost)
            .into_iter()
            .enumerate()
            .map(|(j, i)| (i, j))
            .collect()
    };
    let mut out = vec![None; n];
    for (i, j) in assignment {
        if scores[i][j] > 0.0 {
            out[i] = Some(j);
        }
    }
    out
}

/// The score of every (description, key) pair. Words are weighted by their inverse
/// document frequency among the descriptions: `experiment`, in a third of them,
/// says little; `zygosity` says everything.
fn scores(descriptions: &[&str], keys: &[&str]) -> Vec<Vec<f64>> {
    let terms: Vec<Terms> = descriptions
        .iter()
        .map(|d| Terms::of_description(d))
        .collect();
    let key_words: Vec<Vec<String>> = keys.iter().map(|k| words(k, |c| c == '_')).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for t in &terms {
        for w in t.all() {
            *df.entry(w).or_default() += 1;
        }
    }
    let n = descriptions.len() as f64;
    let weight = |w: &str| {
        let d = df.get(w).copied().unwrap_or(0) as f64;
        ((n + 1.0) / (d + 0.5)).ln()
    };
    terms
        .iter()
        .map(|t| key_words.iter().map(|k| score(t, k, &weight)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_by_meaning_not_position() {
        let descriptions = [
            "The age of the specimen in days at the time of the weight measurement.",
            "The ID of the data source.",
            "Age of the specimen in days.",
            "The top-level MP (Mouse Phenotype) IDs.",
        ];
        let keys = [
            "age_in_days",
            "top_level_mp_id",
            "weight_days_old",
            "datasource_id",
        ];
        assert_eq!(
            align(&descriptions, &keys),
            [Some(2), Some(3), Some(0), Some(1)]
        );
    }

    #[test]
    fn leaves_what_shares_no_word_unmatched() {
        let got = align(
            &["The sex of the specimen.", "Colour of the cage."],
            &["sex"],
        );
        assert_eq!(got, [Some(0), None]);
        let got = align(&["The sex of the specimen."], &["zygosity", "sex"]);
        assert_eq!(got, [Some(1)]);
    }
}
