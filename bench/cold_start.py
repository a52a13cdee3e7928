#!/usr/bin/env python3
"""Times the cold start of each entry point: from process start to the first
response to GET /health, over Redis sessions on loopback.

- pmblueprints (the server) and pmblueprints-vercel: polled over HTTP every
  millisecond until /health returns 200.
- pmblueprints-lambda: started against a Lambda runtime API on loopback (this
  script), which hands it one API Gateway HTTP API event for /health; the time
  runs until the function posts its response.

Usage, from the repository root after
`cargo build --release -p server --features lambda,vercel --bins`:

    python3 bench/cold_start.py [BINARY_DIR] [RUNS]

BINARY_DIR defaults to target/release and RUNS to 20. REDIS_URL comes from
TEST_REDIS_URL (default redis://127.0.0.1:6379); keys use the prefix
pmb-cold-start:, and nothing is written because /health reads no session.
"""

import http.client
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BINARY_DIR = sys.argv[1] if len(sys.argv) > 1 else "target/release"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
TIMEOUT_S = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env():
    return {
        "PATH": os.environ.get("PATH", ""),
        "RUST_LOG": "warn",
        "REDIS_URL": REDIS_URL,
        "SESSION_KEY_PREFIX": "pmb-cold-start:",
        # /health needs no site files, so a build without hash.txt works too.
        "LEPTOS_HASH_FILES": "false",
    }


def health_returns_ok(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/health")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


def time_http_entry(binary, extra_env, port):
    env = base_env() | extra_env
    started = time.monotonic()
    child = subprocess.Popen(
        [os.path.join(BINARY_DIR, binary)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not health_returns_ok(port):
            if child.poll() is not None:
                raise RuntimeError(f"{binary} exited with {child.returncode}")
            if time.monotonic() - started > TIMEOUT_S:
                raise RuntimeError(f"{binary} did not respond within {TIMEOUT_S} s")
            time.sleep(0.001)
        return (time.monotonic() - started) * 1000
    finally:
        child.kill()
        child.wait()


def health_event():
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/health",
        "rawQueryString": "",
        "headers": {"accept": "application/json", "host": "bench.lambda-url.local"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "bench",
            "domainName": "bench.lambda-url.local",
            "http": {
                "method": "GET",
                "path": "/health",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "cold-start-bench",
            },
            "requestId": "cold-start-1",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    """Hands out one event, then records the function's response."""

    answered = None
    handed_out = False

    def do_GET(self):
        if self.path != "/2018-06-01/runtime/invocation/next" or RuntimeApi.handed_out:
            # A second poll: hold it until the process is killed.
            time.sleep(TIMEOUT_S)
            return
        RuntimeApi.handed_out = True
        body = json.dumps(health_event()).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("lambda-runtime-aws-request-id", "cold-start-1")
        self.send_header("lambda-runtime-deadline-ms", str(int(time.time() * 1000) + 30000))
        self.send_header(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:eu-west-1:123456789012:function:bench",
        )
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        RuntimeApi.answered = (time.monotonic(), self.path, body)
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def time_lambda_entry():
    RuntimeApi.answered = None
    RuntimeApi.handed_out = False
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    env = base_env() | {
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": "pmb-cold-start",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    }
    started = time.monotonic()
    child = subprocess.Popen(
        [os.path.join(BINARY_DIR, "pmblueprints-lambda")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while RuntimeApi.answered is None:
            if child.poll() is not None:
                raise RuntimeError(f"pmblueprints-lambda exited with {child.returncode}")
            if time.monotonic() - started > TIMEOUT_S:
                raise RuntimeError(f"pmblueprints-lambda did not respond within {TIMEOUT_S} s")
            time.sleep(0.001)
        answered_at, path, body = RuntimeApi.answered
        if not path.endswith("/response") or json.loads(body).get("statusCode") != 200:
            raise RuntimeError(f"expected a 200 response, got {path}: {body[:200]!r}")
        return (answered_at - started) * 1000
    finally:
        child.kill()
        child.wait()
        server.shutdown()
        server.server_close()


def main():
    cases = {
        "pmblueprints (server)": lambda: (
            lambda port: time_http_entry(
                "pmblueprints", {"LEPTOS_SITE_ADDR": f"127.0.0.1:{port}"}, port
            )
        )(free_port()),
        "pmblueprints-vercel": lambda: (
            lambda port: time_http_entry(
                "pmblueprints-vercel", {"VERCEL": "1", "VERCEL_DEV_PORT": str(port)}, port
            )
        )(free_port()),
        "pmblueprints-lambda": time_lambda_entry,
    }

    print(f"cold start to the first /health response, ms, {RUNS} runs each")
    print("entry point               median    min    max")
    for name, run in cases.items():
        times = [run() for _ in range(RUNS)]
        print(
            f"{name:<24} {statistics.median(times):7.1f} {min(times):6.1f} {max(times):6.1f}"
        )


if __name__ == "__main__":
    main()
