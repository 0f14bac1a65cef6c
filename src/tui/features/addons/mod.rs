//! An app's si add-ons: the view and its keys, the enable form.

pub mod form;
pub mod update;
pub mod view;
