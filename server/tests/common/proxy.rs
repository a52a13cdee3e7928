//! A TCP proxy on a loopback port in front of a real server, so a test can
//! make that server vanish for the app and come back, without touching it.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{copy, copy_bidirectional, AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

pub struct TcpProxy {
    port: u16,
    upstream: String,
    original_url: String,
    /// Added before each chunk the client sends, to make the server slow.
    delay: Duration,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl TcpProxy {
    /// Starts a proxy to the host and port of `url` on a free loopback port.
    pub async fn start(url: &str) -> Self {
        Self::start_with_delay(url, Duration::ZERO).await
    }

    /// Like [`TcpProxy::start`], holding each chunk from the client for
    /// `delay` before passing it on.
    pub async fn start_with_delay(url: &str, delay: Duration) -> Self {
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
            delay,
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
        let delay = self.delay;
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
                        let Ok(mut server) = TcpStream::connect(&upstream).await else {
                            return;
                        };
                        if delay.is_zero() {
                            let _ = copy_bidirectional(&mut client, &mut server).await;
                            return;
                        }
                        let (mut client_reader, mut client_writer) = client.into_split();
                        let (mut server_reader, mut server_writer) = server.into_split();
                        let upstream = async move {
                            let mut buffer = vec![0u8; 16 * 1024];
                            while let Ok(read @ 1..) = client_reader.read(&mut buffer).await {
                                tokio::time::sleep(delay).await;
                                if server_writer.write_all(&buffer[..read]).await.is_err() {
                                    return;
                                }
                            }
                        };
                        let downstream = copy(&mut server_reader, &mut client_writer);
                        let _ = tokio::join!(upstream, downstream);
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
