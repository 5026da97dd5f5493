#!/usr/bin/python3
"""End-to-end tests of the HTTP/JSON front end (`attnserve serve --http-port`), run as users
would: the real binary, curl, and real clients nobody here wrote, from PyPI: the `openai` SDK
and huggingface_hub's InferenceClient (pinned in scripts/install-references.sh, run with its
virtualenv's python).

    http_e2e.py ATTNSERVE_BIN ATTNSERVE_CLI_BIN SOURCE_DIR TEST [TEST...]

Tests:
  curl         every route with curl: shapes, keep-alive, the same vectors as gRPC, errors as
               JSON naming the input and the limit, 404 naming a missing head, 405, 413
  auth         API keys (Authorization: Bearer) on HTTP; /health needs none
  limits       queue full -> 429 + Retry-After, --http-timeout-s -> 504, a client that closes
               its connection cancels its queued request, metrics per route
  drain        SIGTERM: in-flight HTTP requests finish, new ones get 503, exit 0
  tls          HTTPS with the server's --tls-cert / --tls-key (curl --cacert)
  openai       openai.OpenAI(base_url=.../v1).embeddings.create, float and base64, and its errors
  hf           huggingface_hub.InferenceClient.feature_extraction against /embed
  langchain    langchain_openai.OpenAIEmbeddings (embed_documents, embed_query) on /v1
"""
import base64
import http.client
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BIN, CLI, SRC = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *flags):
        self.port, self.http, self.metrics = free_port(), free_port(), free_port()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--model", "demo", "--host", "127.0.0.1", "--port", str(self.port),
             "--metrics-host", "127.0.0.1", "--metrics-port", str(self.metrics),
             "--http-address", "127.0.0.1", "--http-port", str(self.http), *flags],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail(f"server exited early ({self.proc.returncode}): {self.output()}")
            if " serving model " in self.output():
                return
            time.sleep(0.1)
        fail("server did not start within 60 s: " + self.output())

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, conn=None, timeout=30):
        """(status, headers dict (lowercase), body bytes). `body`: bytes, str or JSON value."""
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.http, timeout=timeout)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        out = r.status, {k.lower(): v for k, v in r.getheaders()}, data
        if own:
            conn.close()
        return out

    def metric(self, name, **labels):
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics",
                                      timeout=10).read().decode()
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            series, value = line.rsplit(" ", 1)
            got = series[len(name):].strip("{}")
            parts = sorted(p for p in got.split('",') if p)
            norm = ",".join(p if p.endswith('"') else p + '"' for p in parts)
            if all(f in norm.split(",") for f in want.split(",") if f) or not want:
                total += float(value)
        return total

    def stop(self, sig=signal.SIGTERM, timeout=40):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail(f"server did not exit within {timeout} s")


def expect(cond, msg):
    if not cond:
        fail(msg)


def error_of(body, style):
    j = json.loads(body)
    if style == "openai":
        expect(set(j["error"]) == {"message", "type", "param", "code"}, f"OpenAI error shape: {j}")
        return j["error"]
    expect(set(j) == {"error", "error_type"}, f"TEI error shape: {j}")
    return j


def grpc_embedding(s, text, *flags):
    r = subprocess.run([CLI, "--target", f"127.0.0.1:{s.port}", "embed", *flags, text],
                       capture_output=True, text=True, timeout=60)
    expect(r.returncode == 0, f"attnserve-cli embed: {r.stderr}")
    return json.loads(r.stdout.splitlines()[0])["embedding"]


def close(a, b, tol=1e-6):
    return len(a) == len(b) and all(abs(x - y) <= tol * max(1.0, abs(y)) for x, y in zip(a, b))


def curl(*args):
    r = subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=60)
    return r


