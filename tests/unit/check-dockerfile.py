#!/usr/bin/env python3
"""examples/docker/Dockerfile, checked without a Docker daemon (none may run on the test machine;
tests/vm/vm-docker.sh runs run.sh in the QEMU guest, but cannot build this file: it needs the
registry's debian:bookworm and apt inside the build).

Checks: known instructions only; every `COPY --from` names an earlier stage; the build stage
installs what `scripts/install-deps --run` lists for building; the runtime stage installs the
Debian package of every shared library the daemon and libcgfs load directly (readelf NEEDED,
dpkg -S), libc6 excepted (in every Debian image); ENTRYPOINT is where `meson install` with the
stage's --prefix puts the daemon; ENTRYPOINT and CMD are JSON arrays.

usage: check-dockerfile.py DOCKERFILE INSTALL_DEPS CGFS_EXE LIBCGFS_SO
"""
import json
import os
import re
import subprocess
import sys

dockerfile, install_deps, exe, lib = sys.argv[1:5]
KNOWN = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
         "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
problems = []

text = re.sub(r"\\\n", " ", open(dockerfile).read())
lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
stages = []  # [name, [instructions]]
for line in lines:
    word, _, rest = line.partition(" ")
    if word.upper() not in KNOWN:
        problems.append(f"unknown instruction {word!r}")
        continue
    if word.upper() == "FROM":
        m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", rest.strip(), re.I)
        stages.append([m.group(2) if m else None, []])
        continue
    if not stages:
        problems.append(f"{word} before FROM")
        continue
    for ref in re.findall(r"--from=(\S+)", rest):
        if ref not in [s[0] for s in stages[:-1]] and not ref.isdigit():
            problems.append(f"COPY --from={ref}: no earlier stage of that name")
    stages[-1][1].append((word.upper(), rest.strip()))


def installed(stage):
    """Packages named by the stage's apt-get install commands."""
    out = set()
    for word, rest in stage[1]:
        for cmd in re.findall(r"apt-get install ([^&;]*)", rest) if word == "RUN" else []:
            out |= {w for w in cmd.split() if not w.startswith("-")}
    return out


if len(stages) < 2:
    problems.append("expected a build stage and a runtime stage")
else:
    build, runtime = stages[0], stages[-1]
    # the build stage: what scripts/install-deps --run installs to build (not to run: fuse3, jq)
    m = re.search(r'^packages="([^"]*)"', open(install_deps).read(), re.M)
    needed = set(m.group(1).split()) - {"fuse3", "jq"} if m else set()
    for p in sorted(needed - installed(build)):
        problems.append(f"build stage: {p} is missing (scripts/install-deps --run builds with it)")
    # the runtime stage: the package of every library loaded directly
    libs = set()
    for binary in (exe, lib):
        out = subprocess.run(["readelf", "-d", binary], check=True, capture_output=True,
                             text=True).stdout
        libs |= set(re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", out))
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", subprocess.run(
        ["ldd", exe], check=True, capture_output=True, text=True).stdout, re.M))
    for name in sorted(libs):
        if name.startswith("libcgfs") or name.startswith("ld-linux"):
            continue
        path = paths.get(name)
        package = None
        for candidate in filter(None, [path, path and "/usr" + path,
                                       path and os.path.realpath(path)]):
            r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                package = r.stdout.split(":")[0]
                break
        if package is None:
            problems.append(f"no Debian package found for {name} ({path})")
        elif package != "libc6" and package not in installed(runtime):
            problems.append(f"runtime stage: {package} is missing (the daemon loads {name})")
    # ENTRYPOINT: meson install's bindir under the build stage's --prefix
    prefix = re.search(r"--prefix[= ](\S+)", " ".join(r for _, r in build[1]))
    prefix = prefix.group(1) if prefix else "/usr/local"
    for word, rest in runtime[1]:
        if word in ("ENTRYPOINT", "CMD"):
            try:
                value = json.loads(rest)
            except ValueError:
                problems.append(f"{word} is not a JSON array: {rest}")
                continue
            if word == "ENTRYPOINT" and value[:1] != [prefix + "/bin/cgfs"]:
                problems.append(f"ENTRYPOINT {value} is not {prefix}/bin/cgfs, where meson "
                                f"install --prefix={prefix} puts the daemon")

for p in problems:
    print("FAIL:", p)
print(f"{dockerfile}: {len(stages)} stages, {len(problems)} problems")
sys.exit(1 if problems else 0)
