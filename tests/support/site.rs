//! One campaign fixture: a linked supervisor, one ambassador, the engineers, receptionist, homes
//! and linked buyers a test asks for, and the supervisor's `/assign` plan confirmed.
//!
//! ```ignore
//! let Campaign { app, ambassador, engineer, buyer, .. } =
//!     Site::new().engineer_for(1).homes(1).linked(&[0]).assigned().await;
//! ```

use handover_bot::config::Config;

use super::app::TestApp;
use super::fake_telegram::User;
use super::people::{buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers};
use super::people::{load_staff, reply_to};
use super::steps::{press_where, wait_text};
use super::text::zh;
use handover_bot::bot::callback::Callback;
use handover_bot::i18n::Arg;

/// Staff the fixture can put on file: (name on file, phone, first name in Telegram, user id).
const ENGINEERS: [(&str, &str, &str, i64); 2] = [
    ("Zhang Gong", "13700000002", "Zhang", 8_401),
    ("Zhao Gong", "13700000003", "Zhao", 8_402),
];
const AMBASSADOR: (&str, &str, &str, i64) = ("Li Lei", "13700000001", "Lei", 8_301);
const RECEPTION: (&str, &str, &str, i64) = ("Sun Jie", "13700000004", "Sun", 8_501);

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

/// A change to the settings of the application under test.
type Adjust = Box<dyn FnOnce(&mut Config)>;

/// What the campaign holds; `assigned` builds it.
pub struct Site {
    homes: usize,
    linked: Vec<usize>,
    /// (building led, whether they open the bot), in the order added.
    engineers: Vec<(u32, bool)>,
    reception: bool,
    adjust: Option<Adjust>,
}

/// A running campaign. People the site was not asked for are described but never on file and
/// never in touch with the bot.
pub struct Campaign {
    pub app: TestApp,
    pub supervisor: User,
    pub ambassador: User,
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
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

impl Site {
    /// One ambassador (Li Lei, capacity 10) and no homes yet.
    pub fn new() -> Self {
        Site {
            homes: 0,
            linked: Vec::new(),
            engineers: Vec::new(),
            reception: false,
            adjust: None,
        }
    }

    /// `count` homes from `buyers_csv` (buildings 1 and 2 alternating).
    pub fn homes(mut self, count: usize) -> Self {
        self.homes = count;
        self
    }

    /// The buyers of these homes (indices into `buyers_csv`) link through their contact.
    pub fn linked(mut self, buyers: &[usize]) -> Self {
        self.linked = buyers.to_vec();
        self
    }

    /// An engineer leading `building`, linked.
    pub fn engineer_for(mut self, building: u32) -> Self {
        self.engineers.push((building, true));
        self
    }

    /// An engineer leading `building`, on file but who has never opened the bot.
    pub fn engineer_on_file_for(mut self, building: u32) -> Self {
        self.engineers.push((building, false));
        self
    }

    /// A complaints receptionist, linked.
    pub fn reception(mut self) -> Self {
        self.reception = true;
        self
    }

    /// Settings of the application under test.
    pub fn config(mut self, adjust: impl FnOnce(&mut Config) + 'static) -> Self {
        self.adjust = Some(Box::new(adjust));
        self
    }

    /// Starts the application, loads and links everyone, and confirms the supervisor's plan.
    pub async fn assigned(self) -> Campaign {
        let adjust = self.adjust;
        let app = TestApp::start_with(|config| {
            if let Some(adjust) = adjust {
                adjust(config);
            }
        })
        .await;
        let supervisor = linked_supervisor(&app, 9_001).await;
        let mut staff = String::from("name,phone,roles,capacity,buildings\n");
        staff.push_str(&format!(
            "{},{},ambassador,10,\n",
            AMBASSADOR.0, AMBASSADOR.1
        ));
        for (i, (building, _)) in self.engineers.iter().enumerate() {
            let (name, phone, ..) = ENGINEERS[i];
            staff.push_str(&format!("{name},{phone},engineer,,{building}\n"));
        }
        if self.reception {
            staff.push_str(&format!("{},{},complaints,,\n", RECEPTION.0, RECEPTION.1));
        }
        load_staff(&app, &staff).await;
        load_buyers(&app, &buyers_csv(self.homes)).await;

        let person = |(_, _, first, id): (&str, &str, &str, i64)| app.fake.user(id, first);
        let ambassador = person(AMBASSADOR);
        link_by_contact(&app, &ambassador, &format!("+86{}", AMBASSADOR.1)).await;
        let engineers: Vec<User> = ENGINEERS.iter().map(|e| person(*e)).collect();
        for (i, (_, linked)) in self.engineers.iter().enumerate() {
            if *linked {
                link_by_contact(&app, &engineers[i], &format!("+86{}", ENGINEERS[i].1)).await;
            }
        }
        let reception = person(RECEPTION);
        if self.reception {
            link_by_contact(&app, &reception, &format!("+86{}", RECEPTION.1)).await;
        }
        let mut buyers = Vec::new();
        for &i in &self.linked {
            let buyer = app.fake.user(30_000 + i as i64, &format!("B{i}"));
            link_by_contact(&app, &buyer, &buyer_phone(i)).await;
            buyers.push(buyer);
        }

        reply_to(&app, &supervisor, "/assign").await;
        press_where(&app, &supervisor, |c| {
            matches!(c, Callback::AssignConfirm(_))
        })
        .await;
        wait_text(&app, &supervisor, &assigned_text(self.homes)).await;
        let buyer = buyers
            .first()
            .cloned()
            .unwrap_or_else(|| app.fake.user(30_000, "B0"));
        let [engineer, other_engineer] = <[User; 2]>::try_from(engineers).expect("two engineers");
        Campaign {
            app,
            supervisor,
            ambassador,
            engineer,
            other_engineer,
            reception,
            buyers,
            buyer,
        }
    }
}