def curl_test():
    s = Server("--max-inputs-per-request", "4", "--max-message-bytes", "4096")
    base = f"http://127.0.0.1:{s.http}"
    r = curl(base + "/v1/embeddings", "-H", "Content-Type: application/json",
             "-d", '{"model": "demo", "input": ["hello world", "second"]}')
    expect(r.returncode == 0, f"curl: {r.stderr}")
    j = json.loads(r.stdout)
    expect(j["object"] == "list" and j["model"] == "demo", f"/v1/embeddings: {j}")
    expect([d["index"] for d in j["data"]] == [0, 1], f"indices: {j}")
    expect(all(d["object"] == "embedding" and len(d["embedding"]) == 128 for d in j["data"]),
           "128-dim vectors")
    expect(j["usage"]["prompt_tokens"] == j["usage"]["total_tokens"] > 0, f"usage: {j['usage']}")
    # The same vector as gRPC's, same model default (pooling, normalization).
    expect(close(j["data"][0]["embedding"], grpc_embedding(s, "hello world")),
           "HTTP and gRPC vectors differ")

    # Keep-alive: two requests, one connection.
    r = curl("-v", base + "/health", base + "/v1/models")
    expect(r.returncode == 0, r.stderr)
    expect("Re-using existing connection" in r.stderr or "Reusing existing connection" in r.stderr,
           f"curl did not reuse the connection: {r.stderr}")
    expect(json.loads(r.stdout)["data"][0]["id"] == "demo", f"/v1/models: {r.stdout}")

    # TEI routes.
    st, _, body = s.request("POST", "/embed", {"inputs": "hello world"})
    expect(st == 200, f"/embed {st} {body}")
    v = json.loads(body)
    expect(len(v) == 1 and len(v[0]) == 128, "/embed shape")
    expect(abs(math.sqrt(sum(x * x for x in v[0])) - 1) < 1e-4, "/embed normalizes by default")
    expect(close(v[0], grpc_embedding(s, "hello world", "--normalize", "true")), "/embed vs gRPC")
    st, _, body = s.request("POST", "/", {"inputs": ["a", [101, 352, 102]], "normalize": False})
    expect(st == 200 and len(json.loads(body)) == 2, f"POST / {st} {body}")
    st, _, body = s.request("POST", "/embed", {"inputs": "hello world", "dimensions": 8})
    expect(st == 200 and len(json.loads(body)[0]) == 8, f"/embed dimensions {body}")
    st, _, body = s.request("POST", "/embed_all", {"inputs": ["hello world"]})
    rows = json.loads(body)
    tok = json.loads(s.request("POST", "/tokenize", {"inputs": "hello world"})[2])
    expect(st == 200 and len(rows[0]) == len(tok[0]) and len(rows[0][0]) == 128,
           f"/embed_all: {len(rows[0])} rows for {len(tok[0])} tokens")
    expect(tok[0][0]["special"] and tok[0][0]["start"] is None, f"/tokenize [CLS]: {tok[0][0]}")
    expect(tok[0][1]["text"] == "hello" and tok[0][1]["start"] == 0 and tok[0][1]["stop"] == 5,
           f"/tokenize hello: {tok[0][1]}")
    ids = [t["id"] for t in tok[0]]
    st, _, body = s.request("POST", "/decode", {"ids": ids})
    expect(st == 200 and json.loads(body) == ["hello world"], f"/decode {st} {body}")
    st, _, body = s.request("GET", "/info")
    info = json.loads(body)
    expect(st == 200 and info["model_id"] == "demo" and info["max_client_batch_size"] == 4,
           f"/info {body}")
    st, _, body = s.request("GET", "/health")
    expect(st == 200, f"/health {st}")
    st, _, body = s.request("GET", "/openapi.json")
    expect(st == 200 and "/v1/embeddings" in json.loads(body)["paths"], f"/openapi.json {st}")

    # Errors: JSON naming the input and the limit.
    st, _, body = s.request("POST", "/v1/embeddings", {"input": ["a"] * 5})
    e = error_of(body, "openai")
    expect(st == 400 and "5" in e["message"] and "4" in e["message"] and e["param"] == "input",
           f"too many inputs: {st} {e}")
    st, _, body = s.request("POST", "/v1/embeddings", {"input": ["ok", ""]})
    e = error_of(body, "openai")
    expect(st == 400 and "input 1" in e["message"], f"empty text: {st} {e}")
    st, _, body = s.request("POST", "/embed", {"inputs": "word " * 600, "truncate": False})
    e = error_of(body, "tei")
    expect(st == 400 and "512" in e["error"] and e["error_type"] == "Validation",
           f"too long: {st} {e}")
    st, _, body = s.request("POST", "/embed", {"inputs": "word " * 600, "truncate": True})
    expect(st == 200, f"truncate: {st} {body[:200]}")
    st, _, body = s.request("POST", "/v1/embeddings", b'{"input": "x"')
    expect(st == 400 and "not valid JSON" in error_of(body, "openai")["message"], f"bad JSON {st}")
    # The demo model has no classification head: FAILED_PRECONDITION (400) naming its tasks.
    st, _, body = s.request("POST", "/rerank", {"query": "q", "texts": ["a"]})
    expect(st == 400 and "cross-encoder head" in error_of(body, "tei")["error"] and
           "tasks: embed" in error_of(body, "tei")["error"], f"/rerank {st} {body}")
    st, _, body = s.request("POST", "/predict", {"inputs": "a"})
    expect(st == 400 and "classification head" in error_of(body, "tei")["error"],
           f"/predict {st} {body}")
    st, _, body = s.request("POST", "/embed_sparse", {"inputs": "a"})
    expect(st == 404 and "sparse" in error_of(body, "tei")["error"], f"/embed_sparse {st} {body}")
    st, _, body = s.request("GET", "/nope")
    expect(st == 404 and "/nope" in error_of(body, "tei")["error"], f"unknown route {st}")
    st, h, body = s.request("GET", "/embed")
    expect(st == 405 and h.get("allow") == "POST", f"GET /embed {st} {h}")
    # Over --max-message-bytes: 413 naming the limit, before the body is read.
    big = json.dumps({"input": ["x" * 100] * 60})
    r = curl("-o", "-", "-w", "\n%{http_code}", base + "/v1/embeddings", "-H",
             "Content-Type: application/json", "--data-binary", big)
    out, code = r.stdout.rsplit("\n", 1)
    e = error_of(out, "openai")
    expect(code == "413" and "4096" in e["message"] and "--max-message-bytes" in e["message"]
           and e["code"] == "payload_too_large", f"413: {code} {out}")
    # A client that sends the whole body first (no Expect: 100-continue; 2 MB, more than the
    # socket buffers hold) still gets the 413, not a reset connection.
    st, _, body = s.request("POST", "/embed", json.dumps({"inputs": ["y" * 1000] * 2000}))
    expect(st == 413 and "4096" in error_of(body, "tei")["error"], f"413 without Expect: {st}")
    # Per-route metrics, one family with gRPC's.
    expect(s.metric("attnserve_requests_total", rpc="POST /v1/embeddings", code="OK") >= 1,
           "no OK count for POST /v1/embeddings")
    expect(s.metric("attnserve_requests_total", rpc="POST /v1/embeddings",
                    code="INVALID_ARGUMENT") >= 2, "no INVALID_ARGUMENT count")
    expect(s.metric("attnserve_requests_total", rpc="Embed", code="OK") >= 2,
           "gRPC Embed counted in the same family")
    expect(s.stop() == 0, "exit code")


