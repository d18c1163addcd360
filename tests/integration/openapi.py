"""The native API's answers checked against docs/openapi.yaml: every answer the
suite receives under /api/v1/code is validated against the response schema of
its route and status (jsonschema, JSON Schema 2020-12 as OpenAPI 3.1 uses).
A success with no documented route or status is an error too: the document
must name every answer the service gives."""

import os
import re

import jsonschema
import yaml

_HERE = os.path.dirname(os.path.abspath(__file__))
_DOC_PATH = os.path.join(os.environ.get("RUNBOX_SRCDIR") or os.path.join(_HERE, "..", ".."),
                         "docs", "openapi.yaml")


class Document:
    def __init__(self, path=_DOC_PATH):
        with open(path) as f:
            self.doc = yaml.safe_load(f)
        self.base = self.doc["servers"][0]["url"]
        # Templates with more literal segments first, so that /execute/async is
        # not taken for a parameter of some shorter route.
        self.routes = []
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\{[^/}]+\}", "[^/]+", re.escape(template).replace(
                r"\{", "{").replace(r"\}", "}")) + "$"
            self.routes.append((template.count("{"), re.compile(pattern), template, item))
        self.routes.sort(key=lambda r: r[0])
        self.validator_class = jsonschema.Draft202012Validator

    def route(self, path):
        """The path item of a concrete path under the API base, or None."""
        if not path.startswith(self.base):
            return None, None
        rel = path[len(self.base):].split("?", 1)[0].rstrip("/") or "/"
        for _, pattern, template, item in self.routes:
            if pattern.match(rel):
                return template, item
        return None, None

    def check(self, method, path, status, body, raw=""):
        """Raise AssertionError when the answer does not fit the document.

        A success (1xx-3xx) must be listed for its route and method and fit
        its schema. A refusal (4xx, 5xx) fits its listed schema, or, where the
        route does not list that status (nginx's own 413/502/504, a store
        outage, an unknown route), the error envelope every route shares."""
        error = {"$ref": "#/components/schemas/Error"}
        template, item = self.route(path)
        if method == "OPTIONS" and status == 204:
            # A CORS preflight: any documented route, no body (the document's
            # x-cors-preflight says so once rather than on every path).
            if item is None or "x-cors-preflight" not in self.doc:
                raise AssertionError("OPTIONS %s answered 204: not a documented route" % path)
            if raw:
                raise AssertionError("OPTIONS %s answered 204 with a body" % path)
            return
        op = item.get(method.lower()) if item else None
        spec = op.get("responses", {}).get(str(status)) if op else None
        if spec is None:
            if status < 400:
                raise AssertionError("%s %s answered %d, which docs/openapi.yaml does not list" %
                                     (method, template or path, status))
            if method != "HEAD":
                self._validate_json(body, raw, error, method, path, status)
            return
        content = self._deref(spec).get("content")
        if not content or method == "HEAD":
            return
        schema = content.get("application/json", {}).get("schema")
        if schema is not None:
            self._validate_json(body, raw, schema, method, path, status)

    def _validate_json(self, body, raw, schema, method, path, status):
        if body is None and raw:
            raise AssertionError("%s %s -> %d: the body is not JSON: %r" %
                                 (method, path, status, raw[:200]))
        self._validate(body, schema, method, path, status)

    def _deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
        return node

    def _validate(self, body, schema, method, path, status):
        wrapped = dict(schema)
        wrapped["components"] = self.doc["components"]
        validator = self.validator_class(wrapped)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(the body)"
            raise AssertionError("%s %s -> %d does not fit docs/openapi.yaml at %s: %s" %
                                 (method, path, status, where, e.message))


_document = None


def document():
    global _document
    if _document is None:
        _document = Document()
    return _document
