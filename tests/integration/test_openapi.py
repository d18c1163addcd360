"""The OpenAPI document: served as JSON, the same as docs/openapi.yaml, and a
valid OpenAPI 3.1 document whose schemas are valid JSON Schema. (Every other
test's native answers are validated against it by conftest.py.)"""

import jsonschema
import yaml

import openapi


def test_served_as_json_and_equal_to_the_yaml(stack):
    r = stack.request("GET", "/openapi.json")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json")
    with open(openapi._DOC_PATH) as f:
        assert r.json == yaml.safe_load(f)


def test_the_document_is_openapi_3_1_with_valid_schemas():
    doc = openapi.document().doc
    assert doc["openapi"].startswith("3.1")
    for name, schema in doc["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
    for template, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op.get("responses"), "%s %s has no responses" % (method, template)


def test_an_answer_that_does_not_fit_is_caught():
    doc = openapi.document()
    run = {"id": "x", "status": "done"}  # not a run: most fields missing
    try:
        doc.check("POST", "/api/v1/code/execute", 200, run, "{}")
    except AssertionError as e:
        assert "required" in str(e)
    else:
        raise AssertionError("an answer missing required fields passed")
