//! Closed sets of values a description states in prose rather than as bullets:
//! `Any of: public, protected, restricted.`, `One of these: Field changed, Element
//! added.`, `Possible values: LOW, MODERATE and GOOD according to the support count.`,
//! `Possible values allele_category or repair_mechanism.`
//!
//! What counts as a closed set:
//! - a phrase that closes it: `Possible`, `Allowed`, `Valid`, `Accepted` or
//!   `Supported values` (optionally `are`/`is`, optionally a colon), or `Any of` /
//!   `One of` (optionally `these` / `the following`) with its colon, since those
//!   begin ordinary phrases too (`any of the plans in the project`);
//! - then at least two values up to the end of the sentence, separated by commas and
//!   a final `and` / `or`. Without a colon each value is one word, so that
//!   `Possible values depend on the plan` is no list;
//! - or, with no such phrase, alternatives in parentheses, `Privacy level for the
//!   project (public, protected or restricted)`: commas and a final `or`, each value
//!   one word. Phrases there describe the value rather than list it (`(colony name or
//!   specimen group name)`), and `and` joins parts, not alternatives.
//!
//! What does not: examples (`Eg: …`, `e.g.`, `For example`, `such as`), and a list
//! left open (`a, b, etc.`, `…`, `and so on`). Those say what a value may look
//! like, not what it must be, so they give no enum.
//!
//! Invariant: the values are the document's words, only trimmed of quotes; where the
//! sentence runs on after the last value (`GOOD according to the support count`),
//! the run-on is cut, and only when it starts with a lower-case word and makes the
//! last value longer than every other.

/// Names that, followed by `values`, close a set.
const VALUE_WORDS: [&str; 5] = ["possible", "allowed", "valid", "accepted", "supported"];

/// Words that leave a list open or mark its values as examples.
const OPEN: [&str; 10] = [
    "etc",
    "e.g",
    "eg.",
    "eg:",
    "for example",
    "for instance",
    "such as",
    "and so on",
    "among others",
    "...",
];

/// The longest a stated value may be, in words: longer is a sentence, not a value.
const MAX_WORDS: usize = 4;

/// The values of the first closed set `text` states, or none.
pub(super) fn prose_values(text: &str) -> Vec<String> {
    // ASCII lowering keeps byte offsets, so places found in `lower` are places in
    // `text`, where values are read from.
    let lower = text.to_ascii_lowercase();
    for start in word_starts(&lower) {
        if let Some((rest, colon)) = marker_at(&lower, start)
            && let Some(values) = list(&text[rest..], colon)
        {
            return values;
        }
    }
    parenthesized(text).unwrap_or_default()
}

/// The first parenthesized list of one-word alternatives: `(a, b or c)`.
fn parenthesized(text: &str) -> Option<Vec<String>> {
    text.match_indices('(').find_map(|(open, _)| {
        let inner = &text[open + 1..];
        let inner = &inner[..inner.find(')')?];
        let alternatives = inner.contains(" or ") && !inner.contains(" and ");
        // No sentence ends inside: the whole of it is the list.
        (alternatives && sentence(inner) == inner)
            .then(|| list(inner, false))
            .flatten()
    })
}

/// Byte offsets of the words of `s`: a letter after anything but a letter, digit
/// or `_`.
fn word_starts(s: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        if c.is_alphabetic() && !in_word {
            out.push(i);
        }
        in_word = c.is_alphanumeric() || c == '_';
    }
    out
}

/// Whether a phrase at `start` of `lower` introduces a closed set: where its list
/// starts, and whether a colon ends the phrase.
fn marker_at(lower: &str, start: usize) -> Option<(usize, bool)> {
    let words = &lower[start..];
    let (end, needs_colon) = if let Some(w) = VALUE_WORDS
        .iter()
        .find(|w| words.starts_with(&format!("{w} values")))
    {
        let mut end = start + w.len() + " values".len();
        if let Some(verb) = [" are", " is"]
            .iter()
            .find(|v| lower[end..].starts_with(**v) && boundary(&lower[end + v.len()..]))
        {
            end += verb.len();
        }
        (end, false)
    } else {
        let p = ["any of", "one of"]
            .iter()
            .find(|p| words.starts_with(**p))?;
        let mut end = start + p.len();
        let fillers = [
            " the following values",
            " the following",
            " these values",
            " these",
        ];
        if let Some(f) = fillers.iter().find(|f| lower[end..].starts_with(**f)) {
            end += f.len();
        }
        (end, true)
    };
    if !boundary(&lower[end..]) {
        return None;
    }
    let after = lower[end..].trim_start();
    let colon = after.starts_with(':');
    if needs_colon && !colon {
        return None;
    }
    Some((lower.len() - after.len() + usize::from(colon), colon))
}

/// Whether a phrase ends right before `rest` (it does not run into a longer word).
fn boundary(rest: &str) -> bool {
    !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
}

/// Whether `lower` holds `phrase` as words of its own (`etc`, not `fetch`).
fn has_phrase(lower: &str, phrase: &str) -> bool {
    lower.match_indices(phrase).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = &lower[i + phrase.len()..];
        let word_char = |c: char| c.is_alphanumeric() || c == '_';
        (!phrase.starts_with(word_char) || !before.is_some_and(word_char))
            && (!phrase.ends_with(word_char) || boundary(after))
    })
}

