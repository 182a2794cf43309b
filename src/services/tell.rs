//! Telling people: a use case that notifies anyone besides the person it answers does it with
//! one call, [`Services::tell`]. It renders the message in each recipient's language and
//! queues it in the outbox, in the use case's transaction, under a dedupe key made of the
//! message's [`Cause`] and the recipient, so a use case run again (a replayed update, a job
//! retried after a crash) tells nobody twice.

use super::notices::enqueue;
use super::{ServiceResult, Services};
use crate::domain::message::Content;
use crate::domain::people::{Buyer, Lang, StaffMember};
use crate::store::Tx;
use chrono::{DateTime, Utc};
use std::fmt::Display;

/// Someone a notification can go to.
pub trait Recipient {
    /// Their Telegram chat; someone without one is not told.
    fn chat(&self) -> Option<i64>;
    /// The language on their record; one chosen in the chat with /language comes first.
    fn language(&self) -> Option<Lang>;
    /// Their id on their record, for causes told once per person ([`Cause::per_person`]).
    fn person(&self) -> Option<i64>;
}

/// A person on record (a buyer or a staff member): their chat if linked, their language and id.
macro_rules! person_recipient {
    ($($record:ty),+) => {$(
        impl Recipient for $record {
            fn chat(&self) -> Option<i64> {
                self.telegram_id
            }
            fn language(&self) -> Option<Lang> {
                self.language
            }
            fn person(&self) -> Option<i64> {
                Some(self.id)
            }
        }
    )+};
}

person_recipient!(Buyer, StaffMember);

impl<R: Recipient + ?Sized> Recipient for &R {
    fn chat(&self) -> Option<i64> {
        (**self).chat()
    }
    fn language(&self) -> Option<Lang> {
        (**self).language()
    }
    fn person(&self) -> Option<i64> {
        (**self).person()
    }
}

/// A recipient with what the message says to them in particular (which of their homes, say).
impl<R: Recipient, T> Recipient for (R, T) {
    fn chat(&self) -> Option<i64> {
        self.0.chat()
    }
    fn language(&self) -> Option<Lang> {
        self.0.language()
    }
    fn person(&self) -> Option<i64> {
        self.0.person()
    }
}

/// A chat known by its id only (a group, or a person's chat looked up elsewhere), with the
/// language on record of whoever is in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chat {
    pub id: i64,
    pub language: Option<Lang>,
}

impl Chat {
    /// The chat of `recipient`, when they have one.
    pub fn of(recipient: &impl Recipient) -> Option<Chat> {
        Some(Chat {
            id: recipient.chat()?,
            language: recipient.language(),
        })
    }
}

impl Recipient for Chat {
    fn chat(&self) -> Option<i64> {
        Some(self.id)
    }
    fn language(&self) -> Option<Lang> {
        self.language
    }
    fn person(&self) -> Option<i64> {
        None
    }
}

/// What a message is about, which names it in the outbox: its dedupe key is the cause, then
/// who it goes to, then an optional tail (`{cause}:{chat}{tail}`). Made of ids of the change
/// that caused it (an event, a record, an update), never of a clock reading or a random
/// number, so the same cause makes the same key however often it is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    head: String,
    per: Per,
    tail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Per {
    Chat,
    Person,
    Once,
}

impl Cause {
    /// Each chat is told of `cause` once: `{cause}:{chat}`.
    pub fn per_chat(cause: impl Display) -> Cause {
        Cause {
            head: cause.to_string(),
            per: Per::Chat,
            tail: String::new(),
        }
    }

    /// Each person is told of `cause` once, whichever chat they use: `{cause}:{person id}`
    /// (a recipient without a record, a bare [`Chat`], by their chat).
    pub fn per_person(cause: impl Display) -> Cause {
        Cause {
            per: Per::Person,
            ..Cause::per_chat(cause)
        }
    }

    /// `cause` is the whole key: for a message that has one recipient only.
    pub fn once(cause: impl Display) -> Cause {
        Cause {
            per: Per::Once,
            ..Cause::per_chat(cause)
        }
    }

    /// The key goes on after the recipient with `tail` (kept for keys that were made so
    /// before this type, since the outbox dedupes against the keys already stored).
    pub fn then(self, tail: impl Display) -> Cause {
        Cause {
            tail: tail.to_string(),
            ..self
        }
    }

