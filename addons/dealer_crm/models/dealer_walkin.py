from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.marks import Mark, as_application
from ..tools.system_fields import check_access_after_move
from .crm_lead import DEALER_INTERESTS


class DealerWalkin(models.Model):
    """A showroom visitor, recorded by the receptionist within a minute.

    Every walk-in counts as traffic (NG) in the plan-fact funnel, also when the visitor
    leaves no request; with an interest it becomes a lead for a sales manager.
    """

    _name = "dealer.walkin"
    _description = "Showroom walk-in"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Visitor", required=True)
    phone = fields.Char()
    interest = fields.Selection(
        DEALER_INTERESTS, help="What the visitor came for; with an interest a lead is created at once."
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, required=True, index=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales team",
        index=True,
        check_company=True,
        default=lambda self: self.env["crm.team"]._get_default_team_id(),
    )
    user_id = fields.Many2one(
        "res.users",
        string="Handed to",
        domain="[('share', '=', False)]",
        help="The sales manager who takes the visitor; empty = assigned by the team's routing rules.",
    )
    receptionist_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null", check_company=True)
    lead_id = fields.Many2one(
        "crm.lead", string="Lead", readonly=True, index="btree_not_null", copy=False, check_company=True
    )
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        walkins = super().create(vals_list)
        walkins.filtered("interest")._create_leads()
        return walkins

    def write(self, vals):
        result = super().write(vals)
        check_access_after_move(self, vals, ["company_id"])
        return result

    def action_create_lead(self):
        if any(w.lead_id for w in self):
            raise UserError(self.env._("A lead was already created for this visitor."))
        if any(not w.interest for w in self):
            raise UserError(self.env._("Set the Interest of the visitor first."))
        self._create_leads()
        return self.action_open_lead() if len(self) == 1 else True

    def action_open_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _match_partners(self):
        """Find or create the contact of each visitor, matched by phone.

        Uses the duplicate lookup of the partner extension (``_dealer_find_duplicates``) when
        it is there, else one search on the sanitized phone for the whole batch.
        """
        Partner = self.env["res.partner"]
        todo = self.filtered(lambda w: not w.partner_id)
        if hasattr(Partner, "_dealer_find_duplicates"):
            found = {w.id: Partner._dealer_find_duplicates(phone=w.phone)[:1] for w in todo if w.phone}
        else:
            sanitized = {
                w.id: w._phone_format(number=w.phone, country=w.company_id.country_id) for w in todo if w.phone
            }
            partners = Partner.search([("phone_sanitized", "in", [p for p in sanitized.values() if p])], order="id")
            by_phone = {}
            for partner in partners:
                by_phone.setdefault(partner.phone_sanitized, partner)
            found = {wid: by_phone.get(phone, Partner) for wid, phone in sanitized.items()}
        for walkin in todo:
            walkin.partner_id = found.get(walkin.id) or Partner.create(
                {"name": walkin.name, "phone": walkin.phone, "company_id": walkin.company_id.id}
            )

    def _create_leads(self):
        """One lead per visitor (channel walk-in), routed and with its response clock running."""
        self._match_partners()
        # The receptionist hands the visitor over: the lead is created for the sales manager,
        # which the receptionist's own lead rights ("own or unassigned leads") would refuse.
        leads = (
            as_application(self.env["crm.lead"])
            .with_context(dealer_sla_skip=Mark())
            .create(
                [
                    {
                        "name": self.env._("Showroom: %(visitor)s", visitor=walkin.name),
                        "partner_id": walkin.partner_id.id,
                        "contact_name": walkin.name,
                        "phone": walkin.phone,
                        "dealer_channel": "walk_in",
                        "dealer_interest": walkin.interest,
                        "team_id": walkin.team_id.id,
                        "user_id": walkin.user_id.id,
                        "company_id": walkin.company_id.id,
                        "description": walkin.note,
                    }
                    for walkin in self
                ]
            )
        )
        for walkin, lead in zip(self, leads, strict=True):
            walkin.lead_id = lead
        leads._dealer_start_sla()
        return leads
