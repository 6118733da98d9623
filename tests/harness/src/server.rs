//! [`TestServer`]: a service running in-process on a loopback port.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

/// The shutdown future a test hands to a service's `serve`.
pub type TestShutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A running server. Call [`TestServer::shutdown`] to stop it and see how it ended.
#[derive(Debug)]
pub struct TestServer<E> {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), E>>,
}

impl<E: Send + 'static> TestServer<E> {
    /// Binds `127.0.0.1:0`, then spawns `serve(listener, shutdown)`. Because the listener
    /// is bound first, clients can connect at once.
    pub async fn start<F, Fut>(serve: F) -> TestServer<E>
    where
        F: FnOnce(TcpListener, TestShutdown) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        crate::init_test_logging();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown: TestShutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(serve(listener, shutdown));
        TestServer {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A channel to the server (connects on first use).
    pub fn channel(&self) -> Channel {
        Endpoint::from_shared(self.uri())
            .expect("valid uri")
            .connect_lazy()
    }

    /// True once the serve task has ended (e.g. it failed at start-up).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Signals shutdown and waits for the serve future's result.
    pub async fn shutdown(mut self) -> Result<(), E> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.expect("server task panicked")
    }
}
