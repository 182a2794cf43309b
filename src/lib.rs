//! handover-bot: a Telegram bot that runs a property developer's home-handover campaign.

pub mod answering;
pub mod app;
pub mod bot;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod inbox;
pub mod media;
pub mod metrics;
pub mod notify;
pub mod present;
pub mod rehearsal;
pub mod render;
pub mod scheduler;
pub mod services;
pub mod store;
pub mod wake;
pub mod webapp;
