//! Terminal input on a thread of its own. The thread waits on the terminal with `poll(2)` and
//! reads through crossterm only when there is something to read, so a terminal that is gone
//! (closed window, killed tmux, `POLLHUP`/`POLLERR`) or a read error ends input with
//! [`Input::Gone`] instead of a read loop that never returns (crossterm retries a failed read
//! forever). The event loop never calls into the terminal reader itself, so it stays free to
//! quit, restore the terminal and exit whatever the reader does.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::time::Duration;

use crossterm::event::Event;
use rustix::event::{PollFd, PollFlags, poll};
use tokio::sync::mpsc::UnboundedSender;

/// What the terminal gave.
#[derive(Debug)]
pub enum Input {
    Event(Event),
    /// The terminal is gone or cannot be read: why.
    Gone(String),
}

/// Starts the reader; it stops when the terminal is gone or the receiver is dropped.
pub fn spawn(tx: UnboundedSender<Input>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            let why = read_terminal(&tx);
            let _ = tx.send(Input::Gone(why));
        })
        .map(|_| ())
}

/// The descriptor crossterm reads: stdin when it is a terminal, else `/dev/tty`.
enum Tty {
    Stdin(std::io::Stdin),
    Dev(std::fs::File),
}

impl Tty {
    fn open() -> std::io::Result<Tty> {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            Ok(Tty::Stdin(stdin))
        } else {
            std::fs::File::open("/dev/tty").map(Tty::Dev)
        }
    }

    /// Waits until the terminal has input (`Ok(true)`) or is gone (`Ok(false)`).
    fn wait(&self) -> std::io::Result<bool> {
        let revents = match self {
            Tty::Stdin(s) => wait_fd(s.as_fd())?,
            Tty::Dev(f) => wait_fd(f.as_fd())?,
        };
        Ok(!revents.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL))
    }
}

fn wait_fd(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<PollFlags> {
    loop {
        let mut fds = [PollFd::from_borrowed_fd(fd, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(n) if n > 0 => return Ok(fds[0].revents()),
            Ok(_) | Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads events until the terminal is gone; returns why it stopped.
fn read_terminal(tx: &UnboundedSender<Input>) -> String {
    let tty = match Tty::open() {
        Ok(t) => t,
        Err(e) => return format!("no terminal to read: {e}"),
    };
    loop {
        match tty.wait() {
            Ok(true) => {}
            Ok(false) => return "the terminal hung up".into(),
            Err(e) => return format!("waiting on the terminal failed: {e}"),
        }
        // Everything crossterm has parsed now; a partial sequence waits for its next bytes.
        loop {
            match crossterm::event::poll(Duration::ZERO) {
                Ok(true) => match crossterm::event::read() {
                    Ok(ev) => {
                        if tx.send(Input::Event(ev)).is_err() {
                            return "the console stopped reading".into();
                        }
                    }
                    Err(e) => return format!("reading the terminal failed: {e}"),
                },
                Ok(false) => break,
                Err(e) => return format!("reading the terminal failed: {e}"),
            }
        }
    }
}
