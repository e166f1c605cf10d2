#!/usr/bin/env python3
"""The API reference documents every public symbol completely (unit test `docs`).

Runs gtk-doc's own check (gtkdoc-check: no undocumented or incomplete symbol, no parameter or
field description that names nothing, every section in cgfs-docs.xml), then what gtk-doc does
not check: every function that returns a value has a `Returns:` line.
Run in the build directory of docs/reference after the cgfs-doc target.

usage: check-docs.py GTKDOC_CHECK
"""
import glob
import os
import re
import subprocess
import sys

env = dict(os.environ, DOC_MODULE="cgfs", DOC_MAIN_SGML_FILE="cgfs-docs.xml")
failed = subprocess.run([sys.argv[1]], env=env).returncode != 0

decl = open("cgfs-decl.txt").read()
xml = "".join(open(f).read() for f in glob.glob("xml/*.xml"))
for kind, name, returns in re.findall(
        r"<(FUNCTION|USER_FUNCTION)>\s*<NAME>(\w+)</NAME>\s*<RETURNS>([^<]*)</RETURNS>", decl):
    if returns.strip() == "void":
        continue
    if 'id="%s.returns"' % name.replace("_", "-") not in xml:
        print(f"FAIL: {name} returns {returns.strip()} but its doc comment has no 'Returns:' line "
              "(lib/include/cgfs/*.h)")
        failed = True

if failed:
    print("The public headers' comments are the API reference (gtk-doc syntax): give every "
          "symbol a /** NAME: @param: ... Returns: ... */ block; see docs/reference/meson.build.")
sys.exit(1 if failed else 0)
