//! The binary as an operator runs it.

use crate::support::app::binary;
use crate::support::fake_telegram::{FakeTelegram, TOKEN};
use crate::support::text::{fixed, head, says, zh};
use std::process::Stdio;

#[test]
fn run_without_a_token_prints_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary()
        .arg("run")
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("HANDOVER_BOT_TOKEN"), "{stderr}");
}

#[test]
fn a_bad_setting_names_its_variable() {
    let output = binary()
        .args(["migrate"])
        .env("HANDOVER_TIMEZONE", "Mars/Olympus")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("HANDOVER_TIMEZONE") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn help_documents_every_setting() {
    let output = binary().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "HANDOVER_BOT_TOKEN",
        "HANDOVER_DATABASE_URL",
        "HANDOVER_TELEGRAM_API_URL",
        "HANDOVER_TIMEZONE",
        "HANDOVER_DEFAULT_LANGUAGE",
        "HANDOVER_MEDIA_DIR",
        "HANDOVER_CONFIG",
    ] {
        assert!(help.contains(variable), "--help lacks {variable}:\n{help}");
    }
}

#[test]
fn cli_import_and_invite_work_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, "name,phone,roles\n王芳,13800000001,supervisor\n").unwrap();
    let import = binary()
        .args(["import", "staff"])
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let imported = head(
        "import-done",
        &[
            ("kind", zh("import-kind-staff", &[]).into()),
            ("total", 1i64.into()),
            ("created", 1i64.into()),
        ],
    );
    assert!(String::from_utf8_lossy(&import.stdout).contains(&imported));
    assert_no_progress_drawing(&import);
    assert!(
        dir.path().join("data/handover.db").exists(),
        "the default SQLite file is created"
    );

    let invite = binary()
        .args(["invite", "--role", "supervisor", "--name", "王芳"])
        .env("HANDOVER_BOT_USERNAME", "handover_test_bot")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        invite.status.success(),
        "{}",
        String::from_utf8_lossy(&invite.stderr)
    );
    let link = String::from_utf8_lossy(&invite.stdout);
    assert!(
        link.trim()
            .starts_with("https://t.me/handover_test_bot?start=inv_"),
        "{link}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pointed_at_the_fake_server_the_binary_serves() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_handover-bot"))
        .arg("run")
        .env("HANDOVER_BOT_TOKEN", TOKEN)
        .env("HANDOVER_METRICS_ADDR", "127.0.0.1:0")
        .env("HANDOVER_TELEGRAM_API_URL", fake.api_url().to_string())
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let person = fake.user(4242, "Ann");
    fake.send_text(&person, "/start");
    let answer = fake.wait_for_message(person.id, |_| true).await;
    assert!(
        says(&answer.plain_text, "start-share-phone"),
        "{}",
        answer.plain_text
    );
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_waits_for_telegram_instead_of_dying() {
    let fake = FakeTelegram::start().await;
    let dir = crate::support::app::test_dir();
    let config = crate::support::app::test_config(&fake, &dir);
    fake.go_down();
    let starting = tokio::spawn(handover_bot::app::start(
        config,
        std::sync::Arc::new(handover_bot::clock::SystemClock),
    ));
    fake.within("a refused getMe", async {
        while fake.refused_connections() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        !starting.is_finished(),
        "start-up keeps trying while Telegram is down"
    );
    fake.come_up();
    let running = fake
        .within("start-up", starting)
        .await
        .unwrap()
        .expect("starts once Telegram answers");
    let person = fake.user(4343, "Ann");
    fake.send_text(&person, "/start");
    fake.wait_for_message(person.id, |_| true).await;
    running.stop().await.unwrap();
}

#[test]
fn cli_assign_prints_the_plan_and_writes_it_only_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        binary()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    std::fs::write(
        dir.path().join("staff.csv"),
        "name,phone,roles,seniority,capacity\n李雷,13700000001,ambassador,senior,5\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("buyers.csv"),
        "building,room,name,phone,tier\n1,101,张三,13900000001,A+\n1,102,李四,13900000002,B\n",
    )
    .unwrap();
    assert!(run(&["import", "staff", "staff.csv"]).status.success());
    assert!(run(&["import", "buyers", "buyers.csv"]).status.success());

    let plan = run(&["assign"]);
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success(), "{stdout}");
    let line = head(
        "assign-preview-line",
        &[
            ("name", "李雷".into()),
            ("senior", zh("assign-senior-mark", &[]).into()),
            ("count", 2i64.into()),
        ],
    );
    assert!(stdout.contains(&line), "{stdout}");
    let code = stdout
        .split("--confirm ")
        .nth(1)
        .map(str::trim)
        .expect("the plan prints its code")
        .to_string();

    let wrong = run(&["assign", "--confirm", "0000000000000000"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains(&fixed("assign-stale")));

    let written = run(&["assign", "--confirm", &code]);
    let stdout = String::from_utf8_lossy(&written.stdout);
    assert!(written.status.success(), "{stdout}");
    assert!(
        stdout.contains(&head("assign-done", &[("count", 2i64.into())])),
        "{stdout}"
    );
    let again = run(&["assign"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains(&fixed("assign-nothing")));
}

/// In a pipe (a script, a log file) long commands draw no progress bar or spinner: no
/// carriage returns, terminal codes, bar blocks or spinner glyphs in what they write.
fn assert_no_progress_drawing(output: &std::process::Output) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let drawing = |c: char| {
        matches!(c, '\r' | '\x1b' | '█' | '▓' | '▒' | '░' | '━' | '─')
            || ('\u{2800}'..='\u{28ff}').contains(&c)
    };
    assert!(
        !text.contains(drawing),
        "progress drawn in a pipe: {text:?}"
    );
}

#[test]
fn cli_export_in_a_pipe_draws_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    let export = binary()
        .args(["export", "--csv", "--out", "tables"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(String::from_utf8_lossy(&export.stdout).contains("written to"));
    assert_no_progress_drawing(&export);
}
