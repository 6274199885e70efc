"""The toast a button shows the user: Odoo's ``display_notification``
client action, built in one place."""

# what the web client does once the toast is shown
CLOSE = {"type": "ir.actions.act_window_close"}  # close the dialog, if any
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}  # reload the view


def notification(message, title=None, kind="info", sticky=False, next_action=None):
    """The client action showing ``message`` (``kind``: "info", "success",
    "warning" or "danger"), then running ``next_action`` (``CLOSE``,
    ``RELOAD`` or any action dict) when given."""
    params = {"message": message, "type": kind, "sticky": sticky}
    if title:
        params["title"] = title
    if next_action:
        params["next"] = next_action
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": params,
    }


def queued(message):
    """The toast of a button that queued work, then the view reloaded."""
    return notification(message, kind="success", next_action=RELOAD)
