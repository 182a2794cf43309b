//! The bot token and phone numbers never appear in the logs, at any level.
//!
//! The real binary runs as a child process with every log level on (`HANDOVER_LOG=trace`), as an
//! operator would run it, and the test drives the flows that handle phones and the token: staff
//! and buyer lists imported through the CLI, people linking by sharing their contact (their own,
//! a stranger's, someone else's), a buyer list uploaded in chat (a bad one, then a good one), a
//! buyer typing their number, a supervisor opening a card that shows phones, injected HTTP errors
//! (401 and 500 on a send, 401 on `getFile`, a `getFile` cut by an outage) and an outage while the
//! bot polls and sends, so that every error path that could print a request URL (which contains
//! the token) runs. A second process starts with a real-looking token Telegram refuses. Then
//! everything the processes wrote to stdout and stderr is searched for the token (whole,
//! URL-encoded, its secret half) and for every phone number of the scenario in every spelling
//! (E.164, national, with spaces or dashes, and the run of its last eight digits).

use crate::support::app::{DIGEST_OFF, binary};
use crate::support::fake_telegram::{FakeTelegram, SentMessage, TOKEN, User};
use crate::support::text::{fixed, head, says};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::Notify;

/// Phone numbers of the scenario (national form); all look random so that their digit runs
/// cannot turn up in a log by chance.
const SUPERVISOR: &str = "13857203846";
const AMBASSADOR: &str = "13861924075";
const BUYER: &str = "13770468135";
const CO_BUYER: &str = "15916273048";
/// Not on any list.
const STRANGER: &str = "13695820471";
/// Shared by someone other than its owner.
const SOMEONE_ELSES: &str = "13548207319";
/// In the buyer list uploaded in chat.
const UPLOADED: &str = "18625937140";
const UPLOADED_TOO: &str = "18730561982";
/// Ten digits: the bad row of the rejected upload.
const MALFORMED: &str = "1862593714";

const PHONES: [&str; 9] = [
    SUPERVISOR,
    AMBASSADOR,
    BUYER,
    CO_BUYER,
    STRANGER,
    SOMEONE_ELSES,
    UPLOADED,
    UPLOADED_TOO,
    MALFORMED,
];

/// A token in BotFather's real format (a 35-character secret), which Telegram refuses.
const REVOKED_TOKEN: &str = "7012345678:AAHk3bq9ZxW2-vLp8RtYc5NdQe1JmFs4uGo";

/// How long a child process may take for one step before the test gives up.
const STEP: Duration = Duration::from_secs(30);

/// Every spelling of a phone number (national form) that must not be logged.
fn phone_forms(national: &str) -> Vec<String> {
    let mut forms = vec![
        format!("+86{national}"),
        format!("86{national}"),
        national.to_string(),
        national[national.len() - 8..].to_string(),
    ];
    if national.len() == 11 {
        let (a, b, c) = (&national[..3], &national[3..7], &national[7..]);
        forms.extend([
            format!("{a} {b} {c}"),
            format!("{a}-{b}-{c}"),
            format!("+86 {a} {b} {c}"),
            format!("+86-{a}-{b}-{c}"),
        ]);
    }
    forms
}

/// Every spelling of a token that must not be logged.
fn token_forms(token: &str) -> Vec<String> {
    let secret = token.split_once(':').map_or(token, |(_, s)| s);
    vec![
        token.to_string(),
        token.replace(':', "%3A"),
        token.replace(':', "%3a"),
        secret.to_string(),
    ]
}

