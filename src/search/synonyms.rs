//! Synonyms: words that mean the same to a technician (`hangs` and `stops responding`,
//! `login` and `log on`), so that a query in one matches articles written in another.
//!
//! Groups are applied at query time: a query word, or a run of up to
//! [`MAX_PHRASE_WORDS`] words, that is a member of a group becomes a choice between all
//! the members (words as words, several words as phrases). The index stays as the
//! articles are written, and a new list needs no rebuild. kbase ships a small list
//! (`src/search/synonyms.yml`, each group justified there by corpus counts); a
//! deployment extends it with `articles/.kbase/synonyms.yml` and with a file named by
//! `--synonyms`. A bad file is reported with its line and left out; the rest applies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::group_file;
use super::query::{Clause, Item};

/// The list kbase ships.
const SHIPPED: &str = include_str!("synonyms.yml");
/// Where a deployment's own list lives inside the articles folder (hidden folders are
/// not read as articles).
pub const FOLDER_FILE: &str = ".kbase/synonyms.yml";
/// Longest member, in words.
pub const MAX_PHRASE_WORDS: usize = 3;

/// The synonym groups in force.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Each group's members, each member its lower-cased words.
    groups: Vec<Vec<Vec<String>>>,
    /// Member (words joined by one space) → the groups it is in.
    by_member: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// The shipped list.
    pub fn shipped() -> Synonyms {
        let mut s = Synonyms::default();
        // The shipped file is checked by a test; it cannot fail here.
        if let Ok(groups) = parse(SHIPPED, Path::new("synonyms.yml")) {
            s.extend(groups);
        }
        s
    }

    /// The shipped list, extended by `articles/.kbase/synonyms.yml` when it exists and by
    /// `extra`; with each problem found in those files (`path:line:column: message`),
    /// whose groups are then left out.
    pub fn load(articles: &Path, extra: Option<&Path>) -> (Synonyms, Vec<String>) {
        let mut s = Synonyms::shipped();
        let mut problems = Vec::new();
        let folder = articles.join(FOLDER_FILE);
        let files: Vec<PathBuf> = folder
            .is_file()
            .then_some(folder)
            .into_iter()
            .chain(extra.map(Path::to_path_buf))
            .collect();
        for path in files {
            match read(&path) {
                Ok(groups) => s.extend(groups),
                Err(problem) => problems.push(problem),
            }
        }
        (s, problems)
    }

    /// How many groups are in force.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether no group is in force.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    fn extend(&mut self, groups: Vec<Vec<Vec<String>>>) {
        for group in groups {
            let at = self.groups.len();
            for member in &group {
                self.by_member.entry(member.join(" ")).or_default().push(at);
            }
            self.groups.push(group);
        }
    }

    /// Replaces each run of plain word clauses that is a member of a group by one
    /// clause that any member satisfies; the longest member wins, left to right.
    pub fn expand(&self, clauses: &mut Vec<Clause>) {
        if self.by_member.is_empty() {
            return;
        }
        let word = |c: &Clause| match c.any_of.as_slice() {
            [Item::Word(w)] if !c.negated => Some(w.to_lowercase()),
            _ => None,
        };
        let mut out: Vec<Clause> = Vec::with_capacity(clauses.len());
        let mut i = 0;
        while i < clauses.len() {
            let mut matched = None;
            for n in (1..=MAX_PHRASE_WORDS).rev() {
                if i + n > clauses.len() {
                    continue;
                }
                let words: Option<Vec<String>> = clauses[i..i + n].iter().map(word).collect();
                let Some(words) = words else { continue };
                if let Some(groups) = self.by_member.get(&words.join(" ")) {
                    matched = Some((n, words, groups));
                    break;
                }
            }
            let Some((n, words, groups)) = matched else {
                out.push(clauses[i].clone());
                i += 1;
                continue;
            };
            let mut any_of: Vec<Item> = vec![as_item(&words)];
            for &g in groups {
                for member in &self.groups[g] {
                    let item = as_item(member);
                    if !any_of.contains(&item) {
                        any_of.push(item);
                    }
                }
            }
            out.push(Clause {
                any_of,
                negated: false,
            });
            i += n;
        }
        *clauses = out;
    }
}

