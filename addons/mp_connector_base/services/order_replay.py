"""What a user's replay of marketplace orders tells: a chatter note on each
order (in the company's language, a stored text) and a toast on screen (in
the user's language)."""

from .notify import CLOSE, notification


def toast(title, message, kind="info"):
    """A toast for the user, after which the form shows the new state."""
    return notification(message, title=title, kind=kind, next_action=CLOSE)


def log_queued(bindings, user):
    """Chatter note of a replay sent to the background."""
    for binding in bindings:
        binding._message_log(
            body=bindings.env._(
                "Replay requested by %s: the order is processed in the background.",
                user.name,
            )
        )


def log_replay(bindings, user):
    """Chatter note of a user's replay and of its outcome."""
    env = bindings.env
    for binding in bindings:
        if binding.state == "done":
            body = env._(
                "Replayed by %(user)s: imported as sale order %(order)s.",
                user=user.name,
                order=binding.sale_order_id.name,
            )
        elif binding.state == "error":
            body = env._(
                "Replayed by %(user)s: still in error. %(reason)s",
                user=user.name,
                reason=binding.error_message,
            )
        elif binding.state == "skipped":
            body = env._(
                "Replayed by %(user)s: not imported. %(reason)s",
                user=user.name,
                reason=binding.error_message,
            )
        else:
            body = env._(
                "Replayed by %(user)s: another import was working on the "
                "order, which is processed again in a moment.",
                user=user.name,
            )
        binding._message_log(body=body)


def replay_toast(bindings):
    """The toast telling the user how the replay of ``bindings`` went."""
    env = bindings.env
    if len(bindings) == 1:
        return _one_toast(bindings)
    counts = {
        state: len(bindings.filtered(lambda b, state=state: b.state == state))
        for state in ("done", "error", "skipped", "new")
    }
    return toast(
        env._("Orders replayed"),
        env._(
            "%(count)s orders replayed: %(done)s imported, %(error)s still "
            "in error, %(skipped)s not imported, %(new)s postponed.",
            count=len(bindings),
            **counts,
        ),
        "warning" if counts["error"] else "success",
    )


def _one_toast(binding):
    env = binding.env
    if binding.state == "done":
        return toast(
            env._("Order imported"),
            env._(
                "Order %(order)s is imported as sale order %(sale)s.",
                order=binding.external_id,
                sale=binding.sale_order_id.name,
            ),
            "success",
        )
    if binding.state in ("error", "skipped"):
        title, message, kind = {
            "error": (
                env._("Still in error"),
                env._("Order %(order)s is still in error: %(reason)s"),
                "warning",
            ),
            "skipped": (
                env._("Not imported"),
                env._("Order %(order)s needs no sale order: %(reason)s"),
                "info",
            ),
        }[binding.state]
        reason = binding.error_message
        return toast(
            title, message % {"order": binding.external_id, "reason": reason}, kind
        )
    return toast(
        env._("Replay postponed"),
        env._(
            "Another import is working on order %s: it is processed again in a moment.",
            binding.external_id,
        ),
    )
