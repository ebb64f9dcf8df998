#!/usr/bin/env python3
"""Generate mock-server/src/api/managed_fields/schema.json from the official OpenAPI v3 documents.

The table holds what kube-apiserver's field manager (structured-merge-diff, fed by
kube-openapi's `schemaconv`) knows about every type reachable from the kinds mock-apiserver
stores or answers (ServiceAccount, Secret, ..., TokenRequest and the reviews):

* the shape of each field, as `schemaconv` converts it: a scalar ("S"), an untyped value ("U",
  `__untyped_atomic_`; "D", `__untyped_deduced_`), a named struct ({"ref": NAME}, with "er" when
  the property overrides `x-kubernetes-map-type`), a list ({"list": ELEM, "type": "atomic" |
  "set" | "map", "keys": [...]}, from `x-kubernetes-list-type`/`-list-map-keys`, falling back to
  the patch strategy, atomic by default) or a map ({"map": ELEM, "atomic": bool});
* per struct: `x-kubernetes-map-type: atomic` ("atomic"), the scalar `default`s (list map keys
  are defaulted from them), which fields a Go zero value still serializes ("zero": field -> JSON
  value, for fields without `omitempty`) and which are non-pointer structs ("structs", the
  properties declared with `default: {}`, always serialized);
* "kinds": every group/version/kind the documents declare (the scheme's registered kinds).

The OpenAPI `required` list is what openapi-gen derives from Go's `omitempty`/`+optional`; the
few fields where the two disagree come from the Go types (k8s.io/api @ 10b39a39, types.go of
core/v1, rbac/v1, authentication/v1) and are listed below.

Usage: gen_field_schema.py [--check] [OPENAPI_DIR]
Writes ../src/api/managed_fields/schema.json; with --check, exits 1 if the committed file is stale.
OPENAPI_DIR defaults to ../shared/openapi beside the repository.
"""
import glob
import json
import os
import sys

DEFAULT_OPENAPI_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "openapi"
)
TARGET = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src", "api", "managed_fields", "schema.json"
)
PREFIX = "#/components/schemas/"

# The kinds whose objects the field manager sees, by "apiVersion kind".
ROOTS = {
    "v1 ServiceAccount": "io.k8s.api.core.v1.ServiceAccount",
    "v1 Secret": "io.k8s.api.core.v1.Secret",
    "v1 ConfigMap": "io.k8s.api.core.v1.ConfigMap",
    "v1 Pod": "io.k8s.api.core.v1.Pod",
    "v1 Namespace": "io.k8s.api.core.v1.Namespace",
    "rbac.authorization.k8s.io/v1 Role": "io.k8s.api.rbac.v1.Role",
    "rbac.authorization.k8s.io/v1 ClusterRole": "io.k8s.api.rbac.v1.ClusterRole",
    "rbac.authorization.k8s.io/v1 RoleBinding": "io.k8s.api.rbac.v1.RoleBinding",
    "rbac.authorization.k8s.io/v1 ClusterRoleBinding": "io.k8s.api.rbac.v1.ClusterRoleBinding",
    "authentication.k8s.io/v1 TokenRequest": "io.k8s.api.authentication.v1.TokenRequest",
    "authentication.k8s.io/v1 TokenReview": "io.k8s.api.authentication.v1.TokenReview",
    "authentication.k8s.io/v1 SelfSubjectReview": "io.k8s.api.authentication.v1.SelfSubjectReview",
    "authorization.k8s.io/v1 SelfSubjectAccessReview": "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
    "authorization.k8s.io/v1 SubjectAccessReview": "io.k8s.api.authorization.v1.SubjectAccessReview",
    "authorization.k8s.io/v1 LocalSubjectAccessReview": "io.k8s.api.authorization.v1.LocalSubjectAccessReview",
    "authorization.k8s.io/v1 SelfSubjectRulesReview": "io.k8s.api.authorization.v1.SelfSubjectRulesReview",
}

