from odoo import fields, models
from odoo.tools import SQL

from ..models.dealer_feedback import CATEGORIES, FEEDBACK_KINDS, FEEDBACK_STATES


class DealerFeedbackReport(models.Model):
    """NPS, CSI and response rate in one pivot: unanswered surveys count only in the response rate.

    A SQL view so that the NPS and CSI of a survey not answered are NULL (left out of the
    averages), which stored integer fields of ``dealer.feedback`` cannot be.
    """

    _name = "dealer.feedback.report"
    _description = "Customer satisfaction analysis"
    _auto = False
    _order = "date desc"

    feedback_id = fields.Many2one("dealer.feedback", string="Feedback", readonly=True)
    date = fields.Date(string="Sent on", readonly=True)
    company_id = fields.Many2one("res.company", string="Showroom", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson / advisor", readonly=True)
    kind = fields.Selection(FEEDBACK_KINDS, readonly=True)
    state = fields.Selection(FEEDBACK_STATES, readonly=True)
    category = fields.Selection(CATEGORIES, readonly=True)
    nps = fields.Float(string="NPS", readonly=True, aggregator="avg", digits=(16, 1))
    csi = fields.Float(string="CSI", readonly=True, aggregator="avg", digits=(16, 1))
    response_rate = fields.Float(string="Response rate (%)", readonly=True, aggregator="avg", digits=(16, 1))
    score = fields.Float(string="Average score", readonly=True, aggregator="avg", digits=(16, 1))

    @property
    def _table_query(self):
        return SQL(
            """SELECT f.id, f.id AS feedback_id, f.sent_date::date AS date, f.company_id, f.partner_id, f.user_id,
                      f.kind, f.state, f.category,
                      CASE WHEN f.state = 'answered' THEN f.nps_points END AS nps,
                      CASE WHEN f.state = 'answered' THEN f.csi_points END AS csi,
                      CASE WHEN f.state = 'answered' THEN f.score END AS score,
                      CASE WHEN f.state = 'answered' THEN 100.0 ELSE 0.0 END AS response_rate
                 FROM dealer_feedback f
            LEFT JOIN dealer_dispatch d ON d.id = f.dispatch_id
                WHERE f.state != 'planned'
                  -- an invitation that never reached the customer (no consent any more, over the cap,
                  -- bounced, failed) is no survey they left unanswered; an answer counts whatever its
                  -- invitation's log says (an SMS reported failed may have arrived)
                  AND (f.state = 'answered' OR d.id IS NULL
                       OR d.state NOT IN ('skipped', 'cancelled', 'failed', 'bounced'))"""
        )
