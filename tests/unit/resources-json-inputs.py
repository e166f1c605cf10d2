#!/usr/bin/python3
"""The inputs of the resources.json differential test (resources-json.golden): every
resources.json input of the corpus suite (tests/corpus/run-corpus.py), the fuzz seeds, the files
or recorded lines given as arguments, and a few thousand documents generated and mutated from
them with a fixed seed. Prints one input per line, escaped as the golden file escapes them (bytes
outside printable ASCII as \\xNN, a backslash as \\\\).

Usage: resources-json-inputs.py [RECORDED_LINES_FILE...] > inputs
(recorded lines: inputs already escaped, one per line, e.g. every document the test suites passed
to cgfs_resources_from_json, captured by a temporary hook; see /work/notes/issue-13.md)."""
import importlib.util
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
MAX_INPUT = 300000  # larger inputs (the corpus's 1-100 MiB documents) are left out


def escape(data):
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def unescape(line):
    out, i = bytearray(), 0
    while i < len(line):
        if line[i] == "\\" and line[i + 1] == "\\":
            out.append(0x5C)
            i += 2
        elif line[i] == "\\" and line[i + 1] == "x":
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(ord(line[i]))
            i += 1
    return bytes(out)


def corpus_inputs():
    spec = importlib.util.spec_from_file_location(
        "run_corpus", os.path.join(ROOT, "tests", "corpus", "run-corpus.py"))
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    return corpus, [i.data for i in corpus.resources_inputs()]


def seed_inputs():
    d = os.path.join(ROOT, "tests", "fuzz", "corpus", "resources-json")
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out.append(f.read())
    return out


# ---- generated documents ----

SCALARS = ["0", "1", "-1", "-2", "5", "64", "100", "512", "1024", "65536", "268435456",
           "9223372036854775807", "9223372036854775808", "-9223372036854775808",
           "-9223372036854775809", "18446744073709551615", "18446744073709551616", "1" * 30,
           "1.0", "1e3", "1E400", "-0", "-0.0", "0.5", "true", "false", "null", '""', '"x"',
           '"1"', '"max"', '"0-1"', '"rwm"', '"c"', '"2MB"', "[]", "{}", "[1]", '{"a":1}',
           '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"', '"\\ud800x"',
           '"\\u0001cgfs-int:5"', '"\\u0001cgfs-int:99999999999999999999"', '"a\\/b"',
           '"\\"\\\\\\b\\f\\n\\r\\t"', '"\\u00"', '"\\x41"', '"\\253"', "'x'", "0x10", "01",
           "+1", ".5", "NaN", "Infinity", "- 1"]
RAW_BYTES = [b"\xff", b"\xc3\xa9", b"\xed\xa0\x80", b"\xe2\x82", b"\x7f", b"\x01", b"\t", b"\x0b",
             b"\x0c", b"\x00"]


def gen_object(rnd, fields):
    keys = list(fields)
    rnd.shuffle(keys)
    keys = keys[:rnd.randint(0, len(keys))]
    return {k: fields[k] for k in keys}


def gen_document(rnd, corpus):
    doc = {}
    sections = {}
    for (sec, key), v in corpus.FIELDS.items():
        sections.setdefault(sec, {})[key] = v
    for sec, fields in sections.items():
        if rnd.random() < 0.5:
            doc[sec] = gen_object(rnd, fields)
    for path, elem in corpus.LIST_FIELDS.items():
        if rnd.random() < 0.3:
            n = rnd.randint(0, 3)
            lst = [gen_object(rnd, elem) if rnd.random() < 0.3 else dict(elem) for _ in range(n)]
            if len(path) == 1:
                doc[path[0]] = lst
            else:
                doc.setdefault(path[0], {})[path[1]] = lst
    if rnd.random() < 0.3:
        doc["rdma"] = {rnd.choice(["mlx5_1", "rxe3", "a b", "", ".", "x/y", "é"]):
                       gen_object(rnd, {"hcaHandles": 3, "hcaObjects": 10})
                       for _ in range(rnd.randint(0, 3))}
    if rnd.random() < 0.3:
        doc["unified"] = {rnd.choice(["memory.high", "io.max", "cgroup.procs", "a", "", "a b",
                                      "pids.max", ".."]): rnd.choice(["1", "max", "", "a\nb", "é"])
                          for _ in range(rnd.randint(0, 3))}
    if rnd.random() < 0.15:
        doc["blockIO"] = dict(doc.get("blockIO", {}),
                              **{k: [{"major": 8, "minor": 0, "rate": 600}] for k in
                                 ["throttleWriteBpsDevice", "throttleReadIOPSDevice",
                                  "throttleWriteIOPSDevice"] if rnd.random() < 0.5})
    text = json.dumps(doc, ensure_ascii=rnd.random() < 0.5,
                      indent=rnd.choice([None, None, 1, 2]))
    if rnd.random() < 0.15:  # a whole config.json
        text = rnd.choice([
            '{"ociVersion": "1.0.2", "linux": {"resources": %s}}',
            '{"linux": {"resources": %s, "namespaces": []}}',
            '{"ociVersion": "1.0.2", "process": {}, "linux": {"resources": %s}}',
            '{"linux": {"resources": null}, "x": %s}',
            '{"linux": null, "x": %s}',
            '{"linux": 5, "x": %s}',
            '{"ociVersion": "1", "linux": {}, "y": %s}',
            '{"linux": {"resources": %s}, "linux": {"resources": {"pids": {"limit": 9}}}}',
            '{"linux": {"resources": {"pids": {"limit": 9}}}, "linux": {"resources": %s}}',
        ]) % text
    return text.encode()


