//! One campaign fixture: a linked supervisor, one ambassador, the engineers, receptionist, homes
//! and linked buyers a test asks for, and the supervisor's `/assign` plan confirmed.
//!
//! ```ignore
//! let Campaign { app, ambassador, engineer, buyer, .. } =
//!     Site::new().engineer_for(1).homes(1).linked(&[0]).assigned().await;
//! ```
//!
//! A test about what happens before the plan (or about the plan itself) stops at `started()`
//! and calls `Campaign::assign` when it is ready.

use std::collections::BTreeSet;

use handover_bot::config::Config;

use super::app::TestApp;
use super::fake_telegram::{SentMessage, User};
use super::people::{buyers_csv, link_by_contact, load_buyers, load_staff};
use super::steps::{button, press_on, wait_text};
use super::text::zh;
use handover_bot::bot::callback::Callback;
use handover_bot::i18n::Arg;

/// A member of staff the fixture can put on file: name on file, phone, first name in Telegram,
/// user id.
type Staff = (&'static str, &'static str, &'static str, i64);

const ENGINEERS: [Staff; 2] = [
    ("Zhang Gong", "13700000002", "Zhang", 8_401),
    ("Zhao Gong", "13700000003", "Zhao", 8_402),
];
const SUPERVISOR: Staff = ("Wang Fang", "13800000001", "Fang", 9_001);
const AMBASSADOR: Staff = ("Li Lei", "13700000001", "Lei", 8_301);
const OTHER_AMBASSADOR: Staff = ("Han Mei", "13700000005", "Mei", 8_302);
/// The backup ambassadors, regular and senior, five households each.
const BACKUPS: [Staff; 2] = [
    ("Backup A", "13700000006", "BA", 8_311),
    ("Backup B", "13700000007", "BB", 8_312),
];
const RECEPTION: Staff = ("Sun Jie", "13700000004", "Sun", 8_501);

/// The part of the supervisor's confirmation that says how many homes were assigned.
fn assigned_text(homes: usize) -> String {
    let done = zh(
        "assign-done",
        &[
            ("count", Arg::Number(homes as i64)),
            ("unplaced", Arg::Number(0)),
        ],
    );
    // "✅ 已分配 N 户，未能分配 0 户。…": up to the first comma, as the tests always read it.
    done.split('，').next().unwrap_or(&done).to_string()
}

/// The fields of one CSV line (quotes keep commas inside a field).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().expect("one field at least").push('"');
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => out.push(String::new()),
            _ => out.last_mut().expect("one field at least").push(c),
        }
    }
    out
}

/// A CSV field that reads back as `value`, whatever it holds.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// A buyer file's rows as (home, phone): the home is its building, entrance and room.
fn buyer_rows(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let header = fields(lines.next().expect("a header"));
    let column = |name: &str| header.iter().position(|h| h == name);
    let phone = column("phone").expect("a phone column");
    let home: Vec<usize> = ["building", "entrance", "room"]
        .into_iter()
        .filter_map(column)
        .collect();
    lines
        .map(fields)
        .map(|row| {
            let at = home.iter().map(|&i| row[i].as_str()).collect::<Vec<_>>();
            (at.join("-"), row[phone].clone())
        })
        .collect()
}

/// A change to the settings of the application under test.
type Adjust = Box<dyn FnOnce(&mut Config)>;

/// The address Telegram clients would open the Mini App at (`Site::mini_app`); tests reach
/// its pages on the application's own HTTP server.
pub const PUBLIC_URL: &str = "https://handover.example/";

