//! Defects on the floor plan: each item's pin on its home's plan, placed in the Mini App's plan
//! page and shown there (all items of a home, or of a unit type in a building), on the pictures
//! of the cards Telegram shows, and on the first page of the defect report.
//!
//! A pin is stored in the plan's own orientation; a mirrored home (镜像) sees the plan flipped,
//! and the page speaks in what it shows ([`Pin::as_shown`], [`Pin::from_shown`]).

use super::room_areas::ShownArea;
use super::signatures::PageLogin;
use super::{ServiceResult, Services};
use crate::domain::authz;
use crate::domain::people::{Actor, Lang};
use crate::domain::plan::{Pin, colour_hex, status_colour, unit_type_key};
use crate::domain::remediation::DefectStatus;
use crate::i18n::{Arg, plain_text};
use crate::present::Label as _;
use crate::render::plan::{PinMark, PlanPicture};
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::defects::Defect;
use crate::store::plans::FloorPlan;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tracing::instrument;

/// A home's plan: its type's newest, and whether the home is that plan flipped.
#[derive(Debug, Clone, PartialEq)]
pub struct HomePlan {
    pub plan: FloorPlan,
    pub mirrored: bool,
}

/// The plan image as a page loads it (`image` is relative to the page).
#[derive(Debug, Clone, Serialize)]
pub struct PlanImage {
    pub image: String,
    pub width: i64,
    pub height: i64,
    pub mirrored: bool,
}

/// One item as a pin on the plan page, where the reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PinnedItem {
    pub id: i64,
    pub number: usize,
    pub home: String,
    pub x: f64,
    pub y: f64,
    pub status: &'static str,
    pub status_label: String,
    pub colour: String,
    pub category: &'static str,
    pub category_label: String,
    pub room_label: String,
    pub note: String,
}

/// The item a pin is being placed for.
#[derive(Debug, Clone, Serialize)]
pub struct PinSubject {
    pub id: i64,
    pub number: usize,
    pub label: String,
    pub status: &'static str,
    pub status_label: String,
    pub colour: String,
}

/// What the plan page shows to place one item's pin (plain text: the page escapes nothing).
#[derive(Debug, Clone, Serialize)]
pub struct PinView {
    pub mode: &'static str,
    pub lang: &'static str,
    pub title: String,
    pub plan: PlanImage,
    pub item: PinSubject,
    /// Where it is now, as the reader sees the plan.
    pub pin: Option<Pin>,
    /// Whether this reader may place or move it.
    pub editable: bool,
    /// Where the item's room is on the plan, as the reader sees it (none drawn: empty).
    pub areas: Vec<ShownArea>,
    pub texts: serde_json::Value,
}

/// A home above whose items the plan page may show (leakage often comes from there).
#[derive(Debug, Clone, Serialize)]
pub struct AboveItems {
    pub home: String,
    pub items: Vec<PinnedItem>,
}

/// A status or kind the page filters by.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    pub code: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// What the plan page shows of every item of a home, or of a unit type in a building.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub mode: &'static str,
    pub lang: &'static str,
    pub title: String,
    pub plan: PlanImage,
    pub items: Vec<PinnedItem>,
    /// Items without a pin (not drawn).
    pub unpinned: usize,
    pub above: Option<AboveItems>,
    pub can_show_above: bool,
    pub above_home: Option<String>,
    pub statuses: Vec<Filter>,
    pub categories: Vec<Filter>,
    pub texts: serde_json::Value,
}

/// What became of a pin sent from the page.
#[derive(Debug, Clone, PartialEq)]
pub enum PinPlaced {
    Kept {
        message: String,
        pin: Pin,
    },
    /// Not a position on the plan (outside it, or not numbers).
    BadPosition {
        message: String,
    },
    /// No such item, no plan for its home, or not this person's to place.
    NotFound {
        message: String,
    },
}

