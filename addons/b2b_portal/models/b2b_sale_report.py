from odoo import fields, models, tools
from odoo.tools import SQL


class B2bSaleReport(models.Model):
    """B2B volume: the confirmed orders of B2B companies, one row per order."""

    _name = "b2b.sale.report"
    _description = "B2B Sales Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("sale.order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        help="The B2B company (commercial partner) of the order.",
    )
    user_id = fields.Many2one("res.users", string="Sales Rep", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    website_id = fields.Many2one("website", readonly=True)
    currency_id = fields.Many2one(
        "res.currency",
        readonly=True,
        help="The company's currency, in which the amounts are converted.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        readonly=True,
        currency_field="currency_id",
        help="Untaxed total of the order in the company's currency.",
    )
    order_count = fields.Integer(string="Orders", readonly=True)
    b2b_acted = fields.Boolean(
        string="Ordered by a Sales Rep",
        readonly=True,
        help="A sales rep ordered it on the website for the customer.",
    )

    def _query(self):
        return """
            SELECT
                so.id AS id,
                so.id AS order_id,
                so.date_order AS date,
                cp.id AS partner_id,
                so.user_id AS user_id,
                so.team_id AS team_id,
                so.company_id AS company_id,
                so.website_id AS website_id,
                company.currency_id AS currency_id,
                so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0)
                    AS amount_untaxed,
                1 AS order_count,
                EXISTS (
                    SELECT 1 FROM b2b_act_log log
                    WHERE log.order_id = so.id
                ) AS b2b_acted
            FROM sale_order so
            JOIN res_partner p ON p.id = so.partner_id
            JOIN res_partner cp ON cp.id = COALESCE(p.commercial_partner_id, p.id)
            JOIN res_company company ON company.id = so.company_id
            WHERE so.state = 'sale' AND cp.b2b_state != 'none'
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(self._query()),
            )
        )
