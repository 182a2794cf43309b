//! Floor plans: a supervisor sends the plan image (as a file, or as a photo) with the caption
//! `/plan A2`; `/plans` lists each unit type's plan and the types still without one.

use super::Turn;
use crate::services::plans::PlanUpload;
use crate::tr;
use teloxide::net::Download as _;
use teloxide::prelude::*;
use teloxide::types::FileMeta;

/// The unit type a caption names (`/plan A2`), when the caption is that command.
pub fn plan_caption(caption: Option<&str>, bot_username: &str) -> Option<String> {
    let typed = super::commands::parse(caption?, bot_username)?;
    (super::commands::Command::parse(&typed.name) == Some(super::commands::Command::Plan))
        .then(|| typed.args.trim().to_string())
}

/// `/plan` typed without a file: how to send one.
pub async fn on_plan(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    // `/plan 1-1-101 mirrored`: a home whose layout is its type's plan flipped (反户型).
    let layout = args
        .trim()
        .rsplit_once(char::is_whitespace)
        .and_then(|(home, word)| match word.to_lowercase().as_str() {
            "mirrored" | "镜像" | "反" => Some((home.trim(), true)),
            "normal" | "正常" | "正" => Some((home.trim(), false)),
            _ => None,
        });
    let Some((home, mirrored)) = layout else {
        return turn.say(tr!(i18n, lang, "plan-usage")).await;
    };
    if !turn.person.actor.can_supervise() {
        let refusal = super::router::forbidden(turn, super::commands::Command::Plan);
        return turn.say(refusal).await;
    }
    let set = turn
        .ctx
        .services
        .set_home_mirrored(&turn.person.actor, home, mirrored)
        .await?;
    turn.say(match set {
        Some((home, _)) if mirrored => tr!(i18n, lang, "plan-home-mirrored", home = home),
        Some((home, _)) => tr!(i18n, lang, "plan-home-normal", home = home),
        None => tr!(i18n, lang, "household-not-yours", query = home),
    })
    .await
}

/// The plan image of `unit_type` a message carries (a file or a photo).
pub async fn on_plan_file(turn: &Turn, msg: &Message, unit_type: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if !turn.person.actor.can_supervise() {
        let refusal = super::router::forbidden(turn, super::commands::Command::Plan);
        return turn.say(refusal).await;
    }
    let file: Option<&FileMeta> = match (msg.document(), msg.photo()) {
        (Some(document), _) => Some(&document.file),
        (None, Some(sizes)) => sizes
            .iter()
            .max_by_key(|s| s.width * s.height)
            .map(|s| &s.file),
        (None, None) => None,
    };
    let Some(file) = file else {
        return on_plan(turn, "").await;
    };
    let limit = turn.ctx.services.config.max_import_bytes;
    if u64::from(file.size) > limit {
        return turn
            .say(tr!(
                i18n,
                lang,
                "plan-too-large",
                limit_mb = super::supervisor::format_mb(limit)
            ))
            .await;
    }
    let found = turn.bot.get_file(file.id.clone()).await?;
    let mut bytes: Vec<u8> = Vec::with_capacity(found.size as usize);
    turn.bot.download_file(&found.path, &mut bytes).await?;
    let uploaded = turn
        .ctx
        .services
        .upload_plan(Some(&turn.person.actor), unit_type, &bytes)
        .await?;
    turn.say(match uploaded {
        PlanUpload::Saved {
            unit_type,
            version,
            width,
            height,
            homes,
        } => tr!(
            i18n,
            lang,
            "plan-saved",
            unit_type = unit_type,
            version = version,
            width = width,
            height = height,
            homes = homes
        ),
        PlanUpload::Pdf => tr!(i18n, lang, "plan-pdf"),
        PlanUpload::NotAnImage => tr!(i18n, lang, "plan-not-an-image"),
        PlanUpload::TooLarge { limit } => tr!(
            i18n,
            lang,
            "plan-too-large",
            limit_mb = super::supervisor::format_mb(limit)
        ),
        PlanUpload::BadUnitType => tr!(i18n, lang, "plan-usage"),
    })
    .await
}

/// `/plans`: each unit type's plan (version, size, homes), then the types without one.
pub async fn on_plans(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let list = turn.ctx.services.plan_list(&turn.person.actor).await?;
    if list.plans.is_empty() && list.missing.is_empty() {
        return turn.say(tr!(i18n, lang, "plans-none")).await;
    }
    let mut text = tr!(i18n, lang, "plans-title");
    for (plan, homes) in &list.plans {
        text.push('\n');
        text.push_str(&tr!(
            i18n,
            lang,
            "plans-line",
            unit_type = plan.unit_type.as_str(),
            version = plan.version,
            width = plan.width,
            height = plan.height,
            homes = *homes
        ));
    }
    for missing in &list.missing {
        text.push('\n');
        text.push_str(&tr!(
            i18n,
            lang,
            "plans-missing",
            unit_type = missing.unit_type.as_str(),
            homes = missing.homes
        ));
    }
    text.push_str("\n\n");
    text.push_str(&tr!(i18n, lang, "plan-usage"));
    // With the Mini App on, each plan's rooms can be drawn on it (web_app buttons: private
    // chats only, which every turn is).
    let rows: Vec<Vec<teloxide::types::InlineKeyboardButton>> = list
        .plans
        .iter()
        .filter_map(|(plan, _)| {
            let url = turn.ctx.services.room_areas_url(&plan.unit_type)?;
            let url = url::Url::parse(&url).ok()?;
            let label = tr!(
                i18n,
                lang,
                "button-room-areas",
                unit_type = plan.unit_type.as_str()
            );
            Some(vec![teloxide::types::InlineKeyboardButton::web_app(
                label,
                teloxide::types::WebAppInfo { url },
            )])
        })
        .collect();
    let markup = (!rows.is_empty()).then(|| {
        teloxide::types::ReplyMarkup::InlineKeyboard(teloxide::types::InlineKeyboardMarkup::new(
            rows,
        ))
    });
    turn.say_with(text, markup).await
}