# Go facts the OpenAPI does not carry (see the module docstring).
# Fields without `omitempty` that are not `required` (they are `+optional`): a zero value
# still serializes them, as the value given (`null` for pointers and slices).
SERIALIZED_WHEN_EMPTY = {
    ("io.k8s.api.authentication.v1.TokenRequestSpec", "expirationSeconds"): None,  # *int64
    ("io.k8s.api.authentication.v1.TokenRequestSpec", "boundObjectRef"): None,  # *BoundObjectReference
    ("io.k8s.api.core.v1.AzureFilePersistentVolumeSource", "secretNamespace"): None,  # *string
    ("io.k8s.api.core.v1.ContainerImage", "names"): None,  # []string
    ("io.k8s.api.core.v1.Event", "reportingComponent"): "",
    ("io.k8s.api.core.v1.Event", "reportingInstance"): "",
    ("io.k8s.api.core.v1.GRPCAction", "service"): None,  # *string
    ("io.k8s.api.core.v1.NodeRuntimeHandler", "name"): "",
    ("io.k8s.api.core.v1.ProjectedVolumeSource", "sources"): None,  # []VolumeProjection
    ("io.k8s.api.core.v1.TypedLocalObjectReference", "apiGroup"): None,  # *string
    ("io.k8s.api.core.v1.TypedObjectReference", "apiGroup"): None,  # *string
    ("io.k8s.api.rbac.v1.ClusterRole", "rules"): None,  # []PolicyRule
    ("io.k8s.api.rbac.v1.Role", "rules"): None,  # []PolicyRule
}
# `required` fields that are nevertheless `omitempty`.
OMITTED_WHEN_EMPTY = {
    ("io.k8s.api.core.v1.ContainerRestartRule", "action"),
    ("io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes", "operator"),
    ("io.k8s.api.core.v1.PodCertificateProjection", "signerName"),
    ("io.k8s.api.core.v1.PodCertificateProjection", "keyType"),
}
# Named types `schemaconv` hard-codes: Quantity is an untyped scalar, RawExtension untyped.
SCALAR_TYPES = {"io.k8s.apimachinery.pkg.api.resource.Quantity"}
UNTYPED_TYPES = {"io.k8s.apimachinery.pkg.runtime.RawExtension"}


def ref_of(prop):
    if "$ref" in prop:
        return prop["$ref"][len(PREFIX):]
    all_of = prop.get("allOf", [])
    if len(all_of) == 1 and "$ref" in all_of[0]:
        return all_of[0]["$ref"][len(PREFIX):]
    return None


