#!/usr/bin/env python3
"""Convert an assay spec (specs/NAME.yaml) into a minimal OpenAPI 3.1 document.

Only the spec's GET operations of kind `list` and `get` are emitted, so that
Schemathesis can exercise the same read endpoints assay's runner does. The
document states no more than the spec does:

  * paths are the spec's paths (base path included), `servers` is `/`;
  * path parameters take their type from the operation's params, else from the
    resource's id field, else string;
  * query parameters are the operation's documented params, the spec's
    pagination params (position/size, with `first_page` and `max_size` as bounds
    where the spec gives them) and, where the spec's filtering convention names
    one parameter per field (`{name}[query][{field}]`), one per filterable field;
    no bound is added that the spec does not state;
  * response schemas are those `assay schema` writes (RESOURCE.list.json for a
    list, RESOURCE.json for a get, OPERATION.response.json where an operation has
    its own field table, error.NAME.json for error bodies), inlined under
    `components/schemas`; the spec's auth rejection (e.g. bip's 401) is added to
    operations that need credentials;
  * security: an API key header (bip) or a bearer token (gentar); other schemes
    (OMERO's CSRF session) are not expressed.

Usage:
  benches/openapi.py SPEC.yaml --schemas DIR [--out FILE]

DIR is the output of `assay schema SPEC.yaml --out DIR`. Writes JSON to FILE
(stdout without --out). Operations that cannot be expressed (two operations on
the same method and path, templated paths) are listed on stderr.
"""

import argparse
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("openapi.py: PyYAML is missing (pip install pyyaml)")

SCALARS = {
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "object": {"type": "object"},
    "any": {},
    "null": {"type": "null"},
}


def type_schema(t):
    """JSON Schema of a spec FieldType (`int`, `string[]`, `array`, ...)."""
    if isinstance(t, dict):  # tolerate a structured form {kind: ...}
        t = t.get("kind", "string")
    t = str(t or "string")
    if t == "array":
        return {"type": "array"}
    if t.endswith("[]"):
        return {"type": "array", "items": dict(SCALARS.get(t[:-2], {}))}
    return dict(SCALARS.get(t, {"type": "string"}))


def load_schema(schemas_dir, name, components):
    """Inline schemas_dir/NAME.json under components; return a $ref or None."""
    path = os.path.join(schemas_dir, name + ".json")
    if not os.path.exists(path):
        return None
    if name not in components:
        with open(path) as f:
            s = json.load(f)
        s.pop("$schema", None)  # the document's dialect (3.1 = 2020-12) applies
        s.pop("$id", None)
        components[name] = s
    return {"$ref": "#/components/schemas/" + name}


def param_object(p, spec_in="query"):
    schema = type_schema(p.get("type"))
    if p.get("list") and schema.get("type") != "array":
        # comma-separated union: still one string on the wire
        schema = {"type": "string"}
    if p.get("enum"):
        schema["enum"] = list(p["enum"])
    value = p.get("value")
    if value is not None and "{" not in value:
        schema = {"type": "string", "enum": [value]}
    o = {"name": p["name"], "in": spec_in, "schema": schema}
    if p.get("required") or spec_in == "path" or (value is not None and "{" not in value):
        o["required"] = True
    if p.get("description"):
        o["description"] = " ".join(str(p["description"]).split())
    return o


def security_scheme(auth):
    scheme = (auth or {}).get("scheme", "none")
    if scheme == "api_key_header":
        return {"type": "apiKey", "in": "header", "name": auth["header"]}
    if scheme == "bearer_signin":
        return {"type": "http", "scheme": "bearer"}
    return None