    /// The dedupe key of this cause's message to `recipient` in `chat`.
    pub fn key(&self, chat: i64, recipient: &impl Recipient) -> String {
        let Cause { head, per, tail } = self;
        match per {
            Per::Chat => format!("{head}:{chat}{tail}"),
            Per::Person => format!("{head}:{}{tail}", recipient.person().unwrap_or(chat)),
            Per::Once => format!("{head}{tail}"),
        }
    }
}

/// A notification: its cause, and how it reads in a recipient's language.
pub struct Message<F> {
    cause: Cause,
    render: F,
    /// Sent no earlier than this (a message that must follow the direct reply); none: at once.
    not_before: Option<DateTime<Utc>>,
    /// Someone is waiting for it now (see [`Message::waited_for`]).
    waited_for: bool,
}

impl Message<()> {
    /// A message whose rendering cannot fail.
    pub fn new<R>(
        cause: Cause,
        mut render: impl FnMut(Lang, &R) -> Content,
    ) -> Message<impl FnMut(Lang, &R) -> ServiceResult<Content>> {
        Message {
            cause,
            render: move |lang: Lang, to: &R| Ok(render(lang, to)),
            not_before: None,
            waited_for: false,
        }
    }

    /// A plain text message without buttons.
    pub fn text<R>(
        cause: Cause,
        mut render: impl FnMut(Lang, &R) -> String,
    ) -> Message<impl FnMut(Lang, &R) -> ServiceResult<Content>> {
        Message {
            cause,
            render: move |lang: Lang, to: &R| Ok(Content::text(render(lang, to))),
            not_before: None,
            waited_for: false,
        }
    }

    /// Photos (an album when several) with a caption in the recipient's language; `None`
    /// when there are no photos, so nothing is sent.
    pub fn photos<R>(
        cause: Cause,
        paths: Vec<String>,
        mut caption: impl FnMut(Lang, &R) -> Option<String>,
    ) -> Option<Message<impl FnMut(Lang, &R) -> ServiceResult<Content>>> {
        if paths.is_empty() {
            return None;
        }
        Some(Message {
            cause,
            render: move |lang: Lang, to: &R| {
                Content::photos(&paths, caption(lang, to)).ok_or_else(|| {
                    crate::store::StoreError::Corrupt("an album without photos".into()).into()
                })
            },
            not_before: None,
            waited_for: false,
        })
    }
}

impl<F> Message<F> {
    /// A message whose rendering can fail (it writes an attachment, say); the first failure
    /// ends the telling and, with the caller's transaction, everything queued before it.
    pub fn try_new<R>(cause: Cause, render: F) -> Message<F>
    where
        F: FnMut(Lang, &R) -> ServiceResult<Content>,
    {
        Message {
            cause,
            render,
            not_before: None,
            waited_for: false,
        }
    }

    /// Sent no earlier than `at`.
    pub fn not_before(self, at: DateTime<Utc>) -> Self {
        Message {
            not_before: Some(at),
            ..self
        }
    }

    /// For recipients waiting for it now, though it is not the answer to what they sent: a
    /// buyer standing beside their ambassador at the handover, waiting for the record to
    /// confirm. It goes ahead of queued notifications as an answer does (see
    /// [`crate::answering`]), instead of behind an evening's repair news.
    pub fn waited_for(self) -> Self {
        Message {
            waited_for: true,
            ..self
        }
    }
}

/// One recipient a message was queued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub chat: i64,
    /// The message's dedupe key (to edit it later, say).
    pub key: String,
    /// False when this key was queued before: the recipient was told already.
    pub fresh: bool,
}

