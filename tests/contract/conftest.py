import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def contracts_dir():
    return Path(
        os.environ.get("MPHUB_CONTRACTS_DIR") or ROOT.parent / "shared" / "contracts"
    )


def load_contract(relative):
    """The official API description, or skip: CI may not carry it.

    The descriptions are read where they are published for the project
    (../shared/contracts); they are never copied into the repository.
    """
    path = contracts_dir() / relative
    if not path.exists():
        pytest.skip(f"official API description not found at {path}")
    with open(path) as handle:
        return json.load(handle)


class OpenApi:
    """Validates payloads against the schemas of an OpenAPI 3.0 document."""

    def __init__(self, spec):
        self.spec = spec

    def operation(self, path, method):
        return self.spec["paths"][path][method]

    def _deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _validate(self, schema, payload):
        from openapi_schema_validator import OAS30Validator

        root = dict(schema)
        root["components"] = self.spec["components"]
        validator = OAS30Validator(root)
        errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.path))}: {e.message}"[:300] for e in errors]

    def response_errors(self, path, method, payload, status="200"):
        response = self._deref(self.operation(path, method)["responses"][status])
        schema = response["content"]["application/json"]["schema"]
        return self._validate(schema, payload)

    def request_errors(self, path, method, payload):
        body = self._deref(self.operation(path, method)["requestBody"])
        schema = body["content"]["application/json"]["schema"]
        return self._validate(schema, payload)

    def parameters(self, path, method):
        return {
            self._deref(p)["name"]
            for p in self.operation(path, method).get("parameters", [])
        }
