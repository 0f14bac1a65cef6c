//! The drill-in views (an event, an app's release history, a target, read-only info, an
//! app's secrets, the doctor report): their keys (`update`) and their drawing (`view`).

pub mod update;
pub mod view;
