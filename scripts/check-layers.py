#!/usr/bin/env python3
"""Fails when a file under src/ includes a header of a module it may not depend on.

The layering is declared once, in CMakeLists.txt: each module is a library
hermes_<dir> built from src/<dir>/ (hermes_module(<dir> DEPS ...), or add_library
plus target_link_libraries), and the executables name their sources in
add_executable. A file may include headers of its own module and of every module
its library reaches through DEPS / target_link_libraries; anything else is an
upward (or sideways) include, reported with the file, the line and what the
module may use. A dependency cycle among the modules is reported too.

Usage: scripts/check-layers.py [repo root]   (exit 0 clean, 1 violations, 2 error)
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
LINK_KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "DEPS"}


def strip_comments(cmake):
    return "\n".join(line.split("#", 1)[0] for line in cmake.splitlines())


def read_graph(cmake):
    """CMake target -> the hermes targets it links, and source path -> executable."""
    text = strip_comments(cmake)
    graph = {}
    for name, args in re.findall(r"hermes_module\(\s*(\w+)([^)]*)\)", text):
        graph.setdefault(f"hermes_{name}", set()).update(
            a for a in args.split() if a.startswith("hermes") and a not in LINK_KEYWORDS)
    # Names followed by white space only: the body of hermes_module (hermes_${name})
    # is not a target.
    for target, args in re.findall(r"target_link_libraries\(\s*([\w-]+)\s([^)]*)\)", text):
        graph.setdefault(target, set()).update(
            a for a in args.split() if a.startswith("hermes") and a not in LINK_KEYWORDS)
    for target in re.findall(r"add_library\(\s*(hermes_\w+)\s", text):
        graph.setdefault(target, set())
    executables = {}
    for target, args in re.findall(r"add_executable\(\s*([\w-]+)\s([^)]*)\)", text):
        graph.setdefault(target, set())
        for src in args.split():
            executables[src] = target
    return graph, executables


def closure(graph, target):
    seen, todo = set(), list(graph.get(target, ()))
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(graph.get(t, ()))
    return seen


def module(target):
    return target[len("hermes_"):] if target.startswith("hermes_") else target


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent)
    try:
        graph, executables = read_graph((root / "CMakeLists.txt").read_text())
    except OSError as e:
        print(f"check-layers: {e}", file=sys.stderr)
        return 2
    src = root / "src"
    modules = {d.name for d in src.iterdir() if d.is_dir()}
    problems = []
    for m in sorted(modules):
        if f"hermes_{m}" not in graph:
            problems.append(f"src/{m}/: no library hermes_{m} in CMakeLists.txt")
        elif f"hermes_{m}" in closure(graph, f"hermes_{m}"):
            problems.append(f"hermes_{m}: dependency cycle in CMakeLists.txt")
    for path in sorted(p for p in src.rglob("*") if p.suffix in (".h", ".cc", ".in")):
        rel = path.relative_to(root).as_posix()
        owner = executables.get(rel)
        if owner is None:
            parts = path.relative_to(src).parts
            if len(parts) < 2:
                problems.append(f"{rel}: belongs to no library or executable in CMakeLists.txt")
                continue
            owner = f"hermes_{parts[0]}"
        allowed = closure(graph, owner) | {owner}
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match or "/" not in match.group(1):
                continue
            dep = match.group(1).split("/", 1)[0]
            if dep in modules and f"hermes_{dep}" not in allowed:
                may_use = sorted(module(t) for t in allowed if t.startswith("hermes_"))
                problems.append(
                    f"{rel}:{lineno}: {module(owner)} includes {match.group(1)}, but "
                    f"{dep} is not among its dependencies in CMakeLists.txt "
                    f"({module(owner)} may include: {', '.join(may_use)})")
    if problems:
        print(f"check-layers: {len(problems)} include(s) against the module layering:",
              file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"check-layers: {len(modules)} modules, every include follows CMakeLists.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
