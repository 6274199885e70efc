"""``python -m mphub.sandbox`` (console script ``mphub-sandbox``): serve every
emulator until SIGINT or SIGTERM.

Prints one line of JSON on stdout mapping each emulator's name to its base
URL, e.g. ``{"mirakl": "http://127.0.0.1:8901"}``, and a short summary for
people on stderr, then serves; exits 0 when stopped. Each emulator's root URL
(``GET /``) is an index of the sandbox (accounts and their keys, control
endpoints, active faults). Ports are free ones unless ``--standard-ports``
(``STANDARD_PORTS``, as docker-compose.yml uses them) or ``--port`` says
otherwise; an error (bad option, port in use) is one line on stderr and a
non-zero exit.
"""

import argparse
import errno
import json
import signal
import sys
import threading

from . import EMULATORS, Sandbox
from .server import FAULT_DEFAULTS, ListenError, link_servers

# the ports of docker-compose.yml and of the README
STANDARD_PORTS = {"mirakl": 8901, "amazon": 8902, "cdiscount": 8903, "fnac": 8904}

DESCRIPTION = f"""\
Serve local emulators of the marketplace APIs ({", ".join(EMULATORS)}) over
HTTP, each on its own port, until stopped.

Once every emulator listens, prints ONE line of JSON on stdout mapping each
emulator to its base URL, e.g. {{"mirakl": "http://127.0.0.1:8901",
"amazon": "http://127.0.0.1:8902"}}, and a short summary on stderr. Open a
base URL in a browser for the sandbox's index: the Mirakl shops and their API
keys, the Amazon sellers and LWA credentials, the Cdiscount sellers with their
Octopia REST client credentials and SOAP logins, the Fnac Darty partner with
its Fnac and Darty shops and their keys, the orders and offers of each, the
/_sandbox/... control endpoints and the active faults (JSON with "Accept:
application/json").

Ports are free ones (picked at random) unless --port or --standard-ports say
otherwise; the standard ports, as docker-compose.yml uses them, are
{", ".join(f"{name}={port}" for name, port in STANDARD_PORTS.items())}.

Stop it with Ctrl+C (SIGINT) or SIGTERM (e.g. docker stop): it exits 0. An
error (bad option, port already in use) prints one line on stderr and exits
non-zero."""

EPILOG = """\
examples:
  # the standard ports, 25 orders and 60 offers in each shop and seller
  python -m mphub.sandbox --standard-ports --orders 25 --offers 60

  # free ports except Mirakl's; a fifth of the Mirakl calls answer 429
  python -m mphub.sandbox --port mirakl=9001 --orders 50 \\
      --fault mirakl.rate_429=0.2 --fault mirakl.retry_after=3

  # reachable from other machines, with orders the connector must flag
  python -m mphub.sandbox --host 0.0.0.0 --standard-ports --orders 25 \\
      --unknown-sku-share 0.1 --malformed-share 0.04

  # Amazon after the removal of Orders API v0 (only v2026-01-01 lists orders)
  python -m mphub.sandbox --orders 25 --amazon-orders-v0-removed

  # Cdiscount: a fifth of the SOAP calls throttled (Quota), 10 % of 5xx
  python -m mphub.sandbox --orders 25 --fault cdiscount.rate_quota=0.2 \\
      --fault cdiscount.rate_5xx=0.1

  # Fnac Darty: requests validated against the official XSDs
  python -m mphub.sandbox --orders 25 --fnac-xsd-dir ../shared/contracts/fnac"""


