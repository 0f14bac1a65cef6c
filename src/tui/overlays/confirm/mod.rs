//! The confirmation dialog, and the one way an operation starts that leads to it: the guard
//! asked (`request`), the dialog's keys (`update`) and its drawing (`view`).

pub mod request;
pub mod update;
pub mod view;
