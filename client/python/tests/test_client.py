"""Tests of the Python client against a live `attnserve serve` (started by
tests/clients/python_client_test.sh, which passes the addresses in the environment):

  ATTNSERVE_BIN         the attnserve binary (for `attnserve encode` / `tokenize` references)
  ATTNSERVE_TARGET      a plaintext server on the demo model
  ATTNSERVE_TLS_TARGET  a TLS server that requires ATTNSERVE_API_KEY, certificate by ATTNSERVE_CA
  ATTNSERVE_REPLICAS    ipv4:ADDR1,ADDR2: two servers (the first is ATTNSERVE_TARGET), and
  ATTNSERVE_REPLICA_METRICS  their metrics addresses
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.request

import grpc

import attnserve_client
from attnserve_client import EmbedderClient, Error, pb

BIN = os.environ["ATTNSERVE_BIN"]
TARGET = os.environ["ATTNSERVE_TARGET"]
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "embed.py")
TOLERANCE = 1e-5

TEXTS = [
    "hello world",
    "Embeddings for search, clustering and retrieval.",
    "Ünïcödé, 中文 and emoji 🙂 survive the trip.",
]


def run_attnserve(command, lines, *flags):
    """`attnserve COMMAND --model demo FLAGS` on JSON lines; its JSON lines out."""
    out = subprocess.run(
        [BIN, command, "--model", "demo", *flags],
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def max_abs_diff(a, b):
    assert len(a) == len(b), (len(a), len(b))
    return max(abs(x - y) for x, y in zip(a, b))


class PlaintextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = EmbedderClient(TARGET, timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def assertVectorsClose(self, got, want):
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertLessEqual(max_abs_diff(g, w), TOLERANCE)

    def test_example_script_prints_the_vectors_encode_gives(self):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        out = subprocess.run(
            [sys.executable, EXAMPLE, "--target", TARGET, *TEXTS],
            capture_output=True, text=True, check=True, timeout=60, env=env,
        ).stdout
        got = [json.loads(line) for line in out.splitlines()]
        want = run_attnserve("encode", [{"text": t} for t in TEXTS])
        self.assertEqual([g["text"] for g in got], TEXTS)
        self.assertEqual([g["num_tokens"] for g in got], [w["num_tokens"] for w in want])
        self.assertVectorsClose([g["embedding"] for g in got], [w["embedding"] for w in want])

    def test_embed_with_options_matches_encode(self):
        inputs = [TEXTS[0], ("what is attnserve?", "an embedding server"), [101, 300, 301, 102]]
        response = self.client.embed(
            inputs, pooling="cls", normalize=False, dimensions=16, token_embeddings=True
        )
        lines = [
            {"text": TEXTS[0]},
            {"text": "what is attnserve?", "text_pair": "an embedding server"},
            {"ids": [101, 300, 301, 102]},
        ]
        want = run_attnserve(
            "encode", lines, "--pooling", "cls", "--normalize=false", "--dimensions", "16",
            "--token-embeddings",
        )
        self.assertEqual(len(response.embeddings), 3)
        self.assertEqual(response.model, "demo")
        for e, w in zip(response.embeddings, want):
            self.assertEqual(len(e.values), 16)
            self.assertEqual(e.num_tokens, w["num_tokens"])
            self.assertLessEqual(max_abs_diff(e.values, w["embedding"]), TOLERANCE)
            t = e.token_embeddings
            self.assertEqual((t.num_tokens, t.dim), (w["num_tokens"], 128))
            flat = [v for row in w["token_embeddings"] for v in row]
            self.assertLessEqual(max_abs_diff(t.values, flat), TOLERANCE)
        self.assertEqual(response.usage.prompt_tokens, sum(w["num_tokens"] for w in want))

    def test_stream_answers_each_request_in_order(self):
        batches = [[TEXTS[0]], [TEXTS[1], TEXTS[2]], [TEXTS[2]]]
        responses = list(self.client.embed_stream(batches))
        self.assertEqual([len(r.embeddings) for r in responses], [1, 2, 1])
        want = {w_text: w["embedding"] for w_text, w in
                zip(TEXTS, run_attnserve("encode", [{"text": t} for t in TEXTS]))}
        for batch, response in zip(batches, responses):
            self.assertVectorsClose(attnserve_client.embedding_values(response),
                                    [want[t] for t in batch])

    def test_tokenize_matches_the_tokenize_command(self):
        response = self.client.tokenize(TEXTS)
        want = run_attnserve("tokenize", [{"text": t} for t in TEXTS])
        self.assertEqual([list(t.ids) for t in response.tokens], [w["ids"] for w in want])
        self.assertEqual([list(t.tokens) for t in response.tokens], [w["tokens"] for w in want])

    def test_dicts_speak_the_commands_vocabulary(self):
        # embed_dicts / tokenize_dicts give exactly what `attnserve encode` / `tokenize` print.
        got = self.client.embed_dicts(TEXTS[:2], dimensions=8, token_embeddings=True)
        want = run_attnserve("encode", [{"text": t} for t in TEXTS[:2]], "--dimensions", "8",
                             "--token-embeddings")
        for g, w in zip(got, want):
            self.assertEqual(set(g), set(w))
            self.assertEqual(g["num_tokens"], w["num_tokens"])
            self.assertLessEqual(max_abs_diff(g["embedding"], w["embedding"]), TOLERANCE)
            self.assertEqual([len(row) for row in g["token_embeddings"]],
                             [len(row) for row in w["token_embeddings"]])
        got = self.client.tokenize_dicts(TEXTS)
        want = run_attnserve("tokenize", [{"text": t} for t in TEXTS])
        self.assertEqual(got, want)
        info = attnserve_client.info_dict(self.client.info())
        self.assertEqual((info["default_pooling"], info["dtype"], info["weights_dtype"]),
                         ("mean", "fp32", "fp32"))
        self.assertIsInstance(info["batching"]["max_queued_tokens"], int)

    def test_decode_gives_back_the_tokenized_text(self):
        ids = [t["ids"] for t in self.client.tokenize_dicts(["Hello, world!", "two"])]
        self.assertEqual(self.client.decode(ids), ["hello, world!", "two"])
        self.assertEqual(self.client.decode(ids[:1], skip_special_tokens=False),
                         ["[CLS] hello, world! [SEP]"])
        with self.assertRaises(Error) as cm:
            self.client.decode([[101, 1 << 20]])
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("outside the vocabulary", cm.exception.details)

    def test_info_and_health(self):
        info = self.client.info()
        self.assertEqual((info.model_id, info.hidden_size, info.max_input_length),
                         ("demo", 128, 512))
        self.assertEqual(self.client.health(), "SERVING")
        self.assertEqual(self.client.health("attnserve.v1.Embedder"), "SERVING")

    def test_empty_text_is_invalid_argument_naming_the_input(self):
        with self.assertRaises(Error) as cm:
            self.client.embed(["fine", ""])
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("input 1", cm.exception.details)

    def test_request_ids_reach_the_access_log_and_errors(self):
        self.client.embed(["logged under my id"], request_id="py-req-ok")
        with self.assertRaises(Error) as cm:
            self.client.embed([[101, 999999, 102]], request_id="py-req-bad")
        self.assertEqual(cm.exception.request_id, "py-req-bad")
        self.assertTrue(str(cm.exception).endswith("[request id py-req-bad]"), str(cm.exception))
        with self.assertRaises(Error) as cm:
            self.client.embed([""])
        self.assertRegex(cm.exception.request_id or "", r"^[0-9a-f]{16}$")  # made by the server
        log = os.environ.get("ATTNSERVE_LOG")
        if log:
            with open(log) as f:
                text = f.read()
            self.assertRegex(text, r"request_id=py-req-ok .*code=OK")
            self.assertRegex(text, r"request_id=py-req-bad .*code=INVALID_ARGUMENT")
            self.assertIn("request_id=%s " % cm.exception.request_id, text)

    def test_example_script_reports_errors_with_exit_code_1(self):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        run = subprocess.run([sys.executable, EXAMPLE, "--target", TARGET, ""],
                             capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(run.returncode, 1)
        self.assertIn("INVALID_ARGUMENT", run.stderr)


@unittest.skipUnless(os.environ.get("ATTNSERVE_TLS_TARGET"), "no TLS server given")
class TlsApiKeyTest(unittest.TestCase):
    TLS_TARGET = os.environ.get("ATTNSERVE_TLS_TARGET", "")
    CA = os.environ.get("ATTNSERVE_CA", "")
    KEY = os.environ.get("ATTNSERVE_API_KEY", "")

    def test_tls_with_the_key_embeds(self):
        with EmbedderClient(self.TLS_TARGET, ca_pem=self.CA, api_key=self.KEY, timeout=30) as c:
            got = c.embed_texts([TEXTS[0]])
        want = run_attnserve("encode", [{"text": TEXTS[0]}])
        self.assertLessEqual(max_abs_diff(got[0], want[0]["embedding"]), TOLERANCE)

    def test_missing_key_is_unauthenticated_but_health_answers(self):
        with EmbedderClient(self.TLS_TARGET, ca_pem=self.CA, timeout=30) as c:
            self.assertEqual(c.health(), "SERVING")
            with self.assertRaises(Error) as cm:
                c.embed([TEXTS[0]])
            self.assertEqual(cm.exception.code, grpc.StatusCode.UNAUTHENTICATED)

    def test_plaintext_client_cannot_talk_to_a_tls_server(self):
        with EmbedderClient(self.TLS_TARGET, api_key=self.KEY, timeout=5,
                            retry_unavailable=False) as c:
            with self.assertRaises(Error) as cm:
                c.info()
            self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)
            self.assertIn("it may require TLS (pass tls=True", cm.exception.details)

    def test_failed_handshakes_say_which_side_refused_what(self):
        cases = [
            ("no CA for a private certificate", self.TLS_TARGET, dict(tls=True),
             "the client refused the server's certificate: it is not signed by a CA of the "
             "system's trust store (pass ca_pem"),
            ("a name the certificate lacks", self.TLS_TARGET,
             dict(ca_pem=self.CA, server_name="wrong.example"),
             "not issued for the target's host name (pass server_name"),
            ("TLS to a plaintext server", TARGET, dict(ca_pem=self.CA),
             "the server does not speak TLS but the client does"),
        ]
        for name, target, options, want in cases:
            with self.subTest(name), EmbedderClient(target, timeout=5, retry_unavailable=False,
                                                    **options) as c:
                with self.assertRaises(Error) as cm:
                    c.health()
                self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)
                self.assertIn(want, cm.exception.details)


def embed_ok_count(metrics_address):
    text = urllib.request.urlopen("http://%s/metrics" % metrics_address, timeout=10).read().decode()
    m = re.search(r'^attnserve_requests_total\{(?=[^}]*rpc="Embed")(?=[^}]*code="OK")[^}]*\} (\S+)$',
                  text, re.M)
    return float(m.group(1))


@unittest.skipUnless(os.environ.get("ATTNSERVE_REPLICAS"), "no replicas given")
class ScaleOutTest(unittest.TestCase):
    """Two replicas behind one name: one HTTP/2 connection pins pick_first to one of them,
    round_robin spreads the calls over both (README: Deployment and scale-out)."""

    REPLICAS = os.environ.get("ATTNSERVE_REPLICAS", "")
    METRICS = os.environ.get("ATTNSERVE_REPLICA_METRICS", "").split(",")
    CALLS = 20

    def calls_per_replica(self, round_robin):
        with EmbedderClient(self.REPLICAS, round_robin=round_robin, timeout=30) as c:
            # Connect first: round_robin only picks connections that are ready, and the first
            # one ready may take a burst of fast calls alone.
            start = [embed_ok_count(m) for m in self.METRICS]
            deadline = time.time() + 10
            while True:
                c.embed(["warm-up"])
                seen = [embed_ok_count(m) - s for m, s in zip(self.METRICS, start)]
                if not round_robin or all(seen) or time.time() > deadline:
                    break
                time.sleep(0.05)
            before = [embed_ok_count(m) for m in self.METRICS]
            for i in range(self.CALLS):
                c.embed(["call %d" % i])
        # A call is counted when the server finishes it, which may be just after the client has
        # its answer: give the last count a moment.
        deadline = time.time() + 5
        while True:
            per_replica = [embed_ok_count(m) - b for m, b in zip(self.METRICS, before)]
            if sum(per_replica) >= self.CALLS or time.time() > deadline:
                return per_replica
            time.sleep(0.05)

    def test_round_robin_spreads_calls_over_the_replicas(self):
        per_replica = self.calls_per_replica(round_robin=True)
        self.assertEqual(sum(per_replica), self.CALLS)
        self.assertEqual(per_replica, [self.CALLS // 2, self.CALLS // 2])

    def test_without_round_robin_one_connection_takes_every_call(self):
        per_replica = self.calls_per_replica(round_robin=False)
        self.assertEqual(sorted(per_replica), [0, self.CALLS])


if __name__ == "__main__":
    unittest.main()
