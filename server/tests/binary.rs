//! The `pmblueprints` binary itself: how it stops on a bad setting, and what
//! it writes to its log over a whole run.

mod common;

use std::{process::Command, time::Duration};

use common::{
    process::{binary, collect_lines, demo_login_over_http, http_client, wait_until_listening},
    redis_server::{free_port, RedisServer},
};
use reqwest::header;

const SECRET: &str = "hunter2-s3cret@#:/%";
const SECRET_ENCODED: &str = "hunter2-s3cret%40%23%3A%2F%25";

fn assert_no_secret(log: &str) {
    assert!(!log.contains(SECRET), "the log names the password:\n{log}");
    assert!(
        !log.contains(SECRET_ENCODED),
        "the log names the encoded password:\n{log}"
    );
    assert!(
        !log.contains("hunter2"),
        "the log names part of the password:\n{log}"
    );
}

#[test]
fn unparsable_redis_url_stops_start_up() {
    let cases = [
        format!("redis://default:{SECRET_ENCODED}@127.0.0.1:notaport"),
        format!("http://default:{SECRET_ENCODED}@127.0.0.1:6379"),
        format!("redis://default:{SECRET}@127.0.0.1:6379"),
    ];

    for url in cases {
        let output = binary(&[
            ("REDIS_URL", url.clone()),
            ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port())),
        ])
        .output()
        .expect("run the binary");

        let log = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        assert!(
            !output.status.success(),
            "started with REDIS_URL={url}:\n{log}"
        );
        let lines: Vec<&str> = log.lines().filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "expected one line for {url}:\n{log}");
        assert!(
            lines[0].contains("REDIS_URL"),
            "the line does not name REDIS_URL: {log}"
        );
        assert_no_secret(&log);
    }
}

#[test]
fn unknown_session_type_stops_start_up() {
    let output = binary(&[("SESSION_TYPE", "memcached".to_owned())])
        .output()
        .expect("run the binary");

    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success());
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(log.contains("SESSION_TYPE"), "{log}");
}

#[test]
fn missing_hash_file_stops_start_up() {
    let missing = format!("hash-missing-{}.txt", free_port());
    let output = binary(&[
        ("LEPTOS_HASH_FILES", "true".to_owned()),
        ("LEPTOS_HASH_FILE", missing.clone()),
        ("LEPTOS_HASH_FILE_NAME", missing.clone()),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port())),
    ])
    .output()
    .expect("run the binary");

    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "started without {missing}:\n{log}"
    );
    assert!(log.contains("hash-files"), "{log}");
    assert!(log.contains(&missing), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_run_never_logs_secrets() {
    let Some(redis) = RedisServer::start(&["--requirepass".to_owned(), SECRET.to_owned()]) else {
        return;
    };
    let port = free_port();
    let mut child = binary(&[
        (
            "REDIS_URL",
            format!("redis://default:{SECRET_ENCODED}@127.0.0.1:{}", redis.port),
        ),
        ("SESSION_KEY_PREFIX", format!("pmb-log-test-{port}:")),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
    ])
    .spawn()
    .expect("start the binary");
    let lines = collect_lines(&mut child);

    let mut log = wait_until_listening(&lines);

    let client = http_client();
    let base = format!("http://127.0.0.1:{port}");
    let cookie = demo_login_over_http(&client, &base, "remember=true", None).await;
    let cookie_header = format!("pmb_session={}", cookie.value());
    for path in ["/", "/dashboard", "/templates", "/health/detailed"] {
        let response = client
            .get(format!("{base}{path}"))
            .header(header::COOKIE, &cookie_header)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path} answered {}",
            response.status()
        );
        assert_no_secret(&response.text().await.unwrap());
    }
    let logout = client
        .post(format!("{base}/api/logout"))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &cookie_header)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_redirection());

    // SIGTERM, so the server logs its shutdown too.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().expect("the binary exits");
    log.extend(lines.iter());
    let log = log.join("\n");

    assert!(status.success(), "the binary failed on SIGTERM:\n{log}");
    assert!(
        log.contains("session layer initialized with Redis backend"),
        "{log}"
    );
    assert!(
        log.contains("server stopped"),
        "the log ends before shutdown:\n{log}"
    );
    eprintln!("searched {} log lines", log.lines().count());
    assert_no_secret(&log);
    assert!(
        !log.contains(cookie.value()),
        "the log names the session id:\n{log}"
    );
}

#[test]
fn unreachable_redis_logs_one_line() {
    let nothing_listens = free_port();
    let port = free_port();
    let mut child = binary(&[
        (
            "REDIS_URL",
            format!("redis://default:{SECRET_ENCODED}@127.0.0.1:{nothing_listens}"),
        ),
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
        ("RUST_LOG", "info".to_owned()),
    ])
    .spawn()
    .expect("start the binary");
    let lines = collect_lines(&mut child);

    let mut log = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(20)) {
        let listening = line.contains("listening on");
        log.push(line);
        if listening {
            break;
        }
    }
    // A few seconds of retries in the background add no lines.
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(3)) {
        log.push(line);
    }
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    let log = log.join("\n");

    assert!(
        log.contains("listening on"),
        "the app did not start:\n{log}"
    );
    let problems: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("ERROR") || line.contains("WARN"))
        .collect();
    assert_eq!(problems.len(), 1, "expected one line about Redis:\n{log}");
    assert!(problems[0].contains("Redis is unreachable"), "{log}");
    assert_no_secret(&log);
}
