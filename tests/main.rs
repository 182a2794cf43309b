//! Integration tests: the real application against a strict fake Telegram Bot API server.

mod support;

mod aftercare;
mod answers;
mod answers_import;
mod appointments;
mod assignment;
mod authz;
mod before_campaign;
mod cli;
mod defects;
mod deployment;
mod docs;
mod experts;
mod hostile;
mod import;
mod instances;
mod logs;
mod media;
mod migrate_data;
mod miniapp;
mod object_storage;
mod onboarding;
mod outbox;
mod pdf;
mod plan_page;
mod plan_pins;
mod plans;
mod rehearsal;
mod remediation;
mod reports;
mod roles;
mod sim;
