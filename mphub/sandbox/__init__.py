"""The sandbox: local emulators of every external API the suite talks to.

``Sandbox`` starts each emulator on its own port of 127.0.0.1 (or another
host) and stops them; ``python -m mphub.sandbox`` does the same from the
command line. Tests, benchmarks, Odoo demo data and docker-compose use it.
"""

from .mirakl import MiraklEmulator
from .server import Emulator, EmulatorServer, HttpError, Response

# name -> emulator class; later connectors add theirs here
EMULATORS = {
    "mirakl": MiraklEmulator,
}


class Sandbox:
    """Every emulator, each served on its own port."""

    def __init__(
        self, seed=42, host="127.0.0.1", ports=None, faults=None, options=None
    ):
        self.seed = seed
        self.host = host
        self.ports = ports or {}
        self.faults = faults or {}
        self.options = options or {}
        self.emulators = {}
        self.servers = {}

    @property
    def urls(self):
        return {name: server.url for name, server in self.servers.items()}

    def start(self):
        for name, cls in EMULATORS.items():
            emulator = cls(
                seed=self.seed,
                faults=self.faults.get(name),
                **self.options.get(name, {}),
            )
            server = EmulatorServer(emulator, self.host, self.ports.get(name, 0))
            self.emulators[name] = emulator
            self.servers[name] = server.start()
        return self

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
    "Emulator",
    "EmulatorServer",
    "HttpError",
    "MiraklEmulator",
    "Response",
    "Sandbox",
]
