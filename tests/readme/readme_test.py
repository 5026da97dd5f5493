#!/usr/bin/env python3
"""Every example in README.md runs as written (issue 16, item 1).

Each fenced block of README.md carries a marker on the line before it:

  <!-- readme-test: run -->              run it: sh with bash -eu (as typed into a shell: a pipeline is as good as its last command), python with
                                         /usr/bin/python3 (or, when its first line names
                                         `install-references.sh --venv`, that virtualenv's
                                         python), js with node (from client/node)
  <!-- readme-test: background -->       start it (a server) and wait for its startup line; it
                                         is stopped with SIGTERM when the test ends
  <!-- readme-test: cpp -->              a C++ fragment: built into readme_cpp_snippet (see
                                         CMakeLists.txt) and run
  <!-- readme-test: skip: WHY -->        not run here, and why (e.g. the docker test runs it)

A block without a marker fails the test, so a new example cannot skip it by accident. Blocks run
in order, in a scratch directory holding links to the repository's build/, client/, scripts/,
proto/, tests/ and docker/ (what they write stays there), with the built binaries, the tools of
scripts/install-tools.sh and the Python stubs on PATH / PYTHONPATH, against the quick-start
server (`attnserve serve --model demo`: localhost:50051, HTTP localhost:8080, metrics
localhost:9000) that this test
starts first.

  readme_test.py SOURCE_DIR BUILD_DIR CPP_SNIPPET_BINARY
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SRC, BUILD, CPP = (os.path.abspath(a) for a in sys.argv[1:4])
MARKER = re.compile(r"<!--\s*readme-test:\s*(run|background|cpp|skip:.+?)\s*-->")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def blocks(text):
    """(line number, language, marker, code) of every fenced block."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("```"):
            lang, start = lines[i][3:].strip(), i
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            prev = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
            m = MARKER.search(prev)
            out.append((start + 1, lang, m.group(1) if m else None, "\n".join(lines[start + 1:j])))
            i = j + 1
        else:
            i += 1
    return out


def main():
    with open(os.path.join(SRC, "README.md")) as f:
        found = blocks(f.read())
    unmarked = [n for n, _, marker, _ in found if marker is None]
    if unmarked:
        fail(f"README.md blocks at lines {unmarked} have no <!-- readme-test: ... --> marker")

    work = tempfile.mkdtemp(prefix="attnserve-readme-")
    for name in ("build", "client", "scripts", "docker", "tests", "proto"):
        os.symlink(os.path.join(SRC, name) if name != "build" else os.path.dirname(BUILD),
                   os.path.join(work, name))
    tools_check = subprocess.run([os.path.join(SRC, "scripts", "install-tools.sh"), "--check"],
                                 capture_output=True, text=True)
    if tools_check.returncode != 0:
        fail("the README's grpcurl examples need scripts/install-tools.sh: "
             f"{tools_check.stderr.strip()}")
    tools = tools_check.stdout.strip()
    env = dict(os.environ,
               PATH=os.pathsep.join([os.path.join(BUILD, "server"), os.path.join(BUILD, "client"),
                                     tools, os.environ["PATH"]]),
               PYTHONPATH=os.pathsep.join([os.path.join(BUILD, "client", "python", "gen"),
                                           os.path.join(SRC, "client", "python")]))
    subprocess.run(["bash", "-c", f"source {SRC}/tests/clients/serve_lib.sh && attn_node_deps {SRC}"],
                   check=True)

    background = []

    def start(cmd, what):
        log = tempfile.NamedTemporaryFile("w+", dir=work, suffix=".log", delete=False)
        p = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        background.append(p)
        for _ in range(600):
            with open(log.name) as f:
                out = f.read()
            if " serving model " in out:
                return
            if p.poll() is not None:
                fail(f"{what} exited ({p.returncode}):\n{out}")
            time.sleep(0.1)
        fail(f"{what} did not start:\n{out}")

    ran, skipped = 0, 0
    try:
        # The quick-start server, as README.md's quick start leaves it running.
        start([os.path.join(BUILD, "server", "attnserve"), "serve", "--model", "demo"],
              "the quick-start server (attnserve serve --model demo on :50051, :9000)")
        for line, lang, marker, code in found:
            if marker.startswith("skip:"):
                skipped += 1
                print(f"skip: README.md:{line} ({marker[5:].strip()})")
                continue
            if marker == "background":
                start(["bash", "-eu", "-c", code], f"README.md:{line}")
            elif marker == "cpp":
                r = subprocess.run([CPP], cwd=work, env=env, capture_output=True, text=True,
                                   timeout=120)
                check(line, r, code)
            elif lang in ("sh", "bash", "shell"):
                check(line, subprocess.run(["bash", "-eu", "-c", code], cwd=work,
                                           env=env, capture_output=True, text=True, timeout=300),
                      code)
            elif lang == "python":
                # A block whose first line names install-references.sh's virtualenv runs with
                # its python (the pinned PyPI clients: openai, huggingface_hub).
                python = "/usr/bin/python3"
                if "install-references.sh --venv" in code.splitlines()[0]:
                    python = subprocess.run([os.path.join(SRC, "scripts", "install-references.sh"),
                                             "--venv"], capture_output=True, text=True,
                                            check=True).stdout.strip()
                check(line, subprocess.run([python, "-c", code], cwd=work, env=env,
                                           capture_output=True, text=True, timeout=120), code)
            elif lang in ("js", "javascript"):
                check(line, subprocess.run(["node", "-e", code], cwd=os.path.join(SRC, "client", "node"),
                                           env=env, capture_output=True, text=True, timeout=120),
                      code)
            else:
                fail(f"README.md:{line}: cannot run a '{lang}' block; mark it skip: with a reason")
            ran += 1
    finally:
        for p in background:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", work])
    print(f"ok: {ran} README.md blocks ran as written, {skipped} skipped with their reasons")


def check(line, r, code):
    if r.returncode != 0:
        fail(f"README.md:{line} failed (exit {r.returncode}):\n{code}\n--- stdout\n{r.stdout[-3000:]}"
             f"\n--- stderr\n{r.stderr[-3000:]}")
    print(f"ok: README.md:{line}: {code.splitlines()[0][:90]}")


if __name__ == "__main__":
    main()
