"""Reading the official API descriptions, and validating payloads against
them.

The descriptions are read where they are published for the project
(``$MPHUB_CONTRACTS_DIR``, by default ``<repo>/../shared/contracts``); they
are never copied into the repository. CI may not carry them: the tests that
need one are skipped then, saying where it was looked for.
"""

import functools
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def contracts_dir():
    return Path(
        os.environ.get("MPHUB_CONTRACTS_DIR") or ROOT.parent / "shared" / "contracts"
    )


@functools.cache
def _read(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_contract(relative):
    """The parsed description, or skip the calling test (module)."""
    path = contracts_dir() / relative
    if not path.exists():
        pytest.skip(
            f"official API description not found at {path} "
            "(set MPHUB_CONTRACTS_DIR to the contracts directory)",
            allow_module_level=True,
        )
    return _read(path)


class OpenApi:
    """Validates payloads against the schemas of an OpenAPI 3.0/3.1 document.

    ``$ref`` pointers resolve inside the document; formats are not asserted
    (Mirakl uses free-text ones such as "with decimals").
    """

    def __init__(self, spec):
        self.spec = spec
        self._validators = {}

    def operation(self, path, method):
        return self.spec["paths"][path][method]

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def parameters(self, path, method, where="query"):
        """Names of the parameters of an operation found ``where``."""
        found = set()
        for parameter in self.operation(path, method).get("parameters", []):
            parameter = self.deref(parameter)
            if parameter["in"] == where:
                found.add(parameter["name"])
        return found

    def responses(self, path, method):
        return self.operation(path, method)["responses"]

    def response_content(self, path, method, status="200"):
        """The ``application/json`` content of a response (``None`` if the
        description has no body for it)."""
        response = self.deref(self.responses(path, method)[status])
        return (response.get("content") or {}).get("application/json")

    def request_content(self, path, method):
        body = self.deref(self.operation(path, method)["requestBody"])
        return body["content"]["application/json"]

    def _validator(self, schema):
        from openapi_schema_validator import OAS30Validator, OAS31Validator

        key = id(schema)
        if key not in self._validators:
            root = {**schema, "components": self.spec.get("components", {})}
            cls = (
                OAS31Validator
                if self.spec.get("openapi", "").startswith("3.1")
                else OAS30Validator
            )
            self._validators[key] = cls(root)
        return self._validators[key]

    def errors(self, schema, payload, allow_null=False):
        """Readable validation errors; with ``allow_null`` a ``null`` value is
        accepted wherever a typed value is expected (see OR12)."""
        found = []
        for error in self._validator(schema).iter_errors(payload):
            if allow_null and error.validator == "type" and error.instance is None:
                continue
            where = "/".join(map(str, error.absolute_path))
            found.append(f"{where}: {error.message}"[:300])
        return sorted(found)

    def response_errors(self, path, method, payload, status="200", **options):
        schema = self.response_content(path, method, status)["schema"]
        return self.errors(schema, payload, **options)

    def request_errors(self, path, method, payload):
        return self.errors(self.request_content(path, method)["schema"], payload)


def path_template(pattern):
    """An emulator route pattern as an OpenAPI path template:
    ``/api/orders/(?P<order_id>[^/]+)/ship`` -> ``/api/orders/{order_id}/ship``.
    """
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