def convert(spec, schemas_dir):
    resources = {r["name"]: r for r in spec.get("resources", []) or []}
    auth = spec.get("auth") or {}
    sec = security_scheme(auth)
    pagination = spec.get("pagination") or {}
    filtering = spec.get("filtering") or {}
    ctype_default = (spec.get("representation") or {}).get("content_type") or "application/json"
    components, paths, skipped = {}, {}, []

    for op in spec.get("operations", []) or []:
        if op.get("method") != "GET" or op.get("kind") not in ("list", "get"):
            continue
        path = op.get("path") or ""
        if not path.startswith("/"):
            skipped.append(f"{op['id']}: templated path {path!r}")
            continue
        if path in paths and "get" in paths[path]:
            skipped.append(f"{op['id']}: GET {path} already taken by {paths[path]['get']['operationId']}")
            continue
        res = resources.get(op.get("resource") or "")
        declared = {p["name"]: p for p in op.get("params", []) or []}
        params = []

        for name in re.findall(r"\{([^}]+)\}", path):
            if name in declared:
                params.append(param_object(declared[name], "path"))
                continue
            t = "string"
            if res and name == res.get("id_field", "id"):
                for f in res.get("fields", []):
                    if f.get("path") == name:
                        t = f.get("type", "string")
            params.append({"name": name, "in": "path", "required": True, "schema": type_schema(t)})

        for p in declared.values():
            if p.get("in") == "query":
                params.append(param_object(p))

        if op.get("paginated") and pagination:
            names = {p["name"] for p in params}
            pos = pagination.get("position_param")
            if pos and pos not in names:
                lo = pagination.get("first_page") if pagination.get("style") == "page" else 0
                s = {"type": "integer"}
                if lo is not None:
                    s["minimum"] = lo
                params.append({"name": pos, "in": "query", "schema": s,
                               "description": f"pagination position ({pagination.get('style')} style)"})
            size = pagination.get("size_param")
            if size and size not in names:
                s = {"type": "integer"}
                if pagination.get("max_size"):
                    s["maximum"] = pagination["max_size"]
                params.append({"name": size, "in": "query", "schema": s,
                               "description": "page size"})

        tmpl = filtering.get("field_param") or ""
        if op.get("kind") == "list" and res and "{field}" in tmpl:
            names = {p["name"] for p in params}
            for f in res.get("fields", []):
                if not f.get("filterable"):
                    continue
                name = tmpl.replace("{name}", res["name"]).replace("{plural}", res.get("plural", "")).replace("{field}", f["path"])
                if name in names:
                    continue
                t = f.get("type", "string")
                s = type_schema(t[:-2] if str(t).endswith("[]") else t)
                params.append({"name": name, "in": "query", "schema": s,
                               "description": f"filter on {f['path']}"})

        responses = {}
        for r in op.get("responses", []) or []:
            status = str(r["status"])
            ctype = r.get("content_type") or ctype_default
            ref = None
            if r.get("error"):
                ref = load_schema(schemas_dir, "error." + r["error"], components)
            elif status.startswith("2"):
                slug = op["id"].strip("/").replace("/", ".")
                if op.get("response_fields"):
                    ref = load_schema(schemas_dir, slug + ".response", components)
                elif res and op["kind"] == "list":
                    ref = load_schema(schemas_dir, res["name"] + ".list", components)
                elif res:
                    ref = load_schema(schemas_dir, res["name"], components)
                if ref is None:
                    ref = load_schema(schemas_dir, slug + ".response", components)
            resp = {"description": " ".join(str(r.get("when") or status).split())}
            resp["content"] = {ctype: {"schema": ref} if ref else {}}
            if status in responses:  # several conditions on one status: keep the first
                continue
            responses[status] = resp

        needs_auth = op.get("auth", auth.get("scheme", "none") != "none")
        rejected = auth.get("rejected")
        if sec and needs_auth and rejected and str(rejected["status"]) not in responses:
            ref = load_schema(schemas_dir, "error." + rejected["error"], components) if rejected.get("error") else None
            responses[str(rejected["status"])] = {
                "description": "credentials missing or rejected",
                "content": {ctype_default: {"schema": ref} if ref else {}},
            }
        if not responses:
            responses["200"] = {"description": "OK"}

        o = {"operationId": op["id"], "parameters": params, "responses": responses}
        if op.get("summary"):
            o["summary"] = " ".join(str(op["summary"]).split())
        if sec:
            o["security"] = [{"auth": []}] if needs_auth else []
        paths.setdefault(path, {})["get"] = o

    doc = {
        "openapi": "3.1.0",
        "info": {"title": f"{spec.get('title', spec['name'])} (GET operations, from specs/{spec['name']}.yaml)",
                 "version": "assay-bench"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components},
    }
    if sec:
        doc["components"]["securitySchemes"] = {"auth": sec}
    return doc, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec")
    ap.add_argument("--schemas", required=True, help="output folder of `assay schema SPEC --out DIR`")
    ap.add_argument("--out", help="write here instead of stdout")
    a = ap.parse_args()
    with open(a.spec) as f:
        spec = yaml.safe_load(f)
    doc, skipped = convert(spec, a.schemas)
    for s in skipped:
        print(f"openapi.py: skipped {s}", file=sys.stderr)
    text = json.dumps(doc, indent=1) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
        n = sum(len(v) for v in doc["paths"].values())
        print(f"openapi.py: {a.out}: {n} operations, {len(doc['components']['schemas'])} schemas",
              file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
