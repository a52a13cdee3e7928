//! A TCP proxy on a loopback port in front of a real server, so a test can
//! make that server vanish for the app and come back, without touching it.

use std::sync::{Arc, Mutex};

use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

pub struct TcpProxy {
    port: u16,
    upstream: String,
    original_url: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl TcpProxy {
    /// Starts a proxy to the host and port of `url` on a free loopback port.
    pub async fn start(url: &str) -> Self {
        let authority = url
            .split_once("://")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.split('/').next())
            .expect("a URL with a host");
        let upstream = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host)
            .to_owned();

        let mut proxy = Self {
            port: super::redis_server::free_port(),
            upstream,
            original_url: url.to_owned(),
            tasks: Arc::default(),
        };
        proxy.resume().await;
        proxy
    }

    /// `url` with the proxy's address in place of the server's.
    pub fn url(&self) -> String {
        self.original_url
            .replacen(&self.upstream, &format!("127.0.0.1:{}", self.port), 1)
    }

    /// Closes the listener and every open connection.
    pub async fn stop(&mut self) {
        for task in self.tasks.lock().expect("the task list").drain(..) {
            task.abort();
        }
        // Let the aborted tasks drop their sockets before the test goes on.
        tokio::task::yield_now().await;
    }

    /// Listens again on the same port.
    pub async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind the proxy port");
        let upstream = self.upstream.clone();
        let tasks = Arc::clone(&self.tasks);

        let accept = tokio::spawn({
            let tasks = Arc::clone(&tasks);
            async move {
                loop {
                    let Ok((mut client, _)) = listener.accept().await else {
                        return;
                    };
                    let upstream = upstream.clone();
                    let connection = tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(&upstream).await {
                            let _ = copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    tasks
                        .lock()
                        .expect("the task list")
                        .push(connection.abort_handle());
                }
            }
        });
        tasks
            .lock()
            .expect("the task list")
            .push(accept.abort_handle());
    }
}
