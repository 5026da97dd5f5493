#!/usr/bin/env python3
"""The dependency rules of the tree (DESIGN.md section 8), checked on the sources.

  1. server/ includes no oneDNN header, directly or through a header of ours, and calls no oneDNN
     function: backend facts come from core (core/dnnl/backend.h).
  2. Nothing outside core/model includes a model family (core/model/<family>/...) or names one in
     code (a "bert" literal, a Bert* type): the rest of the tree sees the Model interface and the
     ModelSpec only. core/batching in particular runs any Model.
  3. client/ includes nothing from core/ or server/.
  4. core/ includes no gRPC, Prometheus or protobuf header, and nothing from server/ or client/.

Usage: check_dependencies.py ROOT      (exit 1 and one line per violation when broken)
       check_dependencies.py --self-test (each rule catches a planted violation)
"""
import os
import re
import sys
import tempfile

SOURCE_EXT = (".h", ".hpp", ".cc", ".cpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
LINE_COMMENT = re.compile(r"//.*$")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def sources(root, top):
    base = os.path.join(root, top)
    for dirpath, _, files in os.walk(base):
        for f in sorted(files):
            if f.endswith(SOURCE_EXT):
                path = os.path.join(dirpath, f)
                yield os.path.relpath(path, root), path


def code_lines(path):
    """(line number, include target or None, code without comments) for each line."""
    in_block = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if in_block:
                end = line.find("*/")
                if end < 0:
                    continue
                line = line[end + 2:]
                in_block = False
            while "/*" in line:
                start = line.index("/*")
                end = line.find("*/", start + 2)
                if end < 0:
                    line = line[:start]
                    in_block = True
                    break
                line = line[:start] + line[end + 2:]
            m = INCLUDE.match(line)
            yield n, (m.group(1) if m else None), LINE_COMMENT.sub("", line)


def is_family_include(target):
    # core/model/<family>/<file>: any header below a subfolder of core/model.
    parts = target.split("/")
    return len(parts) >= 4 and parts[0] == "core" and parts[1] == "model"


FAMILY_NAME = re.compile(r'\bBert[A-Z]\w*|"bert"', re.IGNORECASE)
DNNL_CALL = re.compile(r"\bdnnl(::|_\w+\s*\()")


def includes_dnnl(root):
    """The repository headers that include oneDNN, directly or through other headers."""
    direct = {}
    for top in ("core", "server", "client"):
        for rel, path in sources(root, top):
            direct[rel] = [t for _, t, _ in code_lines(path) if t is not None]
    tainted = {rel for rel, targets in direct.items()
               if any(t.startswith("oneapi/dnnl") or t in ("dnnl.h", "dnnl.hpp") for t in targets)}
    changed = True
    while changed:
        changed = False
        for rel, targets in direct.items():
            if rel not in tainted and any(t in tainted for t in targets):
                tainted.add(rel)
                changed = True
    return tainted


def check(root):
    errors = []
    dnnl_headers = includes_dnnl(root)

    def bad(rel, n, rule, what):
        errors.append(f"{rel}:{n}: rule {rule}: {what}")

    for top in ("core", "server", "client", "bench"):
        for rel, path in sources(root, top):
            in_model = rel.startswith("core/model/")
            for n, target, code in code_lines(path):
                if target is not None:
                    if top == "server" and (target.startswith("oneapi/dnnl") or
                                            target in dnnl_headers):
                        bad(rel, n, 1, f"server/ includes oneDNN ({target})")
                    if not in_model and top != "bench" and is_family_include(target):
                        bad(rel, n, 2, f"includes a model family header ({target})")
                    if top == "client" and target.startswith(("core/", "server/")):
                        bad(rel, n, 3, f"client/ includes {target}")
                    if top == "core" and (
                            target.startswith(("grpc", "grpcpp/", "prometheus/", "google/protobuf",
                                               "server/", "client/", "attnserve/v1/"))):
                        bad(rel, n, 4, f"core/ includes {target}")
                    continue
                if top == "server" and DNNL_CALL.search(code):
                    bad(rel, n, 1, f"server/ calls oneDNN: {code.strip()}")
                if not in_model and top in ("core", "server", "client"):
                    # Tokenizer stages are named after their tokenizer.json types (BertNormalizer,
                    # BertPreTokenizer, ...): those are tokenizer kinds, not model families.
                    if rel.startswith("core/tokenizer/"):
                        continue
                    m = FAMILY_NAME.search(code)
                    if m:
                        bad(rel, n, 2, f"names a model family ({m.group(0)})")
    return errors


def self_test():
    planted = {
        "server/x.cc": ['#include <oneapi/dnnl/dnnl.hpp>\n'],
        "core/layers/k.h": ['#include <oneapi/dnnl/dnnl.hpp>\n'],
        "core/model/m.h": ['#include "core/layers/k.h"\n'],
        "server/r.cc": ['#include "core/model/m.h"\n'],
        "server/y.cc": ['int f() { return dnnl_version()->major; }\n'],
        "core/batching/z.cc": ['#include "core/model/bert/bert_model.h"\n'],
        "server/w.cc": ['const char* arch = "bert";\n'],
        "core/heads/v.cc": ['BertConfig c;\n'],
        "client/u.cc": ['#include "core/util/check.h"\n'],
        "core/t.cc": ['#include <grpcpp/grpcpp.h>\n'],
        "core/s.cc": ['#include <prometheus/registry.h>\n'],
    }
    allowed = {
        "core/model/bert/ok.cc": ['#include "core/model/bert/bert_config.h"\n',
                                  'const char* t = "bert";\n'],
        "core/tokenizer/ok.cc": ['struct BertNormalizer {};\n'],
        "server/ok.cc": ['// BertModel and dnnl_version() in a comment are fine\n',
                         '/* "bert" */ int x;\n', '#include "core/dnnl/backend.h"\n'],
        "client/ok.cc": ['#include "client/embedder_client.h"\n'],
    }
    failures = 0
    with tempfile.TemporaryDirectory() as root:
        for files in (planted, allowed):
            for rel, lines in files.items():
                path = os.path.join(root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.writelines(lines)
        errors = check(root)
        for rel in planted:
            if rel in ("core/layers/k.h", "core/model/m.h"):
                continue  # allowed in core: they make server/r.cc a violation
            if not any(e.startswith(rel + ":") for e in errors):
                print(f"self-test: the violation in {rel} was not caught")
                failures += 1
        for rel in allowed:
            for e in errors:
                if e.startswith(rel + ":"):
                    print(f"self-test: a false alarm: {e}")
                    failures += 1
    if failures:
        return 1
    print(f"self-test: {len(planted) - 2} planted violations caught, no false alarm")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    errors = check(argv[1])
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} dependency rule violations")
        return 1
    print("dependency rules hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