/// The values listed at the start of `s`, up to the end of its sentence.
fn list(s: &str, colon: bool) -> Option<Vec<String>> {
    let sentence = sentence(s).trim();
    let lower = sentence.to_lowercase();
    if OPEN.iter().any(|w| has_phrase(&lower, w)) || sentence.contains('…') {
        return None;
    }
    // Commas, then a final `and` / `or`: `a, b and c`, `a, b, or c`, `a or b`.
    let mut items: Vec<&str> = sentence.split(',').map(str::trim).collect();
    let last = items.pop()?;
    let last = ["and ", "or "]
        .iter()
        .find_map(|w| last.strip_prefix(w))
        .unwrap_or(last);
    match [" and ", " or "].iter().find_map(|w| last.split_once(w)) {
        Some((a, b)) => items.extend([a.trim(), b.trim()]),
        None => items.push(last),
    }
    let quoted = items.iter().any(|i| unquote(i) != *i);
    let mut values: Vec<String> = items.iter().map(|i| unquote(i).to_string()).collect();
    if values.len() < 2 || values.iter().any(|v| v.is_empty()) {
        return None;
    }
    // Quotes say where each value ends.
    if !quoted {
        cut_run_on(&mut values);
    }
    let words = |v: &String| v.split_whitespace().count();
    let fits = |v: &String| words(v) <= if colon { MAX_WORDS } else { 1 };
    values.iter().all(fits).then_some(values)
}

/// `s` up to the end of its first sentence: a `.` at the end or before a space.
fn sentence(s: &str) -> &str {
    let b = s.as_bytes();
    let end = (0..b.len())
        .find(|&i| b[i] == b'.' && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()))
        .unwrap_or(b.len());
    &s[..end]
}

/// Where the sentence runs on after the last value (`GOOD according to the support
/// count`: two words or more, the first lower case), keeps of the last value as many
/// words as the longest other value has.
fn cut_run_on(values: &mut [String]) {
    let Some((last, others)) = values.split_last_mut() else {
        return;
    };
    let longest = others
        .iter()
        .map(|v| v.split_whitespace().count())
        .max()
        .unwrap_or(0);
    let words: Vec<&str> = last.split_whitespace().collect();
    let runs_on =
        words.len() >= longest + 2 && words[longest].starts_with(|c: char| c.is_lowercase());
    if longest > 0 && runs_on {
        *last = words[..longest].join(" ");
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c: char| "'\"`‘’“”".contains(c)).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        prose_values(text)
    }

    #[test]
    fn reads_closed_sets_stated_in_prose() {
        assert_eq!(
            values("The privacy of the project. Any of: public, protected, restricted."),
            ["public", "protected", "restricted"]
        );
        assert_eq!(
            values("One of these: Field changed, Element added, Element deleted."),
            ["Field changed", "Element added", "Element deleted"]
        );
        // No space after the full stop, no colon: one-word values.
        assert_eq!(
            values(
                "Name of type of the mutation categorization.Possible values allele_category or repair_mechanism."
            ),
            ["allele_category", "repair_mechanism"]
        );
        // The sentence runs on after the last value; the next sentence is not read.
        assert_eq!(
            values(
                "Category assigned to the ortholog. Possible values: LOW, MODERATE and GOOD according to the support count. The LOW category indicates a count of less than 5."
            ),
            ["LOW", "MODERATE", "GOOD"]
        );
        assert_eq!(
            values("Possible values are: 'crispr', 'haplo-essential', or 'es cell'"),
            ["crispr", "haplo-essential", "es cell"]
        );
        assert_eq!(values("Must be one of the following: A or B."), ["A", "B"]);
        assert_eq!(values("Allowed values: x, y"), ["x", "y"]);
        // A short last value is a value, not a run-on.
        assert_eq!(values("One of: a, b or es cell."), ["a", "b", "es cell"]);
        // `etc` only as a word of its own leaves the list open.
        assert_eq!(values("Any of: fetch, sketch."), ["fetch", "sketch"]);
        assert_eq!(
            values("Privacy level for the project (public, protected or restricted)."),
            ["public", "protected", "restricted"]
        );
    }

    #[test]
    fn examples_and_open_lists_are_no_enum() {
        for text in [
            "TPN(s) to be used as a filter. Eg: TPN:000000013.",
            "Marker symbol or accession id(s). Eg.Vps37a,MGI:1261835",
            "Summary Status of the project. Eg: Plan Created.",
            "Format of the guide. For example: sgRNA.",
            "Possible values: a, b, etc.",
            "Possible values: a, b…",
            "Possible values: e.g. a, b.",
            "Possible values such as a or b.",
            // Phrases that only begin like one.
            "Name of the work unit(s) associated with any of the plans in the project.",
            "An outcome can be one of a colony or a specimen.",
            "Possible values depend on the type of plan, or its attempt.",
            "Impossible values: a, b.",
            // Bullets follow: nothing in the prose itself.
            "Name of the intention. Possible values:",
            // One value is no set to choose from.
            "Any of: public.",
            // A sentence, not values.
            "Any of: the values the work unit uses in its plans, or none at all.",
            // In parentheses: phrases describe the value, `and` joins parts, one
            // item is a remark.
            "Phentoyping External Reference (colony name or specimen group name).",
            "Counts of the litter (males and females).",
            "Ids in iMits (if the project was migrated from iMits).",
            "Name of the gene (e.g. Vps37a or Dennd6b).",
        ] {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }
}
