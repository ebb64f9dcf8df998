#!/usr/bin/env python3
"""Extract the OpenAPI v3 pieces rawkube relies on into openapi-snippets/.

For every endpoint in ENDPOINTS below, the official path item (all its methods and
parameters) is copied verbatim from the Kubernetes OpenAPI v3 documents in the source
directory, together with the transitive closure of every schema it `$ref`s. Each API
group/version becomes one small, valid OpenAPI document in openapi-snippets/<name>.json,
pretty-printed with sorted keys so that a regeneration gives a stable diff.

Usage (from anywhere; paths are relative to the repository root):
    python3 scripts/extract-openapi-snippets.py            # (re)write the snippets
    python3 scripts/extract-openapi-snippets.py --check    # exit 1 if they are stale
    python3 scripts/extract-openapi-snippets.py --source DIR

Standard library only, so CI needs nothing but python3.
"""

import argparse
import difflib
import hashlib
import json
import os
import sys

# ---------------------------------------------------------------------------
# The endpoints rawkube calls and mock-apiserver serves. Edit this, then re-run.
# snippet name -> (source file in the OpenAPI directory, [path templates])
# ---------------------------------------------------------------------------
RBAC = "/apis/rbac.authorization.k8s.io/v1"
ENDPOINTS = {
    "core-v1": (
        "api__v1_openapi.json",
        [
            "/api/v1/namespaces",
            "/api/v1/namespaces/{name}",
            "/api/v1/namespaces/{namespace}/serviceaccounts",
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            "/api/v1/namespaces/{namespace}/secrets",
            "/api/v1/namespaces/{namespace}/secrets/{name}",
            "/api/v1/namespaces/{namespace}/configmaps",
            "/api/v1/namespaces/{namespace}/configmaps/{name}",
            "/api/v1/namespaces/{namespace}/pods",
            "/api/v1/namespaces/{namespace}/pods/{name}",
            "/api/v1/pods",
        ],
    ),
    "rbac-v1": (
        "apis__rbac.authorization.k8s.io__v1_openapi.json",
        [
            RBAC + "/namespaces/{namespace}/roles",
            RBAC + "/namespaces/{namespace}/roles/{name}",
            RBAC + "/namespaces/{namespace}/rolebindings",
            RBAC + "/namespaces/{namespace}/rolebindings/{name}",
            RBAC + "/clusterroles",
            RBAC + "/clusterroles/{name}",
            RBAC + "/clusterrolebindings",
            RBAC + "/clusterrolebindings/{name}",
        ],
    ),
    "authentication-v1": (
        "apis__authentication.k8s.io__v1_openapi.json",
        [
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            "/apis/authentication.k8s.io/v1/tokenreviews",
        ],
    ),
    "authorization-v1": (
        "apis__authorization.k8s.io__v1_openapi.json",
        [
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        ],
    ),
}

