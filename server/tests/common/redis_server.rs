//! A redis-server of the test's own, on a free loopback port, that the test
//! can stop and start again on the same port.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// One redis-server process, started with the arguments the test chose.
pub struct RedisServer {
    pub port: u16,
    extra_args: Vec<String>,
    child: Option<Child>,
}

/// Returns a loopback port that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("find a free port")
}

impl RedisServer {
    /// Starts redis-server on a free port with `extra_args`, or returns
    /// `None` (outside CI) when the binary is missing.
    pub fn start(extra_args: &[String]) -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            if std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false") {
                panic!("redis-server is required in CI but is not on PATH");
            }
            eprintln!("SKIPPED: redis-server is not on PATH");
            return None;
        }

        let mut server = Self {
            port: free_port(),
            extra_args: extra_args.to_vec(),
            child: None,
        };
        server.resume();
        Some(server)
    }

    /// Starts the process again on the same port and waits until it accepts
    /// connections.
    pub fn resume(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args([
                "--dir",
                std::env::temp_dir().to_str().expect("a UTF-8 temp dir"),
            ]);
        // With a certificate, the server's one port speaks TLS only.
        let tls = self.extra_args.iter().any(|arg| arg == "--tls-cert-file");
        if tls {
            command.args(["--port", "0", "--tls-port", &self.port.to_string()]);
        } else {
            command.args(["--port", &self.port.to_string()]);
        }
        command
            .args(&self.extra_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());

        self.child = Some(command.spawn().expect("start redis-server"));
        wait_for_port(self.port);
    }

    /// Kills the process and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Returns the `redis://` URL of this server, with no password.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs redis-cli against this server with `args` and returns its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("redis-server did not listen on port {port} within 10 s");
}

/// Writes a throwaway CA and a server certificate for 127.0.0.1, signed by
/// it, into `dir` with openssl: `ca.pem`, `server.pem`, `server.key`.
pub fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run openssl");
        assert!(status.success(), "openssl {args:?} failed");
    };

    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=pmb test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("write san.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
}

/// Parses the calls per command from an `INFO commandstats` reply, such as
/// `("get", 3)`.
pub fn command_stats(info: &str) -> std::collections::BTreeMap<String, u64> {
    info.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest
                .strip_prefix("calls=")?
                .split(',')
                .next()?
                .parse()
                .ok()?;
            Some((name.to_owned(), calls))
        })
        .collect()
}
