"""``python -m mphub.sandbox`` (console script ``mphub-sandbox``): serve every
emulator until SIGINT or SIGTERM.

Prints one line of JSON mapping each emulator's name to its base URL, e.g.
``{"mirakl": "http://127.0.0.1:8901"}``, then serves; exits 0 when stopped.
"""

import argparse
import json
import signal
import sys
import threading

from . import EMULATORS, Sandbox


def _assignment(text):
    name, equal, value = text.partition("=")
    if not equal or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _value(text):
    """A fault value: JSON (0.2, true, {"OR11": 60}) or else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m mphub.sandbox",
        description="Local emulators of the marketplace APIs: " + ", ".join(EMULATORS),
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--port",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="port of an emulator (default: a free port)",
    )
    parser.add_argument(
        "--orders",
        type=int,
        default=0,
        help="orders created at start in each account (e.g. Mirakl shop)",
    )
    parser.add_argument(
        "--offers",
        type=int,
        default=0,
        help="offers (listings) created at start in each account, from the "
        "catalogue (before the orders, whose lines take their stock)",
    )
    for kind, what in (
        ("unknown", "a SKU and an EAN in no catalogue"),
        ("ambiguous", "an unknown SKU and the EANs of two products"),
        ("ean-only", "an unknown SKU and their product's EAN"),
        ("malformed", "a record the API client must refuse"),
    ):
        parser.add_argument(
            f"--offers-{kind}-share",
            type=float,
            default=0.0,
            help=f"share of the offers with {what}",
        )
    parser.add_argument("--unknown-sku-share", type=float, default=0.0)
    parser.add_argument("--malformed-share", type=float, default=0.0)
    parser.add_argument("--catalog-size", type=int, default=60)
    parser.add_argument(
        "--fault",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="fault switch, e.g. mirakl.rate_429=0.2",
    )
    args = parser.parse_args(argv)
    args.ports, args.faults = {}, {}
    for name, port in args.port:
        if name not in EMULATORS or not port.isdigit():
            parser.error(f"--port {name}={port}: unknown emulator or bad port")
        args.ports[name] = int(port)
    for target, value in args.fault:
        name, _dot, key = target.partition(".")
        if name not in EMULATORS or not key:
            parser.error(
                f"--fault {target}: expected NAME.KEY with NAME in {EMULATORS}"
            )
        args.faults.setdefault(name, {})[key] = _value(value)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopped.set())
    sandbox = Sandbox(
        seed=args.seed,
        host=args.host,
        ports=args.ports,
        faults=args.faults,
        catalog_size=args.catalog_size,
    )
    try:
        sandbox.start()
        if args.offers:
            sandbox.populate_offers(
                args.offers,
                unknown_sku_share=args.offers_unknown_share,
                ambiguous_share=args.offers_ambiguous_share,
                ean_only_share=args.offers_ean_only_share,
                malformed_share=args.offers_malformed_share,
            )
        sandbox.populate(args.orders, args.unknown_sku_share, args.malformed_share)
    except (OSError, ValueError) as err:
        sandbox.stop()
        raise SystemExit(f"mphub.sandbox: {err}") from err
    try:
        print(json.dumps(sandbox.urls), flush=True)
        stopped.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