def auth_test():
    with tempfile.NamedTemporaryFile("w", suffix=".keys") as keys:
        keys.write("key-one\nkey-two\n")
        keys.flush()
        s = Server("--api-keys-file", keys.name)
        st, h, body = s.request("POST", "/v1/embeddings", {"input": "a"})
        e = error_of(body, "openai")
        expect(st == 401 and e["type"] == "authentication_error" and
               h.get("www-authenticate") == "Bearer", f"no key: {st} {h} {e}")
        st, _, body = s.request("POST", "/embed", {"inputs": "a"},
                                {"Authorization": "Bearer wrong"})
        expect(st == 401 and error_of(body, "tei")["error_type"] == "Unauthorized",
               f"wrong key: {st}")
        st, _, _ = s.request("POST", "/embed", {"inputs": "a"}, {"Authorization": "Bearer key-two"})
        expect(st == 200, f"right key: {st}")
        st, _, _ = s.request("GET", "/info", headers={"Authorization": "Bearer key-one"})
        expect(st == 200, f"/info with key: {st}")
        st, _, _ = s.request("GET", "/health")
        expect(st == 200, f"/health needs no key: {st}")
        expect(s.stop() == 0, "exit code")


def limits_test():
    # A batch waits up to 1.5 s for company: requests stay queued long enough to fill the queue,
    # outlive a 1 s timeout, and be abandoned by their client.
    s = Server("--max-queued-tokens", "64", "--max-input-length", "32",
               "--max-queue-delay-us", "1500000",
               "--max-batch-tokens", "4096", "--http-timeout-s", "1")
    ids = [101] + [352] * 20 + [102]  # 22 tokens: two fit in the queue, the third does not
    results = []

    def one():
        results.append(s.request("POST", "/embed", {"inputs": ids}))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r[0] for r in results)
    full = [r for r in results if r[0] == 429]
    expect(full, f"no 429 with a 64-token queue: {codes}")
    expect(all(r[1].get("retry-after") == "1" for r in full), "429 without Retry-After")
    e = error_of(full[0][2], "tei")
    expect(e["error_type"] == "Overloaded" and "64" in e["error"], f"429 body: {e}")
    # Those that got in waited 1.5 s for company: past the 1 s timeout -> 504 naming the limit.
    late = [r for r in results if r[0] != 429]
    expect(late and all(r[0] == 504 for r in late), f"want 504 after 1 s: {codes}")
    expect("--http-timeout-s" in error_of(late[0][2], "tei")["error"], "504 body")

    # A client that closes its connection: its request is cancelled before compute.
    batches = s.metric("attnserve_batch_size_sequences_count")
    body = json.dumps({"inputs": "abandoned"}).encode()
    with socket.create_connection(("127.0.0.1", s.http)) as c:
        c.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        time.sleep(0.3)
    deadline = time.time() + 5
    while time.time() < deadline and s.metric("attnserve_requests_total", rpc="POST /embed",
                                              code="CANCELLED") < 1:
        time.sleep(0.1)
    expect(s.metric("attnserve_requests_total", rpc="POST /embed", code="CANCELLED") == 1,
           "the abandoned request was not counted CANCELLED")
    time.sleep(2)
    expect(s.metric("attnserve_batch_size_sequences_count") == batches,
           "the abandoned request was computed")
    expect(s.metric("attnserve_requests_total", rpc="POST /embed", code="RESOURCE_EXHAUSTED") ==
           len(full), "429s counted as RESOURCE_EXHAUSTED")
    expect(s.stop() == 0, "exit code")


