#!/usr/bin/env python3
"""Validate baton YAML files against schemas/baton.schema.json.

Usage: validate.py SCHEMA PATH...

Each PATH is a YAML file or a directory (read recursively: *.yaml, *.yml,
sorted by path). Every document is checked; each failure is printed as
"FILE: document N: PATH: MESSAGE". Exit status 1 if any document failed
(or a file could not be read or parsed), 0 otherwise; 2 on usage errors.

This is an independent check of the examples against the schema: it uses
only PyYAML (python3-yaml) and jsonschema (python3-jsonschema), not baton.
"""
import datetime
import json
import os
import sys

import jsonschema
import yaml


def usage():
    sys.stderr.write("usage: validate.py SCHEMA FILE|DIR...\n")
    sys.exit(2)


def yaml_files(paths):
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in files:
                    if f.endswith((".yaml", ".yml")):
                        found.append(os.path.join(root, f))
            yield from sorted(found)
        elif os.path.exists(p):
            yield p
        else:
            yield p  # reported as unreadable below


class Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates and timestamps as the strings written.

    PyYAML would resolve unquoted 2024-03-01 to datetime.date and
    2026-10-02T09:15:00Z to datetime.datetime, and would also accept forms
    baton rejects (2026-1-5, 2026-10-02 09:15:00, fractional seconds) or
    raise on impossible dates (2026-13-01). Keeping the original text lets
    the schema's date and timestamp patterns decide, as baton's loader does.
    """


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def to_json(value):
    """Turn what PyYAML builds into what a JSON document would hold.

    Loader keeps dates as strings, but an explicit !!timestamp tag (or a
    plain yaml.safe_load by a caller) still yields datetime.date and
    datetime.datetime: those are written back in ISO form (UTC as ...Z) so
    the schema's string patterns apply. A timestamp that is not UTC, or has
    a fractional part, comes out in a form the patterns reject.
    """
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        off = value.utcoffset()
        if off is not None and off == datetime.timedelta(0) and value.microsecond == 0:
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def error_path(err):
    out = ""
    for part in err.absolute_path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def main(argv):
    if len(argv) < 3:
        usage()
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        sys.stderr.write("validate.py: %s: %s\n" % (argv[1], e))
        return 2
    validator = cls(schema)

    total = 0
    failed = 0
    for path in yaml_files(argv[2:]):
        try:
            with open(path, encoding="utf-8") as f:
                docs = list(yaml.load_all(f, Loader=Loader))
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as e:
            msg = " ".join(str(e).split())
            print("%s: %s" % (path, msg))
            failed += 1
            continue
        n = 0
        for doc in docs:
            if doc is None:  # empty document, e.g. after a trailing '---'
                continue
            n += 1
            total += 1
            errors = sorted(validator.iter_errors(to_json(doc)),
                            key=lambda e: list(map(str, e.absolute_path)))
            for err in errors:
                print("%s: document %d: %s: %s" % (path, n, error_path(err), err.message))
            if errors:
                failed += 1
    print("validated %d documents, %d failed" % (total, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
