//! What the bot sends on its own (not as the immediate reply): rendered content, stored in the
//! outbox until Telegram has it.

use serde::{Deserialize, Serialize};

/// One inline button: it calls back into the bot, or opens a Mini App page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub label: String,
    /// Encoded with the callback codec; at most 64 bytes. Empty on a page's button.
    pub data: String,
    /// The https address of the Mini App page the button opens, instead of calling back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_app: Option<String>,
}

impl Button {
    /// A button that calls back with `data`.
    pub fn press(label: String, data: String) -> Button {
        Button {
            label,
            data,
            web_app: None,
        }
    }

    /// A button that opens the Mini App page at `url`.
    pub fn page(label: String, url: String) -> Button {
        Button {
            label,
            data: String::new(),
            web_app: Some(url),
        }
    }
}

/// A message ready to send: text is Telegram HTML with user text already escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    Text {
        html: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// A photo from the media store, by its path relative to the media directory.
    Photo {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption_html: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// 2–10 photos from the media store sent as one album; the caption goes on the first.
    Album {
        paths: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption_html: Option<String>,
    },
    /// A file from the media store.
    Document {
        path: String,
        file_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption_html: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
    /// New text and buttons (none: the buttons go) for a text message sent earlier to the same
    /// chat through the outbox, named by its dedupe key. The chat's rows go out in order, so
    /// that message has gone out (or failed) by then; if it never went out, nothing is sent.
    Edit {
        of: String,
        html: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Vec<Button>>,
    },
}

impl Content {
    /// Stored photos as one message: a photo for one, an album for several, nothing for none.
    pub fn photos(paths: &[String], caption_html: Option<String>) -> Option<Content> {
        match paths {
            [] => None,
            [one] => Some(Content::Photo {
                path: one.clone(),
                caption_html,
                buttons: Vec::new(),
            }),
            many => Some(Content::Album {
                paths: many.to_vec(),
                caption_html,
            }),
        }
    }

    /// The stored files the message sends.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Content::Photo { path, .. } | Content::Document { path, .. } => vec![path.as_str()],
            Content::Album { paths, .. } => paths.iter().map(String::as_str).collect(),
            Content::Text { .. } | Content::Edit { .. } => Vec::new(),
        }
    }

    /// The same message with `line` above its text or caption (the rehearsal's mark); a photo
    /// without a caption gets one.
    pub fn headed(self, line: &str) -> Content {
        let head = |html: String| format!("{line}\n{html}");
        let head_caption =
            |caption: Option<String>| Some(caption.map_or_else(|| line.to_string(), head));
        match self {
            Content::Text { html, buttons } => Content::Text {
                html: head(html),
                buttons,
            },
            Content::Photo {
                path,
                caption_html,
                buttons,
            } => Content::Photo {
                path,
                caption_html: head_caption(caption_html),
                buttons,
            },
            Content::Album {
                paths,
                caption_html,
            } => Content::Album {
                paths,
                caption_html: head_caption(caption_html),
            },
            Content::Document {
                path,
                file_name,
                caption_html,
                buttons,
            } => Content::Document {
                path,
                file_name,
                caption_html: head_caption(caption_html),
                buttons,
            },
            Content::Edit { of, html, buttons } => Content::Edit {
                of,
                html: head(html),
                buttons,
            },
        }
    }

    pub fn text(html: impl Into<String>) -> Content {
        Content::Text {
            html: html.into(),
            buttons: Vec::new(),
        }
    }

    /// Splits a long text into messages Telegram accepts (line boundaries, at most 4096
    /// characters each); buttons stay on the last part. An album becomes albums of at most 10
    /// (Telegram's limit), a single photo being sent as a photo. Other content is one message.
    pub fn into_parts(self) -> Vec<Content> {
        match self {
            Content::Text { html, buttons } => {
                let parts = super::text::split_lines(&html, super::text::MAX_MESSAGE_CHARS);
                let last = parts.len().saturating_sub(1);
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, html)| Content::Text {
                        html,
                        buttons: if i == last {
                            buttons.clone()
                        } else {
                            Vec::new()
                        },
                    })
                    .collect()
            }
            Content::Album {
                paths,
                caption_html,
            } => paths
                .chunks(MAX_ALBUM)
                .enumerate()
                .map(|(i, chunk)| {
                    let caption_html = if i == 0 { caption_html.clone() } else { None };
                    match chunk {
                        [one] => Content::Photo {
                            path: one.clone(),
                            caption_html,
                            buttons: Vec::new(),
                        },
                        many => Content::Album {
                            paths: many.to_vec(),
                            caption_html,
                        },
                    }
                })
                .collect(),
            other => vec![other],
        }
    }
}

/// Photos per album (sendMediaGroup takes 2–10 items).
pub const MAX_ALBUM: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_become_several_messages_with_the_buttons_on_the_last() {
        let html = (0..400)
            .map(|i| format!("line number {i:04} of a long digest"))
            .collect::<Vec<_>>()
            .join("\n");
        let content = Content::Text {
            html: html.clone(),
            buttons: vec![vec![Button::press("OK".into(), "1:x".into())]],
        };
        let parts = content.into_parts();
        assert!(parts.len() >= 3);
        for (i, part) in parts.iter().enumerate() {
            let Content::Text { html, buttons } = part else {
                panic!()
            };
            assert!(html.chars().count() <= 4096);
            assert_eq!(buttons.is_empty(), i + 1 != parts.len());
        }
    }

    #[test]
    fn albums_are_cut_into_telegram_sized_pieces() {
        let paths: Vec<String> = (0..21).map(|i| format!("p{i}.jpg")).collect();
        let parts = Content::Album {
            paths,
            caption_html: Some("c".into()),
        }
        .into_parts();
        assert_eq!(parts.len(), 3);
        assert!(
            matches!(&parts[0], Content::Album { paths, caption_html: Some(_) } if paths.len() == 10)
        );
        assert!(
            matches!(&parts[1], Content::Album { paths, caption_html: None } if paths.len() == 10)
        );
        assert!(matches!(
            &parts[2],
            Content::Photo {
                caption_html: None,
                ..
            }
        ));
    }

    #[test]
    fn content_round_trips_through_json() {
        let content = Content::Photo {
            path: "ab/cdef.jpg".into(),
            caption_html: Some("<b>x</b>".into()),
            buttons: vec![vec![Button::press("Reply".into(), "1:rep:1".into())]],
        };
        let json = serde_json::to_string(&content).unwrap();
        assert_eq!(serde_json::from_str::<Content>(&json).unwrap(), content);
    }
}
