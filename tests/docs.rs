//! The README stays true to the code.

use handover_bot::domain::import::{ImportKind, header_aliases};

#[test]
fn the_readme_lists_every_accepted_import_header() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for kind in [ImportKind::Buyers, ImportKind::Staff] {
        for (canonical, spellings, _) in header_aliases(kind) {
            assert!(
                readme.contains(&format!("`{canonical}`")),
                "README lacks column {canonical}"
            );
            for spelling in spellings {
                assert!(
                    readme.contains(spelling),
                    "README lacks header {spelling:?} ({canonical})"
                );
            }
        }
    }
}

#[test]
fn the_ci_script_runs_the_readme_test_command() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(readme.contains("\ncargo test\n"));
    assert!(ci.lines().any(|l| l.trim_start().starts_with("cargo test")));
}
