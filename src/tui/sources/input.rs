//! Terminal input on a thread of its own. The thread waits on the terminal with `poll(2)` and
//! reads through crossterm only when there is something to read, so a terminal that is gone
//! (closed window, killed tmux, `POLLHUP`/`POLLERR`) or a read error ends input with
//! [`Input::Gone`] instead of a read loop that never returns (crossterm retries a failed read
//! forever). The event loop never calls into the terminal reader itself, so it stays free to
//! quit, restore the terminal and exit whatever the reader does.
//!
//! A program run in the foreground (a shell) reads the same terminal: the reader is paused
//! first ([`Pause`]) and reads nothing until it is resumed, so no keystroke meant for the
//! shell becomes a console key. Pausing wakes the reader's `poll(2)` through a socket pair
//! and waits until the reader says it has stopped.

use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex};
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

/// Whether the reader may read, and whether it has stopped reading.
#[derive(Debug, Default)]
struct Gate {
    paused: bool,
    parked: bool,
    /// The reader has ended (the terminal is gone): nobody will park.
    ended: bool,
}

/// The handle that pauses and resumes the reader.
pub struct Pause {
    gate: Arc<(Mutex<Gate>, Condvar)>,
    wake: UnixStream,
}

/// How long a pause waits for the reader to stop: it is woken at once and only finishes
/// handing on what it already read.
const PARK_LIMIT: Duration = Duration::from_secs(2);

impl Pause {
    /// Stops the reader; returns once it reads no more (or has ended).
    pub fn pause(&self) {
        let (lock, cv) = &*self.gate;
        let Ok(mut g) = lock.lock() else { return };
        g.paused = true;
        let _ = (&self.wake).write_all(&[1]);
        while !g.parked && !g.ended {
            match cv.wait_timeout(g, PARK_LIMIT) {
                Ok((next, timeout)) => {
                    g = next;
                    if timeout.timed_out() {
                        tracing::warn!("the terminal reader did not pause in time");
                        break;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Lets the reader read again.
    pub fn resume(&self) {
        let (lock, cv) = &*self.gate;
        if let Ok(mut g) = lock.lock() {
            g.paused = false;
            cv.notify_all();
        }
    }
}

/// Starts the reader; it stops when the terminal is gone or the receiver is dropped.
pub fn spawn(tx: UnboundedSender<Input>) -> std::io::Result<Pause> {
    let (wake, woken) = UnixStream::pair()?;
    woken.set_nonblocking(true)?;
    let gate: Arc<(Mutex<Gate>, Condvar)> = Arc::default();
    let g2 = gate.clone();
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            let why = read_terminal(&tx, &g2, woken);
            if let Ok(mut g) = g2.0.lock() {
                g.ended = true;
                g2.1.notify_all();
            }
            let _ = tx.send(Input::Gone(why));
        })?;
    Ok(Pause { gate, wake })
}

/// Waits while the reader is paused, saying it has stopped.
fn park(gate: &(Mutex<Gate>, Condvar)) {
    let (lock, cv) = gate;
    let Ok(mut g) = lock.lock() else { return };
    if !g.paused {
        return;
    }
    g.parked = true;
    cv.notify_all();
    while g.paused {
        match cv.wait(g) {
            Ok(next) => g = next,
            Err(_) => return,
        }
    }
    g.parked = false;
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

    /// Waits until the terminal has input, is gone, or the reader is woken.
    fn wait(&self, woken: &UnixStream) -> std::io::Result<Ready> {
        let (tty, wake) = match self {
            Tty::Stdin(s) => wait_fd(s.as_fd(), woken.as_fd())?,
            Tty::Dev(f) => wait_fd(f.as_fd(), woken.as_fd())?,
        };
        if !wake.is_empty() {
            return Ok(Ready::Woken);
        }
        if tty.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
            return Ok(Ready::Gone);
        }
        Ok(Ready::Input)
    }
}

/// What the reader's wait ended with.
enum Ready {
    Input,
    Gone,
    /// Asked to look at the gate (a pause).
    Woken,
}

/// The events of (the terminal, the wake socket).
fn wait_fd(
    tty: std::os::fd::BorrowedFd<'_>,
    wake: std::os::fd::BorrowedFd<'_>,
) -> std::io::Result<(PollFlags, PollFlags)> {
    loop {
        let mut fds = [
            PollFd::from_borrowed_fd(tty, PollFlags::IN),
            PollFd::from_borrowed_fd(wake, PollFlags::IN),
        ];
        match poll(&mut fds, None) {
            Ok(n) if n > 0 => return Ok((fds[0].revents(), fds[1].revents())),
            Ok(_) | Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads events until the terminal is gone; returns why it stopped. While paused it reads
/// nothing.
fn read_terminal(
    tx: &UnboundedSender<Input>,
    gate: &(Mutex<Gate>, Condvar),
    mut woken: UnixStream,
) -> String {
    let tty = match Tty::open() {
        Ok(t) => t,
        Err(e) => return format!("no terminal to read: {e}"),
    };
    loop {
        park(gate);
        match tty.wait(&woken) {
            Ok(Ready::Input) => {}
            Ok(Ready::Woken) => {
                let mut buf = [0u8; 16];
                while matches!(woken.read(&mut buf), Ok(n) if n > 0) {}
                continue;
            }
            Ok(Ready::Gone) => return "the terminal hung up".into(),
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
