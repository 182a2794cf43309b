//! Pure rules of the campaign: no I/O here.

pub mod aftercare;
pub mod answer;
pub mod appointment;
pub mod assignment;
pub mod authz;
pub mod defect;
pub mod expert;
pub mod flow;
pub mod ids;
pub mod import;
pub mod kpi;
pub mod message;
pub mod people;
pub mod phone;
pub mod plan;
pub mod precontact;
pub mod record;
pub mod remediation;
pub mod risk;
pub mod signature;
pub mod text;