/// A member as a query item: one word, or a phrase of several.
fn as_item(words: &[String]) -> Item {
    match words {
        [one] => Item::Word(one.clone()),
        _ => Item::Phrase(words.join(" ")),
    }
}

/// The file's kind, for [`group_file`]'s errors.
const KIND: group_file::Kind = group_file::Kind {
    file: "synonym file",
    groups: "synonym groups",
    members: "words",
};

fn read(path: &Path) -> Result<Vec<Vec<Vec<String>>>, String> {
    check(group_file::read(path, &KIND)?, path)
}

/// A list of groups, each a list of two or more words or phrases.
fn parse(text: &str, path: &Path) -> Result<Vec<Vec<Vec<String>>>, String> {
    check(group_file::parse(text, path, &KIND)?, path)
}

/// `groups` as lower-cased words, when each has two or more members of at most
/// [`MAX_PHRASE_WORDS`] words.
fn check(groups: Vec<Vec<String>>, path: &Path) -> Result<Vec<Vec<Vec<String>>>, String> {
    let shown = path.display();
    let mut out = Vec::with_capacity(groups.len());
    for (n, group) in groups.into_iter().enumerate() {
        let members: Vec<Vec<String>> = group
            .iter()
            .map(|m| {
                m.split_whitespace()
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            })
            .filter(|m| !m.is_empty())
            .collect();
        if members.len() < 2 {
            return Err(format!(
                "{shown}: group {} has {} member(s); a group needs two or more",
                n + 1,
                members.len()
            ));
        }
        if let Some(long) = members.iter().find(|m| m.len() > MAX_PHRASE_WORDS) {
            return Err(format!(
                "{shown}: group {}: `{}` has more than {MAX_PHRASE_WORDS} words",
                n + 1,
                long.join(" ")
            ));
        }
        out.push(members);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<Clause> {
        q.split_whitespace()
            .map(|w| Clause {
                any_of: vec![Item::Word(w.into())],
                negated: false,
            })
            .collect()
    }

    #[test]
    fn the_shipped_list_parses() {
        let groups = parse(SHIPPED, Path::new("synonyms.yml")).unwrap();
        assert!(groups.len() >= 5);
        assert!(Synonyms::shipped().len() == groups.len());
    }

    #[test]
    fn words_and_runs_of_words_become_choices() {
        let s = Synonyms::shipped();
        let mut c = words("outlook stops responding at login");
        s.expand(&mut c);
        assert_eq!(c.len(), 4, "{c:?}");
        assert_eq!(c[0].any_of, [Item::Word("outlook".into())]);
        assert!(c[1]
            .any_of
            .contains(&Item::Phrase("stops responding".into())));
        assert!(c[1].any_of.contains(&Item::Word("hangs".into())));
        assert!(c[3].any_of.contains(&Item::Phrase("log on".into())));
        let mut plain = words("printer offline");
        s.expand(&mut plain);
        assert_eq!(plain, words("printer offline"));
    }

    #[test]
    fn a_bad_file_is_reported_with_its_line_and_the_rest_applies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".kbase")).unwrap();
        std::fs::write(dir.path().join(FOLDER_FILE), "- [vpn, remote access]\n").unwrap();
        let bad = dir.path().join("bad.yml");
        std::fs::write(&bad, "- [a, b]\n- x: [\n").unwrap();
        let (s, problems) = Synonyms::load(dir.path(), Some(&bad));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("bad.yml:"), "{}", problems[0]);
        let mut c = words("vpn drops");
        s.expand(&mut c);
        assert!(c[0].any_of.contains(&Item::Phrase("remote access".into())));
        let one = dir.path().join("one.yml");
        std::fs::write(&one, "- [alone]\n").unwrap();
        let (_, problems) = Synonyms::load(dir.path(), Some(&one));
        assert!(problems[0].contains("two or more"), "{problems:?}");
    }
}
