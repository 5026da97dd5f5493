#!/usr/bin/env python3
"""Writes README.md's C++ example (the block marked <!-- readme-test: cpp -->) as a program:
its #include lines at the top, the rest as the body of main(), which returns 0 when the body
falls through. `extract_cpp.py README.md OUT.cc`"""
import re
import sys

readme, out = sys.argv[1:3]
text = open(readme).read()
m = re.search(r"<!--\s*readme-test:\s*cpp\s*-->\s*\n```cpp\n(.*?)\n```", text, re.S)
if not m:
    sys.exit("README.md has no block marked <!-- readme-test: cpp -->")
lines = m.group(1).splitlines()
includes = [l for l in lines if l.startswith("#include")]
body = [l for l in lines if not l.startswith("#include")]
with open(out, "w") as f:
    f.write("// Generated from README.md by tests/readme/extract_cpp.py: do not edit.\n")
    f.write("#include <cstdio>\n" + "\n".join(includes) + "\n\nint main() {\n")
    f.write("\n".join("  " + l if l else "" for l in body))
    f.write('\n  std::printf("the README C++ example ran\\n");\n  return 0;\n}\n')
