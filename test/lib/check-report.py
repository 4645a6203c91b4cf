#!/usr/bin/env python3
"""Check a klp-build --report file against the schema of man/klp-build.1
(REPORT), version 1.

    check-report.py FILE [KEY=VALUE...]

The schema is the block in the man page: this checker first compares its
own tables (keys, sub-keys, closed sets of values) with that block, so the
documentation and the check cannot drift apart.
Every key of the schema must be there with its type, and no other key;
values that depend on each other must agree (status and exit_status, an
ok run has an output whose sha256 is that of the file, a refusal has
refusals, ...).  KEY=VALUE pairs compare top-level values (VALUE read as
JSON if it parses, else as a string).  Prints every problem and exits 1 if
there is one.
"""
import hashlib
import json
import os
import re
import sys

MAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../man/klp-build.1")

STATUS = {"ok": {0}, "usage-error": {2}, "refused": {3}, "build-failed": {4},
          "internal-error": {5}, "interrupted": {129, 130, 143}}
STAGES = ["apply", "build original", "build patched", "diff", "link", "convert"]

problems = []


def bad(where, what):
    problems.append(f"{where}: {what}")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def opt(check):
    return lambda v: v is None or check(v)


def is_str(v):
    return isinstance(v, str)


def one_of(*vals):
    return lambda v: v in vals


def check_obj(where, obj, fields):
    if not isinstance(obj, dict):
        bad(where, f"not an object: {obj!r}")
        return False
    for k, check in fields.items():
        if k not in obj:
            bad(where, f"missing key {k}")
        elif not check(obj[k]):
            bad(where, f"{k}: unexpected value {obj[k]!r}")
    for k in obj:
        if k not in fields:
            bad(where, f"unknown key {k}")
    return True


def check_list(where, lst, fields):
    if not isinstance(lst, list):
        bad(where, f"not a list: {lst!r}")
        return
    for i, e in enumerate(lst):
        check_obj(f"{where}[{i}]", e, fields)


TOP = {
    "report_version": lambda v: v == 1,
    "klp_build_version": is_str,
    "status": lambda v: v in STATUS,
    "exit_status": is_int,
    "error": opt(is_str),
    "arch": opt(is_str),
    "source": opt(is_str),
    "config": opt(is_str),
    "build_dir": opt(is_str),
    "build_key": opt(lambda v: is_str(v) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)),
    "build_cached": opt(lambda v: isinstance(v, bool)),
    "cc_wrapper": opt(is_str),
    "name": opt(is_str),
    "patches": lambda v: isinstance(v, list) and all(is_str(p) for p in v),
    "objects": lambda v: isinstance(v, list),
    "functions": lambda v: isinstance(v, list),
    "refusals": lambda v: isinstance(v, list),
    "sympos": lambda v: isinstance(v, list),
    "stages": lambda v: isinstance(v, list),
    "total_seconds": lambda v: is_num(v) and v >= 0,
    "output": lambda v: v is None or isinstance(v, dict),
}


RESULTS = ("changed", "no-change", "refused")
KINDS = ("changed", "new", "copied")
SOURCES = ("klp-build", "create-diff-object", "klp-convert")
SYMKINDS = ("function", "symbol")
SUB = {
    "objects": {"object": is_str, "owner": is_str, "result": one_of(*RESULTS)},
    "functions": {"kind": one_of(*KINDS), "object": is_str, "owner": opt(is_str),
                  "name": is_str, "sympos": opt(is_int)},
    "refusals": {"source": one_of(*SOURCES), "object": opt(is_str),
                 "reason": lambda v: is_str(v) and v != "",
                 "hint": opt(lambda v: is_str(v) and v != "")},
    "sympos": {"kind": one_of(*SYMKINDS), "objname": is_str, "name": is_str,
               "sympos": lambda v: is_int(v) and v >= 0, "objfile": opt(is_str)},
    "stages": {"name": one_of(*STAGES), "seconds": lambda v: is_num(v) and v >= 0,
               "note": opt(is_str)},
    "output": {"path": lambda v: is_str(v) and v.startswith("/"),
               "sha256": lambda v: is_str(v) and len(v) == 64
               and all(c in "0123456789abcdef" for c in v)},
}
# the closed sets of values, by "KEY" or "KEY.SUBKEY" as the man page names them
ENUMS = {"status": tuple(STATUS), "objects.result": RESULTS, "functions.kind": KINDS,
         "refusals.source": SOURCES, "sympos.kind": SYMKINDS, "stages.name": tuple(STAGES)}


