//! Reminders before a visit (the day-of one with the "I'm here" button), the nudge of a
//! household that has not booked, and retiring the buttons of messages an appointment outgrew.

use super::super::notices::enqueue;
use super::super::tell::{Cause, Message, Told};
use super::super::{ServiceResult, Services};
use super::{DAY_OF, News, Tell, confirmed_booking, slot_label};
use crate::domain::appointment::AppointmentStatus;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::present::Label;
use crate::store::Tx;
use crate::store::appointments::{Appointment, MessagePurpose, Slot};
use tracing::instrument;

impl Services {
    /// The reminder job: only for the booking it was made for.
    #[instrument(skip_all)]
    pub async fn send_reminder(
        &self,
        appointment_id: i64,
        slot_id: i64,
        minutes: i64,
    ) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some((appointment, slot)) = confirmed_booking(&mut tx, appointment_id, slot_id).await?
        else {
            return Ok(false);
        };
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(false);
        };
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let day_of = minutes <= DAY_OF * 60;
        let buyers = tx.buyers_of_unit(appointment.unit_id).await?;
        let i18n = &self.i18n;
        let reminder = Message::new(
            Cause::per_chat(format!("reminder:{appointment_id}:{slot_id}:{minutes}")),
            |lang, buyer: &Buyer| {
                let kind = appointment.kind.label(i18n, lang);
                let when = slot_label(i18n, lang, &slot, self.config.timezone);
                let place = self.meeting_point(lang);
                let home = household.unit.short();
                if day_of {
                    Content::Text {
                        html: self.day_of_html(
                            lang,
                            &buyer.name,
                            &appointment,
                            &slot,
                            &home,
                            ambassador.as_ref(),
                        ),
                        buttons: vec![vec![Button::press(
                            crate::tr!(i18n, lang, "button-im-here"),
                            format!("1:ci:{}", appointment.id),
                        )]],
                    }
                } else {
                    Content::text(crate::tr!(
                        i18n,
                        lang,
                        "reminder-before",
                        buyer = buyer.name.as_str(),
                        kind = kind.as_str(),
                        home = home.as_str(),
                        when = when,
                        place = place.as_str()
                    ))
                }
            },
        );
        let told = self.tell(&mut tx, buyers, reminder).await?;
        if day_of {
            for Told { chat, key, .. } in &told {
                tx.note_appointment_message(appointment_id, *chat, key, MessagePurpose::Welcome)
                    .await?;
            }
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// The day-of welcome's text.
    pub(super) fn day_of_html(
        &self,
        lang: Lang,
        buyer: &str,
        appointment: &Appointment,
        slot: &Slot,
        home: &str,
        ambassador: Option<&StaffMember>,
    ) -> String {
        let i18n = &self.i18n;
        let with = ambassador
            .map(|a| a.name.clone())
            .unwrap_or_else(|| crate::tr!(i18n, lang, "your-ambassador"));
        crate::tr!(
            i18n,
            lang,
            "reminder-day-of",
            buyer = buyer,
            kind = appointment.kind.label(i18n, lang),
            home = home,
            when = slot_label(i18n, lang, slot, self.config.timezone),
            place = self.meeting_point(lang),
            ambassador = with
        )
    }

    /// Edits the appointment's messages of `purpose` that still show buttons to say what
    /// happened instead (each message once).
    pub(super) async fn retire_messages(
        &self,
        tx: &mut Tx,
        appointment: &Appointment,
        purpose: MessagePurpose,
        news: News<'_>,
    ) -> ServiceResult<()> {
        let now = self.clock.now();
        let retired = tx
            .retire_appointment_messages(appointment.id, purpose, now)
            .await?;
        if retired.is_empty() {
            return Ok(());
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(());
        };
        let buyers = tx.buyers_of_unit(appointment.unit_id).await?;
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let home = household.unit.short();
        let tz = self.config.timezone;
        // Not through `tell`: this edits messages already sent, each found per chat under its key.
        for (chat, key) in retired {
            let buyer = buyers.iter().find(|b| b.telegram_id == Some(chat));
            let lang = self
                .recipient_lang(tx, chat, buyer.and_then(|b| b.language))
                .await?;
            let i18n = &self.i18n;
            let kind = appointment.kind.label(i18n, lang);
            let html = match (purpose, &news) {
                (MessagePurpose::Welcome, News::CheckedIn) => match &appointment.slot {
                    Some(slot) => format!(
                        "{}\n\n{}",
                        self.day_of_html(
                            lang,
                            buyer.map(|b| b.name.as_str()).unwrap_or_default(),
                            appointment,
                            slot,
                            &home,
                            ambassador.as_ref(),
                        ),
                        crate::tr!(i18n, lang, "welcome-checked-in")
                    ),
                    None => crate::tr!(i18n, lang, "welcome-checked-in"),
                },
                (_, News::Booked(slot)) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-booked",
                    home = home.as_str(),
                    kind = kind,
                    when = slot_label(i18n, lang, slot, tz)
                ),
                (_, News::Cancelled) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-cancelled",
                    home = home.as_str(),
                    kind = kind
                ),
                (MessagePurpose::Options, News::CheckedIn) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-checked-in",
                    home = home.as_str(),
                    kind = kind
                ),
            };
            let edit = Content::Edit {
                of: key.clone(),
                html,
                buttons: Vec::new(),
            };
            enqueue(tx, chat, &format!("edit:{key}"), edit, now).await?;
        }
        Ok(())
    }

    /// The household's other linked buyers hear that `actor` cancelled its booking.
    pub(super) async fn tell_co_owners_cancelled(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        appointment: &Appointment,
    ) -> ServiceResult<()> {
        let Actor::Buyer(homes) = actor else {
            return Ok(());
        };
        let me = homes.first().and_then(|b| b.telegram_id);
        let who = actor.display_name().unwrap_or_default().to_string();
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(());
        };
        let home = household.unit.short();
        let others = tx
            .buyers_of_unit(appointment.unit_id)
            .await?
            .into_iter()
            .filter(|buyer| buyer.telegram_id != me);
        let i18n = &self.i18n;
        let news = Message::text(
            Cause::per_chat(format!("cancelled:{}", appointment.id)),
            |lang, _| {
                crate::tr!(
                    i18n,
                    lang,
                    "book-cancelled-household",
                    who = who.as_str(),
                    home = home.as_str(),
                    kind = appointment.kind.label(i18n, lang)
                )
            },
        );
        self.tell(tx, others, news).await?;
        Ok(())
    }

    /// The nudge job: a buyer who has not chosen a time hears once more; the ambassador too.
    #[instrument(skip_all)]
    pub async fn nudge(&self, appointment_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        if appointment.status != AppointmentStatus::Invited {
            return Ok(false);
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(false);
        };
        // Once per invitation, however often the job runs (a worker that died after this
        // commit leaves its lease to run out, and the job runs again).
        let cause = format!("nudge-{}", appointment.invited_at.timestamp_millis());
        self.send_options(&mut tx, &appointment, &household, "nudge", &cause)
            .await?;
        self.tell_ambassador(
            &mut tx,
            &appointment,
            Tell::Nudged,
            &format!("nudged:{}:{cause}", appointment.id),
            None,
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }
}
