"""``python -m mphub.sandbox``: serve every emulator until stopped.

Prints one line of JSON mapping each emulator's name to its base URL.
"""

import argparse
import json
import signal
import sys
import threading

from . import EMULATORS, Sandbox


def _key_value(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return tuple(text.split("=", 1))


def _value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m mphub.sandbox",
        description="Local emulators of the marketplace and search APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--port",
        type=_key_value,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="port of an emulator (default: a free port)",
    )
    parser.add_argument(
        "--orders", type=int, default=0, help="orders created in each Mirakl shop"
    )
    parser.add_argument("--unknown-sku-share", type=float, default=0.0)
    parser.add_argument("--malformed-share", type=float, default=0.0)
    parser.add_argument("--catalog-size", type=int, default=60)
    parser.add_argument(
        "--fault",
        type=_key_value,
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="fault switch, e.g. mirakl.rate_429=0.2",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    ports = {}
    for name, port in args.port:
        if name not in EMULATORS:
            raise SystemExit(f"unknown emulator {name!r}")
        ports[name] = int(port)
    faults = {}
    for target, value in args.fault:
        name, _dot, key = target.partition(".")
        if name not in EMULATORS or not key:
            raise SystemExit(f"unknown fault target {target!r}")
        faults.setdefault(name, {})[key] = _value(value)
    sandbox = Sandbox(
        seed=args.seed,
        host=args.host,
        ports=ports,
        faults=faults,
        options={"mirakl": {"catalog_size": args.catalog_size}},
    )
    sandbox.start()
    if args.orders:
        mirakl = sandbox.emulators["mirakl"]
        for shop_id in mirakl.shops:
            mirakl.create_orders(
                shop_id,
                args.orders,
                unknown_sku_share=args.unknown_sku_share,
                malformed_share=args.malformed_share,
            )
    print(json.dumps(sandbox.urls), flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopped.set())
    stopped.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