/// The line with its digits' separators (spaces, dashes, dots, brackets between digits) taken
/// out, so "138 5720 3846" or "(138)5720-3846" show as one run.
fn digit_runs(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, c) in chars.iter().enumerate() {
        let separator = matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}');
        let between_digits = separator
            && chars[..i]
                .iter()
                .rev()
                .find(|p| !matches!(p, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
                .is_some_and(char::is_ascii_digit)
            && chars[i + 1..]
                .iter()
                .find(|n| !matches!(n, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
                .is_some_and(char::is_ascii_digit);
        if !between_digits {
            out.push(*c);
        }
    }
    out
}

/// Every line of `output` that shows one of `secrets` (as written, or as a digit run).
fn leaks(output: &str, secrets: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in output.lines() {
        let runs = digit_runs(line);
        for secret in secrets {
            if line.contains(secret.as_str()) || runs.contains(secret.as_str()) {
                found.push(format!("{secret:?} in: {line}"));
            }
        }
    }
    found
}

#[test]
fn the_leak_detector_finds_what_it_looks_for() {
    // The assertions below are only as good as this search.
    let phones: Vec<String> = phone_forms(BUYER);
    let tokens = token_forms(TOKEN);
    for line in [
        "user phone=+8613770468135 linked",
        "contact 137 7046 8135",
        "contact (137)7046-8135 shared",
        "masked ...70468135",
        "url=http://127.0.0.1:1/bot123456%3ATEST-token-for-the-fake-server/getMe",
        "secret TEST-token-for-the-fake-server",
    ] {
        let mut all = phones.clone();
        all.extend(tokens.clone());
        assert!(!leaks(line, &all).is_empty(), "missed: {line}");
    }
    assert!(leaks("2026-11-26T01:00:00.123456Z INFO …8135 linked", &phones).is_empty());
}

/// A child process whose stdout and stderr are collected as they come.
struct Process {
    child: tokio::process::Child,
    output: Arc<Mutex<String>>,
    changed: Arc<Notify>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

fn collect(
    stream: impl AsyncRead + Unpin + Send + 'static,
    output: Arc<Mutex<String>>,
    changed: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(mut output) = output.lock() {
                output.push_str(&line);
                output.push('\n');
            }
            changed.notify_waiters();
        }
    })
}

