//! Forms: the field types, which fields each kind has and their keys, what a submitted form
//! asks for, how a field takes the focus and prints itself, pasted text, and the drawing.

pub mod field;
pub mod fields;
pub mod paste;
pub mod submit;
pub mod update;
pub mod view;