/// A plan image for a page: its bytes and type.
pub struct PlanBytes {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

impl PlanBytes {
    /// A kept plan's bytes (a PNG or a JPEG: uploads are checked) with their type.
    pub fn of(bytes: Vec<u8>) -> PlanBytes {
        let mime = match crate::media::sniff_image(&bytes) {
            Some(("image/png", _)) => "image/png",
            _ => "image/jpeg",
        };
        PlanBytes { bytes, mime }
    }
}

/// The items of one home, each with its number in the home's list (the number /defects, the
/// buyer's list and the report give it).
fn numbered(defects: &[Defect]) -> impl Iterator<Item = (usize, &Defect)> {
    defects.iter().enumerate().map(|(i, d)| (i + 1, d))
}

/// The room number of the home right above `room` in the same stack ("1502" → "1602"), when
/// rooms are numbered floor then position.
pub fn room_above(room: &str) -> Option<String> {
    let room = room.trim();
    if room.len() < 3 || !room.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let number: u32 = room.parse().ok()?;
    let above = (number / 100 + 1) * 100 + number % 100;
    Some(above.to_string())
}

impl Services {
    /// The plan `household` shows, if its type has one.
    pub(crate) async fn home_plan(
        &self,
        tx: &mut Tx,
        household: &Household,
    ) -> ServiceResult<Option<HomePlan>> {
        let Some(key) = household.unit_type.as_deref().and_then(unit_type_key) else {
            return Ok(None);
        };
        Ok(tx
            .floor_plan_of_unit(household.unit.unit_id, &key)
            .await?
            .map(|plan| HomePlan {
                plan,
                mirrored: household.plan_mirrored,
            }))
    }

    /// The plan page of the Mini App for placing item `defect_id`'s pin, when the Mini App is on.
    pub fn pin_url(&self, defect_id: i64) -> Option<String> {
        self.plan_page_url(&[("defect", defect_id.to_string())])
    }

    /// The plan page showing every item of the home `unit_id`, when the Mini App is on.
    pub fn plan_view_url(&self, unit_id: i64) -> Option<String> {
        self.plan_page_url(&[("unit", unit_id.to_string())])
    }

    pub(super) fn plan_page_url(&self, query: &[(&str, String)]) -> Option<String> {
        let base = self.config.public_url.as_ref()?;
        let mut url = base.join("app/plan").ok()?;
        for (name, value) in query {
            url.query_pairs_mut().append_pair(name, value);
        }
        Some(url.to_string())
    }

    /// Whether the home `unit_id` has a plan, so its items can be pinned.
    pub async fn home_has_plan(&self, unit_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.read().await?;
        let plan = match tx.household(unit_id).await? {
            Some(household) => self.home_plan(&mut tx, &household).await?,
            None => None,
        };
        tx.commit().await?;
        Ok(plan.is_some())
    }

    /// The page placing item `defect_id`'s pin, when the Mini App is on and its home has a plan.
    pub async fn pin_page(&self, defect_id: i64) -> ServiceResult<Option<String>> {
        if self.config.public_url.is_none() {
            return Ok(None);
        }
        let mut tx = self.store.read().await?;
        let unit = tx.defect(defect_id).await?.map(|d| d.unit_id);
        tx.commit().await?;
        match unit {
            Some(unit) if self.home_has_plan(unit).await? => Ok(self.pin_url(defect_id)),
            _ => Ok(None),
        }
    }

    /// The page showing a home's items on its plan, when the Mini App is on and it has a plan;
    /// and for those who may see them, the page with every item of its unit type in its
    /// building.
    pub async fn plan_view_pages(
        &self,
        actor: &Actor,
        household: &Household,
    ) -> ServiceResult<(Option<String>, Option<String>)> {
        let unit_id = household.unit.unit_id;
        if self.config.public_url.is_none() || !self.home_has_plan(unit_id).await? {
            return Ok((None, None));
        }
        let all = authz::may_see_type_plan(actor, &household.unit.building)
            .then(|| self.plan_page_url(&[("unit", unit_id.to_string()), ("all", "1".to_string())]))
            .flatten();
        Ok((self.plan_view_url(unit_id), all))
    }