impl Process {
    fn spawn(command: std::process::Command) -> Process {
        let mut command = tokio::process::Command::from(command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let changed = Arc::new(Notify::new());
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(collect(stdout, output.clone(), changed.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(collect(stderr, output.clone(), changed.clone()));
        }
        Process {
            child,
            output,
            changed,
            readers,
        }
    }

    fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// How many times the process has written `needle` so far.
    fn count(&self, needle: &str) -> usize {
        self.output().matches(needle).count()
    }

    /// Waits until the process has written `needle`.
    async fn wait_for_log(&self, needle: &str) {
        self.wait_for_log_count(needle, 1).await;
    }

    /// Waits until the process has written `needle` at least `n` times.
    async fn wait_for_log_count(&self, needle: &str, n: usize) {
        let waiting = async {
            loop {
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.output().matches(needle).count() >= n {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(STEP, waiting).await.is_err() {
            panic!(
                "the bot never logged {needle:?} {n} times; its output:\n{}",
                self.output()
            );
        }
    }

    /// Stops the process as an operator or a container runtime does (SIGTERM) and returns all
    /// it wrote.
    async fn stop(mut self) -> String {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let exited = tokio::time::timeout(STEP, self.child.wait()).await;
        if exited.is_err() {
            let _ = self.child.kill().await;
        }
        for reader in self.readers.drain(..) {
            let _ = tokio::time::timeout(STEP, reader).await;
        }
        let output = self.output();
        assert!(
            exited.is_ok(),
            "the bot did not stop on SIGTERM within {STEP:?}:\n{output}"
        );
        output
    }
}

/// The binary with every log level on, this test's database, and `token`.
fn bot_command(dir: &Path, fake: &FakeTelegram, token: &str) -> std::process::Command {
    let mut command = binary();
    command
        .current_dir(dir)
        .env("HANDOVER_LOG", "trace")
        .env("NO_COLOR", "1")
        .env("HANDOVER_BOT_TOKEN", token)
        .env(
            "HANDOVER_DATABASE_URL",
            format!("sqlite://{}", dir.join("handover.db").display()),
        )
        .env("HANDOVER_TELEGRAM_API_URL", fake.api_url().to_string())
        .env("HANDOVER_MEDIA_DIR", dir.join("media"))
        // The supervisors' daily digest, due at start-up on any afternoon, would land between a
        // command and its answer (and take the fault meant for the answer).
        .env("HANDOVER_DAILY_DIGEST_CRON", DIGEST_OFF);
    command
}

/// Runs a CLI command to its end; returns everything it wrote.
async fn cli(dir: &Path, fake: &FakeTelegram, args: &[&str]) -> String {
    let mut command = bot_command(dir, fake, TOKEN);
    command.args(args);
    let output = tokio::process::Command::from(command)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the CLI runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{args:?} failed:\n{text}");
    text
}

/// Sends `text` and waits for the bot's next message to the person.
async fn say(fake: &FakeTelegram, person: &User, text: &str) -> SentMessage {
    let before = fake.sent_messages(person.id).len();
    fake.send_text(person, text);
    fake.wait_for_messages(person.id, before + 1)
        .await
        .swap_remove(before)
}

/// Presses Start and shares a contact; returns the bot's answer to the contact.
async fn share_contact(
    fake: &FakeTelegram,
    person: &User,
    phone: &str,
    owner: Option<i64>,
) -> SentMessage {
    say(fake, person, "/start").await;
    let before = fake.sent_messages(person.id).len();
    fake.share_contact(person, phone, owner, &person.first_name);
    fake.wait_for_messages(person.id, before + 1)
        .await
        .swap_remove(before)
}

/// Uploads a buyer list and returns the bot's next message to the person.
async fn upload(fake: &FakeTelegram, person: &User, csv: &str) -> SentMessage {
    let before = fake.sent_messages(person.id).len();
    fake.send_document(
        person,
        "buyers.csv",
        "text/csv",
        csv.as_bytes().to_vec(),
        None,
    );
    fake.wait_for_messages(person.id, before + 1)
        .await
        .swap_remove(before)
}

/// The bot's own log lines as written to a pipe: `format` is `HANDOVER_LOG_FORMAT` (none:
/// the default). Colour is not switched off by `NO_COLOR` here: the pipe alone must do it.
async fn logs_in_a_pipe(format: Option<&str>) -> String {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut command = bot_command(dir.path(), &fake, TOKEN);
    command.env_remove("NO_COLOR").env("HANDOVER_LOG", "info");
    if let Some(format) = format {
        command.env("HANDOVER_LOG_FORMAT", format);
    }
    let bot = Process::spawn(command);
    bot.wait_for_log("serving").await;
    let output = bot.stop().await;
    assert!(
        leaks(&output, &token_forms(TOKEN)).is_empty(),
        "the token is logged:\n{output}"
    );
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_written_to_a_pipe_carry_no_colour_codes() {
    let output = logs_in_a_pipe(None).await;
    assert!(output.contains("INFO"), "{output}");
    assert!(
        !output.contains("\x1b["),
        "colour codes in a pipe:\n{output:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_a_level_and_a_message() {
    let output = logs_in_a_pipe(Some("json")).await;
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{output}");
    for line in lines {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"));
        assert!(record["level"].is_string(), "no level: {line}");
        assert!(
            record["fields"]["message"].is_string(),
            "no message: {line}"
        );
    }
    assert!(output.contains("serving"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_and_phone_numbers_never_appear_in_the_logs() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path();
    let mut output = String::new();

    // The operator loads the campaign through the CLI.
    std::fs::write(
        path.join("staff.csv"),
        format!(
            "name,phone,roles,seniority,capacity\n\
             王芳,{SUPERVISOR},supervisor,,\n\
             李雷,+86 {} {} {},ambassador,senior,5\n",
            &AMBASSADOR[..3],
            &AMBASSADOR[3..7],
            &AMBASSADOR[7..]
        ),
    )
    .expect("staff file");
    std::fs::write(
        path.join("buyers.csv"),
        format!(
            "building,room,name,phone,tier\n\
             1,101,张三,{BUYER},B\n\
             1,101,张太太,0086-{CO_BUYER},B\n"
        ),
    )
    .expect("buyer file");
    output += &cli(path, &fake, &["import", "staff", "staff.csv"]).await;
    output += &cli(path, &fake, &["import", "buyers", "buyers.csv"]).await;
    let plan = cli(path, &fake, &["assign"]).await;
    let code = plan
        .split("--confirm ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the plan prints its code:\n{plan}"))
        .to_string();
    output += &plan;
    output += &cli(path, &fake, &["assign", "--confirm", &code]).await;

    let bot = Process::spawn(bot_command(path, &fake, TOKEN));

    // People link by sharing their contact: the supervisor, a stranger, someone else's contact,
    // a buyer in another spelling of their number.
    let supervisor = fake.user(7001, "Fang");
    let greeting = share_contact(&fake, &supervisor, &format!("+86{SUPERVISOR}"), Some(7001)).await;
    assert!(
        greeting.plain_text.contains("王芳"),
        "{}",
        greeting.plain_text
    );
    let stranger = fake.user(7002, "Stranger");
    share_contact(&fake, &stranger, &format!("+86{STRANGER}"), Some(7002)).await;
    let borrower = fake.user(7003, "Borrower");
    share_contact(&fake, &borrower, SOMEONE_ELSES, Some(7999)).await;
    // The buyer links with another spelling of their number. Linking queues their introduction
    // to their ambassador (sent 2 s later); Telegram goes away while the bot publishes the
    // buyer's menu (held open here), so the greeting, the polling and the introduction all meet
    // network errors, which carry request URLs.
    let buyer = fake.user(7004, "San");
    say(&fake, &buyer, "/start").await;
    let menus = fake.requests_for("setMyCommands").len();
    fake.delay_next("setMyCommands", 1, Duration::from_secs(5));
    let (a, b, c) = (&BUYER[..3], &BUYER[3..7], &BUYER[7..]);
    fake.share_contact(&buyer, &format!("+86 ({a}) {b}-{c}"), Some(7004), "San");
    fake.wait_for_requests("setMyCommands", menus + 1).await;
    fake.go_down();
    bot.wait_for_log("buyer linked by contact").await;
    bot.wait_for_log("receiving updates failed").await;
    bot.wait_for_log("send failed").await;
    fake.come_up();
    // The introduction goes out once Telegram is back.
    fake.wait_for_message(buyer.id, |m| m.plain_text.contains("李雷"))
        .await;

    // The buyer types their number to their ambassador; the supervisor opens the card that
    // shows the household's phones.
    say(&fake, &buyer, &format!("我的电话是 {BUYER}，请回电")).await;
    say(&fake, &supervisor, "/customer 1-101").await;

    // Sends Telegram refuses, as unauthorised and with a server error (teloxide waits 10 s
    // after a 5xx): the bot logs each failure and apologises.
    const FAILED: &str = "handling a message failed";
    for status in [401, 500] {
        let failures = bot.count(FAILED);
        fake.fail_next_in_chat("sendMessage", supervisor.id, 1, status);
        let sorry = say(&fake, &supervisor, "/help").await;
        assert!(
            says(&sorry.plain_text, "error-generic"),
            "the {status} went to another send; requests: {:?}\n{}",
            fake.requests()
                .iter()
                .rev()
                .take(12)
                .map(|r| (r.method.clone(), r.chat_id(), r.status))
                .collect::<Vec<_>>(),
            fake.chat_dump(supervisor.id)
        );
        bot.wait_for_log_count(FAILED, failures + 1).await;
    }

    // Buyer lists uploaded in chat: getFile refused, getFile cut by an outage, a list with a
    // malformed number, a good list.
    let list = |phone: &str| {
        format!("building,room,name,phone\n2,201,赵六,{phone}\n2,202,钱七,{UPLOADED_TOO}\n")
    };
    let failures = bot.count(FAILED);
    fake.fail_next("getFile", 1, 401);
    let sorry = upload(&fake, &supervisor, &list(UPLOADED)).await;
    assert!(
        says(&sorry.plain_text, "error-generic"),
        "{}",
        sorry.plain_text
    );
    bot.wait_for_log_count(FAILED, failures + 1).await;
    let failures = bot.count(FAILED);
    let cut = fake.requests_for("getFile").len() + 1;
    fake.delay_next("getFile", 1, Duration::from_secs(5));
    fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        list(UPLOADED).into_bytes(),
        None,
    );
    fake.wait_for_requests("getFile", cut).await;
    fake.go_down();
    bot.wait_for_log_count(FAILED, failures + 1).await;
    fake.come_up();
    fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        list(MALFORMED).into_bytes(),
        None,
    );
    let rejected = fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&head("import-rejected", &[]))
        })
        .await;
    assert!(
        rejected.plain_text.contains(MALFORMED),
        "the supervisor is told which number is wrong: {}",
        rejected.plain_text
    );
    fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        list(UPLOADED).into_bytes(),
        None,
    );
    fake.wait_for_message(supervisor.id, |m| {
        m.plain_text.contains(&fixed("import-done"))
    })
    .await;

    output += &bot.stop().await;

    // A second start with a real-looking token that Telegram refuses (401 on getMe).
    let refused = Process::spawn(bot_command(path, &fake, REVOKED_TOKEN));
    refused.wait_for_log("getMe failed").await;
    let before = fake.requests_for("getMe").len();
    fake.wait_for_requests("getMe", before + 1).await;
    output += &refused.stop().await;

    // HB_LOGS_DUMP=FILE keeps what the processes wrote, to read while changing this test.
    if let Ok(dump) = std::env::var("HB_LOGS_DUMP") {
        let _ = std::fs::write(dump, &output);
    }

    // The logs are there, at every level, and cover the error paths.
    for expected in [" TRACE ", " DEBUG ", " INFO ", " WARN ", " ERROR "] {
        assert!(
            output.contains(expected),
            "no {expected:?} line in the logs:\n{output}"
        );
    }
    for event in [
        "staff linked by contact",
        "buyer linked by contact",
        "contact matched nobody",
        "receiving updates failed",
        "send failed",
        "handling a message failed",
        "getMe failed",
    ] {
        assert!(
            output.contains(event),
            "the scenario did not reach {event:?}"
        );
    }

    let mut secrets = token_forms(TOKEN);
    secrets.extend(token_forms(REVOKED_TOKEN));
    for phone in PHONES {
        secrets.extend(phone_forms(phone));
    }
    let found = leaks(&output, &secrets);
    assert!(
        found.is_empty(),
        "secrets in the logs ({} lines of output):\n{}",
        output.lines().count(),
        found.join("\n")
    );
}

/// A press answered just before a crash, and not yet recorded as handled, is handled again
/// after the restart. Telegram refuses the second answer ("query is too old and response
/// timeout expired or query ID is invalid"): that answer counts as given, quietly, and the press
/// still takes effect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_answered_before_a_crash_is_handled_again_without_an_error_line() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let person = fake.user(61_001, "Ann");
    let bot = Process::spawn(bot_command(path, &fake, TOKEN));
    fake.send_text(&person, "/language");
    let choose = fake
        .wait_for_message(person.id, |m| m.reply_markup.is_some())
        .await;
    fake.press_button_with_text(&person, &choose, "English");
    let press = fake.last_update_id().expect("the press is an update");
    fake.wait_for_messages(person.id, 2).await;
    assert_eq!(fake.callback_answers().len(), 1, "the press was answered");
    bot.stop().await;

    // The crash came after the answer, before the press was recorded as handled.
    let store = handover_bot::store::Store::connect(&format!(
        "sqlite://{}",
        path.join("handover.db").display()
    ))
    .await
    .unwrap();
    let mut tx = store.begin().await.unwrap();
    let forgotten = tx
        .purge_handled_updates(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    assert!(forgotten > 0);

    let bot = Process::spawn(bot_command(path, &fake, TOKEN));
    fake.redeliver(press);
    // Handled again: the choice is confirmed once more.
    fake.wait_for_messages(person.id, 3).await;
    let output = bot.stop().await;
    assert_eq!(
        fake.callback_answers().len(),
        1,
        "Telegram took no second answer"
    );
    let errors: Vec<&str> = output.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "error lines:\n{}", errors.join("\n"));
}
