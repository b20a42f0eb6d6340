from odoo import api, fields, models
from odoo.tools import SQL


class DealerCustomerScore(models.Model):
    """The RFM figures of one customer, in a narrow table of their own.

    The nightly scoring rewrites every scored customer (recency changes every day). Kept on
    ``res_partner`` that meant rewriting its wide rows and maintaining its twenty-odd indexes
    for each customer; here a row is a few numbers with one index. The customer shows the
    figures through related fields (``res.partner.rfm_id``), which search, group and sort in
    SQL like stored ones.
    """

    _name = "dealer.customer.score"
    _description = "Customer RFM score"
    _log_access = False
    _rec_name = "score"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    r = fields.Integer(
        string="Recency score", readonly=True, aggregator="avg", help="1 to 5; 5 = visited most recently."
    )
    f = fields.Integer(string="Frequency score", readonly=True, aggregator="avg", help="1 to 5; 5 = visits most often.")
    m = fields.Integer(string="Monetary score", readonly=True, aggregator="avg", help="1 to 5; 5 = spends the most.")
    score = fields.Char(
        string="RFM", readonly=True, help="Recency, frequency and monetary scores side by side, e.g. 545."
    )
    recency_days = fields.Integer(
        string="Days since last visit",
        readonly=True,
        aggregator="avg",
        help="Days since the customer's last closed visit or won purchase, at the last RFM run.",
    )
    frequency = fields.Integer(
        string="Visits in window",
        readonly=True,
        aggregator="avg",
        help="Closed visits and won purchases within the RFM window (24 months by default).",
    )
    monetary = fields.Float(
        string="Spent in window",
        groups="dealer_crm.group_dealer_see_money",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Revenue of closed visits and won purchases within the RFM window.",
    )
    segment_id = fields.Many2one("dealer.segment", string="Segment", readonly=True, ondelete="set null")
    date = fields.Date(string="RFM computed on", readonly=True)

    _partner_uniq = models.Constraint("UNIQUE(partner_id)", "A customer has one RFM score.")

    def init(self):
        """Half-empty pages: the nightly rewrite of every row then fits beside the old one.

        Such an update is heap-only (HOT): no index entry is written, since no indexed column
        changes. At 87k customers it takes the upsert from 0.75 s to 0.3 s.
        """
        self.env.cr.execute(SQL("ALTER TABLE %s SET (fillfactor = 50)", SQL.identifier(self._table)))

    @api.model_create_multi
    def create(self, vals_list):
        scores = super().create(vals_list)
        self._link_partners(scores.ids)
        return scores

    @api.model
    def _link_partners(self, score_ids=None):
        """Point the customers at their score rows (all rows, or ``score_ids``).

        Done once per customer: the scores change every night, the link does not.
        """
        only = SQL("AND s.id = ANY(%s)", score_ids) if score_ids is not None else SQL()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p SET rfm_id = s.id
                  FROM dealer_customer_score s
                 WHERE s.partner_id = p.id AND p.rfm_id IS DISTINCT FROM s.id %s
                """,
                only,
            )
        )
        self.env["res.partner"].invalidate_model(["rfm_id"])
