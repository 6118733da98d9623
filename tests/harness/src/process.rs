//! [`ServiceProcess`]: a service binary run as its own process, as an operator runs it —
//! for tests whose behaviour depends on a real process (a `kill -9`, a restart).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running service process. Dropping it kills the process.
#[derive(Debug)]
pub struct ServiceProcess {
    child: Child,
    addr: std::net::SocketAddr,
}

impl ServiceProcess {
    /// Starts `bin` with `args` plus `--listen 127.0.0.1:0 --log-format json` and waits
    /// until it logs the address it serves on (it has migrated and is serving).
    ///
    /// Panics if it exits or does not serve within a minute.
    pub fn spawn(bin: &str, args: &[String]) -> ServiceProcess {
        let mut child = Command::new(bin)
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let log = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Reads the log (stderr) to its end (a full pipe would stall the process); the first
        // "serving gRPC" line gives the address.
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(log).lines().map_while(Result::ok) {
                if std::env::var_os("TEST_LOG").is_some() {
                    eprintln!("{line}");
                }
                if sent {
                    continue;
                }
                let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                if entry["message"] == "serving gRPC"
                    && let Some(addr) = entry["addr"].as_str()
                    && let Ok(addr) = addr.parse()
                {
                    sent = tx.send(addr).is_ok();
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let status = child.try_wait().ok().flatten();
                let _ = child.kill();
                panic!("{bin} did not start serving (exit status: {status:?})");
            }
        };
        ServiceProcess { child, addr }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Ends the process at once with SIGKILL, as a crash or `kill -9` would, and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
