"""Validation of Fnac Darty documents against the official XSDs.

The XSDs are never copied into the project: ``Schemas(directory)`` loads
``<Service>Service.xsd`` (and what it includes: base.xsd, state.xsd,
common.xsd) from a directory given at run time (the emulator's ``xsd_dir``,
e.g. ``../shared/contracts/fnac``), once per service (cached, thread-safe).
Each service's XSD declares both its request and its response root, so
``validate(service, body)`` checks either.
"""

import threading
from pathlib import Path

SCHEMA_FILES = {
    "auth": "AuthenticationService.xsd",
    "orders_query": "OrdersQueryService.xsd",
    "orders_update": "OrdersUpdateService.xsd",
    "carriers_query": "CarriersQueryService.xsd",
    "offers_update": "OffersUpdateService.xsd",
    "batch_status": "BatchStatusService.xsd",
    "offers_query": "OffersQueryService.xsd",
    "pricing_query": "PricingQueryService.xsd",
    "messages_query": "MessagesQueryService.xsd",
    "messages_update": "MessagesUpdateService.xsd",
    "incidents_query": "IncidentsQueryService.xsd",
}


def xsd_available(directory):
    """Whether ``directory`` holds every XSD of ``SCHEMA_FILES``."""
    if not directory:
        return False
    path = Path(directory)
    return all((path / name).is_file() for name in SCHEMA_FILES.values())


class Schemas:
    """The services' compiled XSDs, loaded from ``directory`` on first use."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._schemas = {}
        self._lock = threading.Lock()

    def __bool__(self):
        return True

    def schema(self, service):
        """The ``lxml.etree.XMLSchema`` of ``service`` (``KeyError`` when the
        service has none)."""
        from lxml import etree

        with self._lock:
            schema = self._schemas.get(service)
            if schema is None:
                parser = etree.XMLParser(resolve_entities=False, no_network=True)
                document = etree.parse(
                    str(self.directory / SCHEMA_FILES[service]), parser
                )
                schema = self._schemas[service] = etree.XMLSchema(document)
            return schema

    def validate(self, service, body):
        """None when ``body`` (bytes) is valid against the XSD of
        ``service``, else the validator's first message (with its line)."""
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            document = etree.fromstring(body, parser)
        except etree.XMLSyntaxError as err:
            return f"not well-formed XML: {err}"
        schema = self.schema(service)
        with self._lock:  # an XMLSchema's error log is not thread-safe
            if schema.validate(document):
                return None
            error = schema.error_log.last_error
            return f"{error.message} (line {error.line})"
