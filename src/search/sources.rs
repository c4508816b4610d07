//! Event sources as technicians name them: one source, whatever its spelling, and the
//! names a source has had.
//!
//! Spellings of one name (case, spaces, dots, a provider's `Microsoft-Windows-`) are one
//! source by [`crate::extract::source_key`], in the index and in queries alike. A
//! source that was renamed (`W32Time`, the time service's name on old Windows, is
//! `Time-Service` today) is a group of aliases: a query by any of them finds the
//! articles of all, and event pages list them as one. kbase ships a few groups
//! (`src/search/sources.yml`); a deployment adds its own in
//! `articles/.kbase/sources.yml`, a YAML list of groups. Groups apply at query time, so
//! a new list needs no rebuild; a bad file is reported with its line and left out.

use std::collections::HashMap;
use std::path::Path;

use super::group_file;
use crate::extract::source_key;

/// The groups kbase ships.
const SHIPPED: &str = include_str!("sources.yml");
/// Where a deployment's own groups live inside the articles folder.
pub const FOLDER_FILE: &str = ".kbase/sources.yml";

/// The alias groups in force, by source key.
#[derive(Debug, Clone, Default)]
pub struct SourceAliases {
    /// Each group's keys, the first its canonical one.
    groups: Vec<Vec<String>>,
    /// Key → its group.
    by_key: HashMap<String, usize>,
}

impl SourceAliases {
    /// The shipped groups.
    pub fn shipped() -> SourceAliases {
        let mut a = SourceAliases::default();
        // The shipped file is checked by a test; it cannot fail here.
        if let Ok(groups) = parse(SHIPPED, Path::new("sources.yml")) {
            a.extend(groups);
        }
        a
    }

    /// The shipped groups and those of `articles/.kbase/sources.yml` when it exists,
    /// with the problem found in that file (`path:line:column: message`), whose groups
    /// are then left out.
    pub fn load(articles: &Path) -> (SourceAliases, Vec<String>) {
        let mut a = SourceAliases::shipped();
        let path = articles.join(FOLDER_FILE);
        if !path.is_file() {
            return (a, Vec::new());
        }
        match read(&path) {
            Ok(groups) => {
                a.extend(groups);
                (a, Vec::new())
            }
            Err(problem) => (a, vec![problem]),
        }
    }

    /// Adds groups; a key already in a group joins the groups into one.
    fn extend(&mut self, groups: Vec<Vec<String>>) {
        for group in groups {
            let keys: Vec<String> = group
                .iter()
                .map(|s| source_key(s))
                .filter(|k| !k.is_empty())
                .collect();
            let existing = keys.iter().find_map(|k| self.by_key.get(k).copied());
            let at = match existing {
                Some(at) => at,
                None => {
                    self.groups.push(Vec::new());
                    self.groups.len() - 1
                }
            };
            for k in keys {
                if let Some(&other) = self.by_key.get(&k) {
                    if other != at {
                        // Two groups meet: the other's keys move into this one.
                        let moved = std::mem::take(&mut self.groups[other]);
                        for m in moved {
                            self.by_key.insert(m.clone(), at);
                            if !self.groups[at].contains(&m) {
                                self.groups[at].push(m);
                            }
                        }
                    }
                    continue;
                }
                self.by_key.insert(k.clone(), at);
                self.groups[at].push(k);
            }
        }
    }

    /// The key that stands for `key`'s group (the first name of its group), or `key`.
    pub fn canonical<'a>(&'a self, key: &'a str) -> &'a str {
        self.by_key
            .get(key)
            .and_then(|&g| self.groups[g].first())
            .map_or(key, String::as_str)
    }

    /// Every key of `key`'s group, `key` first; just `key` when it has no aliases.
    pub fn keys_of(&self, key: &str) -> Vec<String> {
        let mut out = vec![key.to_owned()];
        if let Some(&g) = self.by_key.get(key) {
            out.extend(self.groups[g].iter().filter(|k| *k != key).cloned());
        }
        out
    }
}

/// The file's kind, for [`group_file`]'s errors.
const KIND: group_file::Kind = group_file::Kind {
    file: "source alias file",
    groups: "source groups",
    members: "names",
};

fn read(path: &Path) -> Result<Vec<Vec<String>>, String> {
    check(group_file::read(path, &KIND)?, path)
}

/// A list of groups, each a list of two or more source names.
fn parse(text: &str, path: &Path) -> Result<Vec<Vec<String>>, String> {
    check(group_file::parse(text, path, &KIND)?, path)
}

/// `groups`, when each names two or more sources.
fn check(groups: Vec<Vec<String>>, path: &Path) -> Result<Vec<Vec<String>>, String> {
    let shown = path.display();
    for (n, g) in groups.iter().enumerate() {
        let named = g.iter().filter(|s| !source_key(s).is_empty()).count();
        if named < 2 {
            return Err(format!(
                "{shown}: group {} has {named} name(s); a group needs two or more",
                n + 1
            ));
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_groups_parse() {
        assert!(!parse(SHIPPED, Path::new("sources.yml")).unwrap().is_empty());
        let a = SourceAliases::shipped();
        assert_eq!(a.canonical("w32time"), "timeservice");
        assert_eq!(a.keys_of("w32time"), ["w32time", "timeservice"]);
        // Each shipped group is its own: no two of them meet and merge.
        for (old, new) in [
            ("dcom", "distributedcom"),
            ("kerberos", "securitykerberos"),
            ("dnsclient", "dnsclientevents"),
            ("wersystemerrorreporting", "bugcheck"),
        ] {
            assert_eq!(a.canonical(old), new);
            assert_eq!(a.keys_of(new).len(), 2, "{new}");
        }
    }

    #[test]
    fn a_deployments_groups_join_and_bad_files_are_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".kbase")).unwrap();
        let file = dir.path().join(FOLDER_FILE);
        std::fs::write(
            &file,
            "- [MSExchangeIS, MSExchange Information Store]\n- [MSExchange Information Store, Information Store]\n",
        )
        .unwrap();
        let (a, problems) = SourceAliases::load(dir.path());
        assert!(problems.is_empty(), "{problems:?}");
        let keys = a.keys_of("informationstore");
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert_eq!(a.canonical("msexchangeinformationstore"), "msexchangeis");
        assert_eq!(a.keys_of("userenv"), ["userenv"]);
        std::fs::write(&file, "- [OnlyOne]\n").unwrap();
        let (_, problems) = SourceAliases::load(dir.path());
        assert!(problems[0].contains("group 1 has 1 name"), "{problems:?}");
        std::fs::write(&file, "- [a, b\n").unwrap();
        let (_, problems) = SourceAliases::load(dir.path());
        assert!(problems[0].contains("sources.yml:"), "{problems:?}");
    }
}