def man_schema(path):
    """The schema block of man/klp-build.1 (REPORT, the .nf/.fi block that
    starts with "{"): {key: (subkeys or None, {key or key.subkey: enum})}"""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    sect = text.split("\n.SH REPORT\n", 1)[1].split("\n.SH ", 1)[0]
    block = sect.split("\n.nf\n{\n", 1)[1].split("\n}\n.fi", 1)[0]
    keys, enums = {}, {}
    for line in block.replace("\\-", "-").splitlines():
        m = re.match(r'^  "(\w+)": (.*?),?$', line)
        if not m:
            raise SystemExit(f"{path}: REPORT: unexpected schema line {line!r}")
        key, val = m.groups()
        sub = re.findall(r'"(\w+)": ((?:"[^"]*"(?: \| )?)+)?', val)
        keys[key] = [k for k, _ in sub] if sub else None
        for k, e in sub:
            if e:
                enums[f"{key}.{k}"] = tuple(re.findall(r'"([^"]*)"', e))
        if not sub and val.startswith('"'):
            enums[key] = tuple(re.findall(r'"([^"]*)"', val))
    return keys, enums


def check_against_man(path):
    """this checker's tables are the documented schema: same keys, same
    sub-keys, same closed sets of values"""
    keys, enums = man_schema(path)
    if list(keys) != list(TOP):
        bad(path, f"documented keys {list(keys)} != checked keys {list(TOP)}")
    for k, sub in keys.items():
        if sub is not None and (k not in SUB or list(SUB[k]) != sub):
            bad(path, f"{k}: documented keys {sub} != checked {list(SUB.get(k, {}))}")
    for k in SUB:
        if keys.get(k) is None:
            bad(path, f"{k}: checked keys {list(SUB[k])} not documented")
    if enums != ENUMS:
        bad(path, f"documented values {enums} != checked values {ENUMS}")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]
    check_against_man(MAN)
    if problems:
        return report()
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    check_obj("report", r, TOP)
    if problems:
        return report()

    for k in ("objects", "functions", "refusals", "sympos", "stages"):
        check_list(k, r[k], SUB[k])
    if r["output"] is not None:
        check_obj("output", r["output"], SUB["output"])

    # what depends on what
    st = r["status"]
    if st in STATUS and r["exit_status"] not in STATUS[st]:
        bad("exit_status", f"{r['exit_status']} for status {st}")
    if (st == "ok") != (r["error"] is None):
        bad("error", f"{r['error']!r} with status {st}")
    names = [s.get("name") for s in r["stages"] if isinstance(s, dict)]
    if names != [s for s in STAGES if s in names]:
        bad("stages", f"not in the order of the run: {names}")
    if st == "ok":
        if r["output"] is None:
            bad("output", "null in an ok report")
        elif isinstance(r["output"], dict) and is_str(r["output"].get("path")):
            p = r["output"]["path"]
            if not os.path.isfile(p):
                bad("output.path", f"{p}: no such file")
            else:
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                if h != r["output"].get("sha256"):
                    bad("output.sha256", f"{r['output'].get('sha256')}, the file's is {h}")
        if r["refusals"]:
            bad("refusals", "not empty in an ok report")
        if names and names[-1] != "convert":
            bad("stages", f"an ok run ends with convert, not {names[-1]}")
    elif r["output"] is not None:
        bad("output", f"not null with status {st}")
    if st == "refused" and not r["refusals"]:
        bad("refusals", "empty with status refused")
    objs = {o.get("object") for o in r["objects"] if isinstance(o, dict)}
    for i, fn in enumerate(r["functions"]):
        if isinstance(fn, dict) and fn.get("object") not in objs:
            bad(f"functions[{i}]", f"object {fn.get('object')} is not in objects")

    for kv in sys.argv[2:]:
        k, _, v = kv.partition("=")
        try:
            want = json.loads(v)
        except ValueError:
            want = v
        if k not in r:
            bad(k, "no such key")
        elif r[k] != want:
            bad(k, f"{r[k]!r}, expected {want!r}")
    return report()


def report():
    for p in problems:
        print(f"report {sys.argv[1]}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
