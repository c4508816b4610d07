//! The shipped `articles/` folder: the event ID, the event source + ID (as Event Viewer
//! shows it and as the provider is named in the event's XML) and the error or STOP code
//! that each shipped article is written for find that article first, with its fix inline.

use std::collections::BTreeSet;

use kbase::index::OpenOptions;
use kbase::search::{Engine, SearchRequest};

use crate::repo;

/// (query, the article that must come first).
const CASES: &[(&str, &str)] = &[
    ("41", "KBA1001"),
    ("Kernel-Power 41", "KBA1001"),
    ("Microsoft-Windows-Kernel-Power 41", "KBA1001"),
    ("event id 41", "KBA1001"),
    ("6008", "KBA1002"),
    ("EventLog 6008", "KBA1002"),
    ("1001", "KBA1003"),
    ("BugCheck event 1001", "KBA1003"),
    ("BugCheck 1001", "KBA1003"),
    ("KBA1007", "KBA1007"),
    ("id:kba1022", "KBA1022"),
    ("Microsoft-Windows-WER-SystemErrorReporting 1001", "KBA1003"),
    ("7031", "KBA1004"),
    ("Service Control Manager 7031", "KBA1004"),
    ("7034", "KBA1005"),
    ("Service Control Manager 7034", "KBA1005"),
    ("1000", "KBA1006"),
    ("Application Error 1000", "KBA1006"),
    ("0xC0000005", "KBA1006"),
    ("10016", "KBA1007"),
    ("DistributedCOM 10016", "KBA1007"),
    ("DCOM 10016", "KBA1007"),
    ("4625", "KBA1008"),
    ("Microsoft-Windows-Security-Auditing 4625", "KBA1008"),
    ("Security-Auditing 4625", "KBA1008"),
    ("Microsoft Windows security auditing 4625", "KBA1008"),
    ("0xC000006A", "KBA1008"),
    ("7", "KBA1009"),
    ("Disk 7", "KBA1009"),
    ("event id 7", "KBA1009"),
    ("51", "KBA1010"),
    ("Disk 51", "KBA1010"),
    ("153", "KBA1011"),
    ("Disk 153", "KBA1011"),
    ("55", "KBA1012"),
    ("Ntfs 55", "KBA1012"),
    ("Microsoft-Windows-Ntfs 55", "KBA1012"),
    ("17", "KBA1013"),
    ("WHEA-Logger 17", "KBA1013"),
    ("Microsoft-Windows-WHEA-Logger 17", "KBA1013"),
    ("18", "KBA1014"),
    ("WHEA-Logger 18", "KBA1014"),
    ("0x00000124", "KBA1014"),
    ("STOP 0x124", "KBA1014"),
    ("19", "KBA1015"),
    ("WHEA-Logger 19", "KBA1015"),
    ("36887", "KBA1016"),
    ("Schannel 36887", "KBA1016"),
    ("1129", "KBA1017"),
    ("GroupPolicy 1129", "KBA1017"),
    ("Microsoft-Windows-GroupPolicy 1129", "KBA1017"),
    ("5719", "KBA1018"),
    ("NETLOGON 5719", "KBA1018"),
    ("129", "KBA1019"),
    ("Time-Service 129", "KBA1019"),
    ("Microsoft-Windows-Time-Service 129", "KBA1019"),
    ("0x800706E1", "KBA1019"),
    ("36", "KBA1020"),
    ("Time-Service 36", "KBA1020"),
    ("Microsoft-Windows-Time-Service 36", "KBA1020"),
    ("W32Time 36", "KBA1020"),
    ("1014", "KBA1021"),
    ("DNS Client Events 1014", "KBA1021"),
    ("Microsoft-Windows-DNS-Client 1014", "KBA1021"),
    ("4", "KBA1022"),
    ("Kerberos 4", "KBA1022"),
    ("Microsoft-Windows-Security-Kerberos 4", "KBA1022"),
    ("0x0000007B", "KBA1023"),
    ("STOP 0x0000007B", "KBA1023"),
    ("stop 7b", "KBA1023"),
    ("INACCESSIBLE_BOOT_DEVICE", "KBA1023"),
    ("0x000000D1", "KBA1024"),
    ("STOP 0xD1", "KBA1024"),
    ("DRIVER_IRQL_NOT_LESS_OR_EQUAL", "KBA1024"),
    ("0x00000133", "KBA1025"),
    ("STOP 0x133", "KBA1025"),
    ("DPC_WATCHDOG_VIOLATION", "KBA1025"),
    ("0x80070005", "KBA1026"),
    ("80070005", "KBA1026"),
    ("-2147024891", "KBA1026"),
    ("0x8007000E", "KBA1027"),
    ("0x80073712", "KBA1028"),
    ("0x800F081F", "KBA1029"),
    ("5058", "Q190698"),
    ("event id 5058", "Q190698"),
    ("MSExchangeKMS 5058", "Q190698"),
];

#[test]
fn every_shipped_article_comes_first_with_its_fix_for_its_events_and_codes() {
    let articles = repo().join("articles");
    let tmp = tempfile::tempdir().unwrap();
    let (index, _) = crate::open_index(&articles, &tmp.path().join("data"), OpenOptions::default());
    let engine = Engine::new(index).unwrap();

    let mut wrong = Vec::new();
    for &(q, want) in CASES {
        let response = engine.search(&SearchRequest::new(q)).unwrap();
        match response.hits.first() {
            Some(hit) if hit.card.id == want && hit.fix.is_some() => {}
            Some(hit) => wrong.push(format!(
                "{q:?}: first hit {} (fix: {}), expected {want} with a fix",
                hit.card.id,
                hit.fix.is_some()
            )),
            None => wrong.push(format!("{q:?}: no hits, expected {want}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The table names every article shipped at the top of `articles/`, and nothing else.
    let shipped: BTreeSet<String> = std::fs::read_dir(&articles)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let covered: BTreeSet<String> = CASES.iter().map(|&(_, id)| id.to_owned()).collect();
    assert_eq!(
        shipped, covered,
        "every shipped article needs its queries in CASES"
    );
}
