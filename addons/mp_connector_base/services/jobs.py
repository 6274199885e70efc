"""Job options of the connector, as named presets defined once.

Every job is queued through ``mp.backend._enqueue(records, method, ...,
preset="<name>")``, which takes the channel, the priority and the number of
retries from the preset below (a caller adds what is its own: ``eta``,
``identity_key``, ``description``). queue_job's default channel is
``root``: each preset names the channel of its jobs, so that the runner's
capacities (``root.marketplace.import``, ``root.marketplace.export``) apply.

Retries
-------
A job is retried only when it raises ``RetryableJobError``, and every such
error of the connector carries its own delay, computed by the code (no
``retry_pattern`` of ``queue.job.function`` applies, so none is declared):

- a marketplace call throttled or failing for a transient reason (429, 5xx,
  timeout, connection error) is retried after the marketplace's
  ``Retry-After`` when it gives one, else after ``base * 2 ** (attempt - 1)``
  seconds (``base``: the account's *Retry Delay*, 10 s by default), capped
  at 15 minutes, give or take 20 % (``mphub.retry.backoff_seconds``,
  applied by ``mp.backend._map_errors``, which also journals the retry);
- work another worker holds (the orders of the account being stored, an
  offer export running) is retried 2 to 6 s later (the export: after the
  account's export delay) without counting as a retry;
- orders stored concurrently by another import: 5 s;
- a batch the marketplace is still processing: polled again after the
  account's poll delay;
- orders another worker is processing are not retried but queued again as a
  new job 10 s later;
- in a status export of several orders per call (``services/status_batch.py``),
  an order the marketplace answers "not now" for (a transient error of that
  order alone) waits on its binding for the same delay, sent again by a later
  job, and is kept as a refusal after the preset's ``max_retries`` attempts.

A job that reaches its preset's ``max_retries`` fails (queue_job's
``failed`` state) and fails its run.
"""

from dataclasses import dataclass

CHANNEL_IMPORT = "root.marketplace.import"
CHANNEL_EXPORT = "root.marketplace.export"


@dataclass(frozen=True)
class JobPreset:
    channel: str
    priority: int  # lower runs first
    max_retries: int

    def options(self):
        return {
            "channel": self.channel,
            "priority": self.priority,
            "max_retries": self.max_retries,
        }


PRESETS = {
    # one page of an order import run
    "import_page": JobPreset(CHANNEL_IMPORT, priority=5, max_retries=15),
    # a batch of stored orders becoming sale orders
    "process_orders": JobPreset(CHANNEL_IMPORT, priority=10, max_retries=10),
    # orders downloaded again on a user's request
    "refetch_orders": JobPreset(CHANNEL_IMPORT, priority=5, max_retries=10),
    # one page of a listing run
    "listings_page": JobPreset(CHANNEL_IMPORT, priority=15, max_retries=15),
    # settings read from the marketplace (carriers)
    "read_settings": JobPreset(CHANNEL_IMPORT, priority=20, max_retries=10),
    # an acceptance or a shipment told to the marketplace
    "status_export": JobPreset(CHANNEL_EXPORT, priority=5, max_retries=15),
    # the stock and price export of an account
    "offer_export": JobPreset(CHANNEL_EXPORT, priority=8, max_retries=50),
    # a sent batch polled until the marketplace reports it done
    "push_check": JobPreset(CHANNEL_EXPORT, priority=20, max_retries=200),
    # competitors' offers (and fee estimates) read for repricing
    "competitors": JobPreset(CHANNEL_IMPORT, priority=25, max_retries=30),
    # a repricing run of a rule
    "repricing": JobPreset(CHANNEL_EXPORT, priority=15, max_retries=5),
}


def job_options(preset, **options):
    """queue_job's ``with_delay`` options of ``preset`` (a name of
    ``PRESETS``), with the caller's ``options`` added."""
    try:
        base = PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown job preset {preset!r}") from None
    return {**base.options(), **options}