    /// The person a page login speaks for, and their language; `None` when their access ended.
    pub(super) async fn page_person(
        &self,
        login: &PageLogin,
    ) -> ServiceResult<Option<(Actor, Lang)>> {
        let person = self
            .identify(login.telegram_id, login.language_code.as_deref())
            .await?;
        Ok((!person.access_ended).then_some((person.actor, person.lang)))
    }

    pub(super) fn page_text(&self, lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
        plain_text(&self.i18n.text(lang, key, args))
    }

    pub(super) fn page_texts(&self, lang: Lang, keys: &[(&str, &str)]) -> serde_json::Value {
        keys.iter()
            .map(|(name, key)| {
                (
                    name.to_string(),
                    serde_json::Value::String(self.page_text(lang, key, &[])),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    fn pinned_item(
        &self,
        lang: Lang,
        number: usize,
        defect: &Defect,
        home: &str,
        pin: Pin,
    ) -> PinnedItem {
        let i18n = &self.i18n;
        PinnedItem {
            id: defect.id,
            number,
            home: home.to_string(),
            x: pin.x,
            y: pin.y,
            status: defect.status.as_str(),
            status_label: plain_text(&defect.status.label(i18n, lang)),
            colour: colour_hex(status_colour(defect.status)),
            category: defect.category.as_str(),
            category_label: plain_text(&defect.category.label(i18n, lang)),
            room_label: plain_text(&defect.room.label(i18n, lang)),
            note: defect.note.clone(),
        }
    }

    /// The plan page for placing item `defect_id`'s pin, for the person logged in; `None` when
    /// the item is not theirs to see or its home has no plan.
    #[instrument(skip_all)]
    pub async fn pin_view(
        &self,
        login: &PageLogin,
        defect_id: i64,
    ) -> ServiceResult<Option<PinView>> {
        let Some((actor, lang)) = self.page_person(login).await? else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let Some((defect, household)) = self.visible_defect(&mut tx, &actor, defect_id).await?
        else {
            return Ok(None);
        };
        let Some(plan) = self.home_plan(&mut tx, &household).await? else {
            return Ok(None);
        };
        let defects = tx.defects_of_unit(household.unit.unit_id, None).await?;
        let areas = self.room_areas_of(&mut tx, &plan, defect.room).await?;
        tx.commit().await?;
        let number = number_of(&defects, defect.id);
        let i18n = &self.i18n;
        let home = household.unit.short();
        let room_label = plain_text(&defect.room.label(i18n, lang));
        let mut texts = self.page_texts(
            lang,
            &[
                ("hint", "plan-page-hint"),
                ("save", "plan-page-save"),
                ("saving", "plan-page-saving"),
                ("saved", "plan-page-saved"),
                ("failed", "plan-page-failed"),
                ("locked", "plan-page-locked"),
                ("zoom_in", "plan-page-zoom-in"),
                ("zoom_out", "plan-page-zoom-out"),
                ("reset", "plan-page-reset"),
            ],
        );
        texts["room_shaded"] = self
            .page_text(
                lang,
                "plan-page-room-shaded",
                &[("room", Arg::from(room_label.as_str()))],
            )
            .into();
        Ok(Some(PinView {
            mode: "place",
            lang: lang.code(),
            title: self.page_text(
                lang,
                "plan-page-title-place",
                &[
                    ("home", Arg::from(home.as_str())),
                    ("number", Arg::from(number)),
                ],
            ),
            plan: self.plan_image(&household, &plan),
            item: PinSubject {
                id: defect.id,
                number,
                label: plain_text(&crate::present::parts(
                    i18n,
                    lang,
                    [
                        defect.room.label(i18n, lang),
                        defect.category.label(i18n, lang),
                    ],
                )),
                status: defect.status.as_str(),
                status_label: plain_text(&defect.status.label(i18n, lang)),
                colour: colour_hex(status_colour(defect.status)),
            },
            pin: defect.pin.map(|pin| pin.as_shown(plan.mirrored)),
            editable: may_place_pin(&actor, &household, &defect),
            areas: self.shown_areas(lang, &areas, plan.mirrored),
            texts,
        }))
    }

    fn plan_image(&self, household: &Household, plan: &HomePlan) -> PlanImage {
        PlanImage {
            image: format!(
                "api/units/{}/plan-image?v={}",
                household.unit.unit_id, plan.plan.version
            ),
            width: plan.plan.width,
            height: plan.plan.height,
            mirrored: plan.mirrored,
        }
    }

    /// Places item `defect_id`'s pin where the person tapped on the plan as they see it
    /// (`x`, `y` from 0 to 1). Placing it where it already is changes nothing.
    #[instrument(skip_all)]
    pub async fn place_pin(
        &self,
        login: &PageLogin,
        defect_id: i64,
        x: f64,
        y: f64,
    ) -> ServiceResult<PinPlaced> {
        let lang = self.login_lang(login).await?;
        let not_found = || PinPlaced::NotFound {
            message: self.page_text(lang, "plan-page-not-found", &[]),
        };
        let Some((actor, lang)) = self.page_person(login).await? else {
            return Ok(not_found());
        };
        let Some(shown) = Pin::new(x, y) else {
            return Ok(PinPlaced::BadPosition {
                message: self.page_text(lang, "plan-page-bad-position", &[]),
            });
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((defect, household)) = self.visible_defect(&mut tx, &actor, defect_id).await?
        else {
            return Ok(not_found());
        };
        if !may_place_pin(&actor, &household, &defect) {
            return Ok(not_found());
        }
        let Some(plan) = self.home_plan(&mut tx, &household).await? else {
            return Ok(not_found());
        };
        // Kept to five decimals: a tenth of a millimetre on a plan a metre wide.
        let round = |v: f64| (v * 100_000.0).round() / 100_000.0;
        let stored = Pin::from_shown(shown, plan.mirrored);
        let stored = Pin::new(round(stored.x), round(stored.y)).unwrap_or(stored);
        if tx.set_defect_pin(defect.id, stored).await? {
            tx.audit(
                now,
                &actor.audit_name(),
                "defect.pin",
                &format!("defect:{}", defect.id),
                serde_json::json!({ "x": stored.x, "y": stored.y, "plan_version": plan.plan.version }),
            )
            .await?;
        }
        let areas = self.room_areas_of(&mut tx, &plan, defect.room).await?;
        tx.commit().await?;
        // Kept wherever it was put (the person was there), but a pin outside the room drawn
        // for the item is worth a second look.
        let outside = !areas.is_empty() && !areas.iter().any(|a| a.area.contains(stored));
        let message = match outside {
            true => self.page_text(
                lang,
                "plan-page-saved-outside",
                &[(
                    "room",
                    Arg::from(plain_text(&defect.room.label(&self.i18n, lang))),
                )],
            ),
            false => self.page_text(lang, "plan-page-saved", &[]),
        };
        Ok(PinPlaced::Kept {
            message,
            pin: stored.as_shown(plan.mirrored),
        })
    }

    /// The language a page's words are in before the person is known.
    pub(super) async fn login_lang(&self, login: &PageLogin) -> ServiceResult<Lang> {
        Ok(login
            .language_code
            .as_deref()
            .and_then(Lang::from_telegram)
            .unwrap_or(self.config.default_language))
    }

    /// Every pinned item of the home `unit_id` on its plan, for those who may open the home;
    /// with `above`, for staff, the items of the home right above it too.
    #[instrument(skip_all)]
    pub async fn home_plan_view(
        &self,
        login: &PageLogin,
        unit_id: i64,
        above: bool,
    ) -> ServiceResult<Option<PlanView>> {
        let Some((actor, lang)) = self.page_person(login).await? else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !authz::may_open(&actor, household.home()) {
            return Ok(None);
        }
        let Some(plan) = self.home_plan(&mut tx, &household).await? else {
            return Ok(None);
        };
        let defects = super::defect_pdf::visible_defects(
            &actor,
            tx.defects_of_unit(household.unit.unit_id, None).await?,
        );
        // Another home's items are staff's only.
        let neighbour = match actor {
            Actor::Staff(_) => self.home_above(&mut tx, &household).await?,
            _ => None,
        };
        let above_items = match (&neighbour, above) {
            (Some(upstairs), true) => {
                let theirs = tx.defects_of_unit(upstairs.unit.unit_id, None).await?;
                let home = upstairs.unit.short();
                Some(AboveItems {
                    items: numbered(&theirs)
                        .filter_map(|(n, d)| {
                            d.pin.map(|pin| {
                                self.pinned_item(lang, n, d, &home, pin.as_shown(plan.mirrored))
                            })
                        })
                        .collect(),
                    home,
                })
            }
            _ => None,
        };
        tx.commit().await?;
        let home = household.unit.short();
        let items: Vec<PinnedItem> = numbered(&defects)
            .filter_map(|(n, d)| {
                d.pin
                    .map(|pin| self.pinned_item(lang, n, d, &home, pin.as_shown(plan.mirrored)))
            })
            .collect();
        let title = self.page_text(
            lang,
            "plan-page-title-home",
            &[
                ("home", Arg::from(home.as_str())),
                ("unit_type", Arg::from(plan.plan.unit_type.as_str())),
            ],
        );
        let mut view = self.plan_view(lang, title, self.plan_image(&household, &plan), items);
        view.unpinned = defects.iter().filter(|d| d.pin.is_none()).count();
        view.can_show_above = neighbour.is_some();
        view.above_home = neighbour.map(|h| h.unit.short());
        if let Some(above) = &above_items {
            view.texts["above"] = self
                .page_text(
                    lang,
                    "plan-page-above",
                    &[("home", Arg::from(above.home.as_str()))],
                )
                .into();
        }
        view.above = above_items;
        Ok(Some(view))
    }

    /// Every pinned item of the homes of unit type `unit_type` in the building of the home
    /// `unit_id`, for the engineers who lead that building and supervisors.
    #[instrument(skip_all)]
    pub async fn type_plan_view(
        &self,
        login: &PageLogin,
        unit_id: i64,
    ) -> ServiceResult<Option<PlanView>> {
        let Some((actor, lang)) = self.page_person(login).await? else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !authz::may_see_type_plan(&actor, &household.unit.building) {
            return Ok(None);
        }
        let Some(plan) = self.home_plan(&mut tx, &household).await? else {
            return Ok(None);
        };
        let mut items = Vec::new();
        let mut unpinned = 0;
        for home in tx
            .households_in_building(&household.unit.building)
            .await?
            .into_iter()
            .filter(|h| {
                h.unit.project == household.unit.project
                    && h.unit_type.as_deref().and_then(unit_type_key).as_deref()
                        == Some(plan.plan.unit_type.as_str())
            })
        {
            let label = home.unit.short();
            let defects = tx.defects_of_unit(home.unit.unit_id, None).await?;
            for (n, d) in numbered(&defects) {
                match d.pin {
                    Some(pin) => items.push(self.pinned_item(
                        lang,
                        n,
                        d,
                        &label,
                        pin.as_shown(home.plan_mirrored == household.plan_mirrored),
                    )),
                    None => unpinned += 1,
                }
            }
        }
        tx.commit().await?;
        let title = self.page_text(
            lang,
            "plan-page-title-type",
            &[
                ("building", Arg::from(household.unit.building.as_str())),
                ("unit_type", Arg::from(plan.plan.unit_type.as_str())),
            ],
        );
        // One picture for all: the plan as drawn, each home's pins in the plan's orientation.
        let unflipped = HomePlan {
            mirrored: false,
            ..plan
        };
        let mut view = self.plan_view(lang, title, self.plan_image(&household, &unflipped), items);
        view.unpinned = unpinned;
        Ok(Some(view))
    }

    fn plan_view(
        &self,
        lang: Lang,
        title: String,
        plan: PlanImage,
        items: Vec<PinnedItem>,
    ) -> PlanView {
        let i18n = &self.i18n;
        PlanView {
            mode: "view",
            lang: lang.code(),
            title,
            plan,
            unpinned: 0,
            above: None,
            can_show_above: false,
            above_home: None,
            statuses: DefectStatus::ALL
                .into_iter()
                .filter(|s| items.iter().any(|i| i.status == s.as_str()))
                .map(|s| Filter {
                    code: s.as_str(),
                    label: plain_text(&s.label(i18n, lang)),
                    colour: Some(colour_hex(status_colour(s))),
                })
                .collect(),
            categories: crate::domain::defect::Category::ALL
                .into_iter()
                .filter(|c| items.iter().any(|i| i.category == c.as_str()))
                .map(|c| Filter {
                    code: c.as_str(),
                    label: plain_text(&c.label(i18n, lang)),
                    colour: None,
                })
                .collect(),
            items,
            texts: self.page_texts(
                lang,
                &[
                    ("all", "plan-page-all"),
                    ("status", "plan-page-status"),
                    ("kind", "plan-page-kind"),
                    ("above", "plan-page-above-plain"),
                    ("no_pins", "plan-page-no-pins"),
                    ("close", "plan-page-close"),
                    ("unpinned", "plan-page-unpinned"),
                    ("zoom_in", "plan-page-zoom-in"),
                    ("zoom_out", "plan-page-zoom-out"),
                    ("reset", "plan-page-reset"),
                ],
            ),
        }
    }

    /// The home right above `household` in its stack, of the same unit type.
    async fn home_above(
        &self,
        tx: &mut Tx,
        household: &Household,
    ) -> ServiceResult<Option<Household>> {
        let Some(room) = room_above(&household.unit.room) else {
            return Ok(None);
        };
        let unit_type = household.unit_type.as_deref().and_then(unit_type_key);
        Ok(tx
            .households_in_building(&household.unit.building)
            .await?
            .into_iter()
            .find(|h| {
                h.unit.project == household.unit.project
                    && h.unit.entrance == household.unit.entrance
                    && h.unit.room == room
                    && h.unit_type.as_deref().and_then(unit_type_key) == unit_type
            }))
    }

    /// The plan image of the home `unit_id`, for anyone who may see its plan page.
    pub async fn plan_image_of(
        &self,
        login: &PageLogin,
        unit_id: i64,
    ) -> ServiceResult<Option<PlanBytes>> {
        let Some((actor, _)) = self.page_person(login).await? else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        let may = authz::may_open(&actor, household.home())
            || authz::may_see_type_plan(&actor, &household.unit.building)
            || self.engineer_of_a_defect(&mut tx, &actor, unit_id).await?;
        let plan = match may {
            true => self.home_plan(&mut tx, &household).await?,
            false => None,
        };
        let Some(plan) = plan else {
            return Ok(None);
        };
        let bytes = self.read_media_file(&mut tx, &plan.plan.sha256).await?;
        tx.commit().await?;
        Ok(Some(PlanBytes::of(bytes)))
    }

    /// Whether `actor` is the engineer a defect of `unit_id` is assigned to.
    async fn engineer_of_a_defect(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        unit_id: i64,
    ) -> ServiceResult<bool> {
        let Actor::Staff(me) = actor else {
            return Ok(false);
        };
        Ok(tx
            .defects_of_unit(unit_id, None)
            .await?
            .iter()
            .any(|d| d.engineer_id == Some(me.id)))
    }

    /// The bytes of a file in the media store, by its hash.
    pub(super) async fn read_media_file(
        &self,
        tx: &mut Tx,
        sha256: &str,
    ) -> ServiceResult<Vec<u8>> {
        let path = tx.media_path(sha256).await?;
        let Some(path) = path else {
            return Err(crate::store::StoreError::Corrupt(format!(
                "media {sha256} is not indexed"
            ))
            .into());
        };
        Ok(self.media.read(&path).await?)
    }

    /// The decoded plan, from memory when it was decoded before.
    async fn plan_picture(&self, tx: &mut Tx, sha256: &str) -> ServiceResult<Arc<PlanPicture>> {
        if let Some(picture) = self.plan_pictures.get(sha256) {
            return Ok(picture);
        }
        let bytes = self.read_media_file(tx, sha256).await?;
        let picture = tokio::task::spawn_blocking(move || PlanPicture::decode(&bytes))
            .await
            .map_err(|e| crate::store::StoreError::Corrupt(format!("plan decoding: {e}")))?
            .map_err(|e| crate::store::StoreError::Corrupt(format!("plan {sha256}: {e}")))?;
        Ok(self.plan_pictures.insert(sha256, picture))
    }

    /// A picture of item `defect` (number `number` in its home) on `plan`, cropped around its
    /// pin: from the media store when drawn before (the same plan version, place, number and
    /// status), else drawn now and kept. Its path in the media store.
    pub(crate) async fn pin_picture(
        &self,
        tx: &mut Tx,
        plan: &HomePlan,
        defect: &Defect,
        number: usize,
    ) -> ServiceResult<Option<String>> {
        let Some(pin) = defect.pin else {
            return Ok(None);
        };
        let mark = PinMark {
            pin,
            number: number as u32,
            colour: status_colour(defect.status),
        };
        let key = format!(
            "pin:{}:{}:{:.5}:{:.5}:{}:{:?}",
            plan.plan.sha256, plan.mirrored, pin.x, pin.y, number, mark.colour
        );
        let mirrored = plan.mirrored;
        self.derived_picture(tx, &plan.plan.sha256, &key, move |picture| {
            crate::render::plan::pin_card(picture, mirrored, &mark)
        })
        .await
        .map(Some)
    }

    /// The whole plan of a home with every pinned item's numbered pin; its path in the media
    /// store (drawn once per plan version and set of pins).
    pub(crate) async fn home_picture(
        &self,
        tx: &mut Tx,
        plan: &HomePlan,
        defects: &[Defect],
        max_side: u32,
    ) -> ServiceResult<Option<String>> {
        let marks: Vec<PinMark> = numbered(defects)
            .filter_map(|(n, d)| {
                d.pin.map(|pin| PinMark {
                    pin,
                    number: n as u32,
                    colour: status_colour(d.status),
                })
            })
            .collect();
        if marks.is_empty() {
            return Ok(None);
        }
        let key = format!(
            "home:{}:{}:{max_side}:{}",
            plan.plan.sha256,
            plan.mirrored,
            marks
                .iter()
                .map(|m| format!("{:.5},{:.5},{},{:?}", m.pin.x, m.pin.y, m.number, m.colour))
                .collect::<Vec<_>>()
                .join(";")
        );
        let mirrored = plan.mirrored;
        self.derived_picture(tx, &plan.plan.sha256, &key, move |picture| {
            crate::render::plan::whole_plan_png(picture, mirrored, &marks, max_side)
        })
        .await
        .map(Some)
    }

    /// A picture derived from the plan `plan_sha256`, named by what it shows (`key`): the one
    /// kept in the media store, or drawn with `draw` and kept.
    async fn derived_picture(
        &self,
        tx: &mut Tx,
        plan_sha256: &str,
        key: &str,
        draw: impl FnOnce(&PlanPicture) -> Result<Vec<u8>, crate::render::plan::PlanRenderError>
        + Send
        + 'static,
    ) -> ServiceResult<String> {
        let path = self.media.derived_path(key, "png");
        if self.media.has(&path).await? {
            return Ok(path);
        }
        let picture = self.plan_picture(tx, plan_sha256).await?;
        let png = tokio::task::spawn_blocking(move || draw(&picture))
            .await
            .map_err(|e| crate::store::StoreError::Corrupt(format!("plan picture: {e}")))?
            .map_err(|e| crate::store::StoreError::Corrupt(format!("plan picture: {e}")))?;
        self.plan_pictures_drawn.fetch_add(1, Ordering::Relaxed);
        self.media.put_at(&path, &png).await?;
        Ok(path)
    }

    /// How many plan pictures this process has drawn (the rest came from the media store).
    pub fn plan_pictures_drawn(&self) -> u64 {
        self.plan_pictures_drawn.load(Ordering::Relaxed)
    }

    /// The picture of item `defect_id` on its home's plan for a card, if it has a pin and its
    /// home a plan.
    pub async fn defect_picture(&self, defect: &Defect) -> ServiceResult<Option<String>> {
        if defect.pin.is_none() {
            return Ok(None);
        }
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(defect.unit_id).await? else {
            return Ok(None);
        };
        let plan = self.home_plan(&mut tx, &household).await?;
        let defects = tx.defects_of_unit(defect.unit_id, None).await?;
        let picture = match plan {
            Some(plan) => {
                self.pin_picture(&mut tx, &plan, defect, number_of(&defects, defect.id))
                    .await?
            }
            None => None,
        };
        tx.commit().await?;
        Ok(picture)
    }

    /// The overview of a home's items on its plan (for `/defects`), if any item has a pin.
    pub async fn home_overview_picture(
        &self,
        household: &Household,
        defects: &[Defect],
    ) -> ServiceResult<Option<String>> {
        if defects.iter().all(|d| d.pin.is_none()) {
            return Ok(None);
        }
        let mut tx = self.store.read().await?;
        let picture = match self.home_plan(&mut tx, household).await? {
            Some(plan) => {
                self.home_picture(&mut tx, &plan, defects, OVERVIEW_SIDE)
                    .await?
            }
            None => None,
        };
        tx.commit().await?;
        Ok(picture)
    }

    /// `/plan 1-1-101 mirrored` (or `normal`): a supervisor marks a home's layout as its
    /// type's plan flipped, or not. `None` when no single home matches.
    pub async fn set_home_mirrored(
        &self,
        actor: &Actor,
        query: &str,
        mirrored: bool,
    ) -> ServiceResult<Option<(String, bool)>> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let homes = tx.find_households(query.trim()).await?;
        let [home] = homes.as_slice() else {
            return Ok(None);
        };
        let changed = tx.set_plan_mirrored(home.unit.unit_id, mirrored).await?;
        if changed {
            tx.audit(
                now,
                &actor.audit_name(),
                "unit.plan_mirrored",
                &format!("unit:{}", home.unit.unit_id),
                serde_json::json!({ "mirrored": mirrored }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some((home.unit.short(), changed)))
    }
}

/// The longer side of the plan drawn for a report, in pixels (sharp on paper at half a page).
pub const REPORT_PLAN_SIDE: u32 = 1800;

/// The longer side of a home's overview picture, in pixels (Telegram shows photos up to about
/// 1280).
pub const OVERVIEW_SIDE: u32 = 1280;

/// Item `id`'s number in its home's list.
fn number_of(defects: &[Defect], id: i64) -> usize {
    defects.iter().position(|d| d.id == id).map_or(0, |i| i + 1)
}

/// Staff who may see the item place or move its pin; a buyer only their own report while it
/// waits for review.
fn may_place_pin(actor: &Actor, household: &Household, defect: &Defect) -> bool {
    match actor {
        Actor::Staff(_) => true,
        Actor::Buyer(homes) => {
            defect.status == DefectStatus::Reported
                && homes
                    .iter()
                    .any(|h| h.unit.unit_id == household.unit.unit_id)
        }
        Actor::Unknown => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_above_is_the_next_floor_of_the_same_stack() {
        assert_eq!(room_above("1502").as_deref(), Some("1602"));
        assert_eq!(room_above("301").as_deref(), Some("401"));
        assert_eq!(room_above("999").as_deref(), Some("1099"));
        assert_eq!(room_above("12"), None);
        assert_eq!(room_above("A301"), None);
        assert_eq!(room_above(""), None);
    }
}
