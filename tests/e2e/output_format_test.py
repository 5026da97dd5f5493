#!/usr/bin/env python3
"""One vocabulary (issue 16, part 2; README.md "Output format"): `attnserve encode`,
`attnserve tokenize`, `attnserve-cli embed / tokenize / info`, the Python client's dicts and the
metric labels use the same field names, shapes and lowercase names, against a live demo server.

    output_format_test.py ATTNSERVE ATTNSERVE_CLI PY_STUBS_DIR SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, CLI, STUBS, SRC = sys.argv[1:5]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, stdin="", want_rc=0):
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120)
    if r.returncode != want_rc:
        sys.exit(f"{' '.join(args)} -> exit {r.returncode}, want {want_rc}: {r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines()]


def is_vector(v, n=None):
    return isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                       for x in v) and (n is None or len(v) == n)


log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
server = subprocess.Popen([BIN, "serve", "--model", "demo", "--host", "127.0.0.1", "--port", "0",
                           "--metrics-host", "127.0.0.1", "--metrics-port", "0", "--http-port", "0"],
                          stdout=log, stderr=subprocess.STDOUT)
try:
    target = metrics = None
    for _ in range(600):
        text = open(log.name).read()
        m = re.search(r"\) on (127\.0\.0\.1:\d+)", text)
        mm = re.search(r"metrics on http://(127\.0\.0\.1:\d+)/metrics", text)
        if m and mm:
            target, metrics = m.group(1), mm.group(1)
            break
        if server.poll() is not None:
            sys.exit("server exited: " + text)
        time.sleep(0.1)
    if target is None:
        sys.exit("server did not start: " + open(log.name).read())
    for _ in range(100):
        if subprocess.run([CLI, "--target", target, "health"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)

    texts = ["hello world", "Hello, world!"]
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    cli = [CLI, "--target", target]
    flags = ["--dimensions", "8", "--token-embeddings", "--pooling", "CLS"]  # any case

    # Pooled vectors and token embeddings: encode == attnserve-cli embed == the Python client.
    encode = run([BIN, "encode", "--model", "demo", *flags], lines)
    embed = run(cli + ["embed", *flags, *texts])
    embed_stdin = run(cli + ["embed", *flags], "\n".join(texts) + "\n")
    sys.path[:0] = [STUBS, os.path.join(SRC, "client", "python")]
    import attnserve_client  # noqa: E402

    with attnserve_client.EmbedderClient(target) as client:
        py = client.embed_dicts(texts, pooling="cls", dimensions=8, token_embeddings=True)
        py_tokens = client.tokenize_dicts(texts)
        py_info = attnserve_client.info_dict(client.info())
    for name, got in (("attnserve-cli embed", embed), ("attnserve-cli embed (stdin)", embed_stdin),
                      ("python embed_dicts", py)):
        check(len(got) == len(encode), f"{name}: {len(got)} lines for {len(encode)} inputs")
        for g, w in zip(got, encode):
            check(set(g) == set(w) == {"embedding", "num_tokens", "token_embeddings"},
                  f"{name}: keys {sorted(g)} vs encode {sorted(w)}")
            check(is_vector(g["embedding"], 8), f"{name}: embedding {g['embedding']!r:.80}")
            check(isinstance(g["num_tokens"], int) and g["num_tokens"] == w["num_tokens"],
                  f"{name}: num_tokens {g['num_tokens']!r} vs {w['num_tokens']!r}")
            rows = g["token_embeddings"]
            check(isinstance(rows, list) and len(rows) == g["num_tokens"] and
                  all(is_vector(r, 128) for r in rows),
                  f"{name}: token_embeddings not num_tokens lists of 128 numbers")
            check(max(abs(a - b) for a, b in zip(g["embedding"], w["embedding"])) < 1e-5,
                  f"{name}: embedding differs from encode")

    # Tokens: attnserve tokenize == attnserve-cli tokenize == the Python client.
    tokenize = run([BIN, "tokenize", "--model", "demo"], lines)
    cli_tokenize = run(cli + ["tokenize", *texts])
    for name, got in (("attnserve-cli tokenize", cli_tokenize), ("python tokenize_dicts", py_tokens)):
        check(got == tokenize, f"{name}: {got} vs attnserve tokenize {tokenize}")
    for t in tokenize:
        check(set(t) == {"ids", "type_ids", "tokens", "offsets", "num_tokens"},
              f"tokenize keys {sorted(t)}")
        check(all(isinstance(o, list) and len(o) == 2 and all(isinstance(x, int) for x in o)
                  for o in t["offsets"]) and len(t["offsets"]) == t["num_tokens"],
              f"offsets are not [[start, end], ...]: {t['offsets']}")
        check(t["num_tokens"] == len(t["ids"]) == len(t["tokens"]) == len(t["type_ids"]),
              "num_tokens, ids, tokens and type_ids disagree")

    # Info: lowercase pooling and dtypes, numbers as numbers; the Python dict agrees.
    (info,) = run(cli + ["info"])
    check(info["default_pooling"] in ("cls", "mean", "max"), f"default_pooling {info['default_pooling']!r}")
    check(info["dtype"] == "fp32" and info["weights_dtype"] == "fp32",
          f"dtypes {info['dtype']!r}, {info['weights_dtype']!r}")
    check(all(isinstance(v, int) for v in info["batching"].values()),
          f"batching limits are not numbers: {info['batching']}")
    check(isinstance(info["hidden_size"], int), "hidden_size is not a number")
    for key in ("default_pooling", "dtype", "weights_dtype", "hidden_size", "batching"):
        check(py_info[key] == info[key], f"python info_dict[{key}] {py_info[key]!r} vs cli {info[key]!r}")

    # Metric labels: the same lowercase dtype.
    text = urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10).read().decode()
    m = re.search(r'attnserve_model_info\{[^}]*dtype="([^"]*)"', text)
    check(m is not None and m.group(1) == "fp32", f"attnserve_model_info dtype: {m and m.group(1)}")

    # The flags take any case (--pooling CLS above); a blank input line is an error in its place.
    got = run(cli + ["embed", "--dimensions", "2"], "a\n\nb\n", want_rc=1)
    check([sorted(g) for g in got] == [["embedding", "num_tokens"], ["error"], ["embedding", "num_tokens"]],
          f"blank line not answered in place: {got}")
    # decode: the text of tokenized ids, special tokens skipped unless asked; errors in place.
    ids = run(cli + ["tokenize", "Hello, world!"], "")[0]["ids"]
    got = run(cli + ["decode"], f"{ids}\n\n", want_rc=1)
    check(got[0] == {"text": "hello, world!"} and list(got[1]) == ["error"], f"decode: {got}")
    r = subprocess.run(cli + ["decode", "[101, 999999]"], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 1 and "outside the vocabulary" in r.stderr, f"decode bad id: {r.stderr}")
    got = run(cli + ["decode", "--keep-special-tokens", str(ids)], "")
    check(got == [{"text": "[CLS] hello, world! [SEP]"}], f"decode --keep-special-tokens: {got}")
    # --ids: JSON arrays, lists and {"ids", "type_ids"} objects, one input per line, as encode's ids.
    want = run([BIN, "encode", "--model", "demo", "--dimensions", "4"],
               '{"ids": [101, 300, 102]}\n{"ids": [101, 301, 302, 102], "type_ids": [0, 0, 1, 1]}\n')
    got = run(cli + ["embed", "--ids", "--dimensions", "4"],
              '[101, 300, 102]\n\n101,301 302,102\nnot ids\n', want_rc=1)
    check(len(got) == 4 and "error" in got[1] and "error" in got[3], f"--ids lines: {got}")
    if len(got) == 4:
        check(max(abs(a - b) for a, b in zip(got[0]["embedding"], want[0]["embedding"])) < 1e-5,
              "--ids JSON array differs from encode")
    got = run(cli + ["embed", "--ids", "--dimensions", "4",
                     '{"ids": [101, 301, 302, 102], "type_ids": [0, 0, 1, 1]}'])
    check(max(abs(a - b) for a, b in zip(got[0]["embedding"], want[1]["embedding"])) < 1e-5,
          "--ids object with type_ids differs from encode")

    got = run([BIN, "encode", "--model", "demo"], '{"text": ""}\n{"text": "a"}\n', want_rc=1)
    check(got[0] == {"error": "line 1: the input has empty text"} and "embedding" in got[1],
          f"encode of empty text: {got}")
finally:
    server.terminate()
    server.wait(timeout=60)
    os.unlink(log.name)

if failures:
    sys.exit(f"{len(failures)} checks failed")
print("all checks passed")