def _assignment(text):
    name, equal, value = text.partition("=")
    if not equal or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _count(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _share(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"expected a share between 0 and 1, got {text!r}"
        )
    return value


def _value(text):
    """A fault value: JSON (0.2, true, {"OR11": 60}) or else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m mphub.sandbox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s; 0.0.0.0 to be "
        "reachable from other machines or containers)",
    )
    parser.add_argument(
        "--standard-ports",
        action="store_true",
        help="listen on the standard ports: "
        + ", ".join(f"{name}={port}" for name, port in STANDARD_PORTS.items())
        + " (default: free ports; --port still wins)",
    )
    parser.add_argument(
        "--port",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="port of one emulator, repeatable, e.g. --port mirakl=8901 "
        f"(NAME in {', '.join(EMULATORS)}; default: a free port, or the "
        "standard one with --standard-ports)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=42,
        help="seed of the generated data: the same seed gives the same "
        "orders, offers and customers (default: %(default)s)",
    )
    parser.add_argument(
        "--catalog-size",
        type=_count,
        default=60,
        metavar="N",
        help="how many products of the sandbox catalogue the marketplaces sell "
        "(default: %(default)s, as the Odoo demo data loads)",
    )
    parser.add_argument(
        "--orders",
        type=_count,
        default=0,
        metavar="N",
        help="orders created at start in each account (Mirakl shop, Amazon "
        "seller, Cdiscount seller, Fnac Darty shop) (default: %(default)s)",
    )
    parser.add_argument(
        "--unknown-sku-share",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of the --orders with a SKU in no catalogue, that the "
        "connector must flag (0 to 1, default: %(default)s)",
    )
    parser.add_argument(
        "--malformed-share",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of the --orders malformed on purpose, with one defect a "
        "strict API client must refuse (0 to 1, default: %(default)s)",
    )
    parser.add_argument(
        "--offers",
        type=_count,
        default=0,
        metavar="N",
        help="offers (listings) created at start in each account, from the "
        "catalogue (before the orders, whose lines take their stock) "
        "(default: %(default)s)",
    )
    for kind, what in (
        ("unknown", "a SKU and an EAN in no catalogue"),
        ("ambiguous", "an unknown SKU and the EANs of two products"),
        ("ean-only", "an unknown SKU and their product's EAN"),
        ("malformed", "a record the API client must refuse"),
    ):
        parser.add_argument(
            f"--offers-{kind}-share",
            type=_share,
            default=0.0,
            metavar="SHARE",
            help=f"share of the --offers with {what} (0 to 1, default: %(default)s)",
        )
    parser.add_argument(
        "--amazon-orders-v0-removed",
        action="store_true",
        help="serve Amazon as after 27 March 2027: the Orders API v0 order "
        "operations (getOrders, getOrder, getOrderItems, getOrderAddress, "
        "getOrderBuyerInfo, getOrderItemsBuyerInfo) answer 404 NotFound, "
        "confirmShipment and updateShipmentStatus stay, Orders API "
        "v2026-01-01 serves the orders (default: both versions; change it "
        "later with POST /_sandbox/orders_v0)",
    )
    parser.add_argument(
        "--fnac-xsd-dir",
        default=None,
        metavar="DIR",
        help="a directory holding Fnac's official XSDs (OrdersQueryService.xsd, "
        "base.xsd...): the Fnac emulator validates every request against its "
        "service's XSD and answers ERR_096 when it is not valid (default: the "
        "MPHUB_FNAC_XSD_DIR environment variable, else no XSD validation)",
    )
    parser.add_argument(
        "--fault",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="fault switch at start, repeatable, VALUE in JSON or as text, e.g. "
        "mirakl.rate_429=0.2 or 'mirakl.call_frequency={\"OR11\": 60}' (KEY in "
        f"{', '.join(FAULT_DEFAULTS)}, and cdiscount.rate_quota; change them "
        "later with POST "
        "/_sandbox/faults)",
    )
    return parser


def parse_args(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    args.ports, args.faults = {}, {}
    if args.standard_ports:
        args.ports.update(
            (name, port) for name, port in STANDARD_PORTS.items() if name in EMULATORS
        )
    for name, port in args.port:
        if name not in EMULATORS or not port.isdigit() or int(port) > 65535:
            parser.error(
                f"--port {name}={port}: expected NAME=PORT with NAME in "
                f"{', '.join(EMULATORS)} and PORT from 0 (a free one) to 65535"
            )
        args.ports[name] = int(port)
    for target, value in args.fault:
        name, _dot, key = target.partition(".")
        if name not in EMULATORS or not key:
            parser.error(
                f"--fault {target}: expected NAME.KEY with NAME in {EMULATORS}"
            )
        args.faults.setdefault(name, {})[key] = _value(value)
    return args


def _reason(err):
    """One line for a start failure, e.g. "mirakl: cannot listen on
    127.0.0.1:8901: port already in use (...)"."""
    if isinstance(err, ListenError):
        reason = err.strerror
        if err.errno == errno.EADDRINUSE:
            reason += (
                f" (stop what uses it, or choose another port with --port "
                f"{err.emulator}=PORT, 0 for a free one)"
            )
        return reason
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err)


def _summary(urls):
    """What people read on stderr once the sandbox serves."""
    lines = [f"mphub sandbox: {name} on {url}/" for name, url in urls.items()]
    lines.append(
        "Open a URL above for the index (shops, sellers, keys, control "
        "endpoints). Stop with Ctrl+C or SIGTERM."
    )
    return "\n".join(lines)


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
        options={
            "amazon": {"orders_v0_removed": args.amazon_orders_v0_removed},
            "fnac": {"xsd_dir": args.fnac_xsd_dir},
        },
    )
    try:
        sandbox.start()
        link_servers(sandbox.servers)
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
        raise SystemExit(f"mphub.sandbox: {_reason(err)}") from err
    try:
        print(json.dumps(sandbox.urls), flush=True)
        print(_summary(sandbox.urls), file=sys.stderr, flush=True)
        stopped.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
