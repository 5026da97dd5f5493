#!/usr/bin/python3
"""Checks the deployment files without a cluster or a registry (Debian's python3-yaml, promtool):

- docker/kubernetes/*.yaml parse, and hang together: the Services and the PodMonitor select the
  Deployment's pods and name its ports; gRPC readiness / liveness / startup probes on the gRPC
  port; resources set, --threads equal to the CPU limit; terminationGracePeriodSeconds longer than
  the preStop sleep plus --drain-timeout-s; non-root; scrape annotations on the metrics port; a
  headless Service for client-side round-robin; kustomization lists files that exist;
- docker/compose.yaml: valid for Debian's docker-compose (`config`), builds docker/Dockerfile, stop_grace_period longer than the drain, and
  every file it mounts exists;
- docker/prometheus/prometheus.yml passes `promtool check config` and scrapes attnserve:9000;
- the Grafana provisioning and dashboard: valid JSON / YAML, unique panel ids, no overlapping
  panels, every panel queries the provisioned datasource, and the panels cover request rate,
  errors, latency quantiles, batch sizes, queue depth and tokens/s;
- every attnserve flag these files pass is a flag of `attnserve serve` (its --help), with the value it needs.

    manifests_test.py SOURCE_DIR ATTNSERVE_BIN
"""

import glob
import json
import os
import re
import subprocess
import sys
import unittest

import yaml

SRC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "."
BIN = sys.argv[2] if len(sys.argv) > 2 else "attnserve"
DOCKER = os.path.join(SRC, "docker")
K8S = os.path.join(DOCKER, "kubernetes")


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_objects():
    objects = {}
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        for doc in load_all(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, "%s defined twice" % (key,)
            objects[key] = doc
    return objects


def attnserve_flags():
    """The flags of `attnserve serve` (its --help: "  --max-batch-tokens=16384  ..."), as
    underscores."""
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return {f.replace("-", "_") for f in re.findall(r"^\s+--([a-z0-9-]+)=", out.stdout, re.M)}


def flag_values(args):
    """['--a=1', '--b', '2', '--c'] -> {'a': '1', 'b': '2', 'c': None} (dashes -> underscores)."""
    values = {}
    i = 0
    while i < len(args):
        a = str(args[i])
        assert a.startswith("--"), "not a flag: %r in %r" % (a, args)
        name, eq, value = a[2:].partition("=")
        if not eq and i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
            value = str(args[i + 1])
            i += 1
        values[name.replace("-", "_")] = value if (eq or value) else None
        i += 1
    return values


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(s|m)", str(text))
    assert m, "duration %r" % text
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1)


class KubernetesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = k8s_objects()
        cls.deployment = cls.objects[("Deployment", "attnserve")]
        cls.pod = cls.deployment["spec"]["template"]
        (cls.container,) = cls.pod["spec"]["containers"]
        cls.args = flag_values(cls.container["args"])
        cls.ports = {p["name"]: p["containerPort"] for p in cls.container["ports"]}

    def test_ports_match_the_flags(self):
        self.assertEqual(self.ports, {"grpc": 50051, "metrics": 9000})
        self.assertEqual(int(self.args.get("port", 50051)), self.ports["grpc"])
        self.assertEqual(int(self.args.get("metrics_port", 9000)), self.ports["metrics"])

    def test_grpc_probes_on_the_grpc_port(self):
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = self.container[probe]
            self.assertEqual(p["grpc"]["port"], self.ports["grpc"], probe)
            # attnserve answers health for "" and "attnserve.v1.Embedder" only.
            self.assertIn(p["grpc"].get("service", ""), ("", "attnserve.v1.Embedder"), probe)

    def test_grace_period_covers_prestop_and_drain(self):
        grace = self.pod["spec"]["terminationGracePeriodSeconds"]
        drain = int(self.args.get("drain_timeout_s", 30))
        pre = self.container["lifecycle"]["preStop"]["exec"]["command"]
        sleep = int(pre[1]) if pre[0] == "sleep" else 0
        self.assertGreater(grace, drain + sleep, "SIGKILL would cut the drain short")

    def test_resources_and_threads(self):
        res = self.container["resources"]
        for kind in ("requests", "limits"):
            self.assertIn("cpu", res[kind])
            self.assertIn("memory", res[kind])
        self.assertEqual(str(res["limits"]["cpu"]), self.args["threads"],
                         "--threads should equal the CPU limit")

    def test_runs_as_the_images_non_root_user(self):
        sc = self.pod["spec"]["securityContext"]
        self.assertTrue(sc["runAsNonRoot"])
        self.assertEqual(sc["runAsUser"], 10001)  # USER of docker/Dockerfile
        self.assertFalse(self.container["securityContext"]["allowPrivilegeEscalation"])

    def test_read_only_root_and_no_capabilities(self):
        # As the docker test runs the image (--read-only --cap-drop ALL): nothing is written.
        sc = self.container["securityContext"]
        self.assertTrue(sc["readOnlyRootFilesystem"])
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertNotIn("add", sc["capabilities"])

    def test_scrape_annotations_name_the_metrics_port(self):
        ann = self.pod["metadata"]["annotations"]
        self.assertEqual(ann["prometheus.io/scrape"], "true")
        self.assertEqual(int(ann["prometheus.io/port"]), self.ports["metrics"])
        self.assertEqual(ann["prometheus.io/path"], "/metrics")

    def test_selectors_match_the_pods(self):
        labels = self.pod["metadata"]["labels"]
        self.assertEqual(self.deployment["spec"]["selector"]["matchLabels"], labels)
        selecting = [o for o in self.objects.values()
                     if o["kind"] in ("Service", "PodMonitor", "PodDisruptionBudget")]
        self.assertGreaterEqual(len(selecting), 4)
        for o in selecting:
            sel = o["spec"]["selector"]
            sel = sel.get("matchLabels", sel)
            for k, v in sel.items():
                self.assertEqual(labels.get(k), v, "%s %s" % (o["kind"], o["metadata"]["name"]))
        for o in self.objects.values():
            if o["kind"] == "Service":
                for p in o["spec"]["ports"]:
                    self.assertIn(p["targetPort"], self.ports, o["metadata"]["name"])
            if o["kind"] == "PodMonitor":
                for e in o["spec"]["podMetricsEndpoints"]:
                    self.assertIn(e["port"], self.ports)

    def test_a_headless_service_for_client_side_balancing(self):
        headless = [o for o in self.objects.values()
                    if o["kind"] == "Service" and o["spec"].get("clusterIP") == "None"]
        self.assertEqual(len(headless), 1)
        grpc_ports = [p for p in headless[0]["spec"]["ports"] if p["targetPort"] == "grpc"]
        self.assertEqual(grpc_ports[0].get("appProtocol"), "grpc")

    def test_hpa_targets_the_deployment(self):
        hpa = self.objects[("HorizontalPodAutoscaler", "attnserve")]
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"], "attnserve")
        self.assertLessEqual(hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])

    def test_kustomization_lists_existing_files(self):
        (k,) = load_all(os.path.join(K8S, "kustomization.yaml"))
        for r in k["resources"]:
            self.assertTrue(os.path.exists(os.path.join(K8S, r)), r)

    def test_flags_exist(self):
        known = attnserve_flags()
        self.assertIn("drain_timeout_s", known)  # the parser works
        for name in self.args:
            self.assertIn(name, known, "--%s is not an attnserve flag" % name)


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        (cls.compose,) = load_all(os.path.join(DOCKER, "compose.yaml"))
        cls.services = cls.compose["services"]

    def test_builds_the_dockerfile(self):
        build = self.services["attnserve"]["build"]
        context = os.path.normpath(os.path.join(DOCKER, build["context"]))
        self.assertEqual(context, os.path.normpath(SRC))
        self.assertTrue(os.path.exists(os.path.join(context, build["dockerfile"])))

    def test_read_only_root_and_no_capabilities(self):
        a = self.services["attnserve"]
        self.assertTrue(a["read_only"])
        self.assertEqual(a["cap_drop"], ["ALL"])
        self.assertNotIn("cap_add", a)
        self.assertIn("no-new-privileges:true", a["security_opt"])

    def test_stop_grace_period_covers_the_drain(self):
        a = self.services["attnserve"]
        args = flag_values([re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", x) for x in a["command"]])
        known = attnserve_flags()
        for name in args:
            self.assertIn(name, known, "--%s is not an attnserve flag" % name)
        self.assertGreater(duration_seconds(a["stop_grace_period"]),
                           int(args.get("drain_timeout_s", 30)))

    def test_docker_compose_accepts_it(self):
        compose = "/usr/bin/docker-compose"
        self.assertTrue(os.access(compose, os.X_OK),
                        "docker-compose is missing: run scripts/install-deps.sh")
        run = subprocess.run([compose, "-f", os.path.join(DOCKER, "compose.yaml"), "config", "-q"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

    def test_mounted_files_exist(self):
        for name in ("prometheus", "grafana"):
            for v in self.services[name]["volumes"]:
                host = v.split(":")[0]
                self.assertTrue(os.path.exists(os.path.join(DOCKER, host)), "%s: %s" % (name, v))

    def test_prometheus_scrapes_the_attnserve_service(self):
        (config,) = load_all(os.path.join(DOCKER, "prometheus", "prometheus.yml"))
        (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "attnserve"]
        self.assertEqual(job["static_configs"][0]["targets"], ["attnserve:9000"])
        self.assertIn("attnserve", self.services)
        run = subprocess.run(["/usr/bin/promtool", "check", "config",
                              os.path.join(DOCKER, "prometheus", "prometheus.yml")],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)


class GrafanaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(DOCKER, "grafana", "dashboards", "attnserve.json")) as f:
            cls.dashboard = json.load(f)
        (cls.datasources,) = load_all(os.path.join(
            DOCKER, "grafana", "provisioning", "datasources", "prometheus.yaml"))
        (cls.providers,) = load_all(os.path.join(
            DOCKER, "grafana", "provisioning", "dashboards", "attnserve.yaml"))

    def test_provisioning(self):
        (ds,) = self.datasources["datasources"]
        self.assertEqual((ds["type"], ds["url"]), ("prometheus", "http://prometheus:9090"))
        (p,) = self.providers["providers"]
        self.assertEqual(p["options"]["path"], "/var/lib/grafana/dashboards")
        (compose,) = load_all(os.path.join(DOCKER, "compose.yaml"))
        self.assertIn("./grafana/dashboards:/var/lib/grafana/dashboards:ro",
                      compose["services"]["grafana"]["volumes"])

    def test_panels_are_well_formed_and_do_not_overlap(self):
        d = self.dashboard
        self.assertEqual(d["uid"], "attnserve")
        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        cells = {}
        for p in d["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, "%s overlaps %s" % (p["title"], cells.get((x, y))))
                    cells[(x, y)] = p["title"]
            self.assertEqual(p["datasource"]["uid"], "${datasource}", p["title"])
            self.assertTrue(p["targets"], p["title"])
            refs = [t["refId"] for t in p["targets"]]
            self.assertEqual(len(refs), len(set(refs)), p["title"])

    def test_panels_cover_what_an_operator_needs(self):
        exprs = " ".join(t["expr"] for p in self.dashboard["panels"] for t in p["targets"])
        for needed in ["rate(attnserve_requests_total{", 'code!="OK"',
                       "attnserve_request_duration_seconds_bucket",
                       "attnserve_batch_size_sequences", "attnserve_batch_size_tokens",
                       "attnserve_queue_sequences", "attnserve_queue_tokens",
                       "rate(attnserve_tokens_total{", "attnserve_queue_duration_seconds_bucket",
                       "attnserve_inference_duration_seconds_bucket", "histogram_quantile(0.99"]:
            self.assertIn(needed, exprs)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