/// What the campaign holds; `started` or `assigned` builds it.
pub struct Site {
    homes: usize,
    buyers_file: Option<String>,
    linked: Vec<usize>,
    supervisor: bool,
    ambassador: bool,
    /// Whether the ambassador opens the bot.
    ambassador_linked: bool,
    senior: bool,
    capacity: u32,
    other_ambassador: bool,
    backups: bool,
    /// More staff rows, on file and never in touch with the bot.
    staff_file: Option<String>,
    /// (buildings led, whether they open the bot), in the order added.
    engineers: Vec<(String, bool)>,
    /// Names on file other than the fixture's: (the fixture's name, the one on file).
    renamed: Vec<(&'static str, String)>,
    reception: bool,
    adjust: Option<Adjust>,
}

/// A running campaign. People the site was not asked for are described but never on file and
/// never in touch with the bot.
pub struct Campaign {
    pub app: TestApp,
    pub supervisor: User,
    pub ambassador: User,
    /// The second ambassador (`other_ambassador`), Han Mei.
    pub other_ambassador: User,
    /// The backup ambassadors (`backups`): Backup A, regular, and Backup B, senior.
    pub backups: [User; 2],
    /// The first engineer added (`engineer_for`).
    pub engineer: User,
    /// The second engineer added.
    pub other_engineer: User,
    /// The complaints receptionist (`reception`).
    pub reception: User,
    /// The linked buyers, in the order `linked` named them.
    pub buyers: Vec<User>,
    /// The first linked buyer.
    pub buyer: User,
    /// How many homes the buyer file holds (what `assign` places).
    pub homes: usize,
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

impl Site {
    /// A supervisor (Wang Fang) and one ambassador (Li Lei, regular, capacity 10), both linked,
    /// and no homes yet.
    pub fn new() -> Self {
        Site {
            homes: 0,
            buyers_file: None,
            linked: Vec::new(),
            supervisor: true,
            ambassador: true,
            ambassador_linked: true,
            senior: false,
            capacity: 10,
            other_ambassador: false,
            backups: false,
            staff_file: None,
            engineers: Vec::new(),
            renamed: Vec::new(),
            reception: false,
            adjust: None,
        }
    }

    /// `count` homes from `buyers_csv` (buildings 1 and 2 alternating).
    pub fn homes(mut self, count: usize) -> Self {
        self.homes = count;
        self
    }

    /// The buyers of these homes (indices into `buyers_csv`, or into the rows of `buyers_file`)
    /// link through their contact.
    pub fn linked(mut self, buyers: &[usize]) -> Self {
        self.linked = buyers.to_vec();
        self
    }

    /// Every buyer of the file links through their contact.
    pub fn all_linked(mut self) -> Self {
        self.linked = (0..self.rows().len()).collect();
        self
    }

    /// This buyer file instead of `buyers_csv`: its rows are what `linked` names.
    pub fn buyers_file(mut self, csv: &str) -> Self {
        self.buyers_file = Some(csv.to_string());
        self
    }

    /// No supervisor on file.
    pub fn without_supervisor(mut self) -> Self {
        self.supervisor = false;
        self
    }

    /// No ambassador on file: nobody to assign households to.
    pub fn without_ambassador(mut self) -> Self {
        self.ambassador = false;
        self
    }

    /// The ambassador is on file but has never opened the bot.
    pub fn ambassador_on_file(mut self) -> Self {
        self.ambassador_linked = false;
        self
    }

    /// The ambassador is senior (the plan gives them the sensitive buyers).
    pub fn senior(mut self) -> Self {
        self.senior = true;
        self
    }

    /// How many households each ambassador takes.
    pub fn capacity(mut self, households: u32) -> Self {
        self.capacity = households;
        self
    }

    /// A second ambassador, Han Mei, regular, linked, with the same capacity.
    pub fn other_ambassador(mut self) -> Self {
        self.other_ambassador = true;
        self
    }

    /// Two backup ambassadors, linked.
    pub fn backups(mut self) -> Self {
        self.backups = true;
        self
    }

    /// More staff, from a staff file (header included), on file but not linked.
    pub fn staff_file(mut self, csv: &str) -> Self {
        self.staff_file = Some(csv.to_string());
        self
    }

