#!/usr/bin/python3
"""Thread-per-connection against asynchronous HTTP, in one attnserve process: N clients hold a
connection open with half a request (as a slow or idle client does), then one more client asks
for something; how long does it wait?

  civetweb  the Prometheus endpoint (--metrics-port), prometheus-cpp's exposer: a worker thread
            per connection, 2 threads by default
  Beast     the HTTP front end (--http-port): 2 asio I/O threads

    flock /tmp/bench.lock bench/http_idle_connections.py build/release/server/attnserve [N...]

Prints one line per (server, N): the new client's latency, or "timeout" after 10 s.
(server/http/README.md quotes its output.)
"""
import socket
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
COUNTS = [int(n) for n in sys.argv[2:]] or [1, 2, 100, 1000]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_get(port, path, timeout=10.0):
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
            c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = c.recv(64)
    except OSError:  # connect or read timed out
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return time.perf_counter() - start


def main():
    grpc, http, metrics = free_port(), free_port(), free_port()
    log = tempfile.NamedTemporaryFile("w+")
    server = subprocess.Popen([BIN, "serve", "--model", "demo", "--host", "127.0.0.1", "--port",
                               str(grpc), "--metrics-host", "127.0.0.1", "--metrics-port",
                               str(metrics), "--http-address", "127.0.0.1", "--http-port",
                               str(http)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            log.seek(0)
            if " serving model " in log.read():
                break
            time.sleep(0.1)
        for name, port, path in (("civetweb (--metrics-port)", metrics, "/metrics"),
                                 ("Beast (--http-port)", http, "/health")):
            for n in COUNTS:
                held = []
                try:
                    for _ in range(n):
                        s = socket.create_connection(("127.0.0.1", port), timeout=2)
                        s.sendall(b"GET / HTTP/1.1\r\n")  # half a request, then silence
                        held.append(s)
                except OSError as e:  # a full accept backlog: the server stopped taking them in
                    print(f"{name}: connection {len(held) + 1} of {n} refused or stalled: {e}")
                time.sleep(0.5)  # let the server take them in
                t = timed_get(port, path)
                print(f"{name}: {n} open connections -> new request "
                      f"{'timeout (10 s)' if t is None else f'{t * 1000:.1f} ms'}", flush=True)
                for s in held:
                    s.close()
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
