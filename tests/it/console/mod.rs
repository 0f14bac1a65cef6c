//! The real console driven in tmux: first run, doctor marks, on-call, paste, acknowledgement.

mod ack;
mod agent;
mod checklist;
mod doctor;
mod first_run;
mod oncall;
mod paste;
mod tmux;
