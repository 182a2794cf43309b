//! The README stays true to the code.

use handover_bot::domain::import::{ImportKind, header_aliases};

#[test]
fn the_readme_lists_every_accepted_import_header() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for kind in [ImportKind::Buyers, ImportKind::Staff, ImportKind::Slots] {
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

#[test]
fn the_compose_file_uses_only_real_settings_and_the_readme_shows_it() {
    let root = env!("CARGO_MANIFEST_DIR");
    let compose = std::fs::read_to_string(format!("{root}/docker-compose.yml")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let help = help_text();
    let names = setting_names(&compose);
    for name in [
        "HANDOVER_WEBHOOK_URL",
        "HANDOVER_WEBHOOK_SECRET",
        "HANDOVER_DATABASE_URL",
    ] {
        assert!(names.contains(name), "docker-compose.yml lacks {name}");
    }
    for name in names {
        assert!(
            help.contains(name),
            "{name} in docker-compose.yml is no setting"
        );
        assert!(readme.contains(name), "README does not document {name}");
    }
    assert!(readme.contains("docker compose up"));
}

#[test]
fn the_readme_documents_every_setting() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let help = help_text();
    let settings = setting_names(&help);
    assert!(settings.len() > 30, "{settings:?}");
    for name in settings {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README does not document {name}"
        );
    }
}

/// `handover-bot --help`, which lists every setting's environment variable.
fn help_text() -> String {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_handover-bot"))
        .arg("--help")
        .output()
        .unwrap();
    String::from_utf8_lossy(&help.stdout).into_owned()
}

/// The `HANDOVER_…` names a text mentions.
fn setting_names(text: &str) -> std::collections::BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("HANDOVER_"))
        .collect()
}
