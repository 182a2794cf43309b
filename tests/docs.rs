//! The README stays true to the code.

use handover_bot::domain::import::{ImportKind, header_aliases};

#[test]
fn the_readme_lists_every_accepted_import_header() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for kind in ImportKind::ALL {
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
    let command = "cargo test --workspace";
    assert!(readme.contains(&format!("\n{command}\n")));
    // The CI script adds only `--locked` (the lock file must already be up to date).
    assert!(
        ci.lines()
            .any(|l| l.trim_start().replace(" --locked", "") == command),
        "the CI script does not run the README's test command"
    );
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

#[test]
fn help_and_readme_list_the_same_settings_with_the_same_defaults() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let documented = readme_settings(&readme);
    let help = help_text();
    let listed = help_settings(&help);
    assert!(documented.len() > 30, "{documented:?}");
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        listed.keys().collect::<Vec<_>>(),
        "the README's configuration table and --help list different settings"
    );
    let mut descriptions = std::collections::BTreeMap::new();
    for (name, cell) in &documented {
        let (default, description) = &listed[name];
        assert!(
            !description.is_empty(),
            "--help says nothing about {name}:\n{help}"
        );
        if let Some(other) = descriptions.insert(description.clone(), name) {
            panic!("--help describes {name} and {other} alike: {description:?}");
        }
        // The README writes values in backticks; "—" is no default, with the reason in
        // brackets ("— (required to run)"), which the help must say in words.
        let cell = cell.replace('`', "");
        match cell.strip_prefix('—') {
            Some(reason) => {
                assert_eq!(
                    default.as_deref(),
                    None,
                    "{name}: the README gives no default, --help does"
                );
                let reason = reason.trim().trim_start_matches('(').trim_end_matches(')');
                assert!(
                    description.contains(reason),
                    "{name}: --help does not say {reason:?}: {description:?}"
                );
            }
            None => assert_eq!(
                default.as_deref(),
                Some(cell.as_str()),
                "{name}: the README and --help give different defaults"
            ),
        }
    }
}

/// The README's configuration table: variable → its default cell.
fn readme_settings(readme: &str) -> std::collections::BTreeMap<String, String> {
    let table = readme
        .split_once("| variable | default | meaning |")
        .expect("the README has a configuration table")
        .1;
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let mut cells = line.trim_start_matches('|').splitn(3, '|').map(str::trim);
            let name = cells
                .next()
                .unwrap_or_default()
                .trim_matches('`')
                .to_string();
            let default = cells.next().unwrap_or_default().to_string();
            (name, default)
        })
        .collect()
}

/// The settings `--help` lists: environment variable → (the default it names, the
/// description before it).
fn help_settings(help: &str) -> std::collections::BTreeMap<String, (Option<String>, String)> {
    let mut settings = std::collections::BTreeMap::new();
    let options = help
        .split_once("\nOptions:\n")
        .expect("--help lists options")
        .1;
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in options.lines() {
        if line.trim_start().starts_with('-') && line.len() - line.trim_start().len() <= 6 {
            blocks.push(Vec::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push(line.trim());
        }
    }
    for block in blocks {
        let Some(env) = block.iter().find_map(|line| line.strip_prefix("[env: ")) else {
            continue;
        };
        let name = env.split(['=', ']']).next().unwrap_or_default().to_string();
        let text = block[1..]
            .iter()
            .filter(|line| !line.is_empty() && !line.starts_with("[env: "))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let (description, default) = match text.split_once("[default: ") {
            Some((description, rest)) => (
                description,
                Some(rest.strip_suffix(']').unwrap_or(rest).to_string()),
            ),
            None => (text.as_str(), None),
        };
        settings.insert(name, (default, description.trim().to_string()));
    }
    settings
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