def drain_test():
    s = Server("--max-queue-delay-us", "2000000", "--drain-timeout-s", "20")
    slow = []
    t = threading.Thread(target=lambda: slow.append(s.request("POST", "/embed", {"inputs": "a"})))
    t.start()
    time.sleep(0.5)  # queued, waiting 2 s for company
    conn = http.client.HTTPConnection("127.0.0.1", s.http, timeout=30)
    st, _, _ = s.request("GET", "/health", conn=conn)  # an idle keep-alive connection
    expect(st == 200, "health before the drain")
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    st, h, body = s.request("POST", "/embed", {"inputs": "b"})
    expect(st == 503 and h.get("retry-after") == "1" and
           "shutting down" in error_of(body, "tei")["error"], f"during the drain: {st} {body}")
    st, _, _ = s.request("GET", "/health")
    expect(st == 503, f"/health during the drain: {st}")
    t.join()
    expect(slow and slow[0][0] == 200, f"the in-flight request did not finish: {slow}")
    expect(s.proc.wait(30) == 0, "exit code after the drain")


def tls_test():
    d = tempfile.mkdtemp()
    lib = os.path.join(SRC, "tests", "clients", "serve_lib.sh")
    subprocess.run(["bash", "-c", f'source "{lib}" && attn_make_certs "{d}"'], check=True)
    s = Server("--tls-cert", f"{d}/server.pem", "--tls-key", f"{d}/server.key")
    expect("HTTP on https://" in s.output(), "the banner does not say HTTPS")
    r = curl("--cacert", f"{d}/ca.pem", f"https://127.0.0.1:{s.http}/v1/embeddings", "-H",
             "Content-Type: application/json", "-d", '{"input": "over TLS"}')
    expect(r.returncode == 0 and len(json.loads(r.stdout)["data"][0]["embedding"]) == 128,
           f"HTTPS: {r.stderr} {r.stdout[:200]}")
    r = curl(f"http://127.0.0.1:{s.http}/health")
    expect(r.returncode != 0 or "200" not in r.stdout, "plaintext accepted on the TLS port")
    expect(s.stop() == 0, "exit code")


def venv_python():
    script = os.path.join(SRC, "scripts", "install-references.sh")
    check = subprocess.run([script, "--check"], capture_output=True, text=True)
    if check.returncode != 0:
        fail(f"the clients' virtualenv is missing (run scripts/install-references.sh): "
             f"{check.stderr.strip()}")
    return subprocess.run([script, "--venv"], capture_output=True, text=True,
                          check=True).stdout.strip()