    /// An engineer leading `building` (a building, or the file's list of several), linked.
    pub fn engineer_for(mut self, building: impl ToString) -> Self {
        self.engineers.push((building.to_string(), true));
        self
    }

    /// An engineer leading `building`, on file but who has never opened the bot.
    pub fn engineer_on_file_for(mut self, building: impl ToString) -> Self {
        self.engineers.push((building.to_string(), false));
        self
    }

    /// The member of staff the fixture calls `fixture_name` (such as "Li Lei") is on file as
    /// `name`.
    pub fn renamed(mut self, fixture_name: &'static str, name: &str) -> Self {
        self.renamed.push((fixture_name, name.to_string()));
        self
    }

    /// The name on file of the member of staff the fixture calls `fixture_name`.
    fn name_of(&self, fixture_name: &str) -> String {
        self.renamed
            .iter()
            .rev()
            .find(|(from, _)| *from == fixture_name)
            .map_or_else(|| fixture_name.to_string(), |(_, to)| to.clone())
    }

    /// A complaints receptionist, linked.
    pub fn reception(mut self) -> Self {
        self.reception = true;
        self
    }

    /// The Mini App on at [`PUBLIC_URL`] with signatures by `rule`, and a checklist of one key
    /// kind (the entrance door), `meters` (`water,electricity`) and one document (the quality
    /// guarantee).
    pub fn mini_app(self, rule: handover_bot::config::SignatureRule, meters: &'static str) -> Self {
        use handover_bot::domain::aftercare::{Checklist, parse_items};
        self.config(move |c| {
            c.public_url = Some(url::Url::parse(PUBLIC_URL).unwrap());
            c.listen_addr = Some("127.0.0.1:0".parse().unwrap());
            c.signature = rule;
            c.checklist = Checklist {
                key_kinds: parse_items("entrance_door").unwrap(),
                meters: parse_items(meters).unwrap(),
                documents: parse_items("quality_guarantee").unwrap(),
            };
        })
    }

    /// Settings of the application under test.
    pub fn config(mut self, adjust: impl FnOnce(&mut Config) + 'static) -> Self {
        self.adjust = Some(Box::new(adjust));
        self
    }

    fn buyers(&self) -> String {
        self.buyers_file
            .clone()
            .unwrap_or_else(|| buyers_csv(self.homes))
    }

    fn rows(&self) -> Vec<(String, String)> {
        buyer_rows(&self.buyers())
    }

    /// The staff file for everyone the site was asked for but the supervisor.
    fn staff(&self) -> String {
        let row = |(name, phone, ..): Staff, roles: &str, seniority: &str, capacity: &str| {
            let name = quoted(&self.name_of(name));
            format!("{name},{phone},{roles},{seniority},{capacity},\n")
        };
        let mut staff = String::from("name,phone,roles,seniority,capacity,buildings\n");
        let capacity = self.capacity.to_string();
        if self.ambassador {
            let seniority = if self.senior { "senior" } else { "regular" };
            staff.push_str(&row(AMBASSADOR, "ambassador", seniority, &capacity));
        }
        if self.other_ambassador {
            staff.push_str(&row(OTHER_AMBASSADOR, "ambassador", "regular", &capacity));
        }
        if self.backups {
            staff.push_str(&row(BACKUPS[0], "backup_ambassador", "regular", "5"));
            staff.push_str(&row(BACKUPS[1], "backup_ambassador", "senior", "5"));
        }
        for (i, (building, _)) in self.engineers.iter().enumerate() {
            let (name, phone, ..) = ENGINEERS[i];
            let (name, building) = (quoted(&self.name_of(name)), quoted(building));
            staff.push_str(&format!("{name},{phone},engineer,,,{building}\n"));
        }
        if self.reception {
            staff.push_str(&row(RECEPTION, "complaints", "", ""));
        }
        staff
    }

