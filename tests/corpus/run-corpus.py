#!/usr/bin/python3
"""The hostile-input corpus: over a thousand inputs, generated here, written to every writable
node of a cgroup of a mounted cgfs (v1 hierarchies of this machine) by corpus-write, a small C
helper that reports the errno of write() and of close().

For each input: the errnos, and when it is refused (either errno set): a message in last_error
(naming the node, bounded in length) and a snapshot of the cgroup's kernel files in every
hierarchy (its limits and settings, its process and thread lists, its freezer state) equal
before and after. Inputs that must be refused are checked to be; the daemon must stay up.

Safety: the pid-like numbers of inputs to procs and threads are only the test's own processes,
0 (the writer itself) or numbers above the kernel's largest possible pid (4194304); generation
aborts otherwise. Everything made is removed in every outcome. Exit 77 when it cannot run.
Environment: CGFS (the daemon), CORPUS_WRITE (the helper); CORPUS_LIST=1 prints the inputs.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PID_LIMIT = 4194304  # PID_MAX_LIMIT on 64-bit: no pid is ever larger
BIG = str(PID_LIMIT + 1)


def skip(why):
    print("skipped:", why, file=sys.stderr)
    sys.exit(77)


# ---- the inputs ----

class Input:
    """@atomic: nothing may change when it is refused. Not so for input written in pieces whose
    earlier writes complete a word or a document: each write is applied when it is accepted
    (docs/tree.md), so a refusal of a later one leaves what they did."""
    def __init__(self, node, data, expect, name, chunk=0, stdio=False, atomic=True):
        self.node, self.data, self.expect, self.name = node, data, expect, name
        self.chunk, self.stdio, self.atomic = chunk, stdio, atomic


def dumps(doc):
    return json.dumps(doc).encode()


# The fields of a LinuxResources document, by path, with a value this machine takes.
FIELDS = {
    ("memory", "limit"): 268435456, ("memory", "reservation"): 134217728,
    ("memory", "swap"): 536870912, ("memory", "kernel"): -1, ("memory", "kernelTCP"): -1,
    ("memory", "swappiness"): 60, ("memory", "disableOOMKiller"): False,
    ("memory", "useHierarchy"): True, ("memory", "checkBeforeUpdate"): False,
    ("cpu", "shares"): 512, ("cpu", "quota"): 50000, ("cpu", "burst"): 0,
    ("cpu", "period"): 100000, ("cpu", "realtimeRuntime"): 0, ("cpu", "realtimePeriod"): 1000000,
    ("cpu", "cpus"): "0", ("cpu", "mems"): "0", ("cpu", "idle"): 0,
    ("pids", "limit"): 64,
    ("blockIO", "weight"): 100, ("blockIO", "leafWeight"): 100,
    ("network", "classID"): 1,
}
LIST_FIELDS = {  # a list of objects: (section, key) -> one element
    ("devices",): {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "w"},
    ("blockIO", "throttleReadBpsDevice"): {"major": 1, "minor": 3, "rate": 1048576},
    ("blockIO", "weightDevice"): {"major": 1, "minor": 3, "weight": 100},
    ("hugepageLimits",): {"pageSize": "2MB", "limit": 0},
    ("network", "priorities"): {"name": "lo", "priority": 1},
}
KERNEL_REFUSES = [  # documents the library takes and the kernel refuses
    {"blockIO": {"throttleReadBpsDevice": [{"major": 4095, "minor": 99, "rate": 1}]}},
    {"blockIO": {"throttleWriteIOPSDevice": [{"major": 4095, "minor": 98, "rate": 7}]}},
    {"cpu": {"cpus": "0-200"}},
    {"cpu": {"mems": "9"}},
    {"cpu": {"realtimeRuntime": 999999999, "realtimePeriod": 1000000}},
    {"unified": {"memory.nonexistent": "1"}},
]
BEFORE_LATE = [  # valid parts put before a late failure, so that it has something to undo
    {"memory": {"limit": 134217728}}, {"pids": {"limit": 33}}, {"cpu": {"shares": 300}},
    {"devices": [{"allow": False, "type": "c", "major": 1, "minor": 7, "access": "rwm"}]},
    {"memory": {"swappiness": 150}}, {"cpu": {"quota": 20000, "period": 100000}},
    {"memory": {"limit": 134217728, "swap": 268435456}, "pids": {"limit": 7}},
]
WRONG_TYPES = ["x", "", True, [], {}, [1], {"a": 1}, 1.5, "1", -0.5]
NUMBERS = ["-9223372036854775809", "-9223372036854775808", "-2", "-1", "0", "1", "2", "100",
           "101", "200", "201", "1000", "1000001", "4294967296", "9223372036854775807",
           "9223372036854775808", "18446744073709551615", "18446744073709551616",
           "1" * 40, "9" * 400, "1.0", "1e3", "-0", "1E400"]


def doc_with(path, raw_value):
    """{"a": {"b": VALUE}} with VALUE as raw JSON text."""
    inner = '"%s": %s' % (path[-1], raw_value)
    for key in reversed(path[:-1]):
        inner = '"%s": {%s}' % (key, inner)
    return ("{%s}" % inner).encode()


def full_document():
    return {
        "memory": {"limit": 268435456, "swap": 536870912, "swappiness": 30},
        "cpu": {"shares": 700, "quota": 40000, "period": 100000, "cpus": "0-1", "mems": "0"},
        "pids": {"limit": 90},
        "devices": [{"allow": True, "access": "rwm"},
                    {"allow": False, "type": "c", "major": 1, "minor": 9, "access": "rwm"}],
    }


def resources_inputs():
    R = "resources.json"
    out = []
    full = json.dumps(full_document(), indent=1).encode()
    out.append(Input(R, full, "accept", "the full document"))
    # truncated: every prefix (two bytes apart) of the full document
    for cut in range(1, len(full) - 1, 2):
        out.append(Input(R, full[:cut], "refuse", "truncated at %d" % cut))
    # wrong types and boundaries of every field
    for path in FIELDS:
        for v in WRONG_TYPES:
            if isinstance(v, bool) and isinstance(FIELDS[path], bool):
                continue
            if isinstance(v, str) and isinstance(FIELDS[path], str):
                continue
            out.append(Input(R, doc_with(path, json.dumps(v)), "refuse",
                             "%s: wrong type %s" % (".".join(path), json.dumps(v))))
        if not isinstance(FIELDS[path], (bool, str)):
            for n in NUMBERS:
                out.append(Input(R, doc_with(path, n), "any", "%s = %s" % (".".join(path), n[:30])))
        out.append(Input(R, doc_with(path, "null"), "any", "%s = null" % ".".join(path)))
    for path, elem in LIST_FIELDS.items():
        name = ".".join(path)
        for bad in ["{}", "1", '"x"', "[1]", '[{"bogus": 1}]', "[[]]", "[null]"]:
            out.append(Input(R, doc_with(path, bad), "refuse", "%s = %s" % (name, bad)))
        for key, good in elem.items():
            for v in WRONG_TYPES[:6] + [-2, 2 ** 64]:
                if type(v) is type(good):
                    continue
                e = dict(elem)
                e[key] = v
                out.append(Input(R, doc_with(path, json.dumps([e])), "refuse",
                                 "%s[0].%s = %s" % (name, key, json.dumps(v))))
    # unknown keys, whatever their value
    for where in [(), ("memory",), ("cpu",), ("pids",), ("blockIO",), ("network",)]:
        for key in ["bogus", "Limit", "limit ", "", "\u00e9", "a" * 1000]:
            for v in ["1", "null", "{}", "[]"]:
                out.append(Input(R, doc_with(where + (key,), v), "refuse",
                                 "unknown key %r in %s = %s" % (key[:12], ".".join(where) or "top", v)))
    out.append(Input(R, b'{"devices": [{"allow": true, "bogus": null}]}', "refuse",
                     "unknown key null in a device"))
    # floats and long numbers where integers go
    for v in ["1.5", "1e2", "-1e-400", "0.0", "1" * 25, "-" + "9" * 30]:
        out.append(Input(R, doc_with(("pids", "limit"), v), "refuse", "pids.limit = %s" % v[:20]))
    # duplicate keys
    for d in [b'{"pids": {"limit": 5, "limit": 6}}', b'{"pids": {"limit": 5}, "pids": {"limit": 6}}',
              b'{"pids": {"limit": "x", "limit": 6}}', b'{"pids": {"limit": 6, "limit": "x"}}']:
        out.append(Input(R, d, "any", "duplicate keys %s" % d.decode()))
    # deep nesting
    for depth in [1, 10, 63, 64, 65, 127, 128, 129, 1000, 100000]:
        doc = b'{"unified": {"x": ' + b"[" * depth + b"]" * depth + b"}}"
        out.append(Input(R, doc, "refuse", "nested %d deep" % depth))
        doc = b'{"a": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
        out.append(Input(R, doc, "refuse", "objects nested %d deep" % depth))
    # NUL, control characters and invalid UTF-8, in keys and in values
    for bad in [b"\x00", b"\\u0000", b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\\ud800", b"\xe2\x82",
                b"\x01", b"\x1f", b"\\uDFFF", b"\xf4\x90\x80\x80", b"\x7f"]:
        out.append(Input(R, b'{"unified": {"memory.high": "1' + bad + b'"}}', "refuse",
                         "unified value with %r" % bad))
        out.append(Input(R, b'{"unified": {"k' + bad + b'": "1"}}', "refuse", "unified key with %r" % bad))
        out.append(Input(R, b'{"cpu": {"cpus": "0' + bad + b'"}}', "refuse", "cpus with %r" % bad))
        out.append(Input(R, b'{"me' + bad + b'mory": {}}', "refuse", "key with %r" % bad))
    # not an object; garbage before, after, between
    for d in [b"[]", b"1", b'"x"', b"null", b"true", b"{", b"}", b"{}}", b"{{}}", b"\xef\xbb\xbf{}",
              b"\x00{}", b"{}\x00", b"{} x", b"{}{}", b'{"pids": {"limit": 5}} {"pids": {"limit": 6}}',
              b'{"pids": {"limit": 5}}}', b'{"pids": {"limit": 5}},', b'{"pids": {"limit": 5}} //',
              b"{'pids': {}}", b'{pids: {}}', b'{"pids": {"limit": 5,}}', b'{"pids": [1,]}',
              b'{"pids": {"limit": 05}}', b'{"pids": {"limit": +5}}', b'{"pids": {"limit": 0x5}}',
              b'{"pids": {"limit": NaN}}', b'{"pids": {"limit": Infinity}}', b'{"pids": {"limit": .5}}',
              b'{"pids" {"limit": 5}}', b'{"pids": {"limit": 5}',
              b"/* c */ {}", b"{} /* c */", b"\t\r\n {\"pids\": {\"limit\": 5}} x"]:
        out.append(Input(R, d, "refuse", "malformed %r" % d[:40]))
    for d in [b"", b"   \n", b"{}", b" {} \n", b'{"pids": null}', b'{"devices": []}']:
        out.append(Input(R, d, "accept", "harmless %r" % d))
    # documents the kernel refuses, alone and after valid parts (rolled back)
    for bad in KERNEL_REFUSES:
        out.append(Input(R, dumps(bad), "refuse", "kernel refuses %s" % json.dumps(bad)[:60]))
        for before in BEFORE_LATE:
            doc = dict(before)
            for k, v in bad.items():
                doc[k] = dict(doc.get(k, {}), **v) if isinstance(v, dict) and isinstance(doc.get(k), dict) else v
            out.append(Input(R, dumps(doc), "refuse", "late failure after %s" % json.dumps(before)[:50]))
    # byte by byte, and in small pieces
    late = dict(BEFORE_LATE[6], **KERNEL_REFUSES[0])
    for chunk in [1, 2, 3, 7, 64]:
        out.append(Input(R, dumps(late), "refuse", "late failure in %d-byte writes" % chunk, chunk=chunk))
        out.append(Input(R, full[:-3], "refuse", "truncated in %d-byte writes" % chunk, chunk=chunk))
        out.append(Input(R, b'{"pids": {"limit": 5}} x', "refuse", "garbage after, %d-byte writes" % chunk,
                         chunk=chunk, atomic=chunk >= 24))
        out.append(Input(R, b'{"pids": {"limit": -5}}', "refuse", "out of range, %d-byte writes" % chunk,
                         chunk=chunk))
    out.append(Input(R, dumps(late), "refuse", "late failure through stdio", stdio=True))
    out.append(Input(R, b'{"pids": {"limit": -5}}', "refuse", "out of range through stdio", stdio=True))
    out.append(Input(R, full, "accept", "the full document through stdio", stdio=True))
    return out


def large_inputs():
    """Built at run time: 1 to 100 MiB."""
    R = "resources.json"
    MiB = 1 << 20
    out = []
    for size in [1 * MiB, 4 * MiB - 64]:
        head = b'{"pids": {"limit": 77}'
        out.append(Input(R, head + b" " * (size - len(head) - 1) + b"}", "accept", "%d bytes, padded" % size))
    for size in [4 * MiB + 1, 16 * MiB, 100 * MiB]:
        head = b'{"pids": {"limit": 78}'
        out.append(Input(R, head + b" " * (size - len(head) - 1) + b"}", "refuse", "%d bytes" % size))
    values = b'{"unified": {"x": [' + b",".join([b"0"] * 300000) + b"]}}"
    out.append(Input(R, values, "refuse", "300000 values in %d bytes" % len(values)))
    out.append(Input(R, b'{"memory": {"' + b"k" * (2 * MiB) + b'": 1}}', "refuse", "a 2 MiB key"))
    out.append(Input(R, b'{"cpu": {"cpus": "' + b"0," * MiB + b'0"}}', "refuse", "a 2 MiB cpu list"))
    return out


def word_inputs(s1, s2):
    out = []
    for node in ["procs", "threads"]:
        accept = ["{S2}", "{S2}\n", "\t{S2}\n", "\v{S2}\f", "\r\n{S2}\r\n", " {S2}  {S2} ", "{S1} {S2}",
                  "00{S2}\n", "0\n"]
        refuse = ["abc", "{S2} abc", "{S2}abc", "abc {S2}", "{S2} {BIG}", "{BIG} {S2}", "{S2} -{BIG}",
                  "-{S2}", "+{S2}", "{S2}.0", "{S2},{S2}", "{S2};", "{S2}\x00", "{S2}\x00garbage\n",
                  "{S2}\x7f", "{S2} 0x{BIG}", "0x{BIG}", "{S2}\xc2\xa0", "\xc2\xa0{S2}", "{S2}\xff",
                  "{S2} \xe2\x80\x8b", "{BIG}", "{S2} {BIG}9", "9" * 64, "9" * 65, "{S2} " + "9" * 65,
                  "{S2} " + "a" * 200, "{S2}\x1b[A", "{S2} NaN", "{S2} {BIG}e{BIG}", "{S2} \xd9\xa3", "{S2} \xef\xbc\x94",
                  "{S2} {S2}x", "{S2}\n\x01", "{S2} {BIG}{BIG}", "\x00", "-0", "+0"]
        for t in accept:
            out.append(Input(node, t, "accept", "%s %r" % (node, t)))
        for t in refuse:
            out.append(Input(node, t, "refuse", "%s %r" % (node, t)))
            for chunk in [1, 3]:
                out.append(Input(node, t, "refuse", "%s %r in %d-byte writes" % (node, t, chunk),
                                 chunk=chunk))
    for w in ["frozen bogus", "bogus frozen", "frozen\x00", "froze", "frozenx", "freezing", "FROZEN!",
              "frozen thawed x", "thaw", "melted", "frozen\x7f", "frozen \xff", "1", "0", "frozen,thawed",
              "fro zen", "t h a w e d", "frozen" * 11, "thawed frozen bog"]:
        out.append(Input("state", w, "refuse", "state %r" % w))
        out.append(Input("state", w, "refuse", "state %r, byte by byte" % w, chunk=1))
        out.append(Input("state", w + "\n", "refuse", "state %r\\n" % w))
    for w in ["thawed", "THAWED", "Thawed\n", " thawed ", "frozen thawed", "\tthawed\r\n"]:
        out.append(Input("state", w, "accept", "state %r" % w))
    for w in ["2", "0", "-1", "1x", "x1", "01", "1.0", "11", "1 2", "\xef\xbc\x91", "kill", "1\x00",
              "true", "+1", "1,", "\x01", "1 1 x", "1" * 65]:
        out.append(Input("kill", w, "refuse", "kill %r" % w))
        out.append(Input("kill", w, "refuse", "kill %r, byte by byte" % w, chunk=1))
    for w in ["domain", "threaded x", "Threaded", "threadedd", "domain threaded", "x"]:
        out.append(Input("type", w, "refuse", "type %r" % w))
    out.append(Input("type", "threaded", "refuse", "type threaded on v1"))
    for node in ["events", "stats.json", "last_error", "metrics.prom"]:
        out.append(Input(node, "1", "refuse", "%s is read-only" % node))
    # last: kill the test's sleeper (it is started again)
    out.append(Input("kill", "1\n", "accept", "kill 1"))
    for inp in out:
        inp.data = expand(inp.data, s1, s2)
        # words completed by an earlier write of the pieces were applied by it
        if inp.chunk and re.search(rb"[ \t\n\r\v\f]", inp.data[:-1]):
            inp.atomic = False
    return out


def expand(text, s1, s2):
    """The template with the pids put in, as bytes (each character one byte: the templates spell
    UTF-8 sequences byte by byte)."""
    data = text.replace("{S1}", str(s1)).replace("{S2}", str(s2)).replace("{BIG}", BIG)
    return data.encode("latin-1")


def check_pid_safety(inp, allowed):
    """Every run of ASCII digits of a procs/threads input is 0, one of the test's own pids,
    or above any pid the kernel can give."""
    if inp.node not in ("procs", "threads"):
        return
    for run in re.findall(rb"[0-9]+", inp.data):
        n = int(run)
        if n != 0 and n not in allowed and n <= PID_LIMIT:
            raise SystemExit("corpus bug: input %r could name pid %d" % (inp.name, n))


# ---- the machine ----

def v1_mounts():
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup":
                out.append(parts[1])
    return out


# Counters that move by themselves (a process runs, memory is reclaimed): not state.
COUNTER = re.compile(r"(max_usage_in_bytes|failcnt|^cpuacct\.usage$|usage_in_bytes$)")
STATE_FILES = {"cgroup.procs", "tasks", "freezer.state", "devices.list", "cgroup.type",
               "cgroup.threads", "cgroup.events", "notify_on_release"}


def snapshot(cgroup):
    """Every limit and setting (the files with a write bit), the process and thread lists and
    the freezer state of @cgroup, in every v1 hierarchy."""
    snap = {}
    for m in v1_mounts():
        d = os.path.join(m, cgroup)
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            p = os.path.join(d, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if not os.path.isfile(p) or COUNTER.search(name):
                continue
            if not (st.st_mode & 0o222) and name not in STATE_FILES:
                continue
            try:
                with open(p, "rb") as f:
                    content = f.read()
                if name in ("cgroup.procs", "tasks"):
                    content = b" ".join(sorted(content.split()))
            except OSError as e:
                content = ("error %d" % e.errno).encode()
            snap[p] = content
    return snap


def diff(before, after):
    keys = sorted(set(before) | set(after))
    return ["%s: %r -> %r" % (k, before.get(k, b"")[:80], after.get(k, b"")[:80])
            for k in keys if before.get(k) != after.get(k)]


class Corpus:
    def __init__(self):
        self.cgfs = os.environ.get("CGFS", "")
        self.writer = os.environ.get("CORPUS_WRITE", "")
        self.prefix = "cgfs-test-%d-" % os.getpid()
        self.daemon = None
        self.sleepers = []
        self.work = tempfile.mkdtemp(prefix=self.prefix + "work.")
        self.mnt = tempfile.mkdtemp(prefix=self.prefix + "mnt.")
        self.cg = self.prefix + "corpus"
        self.home = self.prefix + "home"
        self.log = os.path.join(self.work, "daemon.log")

    # -- setup and cleanup --
    def mounted(self):
        with open("/proc/self/mounts") as f:
            return any(line.split()[1] == self.mnt for line in f)

    def mount(self):
        with open(self.log, "ab") as log:
            self.daemon = subprocess.Popen([self.cgfs, "-f", "--hierarchy", "v1",
                                            # the journal in the work dir, not /run
                                            "--state-dir", os.path.join(self.work, "state"),
                                            self.mnt],
                                           stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while not self.mounted():
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("cgfs did not mount:\n" + open(self.log).read())
            time.sleep(0.02)

    def spawn_sleeper(self):
        p = subprocess.Popen(["sleep", "1000"])
        self.sleepers.append(p)
        return p

    def move(self, proc, cgroup):
        """Move a process the test started, checked alive just before, through cgfs."""
        if proc.poll() is not None:
            raise SystemExit("sleeper %d died" % proc.pid)
        with open(os.path.join(self.mnt, cgroup, "procs"), "w") as f:
            f.write("%d\n" % proc.pid)

    def thaw(self):
        with open(os.path.join(self.mnt, self.cg, "state"), "w") as f:
            f.write("thawed\n")

    def cleanup(self):
        for m in v1_mounts():
            fz = os.path.join(m, self.cg, "freezer.state")
            if os.path.exists(fz):
                try:
                    with open(fz, "w") as f:
                        f.write("THAWED")
                except OSError:
                    pass
        for p in self.sleepers:
            if p.poll() is None:
                p.kill()
            p.wait()
        clean = True
        if self.mounted():
            if subprocess.run(["fusermount3", "-u", self.mnt]).returncode != 0:
                subprocess.run(["fusermount3", "-uz", self.mnt])
        if self.daemon:
            try:  # unmounted: the daemon ends by itself, with status 0 (an ASan build: no leak)
                clean = self.daemon.wait(timeout=30) == 0
            except subprocess.TimeoutExpired:
                self.daemon.terminate()
                try:
                    self.daemon.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.daemon.kill()
                    self.daemon.wait()
                clean = False
            if not clean:
                print("FAIL: the daemon did not end cleanly (status %s); its log:" %
                      self.daemon.returncode)
                print(open(self.log, errors="replace").read()[-4000:])
        for m in v1_mounts():
            for name in (self.cg, self.home):
                d = os.path.join(m, name)
                for _ in range(50):
                    try:
                        os.rmdir(d)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.1)
        try:
            os.rmdir(self.mnt)
        except OSError:
            pass
        shutil.rmtree(self.work, ignore_errors=True)
        return clean

    # -- one input --
    def write(self, inp):
        args = [self.writer]
        if inp.chunk:
            args += ["--chunk", str(inp.chunk)]
        if inp.stdio:
            args.append("--stdio")
        args.append(os.path.join(self.mnt, self.cg, inp.node))
        src = os.path.join(self.work, "input")
        with open(src, "wb") as f:
            f.write(inp.data)
        with open(src, "rb") as f:
            r = subprocess.run(args, stdin=f, capture_output=True, timeout=300)
        if r.returncode != 0:
            return None, r.stderr.decode(errors="replace").strip()
        m = re.match(r"write=(\S+) close=(\S+)", r.stdout.decode())
        return (m.group(1), m.group(2)), ""

    def last_error(self):
        with open(os.path.join(self.mnt, self.cg, "last_error"), "rb") as f:
            return f.read()

    def run(self, inputs):
        self.mount()
        os.mkdir(os.path.join(self.mnt, self.cg))
        os.mkdir(os.path.join(self.mnt, self.home))
        s1, s2 = self.spawn_sleeper(), self.spawn_sleeper()
        self.move(s1, self.cg)
        self.move(s2, self.home)
        inputs = inputs(s1.pid, s2.pid)
        for inp in inputs:
            check_pid_safety(inp, {s1.pid, s2.pid})
        if os.environ.get("CORPUS_LIST"):
            for inp in inputs:
                print(inp.node, inp.expect, inp.name)
            return 0
        failures, refused, accepted = [], 0, 0
        before = snapshot(self.cg)
        start = time.monotonic()
        for inp in inputs:
            if s1.poll() is not None:  # an accepted input killed it (kill, a memory limit)
                s1 = self.spawn_sleeper()
                self.move(s1, self.cg)
                before = snapshot(self.cg)
            if self.daemon.poll() is not None or not self.mounted():
                failures.append("%s: the daemon is gone" % inp.name)
                break
            answer, why = self.write(inp)
            after = snapshot(self.cg)
            if answer is None:
                failures.append("%s: the writer could not run: %s" % (inp.name, why))
                before = after
                continue
            is_refused = answer != ("0", "0")
            if is_refused:
                refused += 1
                msg = self.last_error()
                changed = diff(before, after)
                if not msg.startswith(inp.node.encode() + b": "):
                    failures.append("%s: refused (%s/%s) but last_error is %r" %
                                    (inp.name, answer[0], answer[1], msg[:100]))
                if len(msg) > 2100:
                    failures.append("%s: last_error of %d bytes" % (inp.name, len(msg)))
                if changed and inp.atomic:
                    failures.append("%s: refused (%s/%s), yet changed:\n    %s" %
                                    (inp.name, answer[0], answer[1], "\n    ".join(changed[:8])))
            else:
                accepted += 1
            if inp.expect == "refuse" and not is_refused:
                failures.append("%s: accepted; it must be refused" % inp.name)
            if inp.expect == "accept" and is_refused:
                failures.append("%s: refused (%s/%s: %r); it must be accepted" %
                                (inp.name, answer[0], answer[1], self.last_error()[:120]))
            if inp.node in ("procs", "threads") and (not is_refused or not inp.atomic):
                self.move(s2, self.home)  # back home for the next input
                after = snapshot(self.cg)
            if not inp.atomic:
                self.thaw()
                after = snapshot(self.cg)
            before = after
        took = time.monotonic() - start
        print("corpus: %d inputs, %d refused, %d accepted, %.1f s" %
              (len(inputs), refused, accepted, took))
        for f in failures:
            print("FAIL:", f)
        return 1 if failures else 0


def all_inputs(s1, s2):
    return resources_inputs() + large_inputs() + word_inputs(s1, s2)


def main():
    if os.geteuid() != 0:
        skip("needs root")
    if not os.path.exists("/dev/fuse"):
        skip("no /dev/fuse")
    if not shutil.which("fusermount3"):
        skip("no fusermount3")
    for var in ("CGFS", "CORPUS_WRITE"):
        if not os.access(os.environ.get(var, ""), os.X_OK):
            skip("%s does not name an executable" % var)
    names = [os.path.basename(m) for m in v1_mounts()]
    if not any("memory" in n for n in names) or not any("pids" in n for n in names):
        skip("no v1 memory and pids hierarchies")
    c = Corpus()
    status = 1
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(130))
    try:
        status = c.run(all_inputs)
    except BaseException:
        print("--- daemon log (tail)")
        try:
            print(open(c.log, errors="replace").read()[-4000:])
        except OSError:
            pass
        raise
    finally:
        if not c.cleanup():
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