OPENAI_CLIENT = r'''
import base64, json, sys
import numpy as np
import openai
port = int(sys.argv[1])
client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test", max_retries=0)
texts = ["The cat sits outside", "A man is playing guitar"]
default = client.embeddings.create(model="demo", input=texts)          # the SDK asks for base64
floats = client.embeddings.create(model="demo", input=texts, encoding_format="float")
b64 = client.embeddings.with_raw_response.create(model="demo", input=texts,
                                                 encoding_format="base64")
raw = json.loads(b64.text)
assert floats.model == "demo" and floats.object == "list", floats
assert [d.index for d in floats.data] == [0, 1]
assert floats.usage.prompt_tokens == floats.usage.total_tokens > 0, floats.usage
for i in range(2):
    f = np.array(floats.data[i].embedding, dtype=np.float32)
    d = np.array(default.data[i].embedding, dtype=np.float32)
    r = np.frombuffer(base64.b64decode(raw["data"][i]["embedding"]), dtype=np.float32)
    assert f.shape == (128,), f.shape
    assert np.array_equal(f, d), (f[:4], d[:4])        # the float text is exact float32
    assert np.array_equal(f, r), (f[:4], r[:4])
ids = client.embeddings.create(model="demo", input=[[101, 352, 102]], encoding_format="float")
assert len(ids.data[0].embedding) == 128
dims = client.embeddings.create(model="demo", input="x", dimensions=16, encoding_format="float")
assert len(dims.data[0].embedding) == 16
try:
    client.embeddings.create(model="demo", input=["fine", ""])
    raise SystemExit("an empty input was accepted")
except openai.BadRequestError as e:
    assert e.status_code == 400 and "input 1" in e.message, e.message
    assert e.body["param"] == "input", e.body
try:
    client.embeddings.create(model="demo", input="x", dimensions=100000)
    raise SystemExit("dimensions above the hidden size were accepted")
except openai.BadRequestError as e:
    assert "128" in e.message, e.message
print(json.dumps(floats.data[0].embedding))
'''

HF_CLIENT = r'''
import json, sys
import numpy as np
from huggingface_hub import InferenceClient
port = int(sys.argv[1])
client = InferenceClient(model=f"http://127.0.0.1:{port}/embed")
one = client.feature_extraction("The cat sits outside")
assert one.shape == (1, 128), one.shape
assert abs(np.linalg.norm(one[0]) - 1) < 1e-4           # TEI's normalize defaults to true
raw = client.feature_extraction("The cat sits outside", normalize=False)
assert not np.allclose(raw, one)
assert np.allclose(raw[0] / np.linalg.norm(raw[0]), one[0], atol=1e-6)
cut = client.feature_extraction("word " * 600, truncate=True, truncation_direction="left")
assert cut.shape == (1, 128)
try:
    client.feature_extraction("word " * 600, truncate=False)
    raise SystemExit("a too-long input was accepted")
except Exception as e:  # huggingface_hub's HfHubHTTPError carries the server's message
    assert "512" in str(e), str(e)
print(json.dumps(raw[0].tolist()))
'''


LANGCHAIN_CLIENT = r'''
import json, sys
from langchain_openai import OpenAIEmbeddings
port = int(sys.argv[1])
# check_embedding_ctx_length=False: send the text itself (the default counts tokens with
# tiktoken's OpenAI vocabularies first, which are downloaded, and are not this model's).
emb = OpenAIEmbeddings(model="demo", base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test",
                       check_embedding_ctx_length=False, max_retries=0)
docs = emb.embed_documents(["The cat sits outside", "A man is playing guitar"])
assert len(docs) == 2 and all(len(d) == 128 for d in docs), [len(d) for d in docs]
query = emb.embed_query("The cat sits outside")
assert query == docs[0], "embed_query and embed_documents differ for the same text"
short = OpenAIEmbeddings(model="demo", base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test",
                         check_embedding_ctx_length=False, dimensions=32).embed_query("x")
assert len(short) == 32, len(short)
print(json.dumps(query))
'''


def run_client(code, port):
    r = subprocess.run([venv_python(), "-c", code, str(port)], capture_output=True, text=True,
                       timeout=120)
    expect(r.returncode == 0, f"client failed:\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def openai_test():
    s = Server()
    v = run_client(OPENAI_CLIENT, s.http)
    expect(close(v, grpc_embedding(s, "The cat sits outside")), "openai SDK vs gRPC")
    print("ok: openai", subprocess.run([venv_python(), "-c",
                                        "import openai; print(openai.__version__)"],
                                       capture_output=True, text=True).stdout.strip())
    expect(s.stop() == 0, "exit code")


def hf_test():
    s = Server()
    v = run_client(HF_CLIENT, s.http)
    expect(close(v, grpc_embedding(s, "The cat sits outside", "--normalize", "false")),
           "InferenceClient (normalize=False) vs gRPC (normalize false)")
    expect(s.stop() == 0, "exit code")


def langchain_test():
    s = Server()
    v = run_client(LANGCHAIN_CLIENT, s.http)
    expect(close(v, grpc_embedding(s, "The cat sits outside")), "LangChain vs gRPC")
    expect(s.stop() == 0, "exit code")


TESTS = {"curl": curl_test, "auth": auth_test, "limits": limits_test, "drain": drain_test,
         "tls": tls_test, "openai": openai_test, "hf": hf_test, "langchain": langchain_test}

if __name__ == "__main__":
    for name in sys.argv[4:]:
        TESTS[name]()
        print(f"ok: {name}")