    /// Starts the application and loads and links everyone; nothing assigned yet.
    pub async fn started(mut self) -> Campaign {
        let adjust = self.adjust.take();
        let app = TestApp::start_with(|config| {
            if let Some(adjust) = adjust {
                adjust(config);
            }
        })
        .await;
        let person = |(_, _, first, id): Staff| app.fake.user(id, first);
        let link = async |staff: Staff, person: &User| {
            link_by_contact(&app, person, &format!("+86{}", staff.1)).await;
        };
        let supervisor = person(SUPERVISOR);
        if self.supervisor {
            let (name, phone, ..) = SUPERVISOR;
            load_staff(
                &app,
                &format!("name,phone,roles\n{name},{phone},supervisor\n"),
            )
            .await;
            link(SUPERVISOR, &supervisor).await;
        }
        let staff = self.staff();
        if staff.lines().count() > 1 {
            load_staff(&app, &staff).await;
        }
        if let Some(more) = &self.staff_file {
            load_staff(&app, more).await;
        }
        let buyer_file = self.buyers();
        let rows = buyer_rows(&buyer_file);
        if !rows.is_empty() {
            load_buyers(&app, &buyer_file).await;
        }

        let ambassador = person(AMBASSADOR);
        if self.ambassador && self.ambassador_linked {
            link(AMBASSADOR, &ambassador).await;
        }
        let other_ambassador = person(OTHER_AMBASSADOR);
        if self.other_ambassador {
            link(OTHER_AMBASSADOR, &other_ambassador).await;
        }
        let backups = BACKUPS.map(person);
        if self.backups {
            for (staff, backup) in BACKUPS.iter().zip(&backups) {
                link(*staff, backup).await;
            }
        }
        let engineers: Vec<User> = ENGINEERS.iter().map(|e| person(*e)).collect();
        for (i, (_, linked)) in self.engineers.iter().enumerate() {
            if *linked {
                link(ENGINEERS[i], &engineers[i]).await;
            }
        }
        let reception = person(RECEPTION);
        if self.reception {
            link(RECEPTION, &reception).await;
        }
        let mut buyers = Vec::new();
        for &i in &self.linked {
            let buyer = app.fake.user(30_000 + i as i64, &format!("B{i}"));
            link_by_contact(&app, &buyer, &format!("+86{}", rows[i].1)).await;
            buyers.push(buyer);
        }

        let buyer = buyers
            .first()
            .cloned()
            .unwrap_or_else(|| app.fake.user(30_000, "B0"));
        let [engineer, other_engineer] = <[User; 2]>::try_from(engineers).expect("two engineers");
        let homes = rows
            .iter()
            .map(|(home, _)| home)
            .collect::<BTreeSet<_>>()
            .len();
        Campaign {
            app,
            supervisor,
            ambassador,
            other_ambassador,
            backups,
            engineer,
            other_engineer,
            reception,
            buyers,
            buyer,
            homes,
        }
    }

    /// Starts the application, loads and links everyone, and confirms the supervisor's plan.
    pub async fn assigned(self) -> Campaign {
        let campaign = self.started().await;
        campaign.assign().await;
        campaign
    }
}

impl Campaign {
    /// The supervisor's `/assign`, confirmed: every home placed. The plan the supervisor
    /// confirmed.
    pub async fn assign(&self) -> SentMessage {
        let confirm = |c: &Callback| matches!(c, Callback::AssignConfirm(_));
        let after = self
            .app
            .fake
            .sent_messages(self.supervisor.id)
            .last()
            .map_or(0, |m| m.message_id);
        self.app.fake.send_text(&self.supervisor, "/assign");
        // Other news may reach the supervisor first: the plan is the message with its button.
        let plan = self
            .app
            .fake
            .wait_for_message(self.supervisor.id, |m| {
                m.message_id > after && button(m, confirm).is_some()
            })
            .await;
        press_on(&self.app, &self.supervisor, &plan, confirm);
        wait_text(&self.app, &self.supervisor, &assigned_text(self.homes)).await;
        plan
    }
}
