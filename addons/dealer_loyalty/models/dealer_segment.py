from odoo import api, fields, models
from odoo.exceptions import ValidationError


class DealerSegment(models.Model):
    _name = "dealer.segment"
    _inherit = ["dealer.shared.setting.mixin"]
    _description = "Customer segment (RFM)"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Technical key used by strategies and reports, e.g. champions.")
    sequence = fields.Integer(
        default=10, help="Segments are tried in this order; a customer gets the first one whose ranges match."
    )
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True, help="Who these customers are and how to treat them.")
    r_min = fields.Integer(string="Recency from", default=1, help="Lowest recency score (1 = longest ago).")
    r_max = fields.Integer(string="Recency to", default=5)
    f_min = fields.Integer(string="Frequency from", default=1, help="Lowest frequency score (1 = fewest visits).")
    f_max = fields.Integer(string="Frequency to", default=5)
    m_min = fields.Integer(string="Monetary from", default=1, help="Lowest monetary score (1 = lowest spending).")
    m_max = fields.Integer(string="Monetary to", default=5)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    _code_uniq = models.UniqueIndex("(code) WHERE code IS NOT NULL", "Another segment already uses this code.")

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group([("segment_id", "in", self.ids)], ["segment_id"], ["__count"])
        )
        for segment in self:
            segment.partner_count = counts.get(segment, 0)

    @api.constrains("r_min", "r_max", "f_min", "f_max", "m_min", "m_max")
    def _check_ranges(self):
        labels = {"r": self.env._("Recency"), "f": self.env._("Frequency"), "m": self.env._("Monetary")}
        for segment in self:
            for column, label in labels.items():  # the stored r_/f_/m_ range columns
                low, high = segment[f"{column}_min"], segment[f"{column}_max"]
                if low < 1 or high < low:
                    raise ValidationError(
                        self.env._(
                            "Segment %(segment)s: the %(score)s range must start at 1 or more and not end "
                            "below its start (got %(low)s-%(high)s).",
                            segment=segment.name,
                            score=label,
                            low=low,
                            high=high,
                        )
                    )

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("dealer_loyalty.res_partner_loyalty_action")
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_recompute_loyalty(self):
        return self.env["res.partner"].action_recompute_loyalty()

    def _scoring_tuples(self):
        """The segments as ``tools.rfm.match_segment`` expects them."""
        return [(s.id, s.sequence, (s.r_min, s.r_max), (s.f_min, s.f_max), (s.m_min, s.m_max)) for s in self.search([])]
