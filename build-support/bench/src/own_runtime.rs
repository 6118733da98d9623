//! A service under load on a tokio runtime of its own, as its own process would have:
//! the load generator's tasks and the service's never wait in one scheduler's queue, so
//! a caller's measured latency is the service's and the operating system's, not a
//! benchmark artefact.

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;

/// A running service; dropping it stops the service and waits for its runtime to end.
pub(crate) struct OwnRuntime {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OwnRuntime {
    /// Binds 127.0.0.1:0 and runs `serve(listener, shutdown)` on a new multi-threaded
    /// runtime (one worker per core, as the binaries' `#[tokio::main]`).
    pub(crate) fn start<F, Fut, E>(name: &str, serve: F) -> anyhow::Result<OwnRuntime>
    where
        F: FnOnce(tokio::net::TcpListener, oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name(name)
            .build()?;
        // Bound here, so callers can connect as soon as this returns.
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let name = name.to_owned();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let served = runtime.block_on(async {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("a bound, non-blocking listener");
                    serve(listener, stopped).await
                });
                if let Err(e) = served {
                    eprintln!("{name} failed: {e}");
                }
            })?;
        Ok(OwnRuntime {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
