#!/usr/bin/env python3
"""Checks that every README code block marked `<!-- snippet: PATH -->` is exactly the file PATH
(which the build compiles), so the README's examples stay true as the API grows."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
blocks = re.findall(r"<!-- snippet: (\S+) -->\n```\w*\n(.*?)```", readme, re.S)
if not blocks:
    print("README has no snippet blocks", file=sys.stderr)
    sys.exit(1)
bad = 0
for path, text in blocks:
    actual = (root / path).read_text()
    if actual != text:
        print(f"README snippet differs from {path}", file=sys.stderr)
        bad += 1
    else:
        print(f"README snippet matches {path}")
sys.exit(1 if bad else 0)
