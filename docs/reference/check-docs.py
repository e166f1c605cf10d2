#!/usr/bin/env python3
"""The API reference documents every public symbol completely (unit test `docs`).

Runs gtk-doc's scanner and DocBook generator on the public headers in a temporary directory
(the HTML, slow to make, is left to the cgfs-doc target and `meson install`), then gtk-doc's own
check (gtkdoc-check: no undocumented or incomplete symbol, no parameter or field description
that names nothing, every section included in cgfs-docs.xml), then what gtk-doc does not check:
no warning from gtkdoc-mkdb, and every function that returns a value has a `Returns:` line.

usage: check-docs.py DOC_SOURCE_DIR HEADER_DIR...
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

doc_src, header_dirs = sys.argv[1], sys.argv[2:]
sources = ["--source-dir=" + d for d in header_dirs]


def run(cmd, cwd):
    """Run a gtk-doc tool; its warnings (stdout and stderr) as a list of lines."""
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    lines = (out.stdout + out.stderr).splitlines()
    if out.returncode != 0:
        print("\n".join(lines))
        sys.exit(f"FAIL: {' '.join(cmd)} exited with {out.returncode}")
    return lines


failed = False
with tempfile.TemporaryDirectory() as tmp:
    for f in ("cgfs-docs.xml", "overview.xml"):
        shutil.copy(os.path.join(doc_src, f), tmp)
    run(["gtkdoc-scan", "--module=cgfs", "--rebuild-sections", "--ignore-headers=cgfs.h"] + sources,
        tmp)
    warnings = [l for l in run(["gtkdoc-mkdb", "--module=cgfs", "--output-format=xml", "--xml-mode",
                                "--main-sgml-file=cgfs-docs.xml",
                                "--expand-content-files=overview.xml"] + sources, tmp)
                if re.search(r"warning|error", l, re.I)]
    for w in warnings:
        print("FAIL: gtkdoc-mkdb:", w)
        failed = True

    env = dict(os.environ, DOC_MODULE="cgfs", DOC_MAIN_SGML_FILE="cgfs-docs.xml", BUILDDIR=tmp)
    if subprocess.run(["gtkdoc-check"], env=env, cwd=tmp).returncode != 0:
        for f in ("cgfs-undocumented.txt", "cgfs-unused.txt", "cgfs-undeclared.txt"):
            print(f"--- {f}\n" + open(os.path.join(tmp, f)).read())
        failed = True

    decl = open(os.path.join(tmp, "cgfs-decl.txt")).read()
    xml = "".join(open(f).read() for f in glob.glob(os.path.join(tmp, "xml", "*.xml")))
    for name, returns in re.findall(
            r"<(?:FUNCTION|USER_FUNCTION)>\s*<NAME>(\w+)</NAME>\s*<RETURNS>([^<]*)</RETURNS>", decl):
        if returns.strip() != "void" and 'id="%s.returns"' % name.replace("_", "-") not in xml:
            print(f"FAIL: {name} returns {returns.strip()} but its doc comment has no 'Returns:' "
                  "line")
            failed = True

if failed:
    print("The comments of lib/include/cgfs/*.h are the API reference, in gtk-doc's syntax: every "
          "public symbol needs a /** NAME: @param: ... Returns: ... */ block "
          "(docs/architecture.md, 'API reference').")
sys.exit(1 if failed else 0)
