#!/usr/bin/env python3
"""examples/kubernetes/*.yaml: valid YAML, and the fields Kubernetes requires and cgfs needs.

No Kubernetes schema tool is installable from Debian here (kubectl's validation needs a
server), so this checks the required fields by hand: apiVersion, kind, metadata.name; a
DaemonSet's selector matching its template's labels; every container's name and image; every
volumeMount naming a volume; and cgfs's own needs: hostPID, a privileged daemon whose /run/cgfs
mount is Bidirectional, consumers' HostToContainer.
usage: check-manifests.py FILE.yaml...
"""
import sys

try:
    import yaml
except ImportError:
    print("skipped: no python3-yaml")
    sys.exit(77)


def pod_spec_problems(where, spec):
    problems = []
    volumes = {v.get("name") for v in spec.get("volumes", [])}
    containers = spec.get("containers") or []
    if not containers:
        problems.append(f"{where}: no containers")
    for c in containers:
        for key in ("name", "image"):
            if not c.get(key):
                problems.append(f"{where}: a container without {key}")
        for vm in c.get("volumeMounts", []):
            if vm.get("name") not in volumes:
                problems.append(f"{where}: volumeMount {vm.get('name')} names no volume")
            if not vm.get("mountPath"):
                problems.append(f"{where}: volumeMount {vm.get('name')} without mountPath")
    return problems


def cgfs_mounts(spec):
    return [(c, vm) for c in spec.get("containers", []) for vm in c.get("volumeMounts", [])
            if vm.get("mountPath") == "/run/cgfs"]


def check(doc, where):
    problems = []
    for key in ("apiVersion", "kind"):
        if not doc.get(key):
            problems.append(f"{where}: no {key}")
    if not (doc.get("metadata") or {}).get("name"):
        problems.append(f"{where}: no metadata.name")
    kind = doc.get("kind")
    if kind == "DaemonSet":
        spec = doc.get("spec") or {}
        match = ((spec.get("selector") or {}).get("matchLabels")) or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not match or any(labels.get(k) != v for k, v in match.items()):
            problems.append(f"{where}: spec.selector.matchLabels do not match the template's labels")
        pod = (spec.get("template") or {}).get("spec") or {}
        problems += pod_spec_problems(where, pod)
        if pod.get("hostPID") is not True:
            problems.append(f"{where}: the daemon needs hostPID: true (pids are the node's)")
        mounts = cgfs_mounts(pod)
        if not mounts or any(vm.get("mountPropagation") != "Bidirectional" for _, vm in mounts):
            problems.append(f"{where}: /run/cgfs must be mountPropagation: Bidirectional")
        if any(not (c.get("securityContext") or {}).get("privileged") for c, _ in mounts):
            problems.append(f"{where}: Bidirectional propagation needs a privileged container")
    elif kind == "Pod":
        pod = doc.get("spec") or {}
        problems += pod_spec_problems(where, pod)
        if any(vm.get("mountPropagation") != "HostToContainer" for _, vm in cgfs_mounts(pod)):
            problems.append(f"{where}: a consumer mounts /run/cgfs with HostToContainer")
    return problems


def main():
    problems, n = [], 0
    for path in sys.argv[1:]:
        with open(path) as f:
            for i, doc in enumerate(yaml.safe_load_all(f)):
                if doc is None:
                    continue
                n += 1
                problems += check(doc, f"{path} document {i + 1} ({doc.get('kind')})")
    if problems or n == 0:
        print("FAIL:\n  " + "\n  ".join(problems or ["no documents"]))
        return 1
    print(f"ok: {n} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