def tokens(data):
    """Positions just after each JSON value or key (rough: after quotes, digits, ]})."""
    return [i + 1 for i, b in enumerate(data) if b in b'"]}0123456789el']


def mutate(rnd, data):
    kind = rnd.randrange(12)
    if not data:
        return data
    at = rnd.randrange(len(data) + 1)
    if kind == 0:  # delete a byte
        return data[:at] + data[at + 1:]
    if kind == 1:  # insert a structural or odd byte
        return data[:at] + bytes([rnd.choice(b'{}[]",:0-9a\\ \n')]) + data[at:]
    if kind == 2:  # insert a raw byte
        return data[:at] + rnd.choice(RAW_BYTES) + data[at:]
    if kind == 3:  # truncate
        return data[:at]
    if kind == 4:  # replace a value after a colon
        colons = [i for i, b in enumerate(data) if b == 0x3A]
        if not colons:
            return data
        c = rnd.choice(colons) + 1
        end = c
        while end < len(data) and data[end] not in b",}]":
            end += 1
        return data[:c] + b" " + rnd.choice(SCALARS).encode() + data[end:]
    if kind == 5:  # duplicate a member: "k": v repeated right after itself or at the end
        colons = [i for i, b in enumerate(data) if b == 0x3A]
        if not colons:
            return data
        c = rnd.choice(colons)
        start = data.rfind(b'"', 0, data.rfind(b'"', 0, c))
        end = c + 1
        depth = 0
        while end < len(data):
            b = data[end]
            if b in b"{[":
                depth += 1
            elif b in b"}]":
                if depth == 0:
                    break
                depth -= 1
            elif b == 0x2C and depth == 0:
                break
            end += 1
        if start < 0:
            return data
        member = data[start:end]
        if rnd.random() < 0.5:
            return data[:end] + b", " + member + data[end:]
        close = data.rfind(b"}")
        return data[:close] + b", " + member + data[close:]
    if kind == 6:  # splice two documents' halves
        return data[:at] + data[rnd.randrange(len(data)):]
    if kind == 7:  # unknown key
        brace = [i for i, b in enumerate(data) if b == 0x7B]
        if not brace:
            return data
        b = rnd.choice(brace) + 1
        key = rnd.choice([b"bogus", b"", b"Limit", b"limit ", b"\\u00e9", b"\xff", b"null"])
        return data[:b] + b'"' + key + b'": ' + rnd.choice(SCALARS).encode() + b", " + data[b:]
    if kind == 8:  # white space anywhere
        return data[:at] + rnd.choice([b" ", b"\n", b"\t", b"\r\n", b"\x0c", b"\x0b",
                                       b"/* c */", b"// c\n"]) + data[at:]
    if kind == 9:  # trailing garbage or a second document
        return data + rnd.choice([b" x", b"}", b"{}", b",", b"\n", b" \n\t", b"\x00", b"null"])
    if kind == 10:  # a string's content replaced
        quotes = [i for i, b in enumerate(data) if b == 0x22]
        if len(quotes) < 2:
            return data
        q = rnd.randrange(len(quotes) - 1)
        return data[:quotes[q] + 1] + rnd.choice(
            [b"\\ud800", b"\\udc00", b"\\ud800\\u0041", b"\\ud83d\\ude00", b"\\u00e9", b"\xff",
             b"\\u0001cgfs-int:7", b"a\\u0000", b"\\/", b"\\253", b"\xc3\xa9", b"memory",
             b"limit", b"devices"]) + data[quotes[q + 1]:]
    # nest deeper
    return data[:at] + b"[" * rnd.choice([1, 30, 62, 63, 64, 65, 200]) + data[at:]


