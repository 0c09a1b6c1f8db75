#!/usr/bin/env python3
"""Checks reckon's layering (docs/ARCHITECTURE.md), run by ctest as `layers`.

1. Each folder under src/ includes project headers only from the layers it
   may use (ALLOWED below), and system headers of a library only where that
   library belongs (SYSTEM below).
2. SQLite stays inside journal/: no journal header that another layer
   includes (directly or through other journal headers) includes <sqlite3.h>.
3. src/core/ is pure: no files, environment, clock or process state.
4. No include cycle among modules (a module is a .c/.h pair, by name).

Exit 0 when all hold; otherwise prints each violation as file:line: reason
and exits 1. Usage: check-layers.py [SRC_DIR]   (default: src beside tools/)
"""
import os
import re
import sys

ALLOWED = {  # layer -> layers whose headers it may include (itself implied)
    "lib": [],
    "core": ["lib"],
    "journal": ["core", "lib"],
    "net": ["lib"],
    "venues": ["core", "net", "lib"],
    "engine": ["journal", "core", "lib"],
    "report": ["core", "lib"],
    "daemon": ["engine", "report", "venues", "journal", "net", "core", "lib"],
    "cli": ["daemon", "engine", "report", "venues", "journal", "net", "core", "lib"],
}

SYSTEM = {  # system header prefix -> layers that may include it
    "sqlite3.h": ["journal"],
    "curl/": ["net"],
    "openssl/": ["lib", "net"],
    "ev.h": ["net", "daemon"],
    "microhttpd.h": ["daemon"],
    "cairo": ["report"],
    "fontconfig/": ["report"],
    "cmocka.h": [],
}

# Calls that make code impure: files, environment, clock, process.
IMPURE = re.compile(
    r"\b(fopen|fdopen|freopen|open|opendir|getenv|secure_getenv|setenv|"
    r"time|clock_gettime|gettimeofday|rtime_now_us|rk_clock_now|"
    r"exit|abort|system|popen|fork|sleep|usleep|nanosleep)\s*\(")

INCLUDE = re.compile(r'^\s*#\s*include\b\s*(?:([<"])([^>"]+)[>"])?')


def blank_comments(text):
    """Comments become spaces (newlines kept), so '/* x */ #include' is seen."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src")
    src = os.path.normpath(src)
    header_layer = {}   # "journal.h" -> "journal"
    files = []          # (path, layer, module)
    for root, _, names in os.walk(src):
        rel = os.path.relpath(root, src)
        if rel == ".":
            continue
        layer = rel.split(os.sep)[0]
        for n in sorted(names):
            if not n.endswith((".c", ".h")):
                continue
            path = os.path.join(root, n)
            files.append((path, layer, n[:-2]))
            if n.endswith(".h"):
                if n in header_layer:
                    print(f"{path}: header name {n} is not unique across src/")
                    return 1
                header_layer[n] = layer
    bad = []
    unknown = {layer for _, layer, _ in files} - set(ALLOWED)
    for layer in sorted(unknown):
        bad.append(f"{src}/{layer}: folder is not a known layer (add it to ALLOWED)")
    edges = {}
    header_includes = {}   # "events.h" -> (path, ["journal.h", ...], sqlite line or 0)
    outside_uses = set()   # journal headers included from other layers
    for path, layer, module in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for lineno, line in enumerate(blank_comments(text).splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            if kind is None:
                bad.append(f"{path}:{lineno}: computed #include: the check cannot follow it")
                continue
            if path.endswith(".h"):
                entry = header_includes.setdefault(os.path.basename(path), [path, [], 0])
                if kind == "<" and name == "sqlite3.h":
                    entry[2] = lineno
                elif kind == '"':
                    entry[1].append(name)
            if kind == '"' and layer != "journal" and header_layer.get(name) == "journal":
                outside_uses.add(name)
            if kind == "<":
                for prefix, layers in SYSTEM.items():
                    if name.startswith(prefix) and layer not in layers:
                        bad.append(f"{path}:{lineno}: {layer}/ may not include <{name}>")
                continue
            target = header_layer.get(name)
            if target is None:
                if not name.startswith("embedded"):  # generated at build time
                    bad.append(f'{path}:{lineno}: "{name}" is not a header under src/')
                continue
            if target != layer and target not in ALLOWED.get(layer, []):
                bad.append(f'{path}:{lineno}: {layer}/ may not include {target}/{name}')
            dep = name[:-2]
            if dep != module:
                edges.setdefault(module, set()).add(dep)
        if layer == "core":
            for lineno, line in enumerate(strip_comments(text).splitlines(), 1):
                m = IMPURE.search(line)
                if m:
                    bad.append(f"{path}:{lineno}: core/ is pure, but calls {m.group(1)}()")
    # SQLite must not leak through a journal header another layer includes.
    seen, todo = set(), sorted(outside_uses)
    while todo:
        h = todo.pop()
        if h in seen or h not in header_includes:
            continue
        seen.add(h)
        hpath, incs, sqlite_line = header_includes[h]
        if sqlite_line:
            bad.append(f"{hpath}:{sqlite_line}: <sqlite3.h> in a header other layers include")
        todo.extend(i for i in incs if header_layer.get(i) == "journal")
    # Include cycles among modules (iterative DFS, colours white/grey/black).
    colour, stack_path = {}, []
    def visit(start):
        todo = [(start, iter(sorted(edges.get(start, ()))))]
        colour[start] = 1
        stack_path.append(start)
        while todo:
            node, it = todo[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack_path.pop()
                todo.pop()
                continue
            c = colour.get(nxt, 0)
            if c == 1:
                cyc = stack_path[stack_path.index(nxt):] + [nxt]
                bad.append("include cycle: " + " -> ".join(cyc))
            elif c == 0:
                colour[nxt] = 1
                stack_path.append(nxt)
                todo.append((nxt, iter(sorted(edges.get(nxt, ())))))
    for module in sorted(edges):
        if colour.get(module, 0) == 0:
            visit(module)
    for b in bad:
        print(b)
    if bad:
        print(f"layers: {len(bad)} violation(s)")
        return 1
    print(f"layers: ok ({len(files)} files, {len(ALLOWED)} layers, {sum(map(len, edges.values()))} module edges, no cycle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