impl Services {
    /// Queues `message` for each of `recipients` that has a chat, in their language, inside
    /// the caller's transaction; a recipient listed twice under one key is told once. Returns
    /// whom it was queued for, in order, including those told before (`fresh` false); the
    /// caller wakes the notifier after its commit.
    pub(crate) async fn tell<R, F>(
        &self,
        tx: &mut Tx,
        recipients: impl IntoIterator<Item = R>,
        message: Message<F>,
    ) -> ServiceResult<Vec<Told>>
    where
        R: Recipient,
        F: FnMut(Lang, &R) -> ServiceResult<Content>,
    {
        let Message {
            cause,
            mut render,
            not_before,
            waited_for,
        } = message;
        let now = not_before.map_or(self.clock.now(), |at| at.max(self.clock.now()));
        let mut told: Vec<Told> = Vec::new();
        for recipient in recipients {
            let Some(chat) = recipient.chat() else {
                continue;
            };
            let key = cause.key(chat, &recipient);
            if told.iter().any(|t| t.key == key) {
                continue;
            }
            let lang = self.recipient_lang(tx, chat, recipient.language()).await?;
            let content = render(lang, &recipient)?;
            let queue = enqueue(tx, chat, &key, content, now);
            let fresh = if waited_for {
                crate::answering::scope(chat, queue).await?
            } else {
                queue.await?
            };
            told.push(Told { chat, key, fresh });
        }
        Ok(told)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::domain::people::Lang;
    use crate::store::Store;
    use chrono::TimeZone as _;
    use std::sync::Arc;

    #[test]
    fn a_key_is_the_cause_then_the_recipient_then_the_tail() {
        let chat = Chat {
            id: 42,
            language: None,
        };
        assert_eq!(
            Cause::per_chat("defect-event:7").key(42, &chat),
            "defect-event:7:42"
        );
        assert_eq!(
            Cause::per_chat("relay").then(":3:abcd").key(42, &chat),
            "relay:42:3:abcd"
        );
        assert_eq!(
            Cause::once("booked-staff:1:2").key(42, &chat),
            "booked-staff:1:2"
        );
        // A bare chat has no record: per person falls back to the chat.
        assert_eq!(Cause::per_person("report:5").key(42, &chat), "report:5:42");
        assert_eq!(
            Cause::per_person("appt-staff:1:booked").key(42, &Someone(Some(42))),
            "appt-staff:1:booked:9"
        );
    }

    /// Person 9, in chat `.0` when linked, English on record.
    struct Someone(Option<i64>);

    impl Recipient for Someone {
        fn chat(&self) -> Option<i64> {
            self.0
        }
        fn language(&self) -> Option<Lang> {
            Some(Lang::En)
        }
        fn person(&self) -> Option<i64> {
            Some(9)
        }
    }

    async fn services(dir: &tempfile::TempDir) -> Services {
        let url = format!("sqlite://{}", dir.path().join("tell.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let start = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        Services::new(
            store,
            Arc::new(ManualClock::new(start)),
            Arc::new(Config::for_database(&url)),
        )
    }

    #[tokio::test]
    async fn each_recipient_is_told_once_in_their_language() {
        let dir = tempfile::tempdir().unwrap();
        let services = services(&dir).await;
        let default = services.config.default_language;
        let mut tx = services.store.begin().await.unwrap();
        // Chat 3 has English on record but chose Chinese with /language.
        tx.choose_language(3, Lang::ZhCn.code(), services.clock.now())
            .await
            .unwrap();
        let recipients = || {
            vec![
                Chat {
                    id: 1,
                    language: None,
                },
                Chat {
                    id: 2,
                    language: Some(Lang::En),
                },
                Chat {
                    id: 3,
                    language: Some(Lang::En),
                },
                // Listed twice: told once.
                Chat {
                    id: 2,
                    language: Some(Lang::En),
                },
            ]
        };
        let mut rendered = Vec::new();
        let told = services
            .tell(
                &mut tx,
                recipients(),
                Message::text(Cause::per_chat("test:1"), |lang, to: &Chat| {
                    rendered.push((to.id, lang));
                    format!("hello {}", to.id)
                }),
            )
            .await
            .unwrap();
        assert_eq!(rendered, vec![(1, default), (2, Lang::En), (3, Lang::ZhCn)]);
        let keys: Vec<(i64, &str, bool)> = told
            .iter()
            .map(|t| (t.chat, t.key.as_str(), t.fresh))
            .collect();
        assert_eq!(
            keys,
            vec![
                (1, "test:1:1", true),
                (2, "test:1:2", true),
                (3, "test:1:3", true)
            ]
        );
        assert_eq!(tx.outbox_counts().await.unwrap().pending, 3);

        // The same cause again (a replay): nothing new is queued.
        let again = services
            .tell(
                &mut tx,
                recipients(),
                Message::text(Cause::per_chat("test:1"), |_, _: &Chat| "hello".into()),
            )
            .await
            .unwrap();
        assert_eq!(again.len(), 3);
        assert!(again.iter().all(|t| !t.fresh));
        assert_eq!(tx.outbox_counts().await.unwrap().pending, 3);

        // Keyed per person: the record's id, not the chat's; someone without a chat is skipped.
        let none = services
            .tell(
                &mut tx,
                [Someone(Some(7)), Someone(None)],
                Message::text(Cause::per_person("test:2"), |lang, _: &Someone| {
                    lang.code().to_string()
                }),
            )
            .await
            .unwrap();
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].key, "test:2:9");
        assert!(none[0].fresh);
        assert_eq!(tx.outbox_counts().await.unwrap().pending, 4);
        tx.commit().await.unwrap();
    }
}
