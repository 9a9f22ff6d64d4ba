//! Fuzzy search over the cheatsheet: every query word must appear in an entry's text,
//! as a substring anywhere or as a subsequence of one word (`cnsm` finds "consume");
//! substrings, word starts and earlier matches rank higher.

use super::Entry;

/// The text a query is matched against.
fn haystack(entry: &Entry) -> String {
    format!("{} {} {} {} {}", entry.tool.name(), entry.group.title(), entry.id, entry.title, entry.template)
        .to_lowercase()
}

/// A subsequence match's score (higher is better), or `None` when `needle` is not a subsequence.
/// Consecutive characters and matches at a word start earn more.
pub fn score_word(haystack: &str, needle: &str) -> Option<i64> {
    if needle.is_empty() {
        return Some(0);
    }
    if let Some(at) = haystack.find(needle) {
        // A plain substring beats any scattered match; earlier is better.
        let word_start = at == 0 || !haystack.as_bytes()[at - 1].is_ascii_alphanumeric();
        return Some(1000 + needle.len() as i64 * 10 + i64::from(word_start) * 50 - (at as i64).min(200));
    }
    // Scattered letters across a whole command line match nearly anything, so a
    // subsequence only counts inside one word.
    haystack.split(|c: char| c.is_whitespace()).filter_map(|word| subsequence_score(word, needle)).max()
}

fn subsequence_score(word: &str, needle: &str) -> Option<i64> {
    let mut score = 0i64;
    let mut previous: Option<usize> = None;
    let mut chars = word.char_indices();
    for wanted in needle.chars() {
        let (at, _) = chars.by_ref().find(|(_, c)| *c == wanted)?;
        score += match previous {
            Some(p) if at == p + 1 => 8,
            _ => 1,
        };
        previous = Some(at);
    }
    Some(score)
}

/// Entry indices matching `query`, best first; ties keep catalogue order.
pub fn search(entries: &[Entry], query: &str) -> Vec<usize> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut scored: Vec<(i64, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let text = haystack(entry);
            let total = words.iter().map(|word| score_word(&text, word)).sum::<Option<i64>>()?;
            Some((total, index))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, index)| index).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cheatsheet::{Group, Tool};

    fn entry(id: &str, title: &str) -> Entry {
        Entry { id: id.into(), group: Group::Inspect, tool: Tool::Kcat, title: title.into(), template: String::new() }
    }

    #[test]
    fn words_score_substrings_over_scattered_letters() {
        assert!(score_word("consume all", "cons") > score_word("cxoxnxs", "cons"));
        assert_eq!(score_word("c o n s", "cons"), None, "letters spread over words do not match");
        assert!(score_word("kcat consume", "cnsm").is_some());
        assert_eq!(score_word("abc", "abd"), None);
        assert_eq!(score_word("abc", ""), Some(0));
        assert!(score_word("a-lag", "lag") > score_word("flag", "lag"), "word start wins");
        assert!(score_word("xyz", "xz").is_some(), "subsequence");
        assert!(score_word("xayz", "yz") > score_word("xyaz", "yz").map(|s| s - 1000), "consecutive letters count");
    }

    #[test]
    fn every_word_must_match_and_best_comes_first() {
        let entries = [entry("a", "consume to the end"), entry("b", "consumer group lag"), entry("c", "produce")];
        assert_eq!(search(&entries, ""), [0, 1, 2]);
        assert_eq!(search(&entries, "lag"), [1]);
        assert_eq!(search(&entries, "cons lag"), [1]);
        assert_eq!(search(&entries, "PRODUCE"), [2]);
        assert!(search(&entries, "zzz").is_empty());
        assert_eq!(search(&entries, "kcat")[..], [0, 1, 2], "tool names match too");
    }
}
