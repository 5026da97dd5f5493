#!/usr/bin/python3
"""A real Prometheus (Debian's /usr/bin/prometheus) scrapes a running attnserve.

Renders the shipped config (docker/prometheus/prometheus.yml) with the attnserve job pointed at
--target and a 1 s scrape interval, checks it with promtool, starts Prometheus on a free
127.0.0.1 port, waits until the target is up and scraped a few times, and then evaluates
queries through Prometheus's HTTP API: the attnserve families, and with --dashboard every query
of every panel of the Grafana dashboard (Grafana's variables replaced by plain values), each of
which must parse, evaluate and return series. Stops Prometheus before returning.

    prometheus_check.py --target 127.0.0.1:9000 --config docker/prometheus/prometheus.yml \
        [--dashboard docker/grafana/dashboards/attnserve.json] --work-dir /tmp/x
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
# Grafana's variables -> values Prometheus accepts as they are.
GRAFANA_VARIABLES = {
    "$__rate_interval": "30s",
    "$__interval": "5s",
    "$__range": "1m",
    "$instance": ".*",
    "${instance}": ".*",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_config(template, target, out):
    with open(template) as f:
        config = yaml.safe_load(f)
    jobs = [j for j in config.get("scrape_configs", []) if j.get("job_name") == "attnserve"]
    if len(jobs) != 1:
        raise SystemExit("%s: expected one scrape job named attnserve" % template)
    jobs[0]["static_configs"] = [{"targets": [target], "labels": {"service": "attnserve"}}]
    # Only attnserve: the config's other jobs name hosts of the compose network.
    config["scrape_configs"] = jobs
    config.setdefault("global", {})["scrape_interval"] = "1s"
    with open(out, "w") as f:
        yaml.safe_dump(config, f)


def promtool_check(path):
    run = subprocess.run([PROMTOOL, "check", "config", path], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        raise SystemExit("promtool check config %s failed:\n%s%s" % (path, run.stdout, run.stderr))


class Prometheus:
    def __init__(self, config, work_dir):
        self.port = free_port()
        self.log = open(os.path.join(work_dir, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(work_dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait_ready(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("prometheus exited with %d; see its log" % self.proc.returncode)
            try:
                urllib.request.urlopen(self.url("/-/ready"), timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("prometheus not ready after %d s" % seconds)

    def query(self, expr):
        url = self.url("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        try:
            body = urllib.request.urlopen(url, timeout=10).read()
        except urllib.error.HTTPError as e:  # 400 = the expression does not parse / evaluate
            body = e.read()
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise AssertionError("query %r: %s" % (expr, answer.get("error", answer)))
        return answer["data"]["result"]

    def wait_until(self, expr, seconds, what):
        deadline = time.time() + seconds
        result = []
        while time.time() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        targets = urllib.request.urlopen(self.url("/api/v1/targets"), timeout=10).read().decode()
        raise SystemExit("%s: no result for %s within %d s; targets: %s" % (what, expr, seconds,
                                                                           targets[:2000]))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def dashboard_queries(path):
    with open(path) as f:
        dashboard = json.load(f)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for var, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(var, value)
            if "$" in expr:
                raise AssertionError("panel %r: unknown variable in %r" % (panel["title"], expr))
            yield panel["title"], target.get("legendFormat", ""), expr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="attnserve's metrics address HOST:PORT")
    parser.add_argument("--config", required=True, help="prometheus.yml with a job 'attnserve'")
    parser.add_argument("--dashboard", help="Grafana dashboard JSON whose queries to evaluate")
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()

    for tool in (PROMETHEUS, PROMTOOL):
        if not os.access(tool, os.X_OK):
            raise SystemExit("%s is missing: run scripts/install-deps.sh (prometheus)" % tool)
    os.makedirs(args.work_dir, exist_ok=True)
    promtool_check(args.config)
    rendered = os.path.join(args.work_dir, "prometheus.yml")
    render_config(args.config, args.target, rendered)
    promtool_check(rendered)

    prom = Prometheus(rendered, args.work_dir)
    try:
        prom.wait_ready()
        prom.wait_until('up{job="attnserve"} == 1', 60, "scrape of %s" % args.target)
        # Three scrapes, so that rate() over the panels' windows has points to work with.
        prom.wait_until('count_over_time(up{job="attnserve"}[1m]) >= 3', 60, "three scrapes")
        for family in ("attnserve_requests_total", "attnserve_request_duration_seconds_bucket",
                       "attnserve_batch_size_sequences_bucket", "attnserve_queue_tokens",
                       "attnserve_tokens_total", "attnserve_model_info",
                       "process_resident_memory_bytes"):
            if not prom.query(family):
                raise AssertionError("Prometheus has no %s from %s" % (family, args.target))
        print("prometheus %s: scraped %s (job attnserve up), attnserve families stored"
              % (prom.url(""), args.target))
        if args.dashboard:
            failures = []
            count = 0
            for title, legend, expr in dashboard_queries(args.dashboard):
                count += 1
                try:
                    result = prom.query(expr)
                except AssertionError as e:
                    failures.append("%s / %s: %s" % (title, legend, e))
                    continue
                if not result:
                    failures.append("%s / %s: no series for %s" % (title, legend, expr))
                    continue
                value = result[0]["value"][1]
                print("  %-42s %-28s %3d series, first = %s" % (title[:42], legend[:28],
                                                              len(result), value))
            if failures:
                raise AssertionError("dashboard queries that fail:\n  " + "\n  ".join(failures))
            print("dashboard %s: all %d queries evaluate on real data" % (args.dashboard, count))
    finally:
        prom.stop()
        shutil.rmtree(os.path.join(args.work_dir, "data"), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
