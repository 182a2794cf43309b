//! Shared test harness: the strict fake Bot API server, the application under test, people.
#![allow(dead_code)]

pub mod ahead;
pub mod app;
pub mod browser;
pub use ::fake_telegram;
pub mod faults;
pub mod objects;
pub mod observe;
pub mod people;
pub mod site;
pub mod steps;
pub mod text;
