//! Does a passport's romanised name fit the Hangul name? The Revised Romanization of Korean
//! (Ministry of Culture and Tourism notice 2000-8), syllable by syllable as passports write
//! names, with the spellings passports commonly use besides it: for surnames a table kept as
//! data (`src/domain/korean-surnames.toml`, with its sources), for given names the usual
//! alternations (g/k, d/t, b/p, j/ch, eo/o/u, u/oo, i/ee…).
//!
//! A mismatch is a warning for an officer to look at, never a refusal: people keep the
//! spelling of their first passport, whatever it is.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const INITIALS: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const MEDIALS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// A Hangul syllable's parts in the Revised Romanization: (initial, vowel, final).
fn parts(c: char) -> Option<(&'static str, &'static str, &'static str)> {
    let index = u32::from(c).checked_sub(0xAC00)?;
    if index >= 11172 {
        return None;
    }
    let (i, m, f) = (index / 588, (index % 588) / 28, index % 28);
    Some((
        INITIALS[i as usize],
        MEDIALS[m as usize],
        FINALS[f as usize],
    ))
}

/// A syllable in the Revised Romanization, as a passport writes it alone (김 "gim").
pub fn syllable(c: char) -> Option<String> {
    parts(c).map(|(i, m, f)| format!("{i}{m}{f}"))
}

/// The spellings a syllable commonly takes in passports.
fn syllable_spellings(c: char) -> Vec<String> {
    let Some((i, m, f)) = parts(c) else {
        return Vec::new();
    };
    let initials: Vec<&str> = match i {
        "g" => vec!["g", "k"],
        "k" => vec!["k", "g"],
        "d" => vec!["d", "t"],
        "t" => vec!["t", "d"],
        "b" => vec!["b", "p"],
        "p" => vec!["p", "b"],
        "j" => vec!["j", "ch"],
        "ch" => vec!["ch", "j"],
        "s" => vec!["s", "sh"],
        "r" => vec!["r", "l", "n"],
        "kk" => vec!["kk", "gg", "k"],
        "tt" => vec!["tt", "dd", "t"],
        "pp" => vec!["pp", "bb", "p"],
        "jj" => vec!["jj", "j"],
        other => vec![other],
    };
    let medials: Vec<&str> = match m {
        "eo" => vec!["eo", "o", "u", "uh"],
        "eu" => vec!["eu", "u", "e"],
        "u" => vec!["u", "oo"],
        "i" => vec!["i", "ee", "y"],
        "ae" => vec!["ae", "ai", "e", "a"],
        "yeo" => vec!["yeo", "yo", "yu", "you", "yeu"],
        "oe" => vec!["oe", "oi", "we"],
        "ui" => vec!["ui", "eui", "ee", "i"],
        "o" => vec!["o", "oh"],
        "wo" => vec!["wo", "weo"],
        "yu" => vec!["yu", "yoo", "you"],
        "e" => vec!["e", "ae"],
        "a" => vec!["a", "ah"],
        "yo" => vec!["yo", "yoh"],
        other => vec![other],
    };
    let finals: Vec<&str> = match f {
        "k" => vec!["k", "g", "ck"],
        "t" => vec!["t", "d"],
        "p" => vec!["p", "b"],
        "l" => vec!["l", "r"],
        other => vec![other],
    };
    let mut out = Vec::new();
    for i in &initials {
        for m in &medials {
            for f in &finals {
                out.push(format!("{i}{m}{f}"));
            }
        }
    }
    out
}

/// Letters only, lower case: "Min-Jun" and "min jun" are "minjun".
fn letters(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Can `romanised` be read as the syllables of `hangul`, one spelling each?
fn spells(hangul: &[char], romanised: &str) -> bool {
    if hangul.is_empty() {
        return romanised.is_empty();
    }
    syllable_spellings(hangul[0]).iter().any(|s| {
        romanised
            .strip_prefix(s.as_str())
            .is_some_and(|rest| spells(&hangul[1..], rest))
    })
}

fn surnames() -> &'static BTreeMap<String, Vec<String>> {
    static TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            surnames: BTreeMap<String, Vec<String>>,
        }
        toml::from_str::<File>(include_str!("korean-surnames.toml"))
            .map(|f| f.surnames)
            .unwrap_or_default()
    })
}

/// What does not fit between a Hangul name and its romanisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameMismatch {
    pub family: bool,
    pub given: bool,
}

/// Compares `name_ko` (e.g. "김민준", or "남궁 민" with a space) with the passport's family
/// and given names. `None` when they fit, or when there is nothing to compare (no Hangul).
pub fn check(name_ko: &str, family: &str, given: &str) -> Option<NameMismatch> {
    let name: Vec<char> = name_ko.chars().filter(|c| !c.is_whitespace()).collect();
    if name.len() < 2 || name.iter().any(|c| parts(*c).is_none()) {
        return None;
    }
    let (family_ko, given_ko): (Vec<char>, Vec<char>) = match name_ko.trim().split_once(' ') {
        Some((f, g)) => (
            f.chars().collect(),
            g.chars().filter(|c| !c.is_whitespace()).collect(),
        ),
        None => {
            let two: String = name.iter().take(2).collect();
            let cut = if name.len() > 2 && surnames().contains_key(&two) {
                2
            } else {
                1
            };
            (name[..cut].to_vec(), name[cut..].to_vec())
        }
    };
    let family_ok = {
        let key: String = family_ko.iter().collect();
        let typed = letters(family);
        surnames()
            .get(&key)
            .is_some_and(|spellings| spellings.iter().any(|s| letters(s) == typed))
            || spells(&family_ko, &typed)
    };
    let given_ok = spells(&given_ko, &letters(given));
    (!family_ok || !given_ok).then_some(NameMismatch {
        family: !family_ok,
        given: !given_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_the_revised_romanization() {
        let rr: Vec<String> = "김민준".chars().filter_map(syllable).collect();
        assert_eq!(rr, ["gim", "min", "jun"]);
        assert_eq!(syllable('서').as_deref(), Some("seo"));
        assert_eq!(syllable('연').as_deref(), Some("yeon"));
        assert_eq!(syllable('A'), None);
    }

    #[test]
    fn passport_spellings_fit_and_others_are_flagged() {
        for (ko, family, given) in [
            ("김민준", "Kim", "Minjun"),
            ("김민준", "KIM", "Min-Jun"),
            ("이서연", "Lee", "Seoyeon"),
            ("이서연", "Yi", "Suh Yeon"),
            ("박지훈", "Park", "Jihoon"),
            ("최윤서", "Choi", "Yoonseo"),
            ("정하은", "Jeong", "Haeun"),
            ("정하은", "Chung", "Ha Eun"),
            ("남궁민", "Namgung", "Min"),
            ("남궁 민", "Namkung", "Min"),
            ("류현진", "Ryu", "Hyunjin"),
        ] {
            assert_eq!(check(ko, family, given), None, "{ko} {family} {given}");
        }
        assert_eq!(
            check("김민준", "Park", "Minjun"),
            Some(NameMismatch {
                family: true,
                given: false
            })
        );
        assert_eq!(
            check("이서연", "Lee", "Jiwoo"),
            Some(NameMismatch {
                family: false,
                given: true
            })
        );
        // nothing to compare
        assert_eq!(check("", "Kim", "Minjun"), None);
        assert_eq!(check("Kim", "Kim", "Minjun"), None);
    }

    #[test]
    fn the_surname_table_reads() {
        assert!(surnames().len() > 80);
        assert!(surnames()["이"].iter().any(|s| s == "Rhee"));
    }
}
