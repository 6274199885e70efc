"""The sandbox: local emulators of every external API the suite talks to.

Real HTTP servers (on 127.0.0.1 by default) speaking each API's protocol, for
tests, benchmarks, Odoo demo data and docker-compose: real client code talks
to them unchanged, only the base URL configured. ``Sandbox`` starts each
emulator on its own port and stops them; ``python -m mphub.sandbox`` does the
same from the command line. ``catalog`` is the product catalogue the
marketplaces sell, shared with the Odoo side.
"""

from . import catalog, customers
from .amazon import AmazonEmulator
from .cdiscount import CdiscountEmulator
from .fnac import FnacEmulator
from .mirakl import MiraklEmulator
from .server import (
    Emulator,
    EmulatorServer,
    Faults,
    HttpError,
    Request,
    Response,
    link_servers,
)

# name -> emulator class; a new emulator is one more line here
EMULATORS = {
    "mirakl": MiraklEmulator,
    "amazon": AmazonEmulator,
    "cdiscount": CdiscountEmulator,
    "fnac": FnacEmulator,
}


class Sandbox:
    """Every emulator of ``EMULATORS``, each served on its own port.

    ``ports``: name -> port (default 0, a free port). ``faults``: name ->
    fault switches at start. ``catalog_size``: how many catalogue products
    the marketplaces sell. ``options``: name -> other keyword arguments of the
    emulator's class (e.g. ``{"mirakl": {"debit_delay_seconds": 5}}``).
    Use it as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        seed=42,
        host="127.0.0.1",
        ports=None,
        faults=None,
        options=None,
        catalog_size=60,
    ):
        self.seed = seed
        self.host = host
        self.ports = ports or {}
        self.faults = faults or {}
        self.options = options or {}
        self.catalog_size = catalog_size
        self.emulators = {}  # name -> emulator
        self.servers = {}  # name -> EmulatorServer

    @property
    def urls(self):
        """name -> base URL (``http://127.0.0.1:PORT``)."""
        return {name: server.url for name, server in self.servers.items()}

    def start(self):
        try:
            for name, cls in EMULATORS.items():
                emulator = cls(
                    seed=self.seed,
                    faults=self.faults.get(name),
                    catalog_size=self.catalog_size,
                    **self.options.get(name, {}),
                )
                server = EmulatorServer(emulator, self.host, self.ports.get(name, 0))
                self.emulators[name] = emulator
                self.servers[name] = server.start()
            link_servers(self.servers)
        except BaseException:
            self.stop()
            raise
        return self

    def populate(self, orders, unknown_sku_share=0.0, malformed_share=0.0):
        """``orders`` new orders in each account of every emulator."""
        for emulator in self.emulators.values():
            emulator.populate(orders, unknown_sku_share, malformed_share)

    def populate_offers(self, count, **shares):
        """``count`` offers in each account of every emulator; ``shares``:
        e.g. ``unknown_sku_share=0.05`` (see ``MiraklEmulator.create_offers``).
        """
        for emulator in self.emulators.values():
            emulator.populate_offers(count, **shares)

    def stop(self):
        for server in self.servers.values():
            server.stop()
        self.servers = {}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


__all__ = [
    "EMULATORS",
    "AmazonEmulator",
    "CdiscountEmulator",
    "Emulator",
    "EmulatorServer",
    "Faults",
    "FnacEmulator",
    "HttpError",
    "MiraklEmulator",
    "Request",
    "Response",
    "Sandbox",
    "catalog",
    "customers",
]
