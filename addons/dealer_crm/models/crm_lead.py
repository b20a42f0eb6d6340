from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_stage import NEGOTIATION_STEPS
from .res_partner import LIFECYCLE_RANK

DEALER_CHANNELS = [
    ("web", "Website"),
    ("phone", "Phone call"),
    ("walk_in", "Walk-in"),
    ("oem", "Manufacturer (OEM)"),
    ("campaign", "Campaign"),
    ("messenger", "Messenger"),
    ("referral", "Referral"),
]

DEALER_INTERESTS = [
    ("new_car", "New car"),
    ("used_car", "Used car"),
    ("trade_in", "Trade-in"),
    ("finance", "Financing"),
    ("insurance", "Insurance"),
    ("service", "Service"),
    ("parts", "Parts"),
    ("accessories", "Accessories"),
]


# Step → (team field naming the user, fallback role group)
HANDOFF = {
    "fi": ("dealer_fi_user_id", "dealer_crm.group_fi_manager"),
    "contract": ("dealer_docs_user_id", "dealer_crm.group_documents_clerk"),
    "payment": ("dealer_cashier_user_id", "dealer_crm.group_cashier"),
}
LIFECYCLE_FIELDS = {"partner_id", "stage_id", "dealer_interest", "trade_in_vehicle_id", "test_drive_date", "active"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    dealer_channel = fields.Selection(
        DEALER_CHANNELS,
        string="Channel",
        default="web",
        index=True,
        help="How the request reached the dealership.",
    )
    dealer_interest = fields.Selection(
        DEALER_INTERESTS,
        string="Interest",
        default="new_car",
        index=True,
        help="What the customer wants from the dealership.",
    )
    vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Vehicle of interest",
        index="btree_not_null",
        check_company=True,
        help="The car offered or sold in this deal; on won it becomes the customer's car.",
    )
    trade_in_vehicle_id = fields.Many2one(
        "dealer.vehicle",
        string="Trade-in vehicle",
        index="btree_not_null",
        check_company=True,
        help="The customer's current car offered in part exchange.",
    )
    vehicle_model_text = fields.Char(string="Model asked for", help="The model as the customer named it.")
    budget = fields.Monetary(
        currency_field="company_currency",
        groups="dealer_crm.group_dealer_see_money",
        copy=False,  # a duplicate made by a user who may not see money must not fail on reading it
        help="What the customer means to spend on the car, as told at the needs analysis.",
    )
    test_drive_date = fields.Datetime(string="Test drive")
    credit_state = fields.Selection(
        [("none", "No credit"), ("applied", "Applied"), ("approved", "Approved"), ("refused", "Refused")],
        string="Credit",
        default="none",
        help="Where the customer's car loan application stands; kept up to date by the F&I manager.",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        deals = leads._dealer_deals()
        won = deals.filtered(lambda lead: lead.won_status == "won")
        won._dealer_check_won_data()
        deals._dealer_sync_lifecycle()
        won._dealer_deliver()
        return leads

    def write(self, vals):
        was_won = {lead.id for lead in self if lead.won_status == "won"}
        if vals.get("stage_id") and self.env["crm.stage"].browse(vals["stage_id"]).is_won:
            self._dealer_deals(vals).filtered(lambda lead: lead.id not in was_won)._dealer_check_won_data(vals)
        old_stage = {lead.id: lead.stage_id for lead in self} if "stage_id" in vals else {}
        res = super().write(vals)
        deals = self._dealer_deals()
        newly_won = deals.filtered(lambda lead: lead.won_status == "won" and lead.id not in was_won)
        newly_won._dealer_check_won_data()
        if old_stage:
            deals.filtered(lambda lead: lead.stage_id != old_stage[lead.id])._dealer_schedule_handoff()
        if LIFECYCLE_FIELDS & set(vals):
            deals._dealer_sync_lifecycle()
        newly_won._dealer_deliver()
        return res

    # ------------------------------------------------------------
    # Which leads are the dealership's
    # ------------------------------------------------------------

    def _dealer_deals(self, vals=None):
        """The leads that follow the dealership's rules; Odoo's own CRM keeps its behaviour for the rest.

        A dealership deal belongs to a dealership team, or is about a car (a vehicle of
        interest or a trade-in), or comes through the dealership's own channels (the
        integration API, or the ``dealer_lead`` context of the dealership's screens). With
        ``vals``, the values about to be written decide instead of the stored ones.
        """
        vals = vals or {}
        channel = self.env.context.get("dealer_lead") or self.env.user.has_group("dealer_crm.group_integration")
        Team, Vehicle = self.env["crm.team"], self.env["dealer.vehicle"]
        return self.filtered(
            lambda lead: (Team.browse(vals["team_id"]) if "team_id" in vals else lead.team_id).dealer_is_dealership
            or (Vehicle.browse(vals["vehicle_id"]) if "vehicle_id" in vals else lead.vehicle_id)
            or lead.trade_in_vehicle_id
            or channel
        )

    # ------------------------------------------------------------
    # Stages: a dealership team works in its own pipeline
    # ------------------------------------------------------------

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """The deals of dealership teams move through their teams' own stages.

        Odoo's generic stages (no team) stay shared by every other team, as Odoo's own CRM and
        its lead scoring expect; a dealership team falls back to them only when it has none of
        its own that fit.
        """
        teams = self.env["crm.team"].browse(team_id) | self.team_id
        if teams and all(teams.mapped("dealer_is_dealership")):
            own = self.env["crm.stage"].search(
                [("team_ids", "in", teams.ids), *(domain or [])], order=order, limit=limit
            )
            if own:
                return own
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """The pipeline of a dealership team shows its own stages, not Odoo's generic ones."""
        team = self.env["crm.team"].browse(self.env.context.get("default_team_id")).exists()
        if not team.dealer_is_dealership:
            return super()._read_group_stage_ids(stages, domain)
        stage_ids = stages.sudo()._search(
            ["|", ("id", "in", stages.ids), ("team_ids", "in", team.ids)], order=stages._order
        )
        return stages.browse(stage_ids)

    # ------------------------------------------------------------
    # Dealership sales process
    # ------------------------------------------------------------

    def _dealer_check_won_data(self, vals=None):
        """No car is sold without complete customer data (DOMAIN §3).

        Called with the values about to be written, so that nothing is written when data is missing.
        """
        vals = vals or {}
        for lead in self:
            partner = self.env["res.partner"].browse(vals["partner_id"]) if "partner_id" in vals else lead.partner_id
            vehicle = self.env["dealer.vehicle"].browse(vals["vehicle_id"]) if "vehicle_id" in vals else lead.vehicle_id
            missing = self._dealer_won_missing_data(partner, vehicle)
            if missing:
                raise UserError(
                    self.env._(
                        "The deal “%(deal)s” cannot be won: fill in %(fields)s first.",
                        deal=vals.get("name", lead.name),
                        fields=", ".join(missing),
                    )
                )

    def _dealer_won_missing_data(self, partner, vehicle):
        missing = []
        if not partner:
            missing.append(self.env._("customer"))
        else:
            if not partner.name:
                missing.append(self.env._("customer name"))
            if not (partner.phone or partner.email):
                missing.append(self.env._("customer phone or e-mail"))
        if not vehicle:
            missing.append(self.env._("vehicle sold"))
        return missing

    def _dealer_deliver(self):
        """A won deal delivers its car: the vehicle is sold to the customer today.

        Written with the rights of whoever wins the deal: a car they may not change (another
        showroom's) is refused, not rewritten behind their back.
        """
        today = fields.Date.context_today(self)
        for partner, leads in self.filtered("vehicle_id").grouped("partner_id").items():
            leads.vehicle_id.write({"state": "sold", "partner_id": partner.id, "delivery_date": today})
        self.partner_id._dealer_lifecycle_advance("customer", "won", refs={lead.partner_id.id: lead for lead in self})

    def _dealer_sync_lifecycle(self):
        """Move the customers of these leads along the life cycle (set-based, forward only)."""
        open_leads = self.filtered(lambda lead: lead.partner_id and lead.won_status != "won")
        if not open_leads:
            return
        refs = {lead.partner_id.id: lead for lead in open_leads}
        open_leads.partner_id._dealer_lifecycle_advance("lead", "lead", refs=refs)
        trade_ins = open_leads.filtered(
            lambda lead: (lead.dealer_interest == "trade_in" or lead.trade_in_vehicle_id)
            and LIFECYCLE_RANK[lead.partner_id.dealer_stage or "prospect"] >= LIFECYCLE_RANK["customer"]
        )
        trade_ins.partner_id._dealer_lifecycle_advance("trade_in", "trade_in", refs=refs)
        negotiating = open_leads.filtered(
            lambda lead: lead.stage_id.dealer_step in NEGOTIATION_STEPS or lead.test_drive_date
        )
        negotiating.partner_id._dealer_lifecycle_advance("negotiation", "negotiation", refs=refs)

    def _dealer_schedule_handoff(self):
        """Entering F&I, paperwork or payment hands the deal to the next department (DOMAIN §3)."""
        users_cache = {}
        for lead in self:
            step = lead.stage_id.dealer_step
            if step not in HANDOFF:
                continue
            team_field, group_xmlid = HANDOFF[step]
            key = (step, lead.company_id.id, lead.team_id.id)
            if key not in users_cache:
                users_cache[key] = lead.team_id[team_field] or self._dealer_find_role_user(group_xmlid, lead.company_id)
            user = users_cache[key]
            if user:
                lead.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=user.id,
                    summary=self._dealer_handoff_summary(step),
                    note=self.env._("Deal “%(deal)s” has reached this step.", deal=lead.name),
                )

    def _dealer_handoff_summary(self, step):
        return {
            "fi": self.env._("Prepare credit and insurance"),
            "contract": self.env._("Prepare the contract"),
            "payment": self.env._("Take the payment"),
        }[step]

    @api.model
    def _dealer_find_role_user(self, group_xmlid, company):
        """Any active user of the role in the lead's company (fallback when the team names nobody)."""
        group = self.env.ref(group_xmlid)
        domain = [("all_group_ids", "in", group.ids), ("share", "=", False)]
        if company:
            domain.append(("company_ids", "in", company.ids))
        # The director implies every role; prefer a real holder of the role.
        manager = self.env.ref("dealer_crm.group_dealer_manager")
        users = self.env["res.users"].sudo().search(domain, order="id")
        return users.filtered(lambda user: manager not in user.all_group_ids)[:1] or users[:1]
