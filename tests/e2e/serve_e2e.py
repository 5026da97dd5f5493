#!/usr/bin/python3
"""End-to-end tests of `attnserve serve`, run as a user would: the real binary, the real CLI,
a real Prometheus (Debian's, on 127.0.0.1) and promtool.

    serve_e2e.py ATTNSERVE_BIN ATTNSERVE_CLI_BIN TEST [TEST...]

Tests: startup_failures, serve_and_drain, metrics_prometheus, families (Python stdlib only),
reflection (Debian's python3-grpcio and python3-protobuf, and protoc), ghz (the ghz load
generator of scripts/install-tools.sh).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BIN, CLI = sys.argv[1], sys.argv[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def cli(port, *args, check=True, timeout=60):
    r = subprocess.run([CLI, "--target", f"127.0.0.1:{port}", *args], capture_output=True,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        fail(f"attnserve-cli {' '.join(args)} -> {r.returncode}: {r.stderr}")
    return r


class Server:
    def __init__(self, *flags, health=True):
        self.port, self.metrics_port = free_port(), free_port()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--metrics-host",
             "127.0.0.1", "--metrics-port", str(self.metrics_port), "--http-port", "0", *flags],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail(f"server exited early ({self.proc.returncode}): {self.output()}")
            if not health:  # e.g. TLS, which the plaintext probe cannot reach: wait for the banner
                if " serving model " in self.output():
                    return
            else:
                r = cli(self.port, "health", "--timeout-ms", "1000", check=False)
                if r.returncode == 0 and r.stdout.strip() == "SERVING":
                    return
            time.sleep(0.2)
        fail("server did not become SERVING within 60 s: " + self.output())

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=40):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail(f"server did not exit within {timeout} s after signal {sig}")


def run_startup(*flags, timeout=60):
    return subprocess.run([BIN, "serve", "--host", "127.0.0.1", "--http-port", "0", *flags],
                          capture_output=True,
                          text=True, timeout=timeout)


def expect_startup_failure(flags, needle):
    r = run_startup(*flags)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    if r.returncode == 0 or r.returncode >= 128:
        fail(f"{flags}: exit code {r.returncode} (want a clean non-zero exit): {r.stderr}")
    if not any(needle in l for l in lines):
        fail(f"{flags}: no line with {needle!r} in: {r.stderr}")
    if len(lines) > 2:  # one line from us (absl's flag errors may add a usage hint)
        fail(f"{flags}: expected one clear line, got {len(lines)}: {r.stderr}")
    print(f"ok: {flags} -> exit {r.returncode}: {lines[0]}")


def startup_failures():
    work = tempfile.mkdtemp()
    try:
        expect_startup_failure(["--model", f"{work}/missing"], "does not exist")
        os.makedirs(f"{work}/bad")
        with open(f"{work}/bad/config.json", "w") as f:
            f.write('{"model_type": "bert", "hidden_size": 100, "num_attention_heads": 3}')
        expect_startup_failure(["--model", f"{work}/bad"], "config.json")
        expect_startup_failure(["--no-such-flag"], "unknown flag --no-such-flag")
        expect_startup_failure(["--max-batch-tokens", "0"], "max_batch_tokens must be > 0")
        expect_startup_failure(["--tls-cert", f"{work}/none.pem", "--tls-key", f"{work}/none.key"],
                               "--tls-cert: cannot read")
        # --model naming a file: the directory is what it wants (and the one holding it, here).
        with open(f"{work}/bad/model.safetensors", "w") as f:
            f.write("x")
        expect_startup_failure(["--model", f"{work}/bad/model.safetensors"],
                               f"is a file, not a model directory: pass the directory that holds "
                               f"config.json and model.safetensors (here: '{work}/bad')")
        # TLS files, each wrong in its own way: one line naming the flag, the file and the cause
        # (gRPC alone reported a mismatched pair as "port in use or address invalid").
        subprocess.run(["bash", "-c", f"cd {work} && for n in a b; do openssl req -x509 -newkey "
                        "rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout $n.key -out $n.pem "
                        "2>/dev/null; done && chmod 000 b.pem"], check=True)
        expect_startup_failure(["--tls-cert", f"{work}/a.pem", "--tls-key", f"{work}/b.key"],
                               f"--tls-key '{work}/b.key' does not match the certificate of "
                               f"--tls-cert '{work}/a.pem'")
        expect_startup_failure(["--tls-cert", f"{work}/a.key", "--tls-key", f"{work}/a.key"],
                               f"--tls-cert '{work}/a.key': no PEM certificate in it")
        expect_startup_failure(["--tls-cert", f"{work}/a.pem", "--tls-key", f"{work}/a.key",
                                "--tls-client-ca", work], f"--tls-client-ca: cannot read '{work}': "
                               "it is a directory")
        if os.getuid() == 0:  # root reads any file: drop to nobody for the permission check
            os.chmod(work, 0o755)  # nobody reaches b.pem; its own mode (000) refuses it
            r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                BIN, "serve", "--tls-cert", f"{work}/b.pem", "--tls-key",
                                f"{work}/a.key"], capture_output=True, text=True, timeout=60)
            if r.returncode == 0 or "--tls-cert: cannot read" not in r.stderr or \
                    "Permission denied" not in r.stderr:
                fail(f"unreadable --tls-cert: {r.stderr}")
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            expect_startup_failure(["--port", str(port), "--metrics-port", str(free_port())],
                                   f"--port {port}: cannot listen on 127.0.0.1:{port}: Address "
                                   "already in use")
            expect_startup_failure(["--port", str(free_port()), "--metrics-host", "127.0.0.1",
                                    "--metrics-port", str(port)],
                                   f"--metrics-port {port}: cannot listen on 127.0.0.1:{port}: "
                                   "Address already in use")
            expect_startup_failure(["--port", str(free_port()), "--metrics-port", str(free_port()),
                                    "--http-address", "127.0.0.1", "--http-port", str(port)],
                                   f"--http-port {port}: cannot listen on 127.0.0.1:{port}: "
                                   "Address already in use")
    finally:
        shutil.rmtree(work)


def thread_names(pid):
    names = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            names.append(f.read().strip())
    return names


def serve_and_drain():
    s = Server("--log-format", "json", "--drain-timeout-s", "20", "--threads", "2")
    # --threads 2: the compute thread's OpenMP team has 2 threads (the worker names itself
    # attn-compute; GCC's libgomp threads inherit the name, clang's libomp pool keeps the name of
    # the thread that first made it), and no OpenMP team is left idle from loading the model:
    # threads beyond the cores make libgomp sleep at every barrier (measured: +45 % latency).
    names = thread_names(s.proc.pid)
    if names.count("attn-compute") < 1 or names.count("attn-compute") + names.count("attnserve") != 3:
        fail(f"want the main thread and 2 compute threads; threads: {names}")
    if "2 compute threads" not in s.output():
        fail("the banner does not say '2 compute threads': " + s.output())
    info = json.loads(cli(s.port, "info").stdout)
    assert info["model_id"] == "demo" and info["hidden_size"] == 128, info
    out = cli(s.port, "embed", "hello world", "the quick brown fox").stdout.splitlines()
    assert len(out) == 2 and len(json.loads(out[0])["embedding"]) == 128, out
    toks = json.loads(cli(s.port, "tokenize", "Hello, world!").stdout)
    assert toks["tokens"] == ["[CLS]", "hello", ",", "world", "!", "[SEP]"], toks
    # An empty input is answered in its place (the server's words), the others still are.
    bad = cli(s.port, "embed", "hi", "", check=False)
    lines = bad.stdout.splitlines()
    assert bad.returncode == 1 and len(lines) == 2 and "embedding" in json.loads(lines[0]) and \
        json.loads(lines[1]) == {"error": "argument 2 has empty text"}, (bad.stdout, bad.stderr)
    # SIGTERM in the middle of a closed-loop load: every call is answered (OK, or UNAVAILABLE
    # once the server stopped accepting), the server exits 0 well within the drain timeout.
    load = subprocess.Popen([CLI, "--target", f"127.0.0.1:{s.port}", "load", "--concurrency", "8",
                             "--lengths", "16:200", "--duration", "4", "--warmup", "0", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    t0 = time.time()
    rc = s.stop(signal.SIGTERM)
    took = time.time() - t0
    stdout, stderr = load.communicate(timeout=60)
    if rc != 0:
        fail(f"exit code {rc} after SIGTERM: {s.output()}")
    result = json.loads(stdout)[0]
    # New calls get UNAVAILABLE, never CANCELLED (gRPC's answer to calls that reach it during
    # its Shutdown: the drain holds its refusals across that moment, see RequestHandler::Refuse).
    unexpected = {k: v for k, v in result["errors"].items() if k != "UNAVAILABLE"}
    if unexpected or result["ok"] == 0:
        fail(f"load during drain: {result}")
    drain_lines = []
    for line in s.output().splitlines():  # --log-format json: every line is one JSON object
        rec = json.loads(line)
        assert {"ts", "level", "msg"} <= rec.keys(), rec
        if rec["msg"].startswith("drain: "):
            drain_lines.append(rec["msg"])
    if len(drain_lines) != 1 or " and 0 were cancelled" not in drain_lines[0]:
        fail(f"the server cancelled in-flight calls while draining: {drain_lines}")
    print(f"ok: exit 0 {took:.2f} s after SIGTERM; {drain_lines[0]}; load saw {result['ok']} OK, "
          f"errors {result['errors']}")


def metrics_prometheus():
    s = Server()
    promtool = shutil.which("promtool") or fail("promtool not installed")
    prometheus = shutil.which("prometheus") or fail("prometheus not installed")
    text = urllib.request.urlopen(f"http://127.0.0.1:{s.metrics_port}/metrics", timeout=10).read()
    for family in ["attnserve_requests_total", "attnserve_request_duration_seconds",
                   "attnserve_queue_duration_seconds", "attnserve_tokenization_duration_seconds",
                   "attnserve_inference_duration_seconds", "attnserve_batch_size_sequences",
                   "attnserve_batch_size_tokens", "attnserve_queue_sequences",
                   "attnserve_queue_tokens", "attnserve_inflight_requests",
                   "attnserve_inputs_total", "attnserve_tokens_total",
                   "attnserve_truncated_inputs_total", "attnserve_model_info",
                   "attnserve_build_info", "process_resident_memory_bytes",
                   "process_cpu_seconds_total", "process_start_time_seconds"]:
        if f"# TYPE {family} ".encode() not in text:
            fail(f"{family} missing from the first scrape")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True)
    if r.returncode != 0:
        fail(f"promtool check metrics: {r.stdout.decode()} {r.stderr.decode()}")
    print("ok: every family on the first scrape; promtool check metrics passes")

    work = tempfile.mkdtemp()
    prom_port = free_port()
    with open(f"{work}/prometheus.yml", "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: attnserve
    static_configs:
      - targets: ["127.0.0.1:{s.metrics_port}"]
""")
    prom = subprocess.Popen([prometheus, f"--config.file={work}/prometheus.yml",
                             f"--storage.tsdb.path={work}/data",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        load = subprocess.Popen([CLI, "--target", f"127.0.0.1:{s.port}", "load", "--concurrency",
                                 "4", "--lengths", "16:64", "--duration", "8", "--warmup", "0"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def query(q):
            url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                body = json.loads(urllib.request.urlopen(url, timeout=5).read())
            except OSError:
                return None
            res = body.get("data", {}).get("result", [])
            return float(res[0]["value"][1]) if res else None

        checks = {
            "up": 'up{job="attnserve"}',
            "rate": 'sum(rate(attnserve_requests_total{rpc="Embed",code="OK"}[5s]))',
            "p90": 'histogram_quantile(0.9, sum(rate(attnserve_request_duration_seconds_bucket{rpc="Embed"}[5s])) by (le))',
            "batch": 'histogram_quantile(0.5, sum(rate(attnserve_batch_size_sequences_bucket[5s])) by (le))',
        }
        got = {}
        deadline = time.time() + 60
        while time.time() < deadline and len(got) < len(checks):
            for name, q in checks.items():
                v = query(q)
                if v is not None and v == v and v > 0:  # not NaN
                    got[name] = v
            time.sleep(1)
        load.wait(timeout=60)
        if got.get("up") != 1 or len(got) < len(checks):
            fail(f"Prometheus queries: {got} (wanted all of {list(checks)} > 0)")
        print(f"ok: Prometheus scraped the target: up=1, Embed rate {got['rate']:.1f}/s, "
              f"p90 {got['p90'] * 1e3:.2f} ms, median batch {got['batch']:.1f} sequences")
    finally:
        prom.terminate()
        prom.wait(timeout=30)
        shutil.rmtree(work)
        if s.stop() != 0:
            fail("server exit code != 0")


def reflection():
    """A server-reflection client, as grpcurl is: lists the services, fetches attnserve's API
    descriptors from the server and calls Embed with a request built from them and JSON alone,
    with no attnserve .proto and no generated attnserve code."""
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

    gen = tempfile.mkdtemp()
    protos = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reflection")
    subprocess.run(["protoc", f"--proto_path={protos}", f"--python_out={gen}",
                    "attnserve_reflection/v1alpha/reflection.proto"], check=True)
    sys.path.insert(0, gen)
    from attnserve_reflection.v1alpha import reflection_pb2 as rpb

    s = Server()
    channel = grpc.insecure_channel(f"127.0.0.1:{s.port}")
    reflect = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=rpb.ServerReflectionRequest.SerializeToString,
        response_deserializer=rpb.ServerReflectionResponse.FromString)

    def ask(**request):
        (response,) = list(reflect(iter([rpb.ServerReflectionRequest(**request)]), timeout=10))
        if response.HasField("error_response"):
            fail(f"reflection {request}: {response.error_response}")
        return response

    services = {x.name for x in ask(list_services="").list_services_response.service}
    want = {"attnserve.v1.Embedder", "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"}
    if not want <= services:
        fail(f"reflection lists {sorted(services)}; want at least {sorted(want)}")

    # The file declaring the service, and the files it imports (if any), into a fresh pool.
    files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in ask(
        file_containing_symbol="attnserve.v1.Embedder").file_descriptor_response.file_descriptor_proto]
    pool, added = descriptor_pool.DescriptorPool(), set()
    while len(added) < len(files):
        ready = [f for f in files if f.name not in added and set(f.dependency) <= added]
        if not ready:
            fail(f"reflection: unresolved imports in {[f.name for f in files]}")
        for f in ready:
            pool.Add(f)
            added.add(f.name)
    service = pool.FindServiceByName("attnserve.v1.Embedder")
    methods = {m.name for m in service.methods}
    if not {"Embed", "EmbedStream", "Tokenize", "Decode", "Rerank", "Predict", "Info"} <= methods:
        fail(f"attnserve.v1.Embedder has methods {sorted(methods)}")

    embed = service.methods_by_name["Embed"]
    factory = message_factory.MessageFactory(pool)
    request_class = factory.GetPrototype(embed.input_type)
    response_class = factory.GetPrototype(embed.output_type)
    request = json_format.Parse('{"inputs": [{"text": "hello world"}], "normalize": true}',
                                request_class())
    call = channel.unary_unary("/attnserve.v1.Embedder/Embed",
                               request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    got = json_format.MessageToDict(call(request, timeout=10))["embeddings"][0]["values"]
    want_values = json.loads(cli(s.port, "embed", "--normalize=true", "hello world").stdout)["embedding"]
    if len(got) != 128 or max(abs(a - b) for a, b in zip(got, want_values)) > 1e-6:
        fail(f"Embed through reflection differs from attnserve-cli embed: {got[:4]} vs "
             f"{want_values[:4]}")
    channel.close()
    shutil.rmtree(gen)
    if s.stop() != 0:
        fail("exit code after SIGTERM: " + s.output())
    print(f"ok: reflection lists {sorted(services)}; Embed built from reflected descriptors "
          f"matches the CLI")


def access_log():
    """--access-log: one JSON line per call with its fields; request ids from x-request-id
    metadata (or made by the server) echoed to the client; the request text never logged."""
    import grpc
    sys.path.insert(0, os.path.join(os.path.dirname(CLI), "python", "gen"))
    from attnserve.v1 import attnserve_pb2 as pb, attnserve_pb2_grpc as pb_grpc

    s = Server("--access-log", "--log-format", "json")
    channel = grpc.insecure_channel(f"127.0.0.1:{s.port}")
    stub = pb_grpc.EmbedderStub(channel)
    secret = "secret words nobody logs"
    request = pb.EmbedRequest(inputs=[pb.Input(text=secret), pb.Input(text="two")])
    _, call = stub.Embed.with_call(request, metadata=[("x-request-id", "e2e-req-1")], timeout=10)
    if dict(call.initial_metadata()).get("x-request-id") != "e2e-req-1":
        fail(f"x-request-id not echoed: {call.initial_metadata()}")
    _, call = stub.Embed.with_call(request, metadata=[("x-request-id", "no spaces allowed")],
                                   timeout=10)
    made = dict(call.initial_metadata()).get("x-request-id", "")
    if len(made) != 16 or any(c not in "0123456789abcdef" for c in made):
        fail(f"a malformed client id must be replaced by a server-made one; got {made!r}")
    try:
        stub.Embed(pb.EmbedRequest(inputs=[pb.Input(text="")]), timeout=10,
                   metadata=[("x-request-id", "e2e-bad")])
        fail("empty text was accepted")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            fail(f"empty text: {e.code()}")
    stub.Tokenize(pb.TokenizeRequest(inputs=[pb.Input(text="hello world")]), timeout=10)
    channel.close()
    # attnserve-cli sends --request-id; a failed call's message ends with the id the server used
    # (the client's, or the one the server made).
    cli(s.port, "--request-id", "cli-req-1", "embed", "--dimensions", "2", "hello")
    r = cli(s.port, "--request-id", "cli-req-2", "embed", "--ids", "[101, 999999, 102]",
            check=False)
    if r.returncode != 1 or not r.stderr.rstrip().endswith("[request id cli-req-2]"):
        fail(f"the CLI's error does not end with its request id: {r.stderr}")
    r = cli(s.port, "embed", "--ids", "[101, 999999, 102]", check=False)
    made_for_cli = re.search(r"\[request id ([0-9a-f]{16})\]$", r.stderr.rstrip())
    if not made_for_cli:
        fail(f"no server-made request id in the CLI's error: {r.stderr}")
    if s.stop() != 0:
        fail("exit code after SIGTERM: " + s.output())
    log = s.output()
    if secret in log:
        fail("the request text reached the log")
    calls = [r for r in map(json.loads, log.splitlines()) if r["msg"] == "call"]
    by_id = {r["request_id"]: r for r in calls}
    ok = by_id.get("e2e-req-1") or fail(f"no line for e2e-req-1 in {calls}")
    for key, want in {"rpc": "Embed", "code": "OK", "inputs": 2}.items():
        if ok.get(key) != want:
            fail(f"{key}={ok.get(key)!r}, want {want!r}: {ok}")
    if not ok["peer"].startswith("ipv4:127.0.0.1:") or ok["tokens"] < 7:
        fail(f"peer / tokens: {ok}")
    if not 0 <= ok["queue_ms"] <= ok["queue_ms"] + ok["inference_ms"] <= ok["total_ms"]:
        fail(f"queue_ms + inference_ms must fit in total_ms: {ok}")
    if made not in by_id:
        fail(f"no line for the server-made id {made}: {calls}")
    bad = by_id.get("e2e-bad") or fail(f"no line for e2e-bad: {calls}")
    if bad["code"] != "INVALID_ARGUMENT" or "empty text" not in bad["error"]:
        fail(f"refused call's line: {bad}")
    for rid, code in (("cli-req-1", "OK"), ("cli-req-2", "INVALID_ARGUMENT"),
                      (made_for_cli.group(1), "INVALID_ARGUMENT")):
        if by_id.get(rid, {}).get("code") != code:
            fail(f"no {code} line for the CLI's call {rid}: {calls}")
    if sorted(r["rpc"] for r in calls) != ["Embed"] * 6 + ["Tokenize"] + \
            ["Info"] * (len(calls) - 7):  # the CLI's health probes are not calls of ours
        fail(f"want one line per call: {calls}")
    banner = next(r for r in map(json.loads, log.splitlines()) if r.get("event") == "serving")
    if banner["port"] != s.port or banner["model"] != "demo" or banner["compute_dtype"] != "fp32":
        fail(f"the banner's fields: {banner}")
    quiet = Server()
    quiet_port = quiet.port
    cli(quiet_port, "embed", "hello")
    quiet.stop()
    if '"call"' in quiet.output() or " I call " in quiet.output():
        fail("calls were logged without --access-log")
    print(f"ok: {len(calls)} access-log lines, e.g. {ok}")


def security():
    """API keys reloaded by SIGHUP (a bad file keeps the old keys), never logged; TLS below 1.2
    refused by the server itself (openssl s_client offering only TLS 1.1, at any security
    level)."""
    work = tempfile.mkdtemp()
    keys = os.path.join(work, "keys")
    with open(keys, "w") as f:
        f.write("# comment\nk1-secret-value\n")
    s = Server("--api-keys-file", keys)

    def embed(key):
        return cli(s.port, "--api-key", key, "embed", "hello", check=False)

    def wait_log(needle):
        for _ in range(100):
            if needle in s.output():
                return
            time.sleep(0.05)
        fail(f"no {needle!r} in the log: {s.output()}")

    if embed("k1-secret-value").returncode != 0 or "UNAUTHENTICATED" not in embed("k2-secret-value").stderr:
        fail("keys before the reload")
    with open(keys, "w") as f:
        f.write("k2-secret-value\n")
    s.proc.send_signal(signal.SIGHUP)
    wait_log("SIGHUP: reloaded 1 API keys")
    if embed("k2-secret-value").returncode != 0 or "UNAUTHENTICATED" not in embed("k1-secret-value").stderr:
        fail("keys after the reload")
    with open(keys, "w") as f:
        f.write("# no keys at all\n")
    s.proc.send_signal(signal.SIGHUP)
    wait_log("the previous keys stay")
    if embed("k2-secret-value").returncode != 0:
        fail("a bad keys file must leave the previous keys in place")
    if s.stop() != 0:
        fail("exit code after SIGTERM: " + s.output())
    if "secret-value" in s.output():
        fail("an API key reached the log: " + s.output())

    subprocess.run(["bash", "-c", f"cd {work} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                    "-subj /CN=localhost -keyout k.pem -out c.pem 2>/dev/null"], check=True)
    t = Server("--tls-cert", f"{work}/c.pem", "--tls-key", f"{work}/k.pem", health=False)
    def handshake(version):
        r = subprocess.run(["openssl", "s_client", f"-{version}", "-cipher", "DEFAULT:@SECLEVEL=0",
                            "-connect", f"127.0.0.1:{t.port}"], input="", capture_output=True,
                           text=True, timeout=20)
        return "Cipher is (NONE)" not in r.stdout and "BEGIN CERTIFICATE" in r.stdout
    if handshake("tls1_1") or handshake("tls1"):
        fail("the server completed a TLS 1.0/1.1 handshake")
    if not handshake("tls1_2") or not handshake("tls1_3"):
        fail("the server refused TLS 1.2 / 1.3")
    t.stop()
    # gRPC's own log lines go through the server's logger, as one warning naming the cause
    # (never gRPC's "E1202 12:00:00.000 ssl_transport_security.cc:1501] ..." format).
    log = t.output()
    if re.search(r"^[EWID]\d{4} ", log, re.M):
        fail("a gRPC log line in its own format reached the server's log: " + log)
    if "W TLS handshake failed: a client offered only TLS versions the server does not accept" \
            not in log:
        fail("the refused TLS 1.1 handshake is not logged as the server's warning: " + log)
    shutil.rmtree(work)
    print("ok: SIGHUP reloads the keys (a bad file keeps them), no key in the log; "
          "TLS 1.0/1.1 refused, 1.2/1.3 accepted")

def read_safetensors(path):
    """{name: list of numbers} of a safetensors file (F32 / I32 only), with the stdlib."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        out[name] = list(struct.unpack("<%d%s" % (len(raw) // 4, {"F32": "f", "I32": "i"}[t["dtype"]]), raw))
    return out


def families():
    """`serve --model DIR` on a RoBERTa checkpoint saved by transformers (no tokenizer: token ids
    in), through the CLI: Info names the family and its usable length (max_position_embeddings 34
    minus pad_token_id 1 minus 1), Embed gives transformers' vectors (committed in the fixture,
    tests/testdata/families/generate_fixtures.py), and an id past the limit is refused."""
    fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata",
                           "families", "roberta_h48_heads2")
    expected = read_safetensors(os.path.join(fixture, "expected.safetensors"))
    s = Server("--model", fixture, "--threads", "1")
    info = json.loads(cli(s.port, "info").stdout)
    if info.get("architecture") != "roberta" or info.get("max_input_length") != 32 or \
            info.get("hidden_size") != 48:
        fail(f"info of the roberta fixture: {info}")
    if "(roberta" not in s.output():
        fail("the banner does not name the family: " + s.output())
    worst = 0.0
    for i in (3, 6):  # sequences with pad_token_id inside, 9 and 32 tokens
        ids = expected[f"seq{i}.ids"]
        got = json.loads(cli(s.port, "embed", "--ids", "--pooling=mean", "--normalize=true",
                             json.dumps(ids)).stdout)
        want = expected[f"seq{i}.mean_normalized"]
        if got.get("num_tokens") != len(ids) or len(got["embedding"]) != len(want):
            fail(f"embed of sequence {i}: {got}")
        worst = max(worst, max(abs(a - b) for a, b in zip(got["embedding"], want)))
    if worst > 2e-5:
        fail(f"served vectors differ from transformers by {worst}")
    too_long = cli(s.port, "embed", "--ids", json.dumps([5] * 33), check=False)
    if too_long.returncode == 0 or "33" not in too_long.stdout + too_long.stderr:
        fail(f"33 ids accepted or not named: {too_long.stdout} {too_long.stderr}")
    if s.stop() != 0:
        fail("exit code after SIGTERM: " + s.output())
    print(f"ok: roberta fixture served; info names it, max |diff| vs transformers {worst:.1e}")


SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def embed_codes(metrics_port):
    """attnserve_requests_total{rpc="Embed"} by code, from the server's own /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics",
                                  timeout=10).read().decode()
    codes = {}
    for line in text.splitlines():
        m = re.match(r'attnserve_requests_total\{([^}]*)\} (\S+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if labels.get("rpc") == "Embed" and float(m.group(2)) > 0:
            codes[labels["code"]] = int(float(m.group(2)))
    return codes


def ghz_codes(report):
    """ghz's statusCodeDistribution (Go's names: DeadlineExceeded) in gRPC's: DEADLINE_EXCEEDED."""
    return {re.sub(r"(?<=[a-z])([A-Z])", r"_\1", k).upper(): v
            for k, v in report.get("statusCodeDistribution", {}).items()}


def p99_ms(report):
    return next(d["latency"] for d in report["latencyDistribution"] if d["percentage"] == 99) / 1e6


def ghz():
    """A load generator nobody here wrote (ghz, Go, pinned in scripts/install-tools.sh) against
    the real server: every call answered, and the server's counters agree with what ghz saw,
    first under plain load, then in a deadline storm."""
    tools = subprocess.run([os.path.join(SRC, "scripts", "install-tools.sh"), "--check"],
                           capture_output=True, text=True)
    if tools.returncode != 0:
        fail("ghz is missing; run scripts/install-tools.sh: " + tools.stderr.strip())
    ghz_bin = os.path.join(tools.stdout.strip(), "ghz")
    s = Server("--threads", "2")

    def run(calls, concurrency, timeout, data):
        before = embed_codes(s.metrics_port)
        r = subprocess.run(
            [ghz_bin, "--insecure", "--proto",
             os.path.join(SRC, "proto", "attnserve", "v1", "attnserve.proto"),
             "--import-paths", os.path.join(SRC, "proto"),
             "--call", "attnserve.v1.Embedder/Embed", "-d", json.dumps(data),
             "-n", str(calls), "-c", str(concurrency), "--connections", "2",
             "--timeout", timeout, "--format", "json", f"127.0.0.1:{s.port}"],
            capture_output=True, text=True, timeout=240)
        if r.returncode != 0 and not r.stdout.startswith("{"):
            fail(f"ghz exit {r.returncode}: {r.stderr}")
        report = json.loads(r.stdout)
        # The server may still be finishing calls ghz already gave up on.
        for _ in range(100):
            after = embed_codes(s.metrics_port)
            if sum(after.values()) - sum(before.values()) >= calls:
                break
            time.sleep(0.05)
        server = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        return report, ghz_codes(report), {k: v for k, v in server.items() if v}

    short = {"inputs": [{"text": "ghz says hello to attnserve"}, {"text": "a second input"}]}
    report, seen, server = run(2000, 16, "10s", short)
    if report.get("count") != 2000 or seen != {"OK": 2000} or server != {"OK": 2000}:
        fail(f"plain load: ghz {seen} (count {report.get('count')}), server counted {server}; "
             f"errors {report.get('errorDistribution')}")
    print(f"ok: ghz 2000 calls x 16 concurrent: all OK, {report['rps']:.0f} calls/s, "
          f"p99 {p99_ms(report):.1f} ms; server counted 2000 OK")

    long = {"inputs": [{"text": " ".join(["deadline"] * 600)}] * 4, "truncate": True}
    report, seen, server = run(600, 32, "15ms", long)
    if not seen.get("DEADLINE_EXCEEDED"):
        fail(f"no deadline storm happened: ghz saw {seen}")
    # The server cannot know ghz's clock: its deadline runs from when it read the call's headers
    # (grpc-timeout is relative), later than ghz's when the call waited in ghz or in the
    # server's I/O threads (2 cores shared with the compute). An answer the server sent inside
    # that gap is what it counted, where ghz saw DEADLINE_EXCEEDED; and a call that died before
    # gRPC handed it to attnserve was never the server's to count. So every code but
    # DEADLINE_EXCEEDED may be counted more often by the server than ghz saw it, the server's
    # total may be lower, and the difference is exactly ghz's extra DEADLINE_EXCEEDED. Nothing
    # else may differ, and no request here is invalid or cancelled.
    late = {k: v - seen.get(k, 0) for k, v in server.items() if k != "DEADLINE_EXCEEDED"}
    unseen = sum(seen.values()) - sum(server.values())
    crossed = seen["DEADLINE_EXCEEDED"] - server.get("DEADLINE_EXCEEDED", 0)
    if (unseen < 0 or any(v < 0 for v in late.values()) or
            sum(late.values()) + unseen != crossed or "INVALID_ARGUMENT" in server or
            "CANCELLED" in server or any(k not in server for k in seen)):
        fail(f"deadline storm: ghz saw {seen}, the server counted {server}")
    print(f"ok: ghz deadline storm (600 calls, 15 ms): ghz {seen}, server {server}; of ghz's "
          f"DEADLINE_EXCEEDED, {sum(late.values())} were answered inside the clock gap "
          f"({late}) and {unseen} never reached attnserve")
    if s.stop() != 0:
        fail("exit code after SIGTERM: " + s.output())


if __name__ == "__main__":
    for test in sys.argv[3:]:
        globals()[test]()