class Generator:
    def __init__(self, schemas):
        self.schemas = schemas
        self.types = {}

    def is_struct(self, name):
        s = self.schemas.get(name, {})
        return name not in SCALAR_TYPES and name not in UNTYPED_TYPES and (
            s.get("type") == "object" or "properties" in s)

    def shape(self, prop, preserve=False):
        """The smd type of a property (or items/additionalProperties) schema."""
        name = ref_of(prop)
        if name is not None:
            if name in UNTYPED_TYPES:
                return "U"
            if not self.is_struct(name):
                target = self.schemas.get(name, {})
                return "S" if name in SCALAR_TYPES or target.get("type") or target.get("format") else "D"
            self.visit(name)
            out = {"ref": name}
            if prop.get("x-kubernetes-map-type") in ("atomic", "granular"):
                out["er"] = prop["x-kubernetes-map-type"]
            return out
        if prop.get("x-kubernetes-preserve-unknown-fields"):
            preserve = True
        typ = prop.get("type", "")
        if typ == "array":
            list_type = prop.get("x-kubernetes-list-type")
            keys = []
            if list_type == "map":
                keys = prop.get("x-kubernetes-list-map-keys", [])
            elif list_type is None:
                strategy = prop.get("x-kubernetes-patch-strategy", "")
                if strategy in ("merge", "merge,retainKeys"):
                    key = prop.get("x-kubernetes-patch-merge-key")
                    list_type = "map" if key else "set"
                    keys = [key] if key else []
                else:
                    list_type = "atomic"
            items = prop.get("items")
            elem = self.shape(items, preserve) if items else "U"
            out = {"list": elem, "type": list_type}
            if keys:
                out["keys"] = keys
            return out
        if typ == "object":
            if prop.get("properties"):
                # Inline structs do not occur in the built-in documents; keep them opaque.
                return "D"
            add = prop.get("additionalProperties")
            if isinstance(add, dict):
                elem = self.shape(add, preserve)
            else:
                elem = "D"
            return {"map": elem, "atomic": prop.get("x-kubernetes-map-type") == "atomic"}
        if typ == "":
            return "S" if prop.get("format") == "int-or-string" or prop.get("x-kubernetes-int-or-string") else "D"
        return "S"

    def zero_of(self, prop):
        """What a Go zero value of a non-omitempty, non-struct field serializes as."""
        name = ref_of(prop)
        if name is not None:
            target = self.schemas.get(name, {})
            if target.get("format") == "date-time":
                return None
            if name in SCALAR_TYPES:
                return "0"
            if target.get("format") == "int-or-string":
                return 0
            return None
        typ = prop.get("type", "")
        if typ == "string":
            return None if prop.get("format") == "byte" else ""
        if typ in ("integer", "number"):
            return 0
        if typ == "boolean":
            return False
        return None

    def visit(self, name):
        if name in self.types:
            return
        self.types[name] = {}  # mark first: schemas are recursive
        s = self.schemas[name]
        required = set(s.get("required", []))
        fields, zero, structs, defaults = {}, {}, [], {}
        for field, prop in sorted(s.get("properties", {}).items()):
            fields[field] = self.shape(prop, bool(s.get("x-kubernetes-preserve-unknown-fields")))
            ref = ref_of(prop)
            if ref is not None and self.is_struct(ref) and prop.get("default") == {}:
                structs.append(field)
                continue
            if (name, field) in SERIALIZED_WHEN_EMPTY:
                zero[field] = SERIALIZED_WHEN_EMPTY[(name, field)]
            elif field in required and (name, field) not in OMITTED_WHEN_EMPTY:
                zero[field] = self.zero_of(prop)
            if "default" in prop and not isinstance(prop["default"], (dict, list)):
                defaults[field] = prop["default"]
        out = {"fields": fields}
        if s.get("x-kubernetes-map-type") == "atomic":
            out["atomic"] = True
        if s.get("x-kubernetes-preserve-unknown-fields"):
            out["elem"] = "D"
        if zero:
            out["zero"] = zero
        if structs:
            out["structs"] = structs
        if defaults:
            out["defaults"] = defaults
        self.types[name] = out


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    base = args[0] if args else DEFAULT_OPENAPI_DIR
    schemas = {}
    for path in sorted(glob.glob(os.path.join(base, "*.json"))):
        with open(path) as f:
            schemas.update(json.load(f).get("components", {}).get("schemas", {}))
    if not schemas:
        sys.exit(f"no OpenAPI documents in {base}")
    gen = Generator(schemas)
    for name in ROOTS.values():
        gen.visit(name)
    kinds = sorted({
        (gvk["group"] + "/" if gvk.get("group") else "") + gvk["version"] + " " + gvk["kind"]
        for s in schemas.values() for gvk in s.get("x-kubernetes-group-version-kind", [])
    })
    text = json.dumps({
        "source": "official OpenAPI v3 (release-1.35) via kube-openapi schemaconv rules; generated by scripts/gen_field_schema.py",
        "roots": ROOTS,
        "kinds": kinds,
        "types": gen.types,
    }, indent=0, sort_keys=True) + "\n"
    if check:
        with open(TARGET) as f:
            if f.read() != text:
                sys.exit("managed_fields/schema.json is stale: run scripts/gen_field_schema.py")
        return
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    with open(TARGET, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
