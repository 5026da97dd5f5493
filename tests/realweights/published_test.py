#!/usr/bin/python3
"""all-MiniLM-L6-v2 through attnserve against figures nobody here computed: the cosine matrix
printed in the sentence-transformers quickstart (https://sbert.net/docs/sentence_transformer/
usage/usage.html, "Computing Embeddings"):

    sentences = ["The weather is lovely today.", "It's so sunny outside!",
                 "He drove to the stadium."]
    similarities = model.similarity(embeddings, embeddings)
    # tensor([[1.0000, 0.6660, 0.1046],
    #         [0.6660, 1.0000, 0.1411],
    #         [0.1046, 0.1411, 1.0000]])

    published_test.py ATTNSERVE ATTNSERVE_CLI MODEL_DIR

Text in, through attnserve's tokenizer, twice: `attnserve encode --model DIR`, and a running
`attnserve serve --model DIR` asked by `attnserve-cli embed`. Each pair's cosine must round to
the published 4 decimals (|diff| <= 5e-4, the rounding of the printed figure plus nothing).
Python stdlib only.
"""
import json
import math
import socket
import subprocess
import sys
import tempfile
import time

BIN, CLI, MODEL = sys.argv[1:4]
TEXTS = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
TOLERANCE = 5e-4


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def check(how, lines):
    vecs = [json.loads(l)["embedding"] for l in lines]
    assert len(vecs) == 3 and all(len(v) == 384 for v in vecs), (how, [len(v) for v in vecs])
    ok = True
    for (i, j), want in PUBLISHED.items():
        got = cosine(vecs[i], vecs[j])
        good = abs(got - want) <= TOLERANCE
        ok &= good
        print(f"{how}: cos({i},{j}) = {got:.6f}  published {want:.4f}  "
              f"diff {got - want:+.2e}  {'ok' if good else 'FAIL'}")
    return ok, vecs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def via_encode():
    r = subprocess.run([BIN, "encode", "--model", MODEL],
                       input="".join(json.dumps({"text": t}) + "\n" for t in TEXTS),
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        sys.exit(f"FAIL: attnserve encode exited {r.returncode}: {r.stderr}")
    return check("attnserve encode", r.stdout.splitlines())


def via_server():
    port, metrics_port = free_port(), free_port()
    log = tempfile.TemporaryFile("w+")
    server = subprocess.Popen([BIN, "serve", "--model", MODEL, "--host", "127.0.0.1", "--port",
                               str(port), "--metrics-host", "127.0.0.1", "--metrics-port",
                               str(metrics_port), "--http-port", "0"], stdout=log, stderr=subprocess.STDOUT)
    target = ["--target", f"127.0.0.1:{port}"]
    try:
        deadline = time.time() + 120
        while True:
            if server.poll() is not None:
                log.seek(0)
                sys.exit(f"FAIL: the server exited ({server.returncode}): {log.read()}")
            h = subprocess.run([CLI, *target, "health", "--timeout-ms", "1000"],
                               capture_output=True, text=True, timeout=30)
            if h.returncode == 0 and h.stdout.strip() == "SERVING":
                break
            if time.time() > deadline:
                sys.exit("FAIL: the server was not SERVING within 120 s")
            time.sleep(0.3)
        r = subprocess.run([CLI, *target, "embed", *TEXTS], capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            sys.exit(f"FAIL: attnserve-cli embed exited {r.returncode}: {r.stderr}")
        return check("attnserve serve + attnserve-cli embed", r.stdout.splitlines())
    finally:
        server.terminate()
        server.wait(60)


def main():
    ok1, a = via_encode()
    ok2, b = via_server()
    same = max(abs(x - y) for u, v in zip(a, b) for x, y in zip(u, v))
    print(f"max |encode - serve| over the three vectors: {same:.3g}")
    if not (ok1 and ok2):
        sys.exit("FAIL: a cosine differs from the published quickstart figure")
    if same > 1e-5:
        sys.exit(f"FAIL: encode and serve disagree by {same:.3g}")
    print("ok")


if __name__ == "__main__":
    main()