def duplicate_keys():
    """Keys given twice, in every kind of object, also in objects of 8 members and more."""
    memory = ('"limit": 268435456, "reservation": 134217728, "swap": 536870912, "kernel": -1, '
              '"kernelTCP": -1, "swappiness": 60, "disableOOMKiller": false, '
              '"useHierarchy": true, "checkBeforeUpdate": false')
    cpu = ('"shares": 512, "quota": 50000, "burst": 0, "period": 100000, "realtimeRuntime": 0, '
           '"realtimePeriod": 1000000, "cpus": "0", "mems": "0", "idle": 0')
    unified = ", ".join('"k%d.x": "%d"' % (i, i) for i in range(12))
    rdma = ", ".join('"dev%d": {"hcaHandles": %d}' % (i, i) for i in range(10))
    dev = '{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}'
    docs = [
        '{"devices": [{"allow": false}], "devices": [{"allow": true, "access": "r"}]}',
        '{"devices": [%s], "memory": {"limit": 1}, "devices": []}' % dev,
        '{"devices": [%s, %s], "devices": [%s]}' % (dev, dev, dev),
        '{"devices": [{"allow": true, "allow": null}]}',
        '{"devices": [{"allow": null, "allow": false}]}',
        '{"devices": [{"allow": true, "type": "a", "major": 1, "minor": 2, "access": "r", '
        '"allow": false, "type": "c", "major": 3, "minor": 4}]}',
        '{"hugepageLimits": [{"pageSize": "2MB", "limit": 1}], '
        '"hugepageLimits": [{"pageSize": "1GB", "limit": 2}]}',
        '{"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 10}], '
        '"weightDevice": [{"major": 8, "minor": 16, "weight": 20}]}}',
        '{"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1}], '
        '"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 2}], "weight": 10, '
        '"weight": 20}}',
        '{"network": {"priorities": [{"name": "a", "priority": 1}], '
        '"priorities": [{"name": "b", "priority": 2}], "classID": 1, "classID": 2}}',
        '{"unified": {"a.b": "1", "a.b": "2"}}',
        '{"unified": {%s, "k3.x": "again", "k11.x": "last"}}' % unified,
        '{"unified": {%s, "k3.x": 5}}' % unified,
        '{"unified": {%s, "k3.x": null}}' % unified,
        '{"rdma": {"mlx": {"hcaHandles": 1}, "mlx": {"hcaObjects": 2}}}',
        '{"rdma": {%s, "dev4": {"hcaObjects": 7}, "dev9": {}}}' % rdma,
        '{"memory": {%s, "limit": 5}}' % memory,
        '{"memory": {%s, "limit": "x"}}' % memory,
        '{"memory": {%s, "limit": 99999999999999999999}}' % memory,
        '{"memory": {"limit": "x", %s}}' % memory,
        '{"memory": {%s, "bogus": 1, "limit": 7, "swap": null}}' % memory,
        '{"cpu": {%s, "shares": 2, "cpus": "1", "idle": 1}}' % cpu,
        '{"cpu": {%s, "quota": 1.5}}' % cpu,
        '{"pids": 5, "pids": {"limit": 1}}',
        '{"pids": {"limit": 1}, "pids": null}',
        '{"pids": null, "pids": {"limit": "x"}}',
        '{"a": 1, "pids": 5, "a": 2}',
        '{"pids": 5, "a": 1, "pids": {}}',
        '{"pids": {"limit": 5}, "memory": {"limit": "x"}, "pids": {"limit": "y"}}',
        '{"memory": {}, "cpu": {}, "pids": {}, "blockIO": {}, "hugepageLimits": [], '
        '"network": {}, "rdma": {}, "unified": {}, "devices": [], "memory": {"limit": 9}, '
        '"cpu": {"shares": "x"}, "devices": [%s]}' % dev,
        '{"memory": {}, "cpu": {}, "pids": {}, "blockIO": {}, "hugepageLimits": [], '
        '"network": {}, "rdma": {}, "unified": {}, "bogus": 1, "memory": 5}',
        '{"linux": {"resources": {"pids": {"limit": 1}}}, "linux": {"resources": null}}',
        '{"linux": {"resources": {"pids": {"limit": 1}}, "resources": {"pids": {"limit": 2}}}}',
        '{"linux": null, "linux": {"resources": {"pids": {"limit": 3}}}}',
        '{"ociVersion": "1", "ociVersion": 2, "linux": {}}',
        '{"pids": {"limit": 1, "limit": 2, "limit": 3, "limit": 4, "limit": 5, "limit": 6, '
        '"limit": 7, "limit": 8, "limit": 9}}',
    ]
    return [d.encode() for d in docs]


def main():
    corpus, inputs = corpus_inputs()
    inputs += seed_inputs()
    for path in sys.argv[1:]:
        with open(path, encoding="ascii") as f:
            inputs += [unescape(line.rstrip("\n")) for line in f if line.strip("\n")]
    rnd = random.Random(13)
    base = [d for d in inputs if len(d) < 4096]
    generated = [gen_document(rnd, corpus) for _ in range(1500)]
    inputs += generated
    pool = base + generated
    for _ in range(4000):
        d = rnd.choice(pool)
        for _ in range(rnd.choice([1, 1, 1, 2, 3])):
            d = mutate(rnd, d)
        inputs.append(d)
    inputs += duplicate_keys()
    # the memory bound: just under and over 65536 values
    for n in [65534, 65535, 65536, 65537]:
        inputs.append(b'{"devices": [' + b",".join([b"1"] * n) + b"]}")
    seen = set()
    for d in inputs:
        if len(d) > MAX_INPUT or d in seen:
            continue
        seen.add(d)
        print(escape(d))


if __name__ == "__main__":
    main()
