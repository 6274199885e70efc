from odoo import api, fields, models

ACT_ACTIONS = [
    ("start", "Started acting"),
    ("stop", "Stopped acting"),
    ("cart", "Cart change"),
    ("checkout", "Checkout"),
    ("confirm", "Order confirmed"),
    ("quote", "Quote requested"),
    ("request", "Change request"),  # --- H16A ---
]


class B2bActLog(models.Model):
    _name = "b2b.act.log"
    _description = "B2B Sales Rep Action"
    _order = "date desc, id desc"
    _rec_name = "action"

    date = fields.Datetime(
        default=fields.Datetime.now,
        required=True,
        readonly=True,
        index=True,
        help="When the sales rep did it.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Sales Rep",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The internal user who acted for the customer.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The B2B company the sales rep acted for.",
    )
    action = fields.Selection(
        ACT_ACTIONS,
        required=True,
        readonly=True,
        help="What the sales rep did while acting for the customer.",
    )
    order_id = fields.Many2one(
        "sale.order",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The cart or order concerned, if any.",
    )
    details = fields.Char(readonly=True, help="What changed, in words.")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        help="Company of the website the action was done on.",
    )

    @api.model
    def _b2b_log(self, partner, action, order=None, details=None, user=None):
        """Record (sudo) an action of the current user acting for partner.

        Also posts it in the chatter of the order, naming who acted for whom.

        :param partner: the customer (its commercial partner is logged)
        :param action: a key of ``ACT_ACTIONS``
        :param order: the sale.order concerned, or None
        :param details: a short translated text, or None
        :param user: the sales rep; defaults to the current user
        :returns: the new b2b.act.log record (sudo)
        """
        user = user or self.env.user
        commercial = partner.commercial_partner_id
        log = self.sudo().create(
            {
                "user_id": user.id,
                "partner_id": commercial.id,
                "action": action,
                "order_id": order.id if order else False,
                "details": details or False,
                "company_id": (order.company_id if order else self.env.company).id,
            }
        )
        if order and action in ("cart", "checkout", "confirm", "quote"):
            label = dict(self._fields["action"]._description_selection(self.env))[
                action
            ]
            body = self.env._(
                "Ordered by %(rep)s for %(customer)s: %(action)s",
                rep=user.name,
                customer=commercial.name,
                action=details or label,
            )
            order.sudo().message_post(body=body, author_id=user.partner_id.id)
        return log