# Every error response (4xx/5xx) of every group carries a meta/v1 Status body, but the
# authentication and authorization documents never reference it (their only listed
# error is a content-less 401). Each snippet therefore also carries Status.
EXTRA_SCHEMAS = ["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]

SCHEMA_REF_PREFIX = "#/components/schemas/"
OUT_DIR_NAME = "openapi-snippets"


class ExtractError(Exception):
    """A problem with the source documents, reported without a traceback."""


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_sources(source_dir):
    """Read every source document named in ENDPOINTS; returns {file: (doc, sha256)}."""
    docs = {}
    for _, (file_name, _) in ENDPOINTS.items():
        if file_name in docs:
            continue
        path = os.path.join(source_dir, file_name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise ExtractError(f"cannot read {path}: {e.strerror}")
        try:
            doc = json.loads(raw)
        except ValueError as e:
            raise ExtractError(f"{path} is not valid JSON: {e}")
        for key in ("openapi", "paths", "components"):
            if key not in doc:
                raise ExtractError(f"{path} has no top-level `{key}`; not an OpenAPI v3 document")
        docs[file_name] = (doc, hashlib.sha256(raw).hexdigest())
    return docs


def schema_pool(docs):
    """All component schemas of all sources, by name. A name defined differently in
    two documents would make the snippets ambiguous, so that is an error."""
    pool = {}
    origin = {}
    for file_name in sorted(docs):
        for name, schema in docs[file_name][0]["components"].get("schemas", {}).items():
            if name in pool and pool[name] != schema:
                raise ExtractError(
                    f"schema {name} differs between {origin[name]} and {file_name}"
                )
            pool.setdefault(name, schema)
            origin.setdefault(name, file_name)
    return pool


def refs_in(node, found):
    """Collect every `$ref` target under node (a JSON value)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                if not isinstance(value, str) or not value.startswith(SCHEMA_REF_PREFIX):
                    raise ExtractError(f"unsupported $ref {value!r}: only {SCHEMA_REF_PREFIX}* is handled")
                found.add(value[len(SCHEMA_REF_PREFIX):])
            else:
                refs_in(value, found)
    elif isinstance(node, list):
        for item in node:
            refs_in(item, found)
    return found


def closure(roots, pool, context):
    """Names of the schemas reachable from roots through $ref."""
    seen = set()
    todo = sorted(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in pool:
            raise ExtractError(f"{context}: $ref to {name}, which no source document defines")
        seen.add(name)
        todo.extend(sorted(refs_in(pool[name], set()) - seen))
    return seen


def build_snippets(source_dir):
    """{output file name: document text} for every snippet."""
    docs = load_sources(source_dir)
    pool = schema_pool(docs)
    out = {}
    for snippet, (file_name, paths) in ENDPOINTS.items():
        doc, digest = docs[file_name]
        path_items = {}
        for path in paths:
            if path not in doc["paths"]:
                raise ExtractError(f"{file_name} has no path {path} (needed for {snippet})")
            path_items[path] = doc["paths"][path]
        roots = refs_in(path_items, set()) | set(EXTRA_SCHEMAS)
        names = closure(roots, pool, f"{snippet} ({file_name})")
        snippet_doc = {
            "openapi": doc["openapi"],
            "info": {
                "title": f"Kubernetes {snippet} (rawkube openapi-snippets)",
                "version": doc.get("info", {}).get("version", "unversioned"),
                "description": (
                    "Generated by scripts/extract-openapi-snippets.py from the official "
                    f"Kubernetes OpenAPI v3 document {file_name}; do not edit by hand."
                ),
                "x-rawkube-source": {"file": file_name, "sha256": digest},
            },
            "paths": path_items,
            "components": {"schemas": {name: pool[name] for name in names}},
        }
        text = json.dumps(snippet_doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        out[snippet + ".json"] = text
    return out


def check(out_dir, snippets):
    """Compare the committed snippets with what would be generated; returns problems."""
    problems = []
    for name in sorted(snippets):
        path = os.path.join(out_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            problems.append(f"{OUT_DIR_NAME}/{name}: missing (would be created)")
            continue
        if current != snippets[name]:
            diff = list(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    snippets[name].splitlines(keepends=True),
                    fromfile=f"{OUT_DIR_NAME}/{name} (committed)",
                    tofile=f"{OUT_DIR_NAME}/{name} (generated)",
                    n=2,
                )
            )
            shown = "".join(diff[:60])
            more = f"... {len(diff) - 60} more diff lines\n" if len(diff) > 60 else ""
            problems.append(f"{OUT_DIR_NAME}/{name}: differs from the generated version:\n{shown}{more}")
    if os.path.isdir(out_dir):
        for name in sorted(os.listdir(out_dir)):
            if name.endswith(".json") and name not in snippets:
                problems.append(f"{OUT_DIR_NAME}/{name}: not produced by the script (stale; delete it)")
    return problems


def main(argv):
    root = repo_root()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        default=os.path.join(root, "..", "shared", "openapi"),
        help="directory holding the Kubernetes OpenAPI v3 documents (default: ../shared/openapi from the repo root)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the committed snippets differ from what would be generated",
    )
    args = parser.parse_args(argv)
    out_dir = os.path.join(root, OUT_DIR_NAME)

    if not os.path.isdir(args.source):
        # A clone without the shared reference documents cannot regenerate or check;
        # that is not an error of the snippets themselves.
        print(f"extract-openapi-snippets: source {args.source} not found; nothing to do", file=sys.stderr)
        return 0

    try:
        snippets = build_snippets(args.source)
    except ExtractError as e:
        print(f"extract-openapi-snippets: {e}", file=sys.stderr)
        return 2

    if args.check:
        problems = check(out_dir, snippets)
        if problems:
            print("openapi-snippets/ is out of date; run python3 scripts/extract-openapi-snippets.py", file=sys.stderr)
            for p in problems:
                print(p, file=sys.stderr)
            return 1
        print(f"openapi-snippets/ is up to date ({len(snippets)} documents)")
        return 0

    os.makedirs(out_dir, exist_ok=True)
    for name, text in sorted(snippets.items()):
        path = os.path.join(out_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        print(f"wrote {OUT_DIR_NAME}/{name} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
