"""The activities of marketplace orders: what a person must do about one.

- an order in error has one activity (``ERROR_ACTIVITY``) for whoever fixes
  it (the account's salesperson, else a marketplace manager of its
  company, else the administrator), updated by a later failure rather than
  doubled, done once the order is imported or needs no sale order;
- an order waiting for acceptance that the stock does not cover has a
  decision activity (``DECISION_ACTIVITY``) until someone accepts or
  refuses it, here or on the marketplace.
"""

from odoo import fields
from odoo.tools import plaintext2html

from .status_export import DECISION_ACTIVITY

ERROR_ACTIVITY = "mp_connector_base.mail_activity_type_order_error"


def schedule_error_activity(bindings, update=True):
    """One activity per order in error, for whoever fixes it; a later
    failure updates it (``update``) rather than adding another."""
    env = bindings.env
    activity_type = env.ref(ERROR_ACTIVITY, raise_if_not_found=False)
    if not activity_type:
        return
    activities = env["mail.activity"].with_context(
        # one notification e-mail per order in error would flood the inbox
        mail_activity_quick_update=True
    )
    model_id = env["ir.model"]._get_id(bindings._name)
    for binding in bindings:
        existing = binding.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        vals = {
            "summary": _error_summary(binding),
            "note": plaintext2html(binding.error_message or ""),
        }
        if existing:
            if update:
                existing.write(vals)
            continue
        activities.create(
            dict(
                vals,
                activity_type_id=activity_type.id,
                res_model_id=model_id,
                res_id=binding.id,
                automated=True,
                date_deadline=fields.Date.context_today(binding),
                user_id=_responsible(binding).id,
            )
        )


def _error_summary(binding):
    env, order = binding.env, binding.external_id
    if binding.error_kind == "product":
        return env._("Link or create the products of order %s", order)
    if binding.error_kind == "config":
        return env._("Complete the account settings for order %s", order)
    if binding.error_kind == "data":
        return env._("Check order %s on the marketplace", order)
    return env._("Fix marketplace order %s", order)


def _responsible(binding):
    """Whoever answers for the account: its salesperson, else one of the
    marketplace managers of its company, else the administrator."""
    env = binding.env
    backend = binding.backend_id
    if backend.user_id and backend.user_id.active and not backend.user_id.share:
        return backend.user_id
    root = env.ref("base.user_root")
    managers = (
        env.ref("mp_connector_base.group_mp_connector_base_manager")
        .sudo()
        .users.filtered(
            lambda u: (
                u.active
                and not u.share
                and u != root
                and backend.company_id in u.company_ids
            )
        )
        .sorted("id")
    )
    return (
        managers[:1] or env.ref("base.user_admin", raise_if_not_found=False) or env.user
    )


def close_error_activity(bindings, feedback):
    """The orders no longer wait for anyone: their activity is done."""
    activity_type = bindings.env.ref(ERROR_ACTIVITY, raise_if_not_found=False)
    activities = bindings.activity_ids.filtered(
        lambda a: a.activity_type_id == activity_type
    )
    if activities:
        activities.action_feedback(feedback=feedback)


def schedule_decision_activity(binding, order):
    """Someone must accept or refuse ``order`` (its stock is short)."""
    env = binding.env
    backend = binding.backend_id
    user = (
        backend.user_id
        or backend.team_id.user_id
        or env.ref("base.user_admin", raise_if_not_found=False)
    )
    binding.activity_schedule(
        DECISION_ACTIVITY,
        date_deadline=order.shipping_deadline.date()
        if order.shipping_deadline
        else None,
        summary=env._("Accept or refuse %s", order.external_id),
        note=env._(
            "The stock of warehouse %(warehouse)s does not cover this order.",
            warehouse=backend.warehouse_id.name,
        ),
        user_id=user.id if user else env.uid,
    )
