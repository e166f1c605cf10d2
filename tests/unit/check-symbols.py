#!/usr/bin/env python3
"""libcgfs's ABI: the symbols libcgfs.so exports are exactly the functions the public headers
declare, each in the version node of lib/libcgfs.map. Fails naming what to add or remove where.

usage: check-symbols.py HEADER_DIR MAP_FILE LIBCGFS_SO
       check-symbols.py --declared HEADER_DIR     (print the declared functions)
"""
import glob
import os
import re
import subprocess
import sys

NODE = "CGFS_0.1"


def declared_functions(header_dir):
    """Functions declared (not static inline, not macros) in the public headers: name -> header."""
    out = {}
    for path in sorted(glob.glob(os.path.join(header_dir, "*.h")) +
                       glob.glob(os.path.join(header_dir, "*.h.in"))):
        text = open(path).read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)  # comments
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"\\\n", " ", text)  # macro continuations
        text = re.sub(r"^\s*#[^\n]*", " ", text, flags=re.M)  # preprocessor lines
        text = re.sub(r"\bG_DEFINE_\w+\s*\([^)]*\)", " ", text)
        # static inline functions: their bodies, and themselves, are not exported
        inline = set(re.findall(r"static\s+inline\b[^;{]*?\b(cgfs_\w+)\s*\(", text))
        # top-level declarations: what remains outside braces, split at ';'
        depth, flat = 0, []
        for c in text:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif depth == 0:
                flat.append(c)
        for decl in "".join(flat).split(";"):
            if "typedef" in decl:
                continue
            m = re.search(r"\b(cgfs_\w+)\s*\(", decl)
            if m and m.group(1) not in inline:
                out[m.group(1)] = os.path.basename(path).replace(".h.in", ".h")
    return out


def map_symbols(map_file):
    text = re.sub(r"#[^\n]*", "", open(map_file).read())
    m = re.search(NODE + r"\s*\{\s*global\s*:(.*?)local\s*:", text, flags=re.S)
    if not m:
        sys.exit(f"FAIL: {map_file} has no node '{NODE} {{ global: ... local: *; }};'")
    return set(re.findall(r"(\w+)\s*;", m.group(1)))


def exported_symbols(lib):
    """name -> version of every defined dynamic symbol."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", lib],
                         check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] == "A":  # A: the version node's own symbol
            continue
        name, _, version = parts[2].partition("@")
        version = version.lstrip("@")
        syms[name] = version
    return syms


def main():
    if sys.argv[1] == "--declared":
        for name in sorted(declared_functions(sys.argv[2])):
            print(name)
        return 0
    header_dir, map_file, lib = sys.argv[1:4]
    declared = declared_functions(header_dir)
    in_map = map_symbols(map_file)
    exported = exported_symbols(lib)
    problems = []
    for path in sorted(glob.glob(os.path.join(header_dir, "*.h"))):
        text = open(path).read()
        if "G_BEGIN_DECLS" in text and "visibility push(default)" not in text:
            problems.append(f"lib/include/cgfs/{os.path.basename(path)} lacks the line "
                            f"'#pragma GCC visibility push(default)' after G_BEGIN_DECLS and "
                            f"'#pragma GCC visibility pop' before G_END_DECLS (the library is "
                            f"compiled with -fvisibility=hidden)")
    for name in sorted(set(declared) - in_map):
        problems.append(f"{name} is declared in lib/include/cgfs/{declared[name]} but not listed "
                        f"in lib/libcgfs.map: add the line '    {name};' to the global: list of "
                        f"node {NODE} (or, if it is internal, move its declaration to a private "
                        f"header in lib/)")
    for name in sorted(in_map - set(declared)):
        problems.append(f"{name} is listed in lib/libcgfs.map but declared in no public header "
                        f"(lib/include/cgfs/*.h): remove it from the map, or declare it there")
    for name in sorted((set(declared) & in_map) - set(exported)):
        problems.append(f"{name} is declared in lib/include/cgfs/{declared[name]} and listed in "
                        f"lib/libcgfs.map but libcgfs.so does not export it: is it defined in a "
                        f"lib/**/*.c file, and is its declaration between the header's "
                        f"'#pragma GCC visibility push(default)' and 'pop'?")
    for name in sorted(set(exported) - set(declared)):
        problems.append(f"libcgfs.so exports {name}, which no public header declares")
    for name, version in sorted(exported.items()):
        if name in declared and version != NODE:
            problems.append(f"libcgfs.so exports {name} with version '{version}', not {NODE}")
    if problems:
        print("FAIL: libcgfs's exported symbols differ from its public headers:")
        for p in problems:
            print("  - " + p)
        return 1
    print(f"ok: {len(exported)} symbols exported, all declared in the headers, all {NODE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
