from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, formatLang

from ..tools.seasons import current_tyre_season
from ..tools.settings import int_param
from .res_config_settings import INT_SETTINGS, param_name

OFFER_SOURCES = [
    ("maintenance", "Maintenance due"),
    ("tyre_season", "Tyre season"),
    ("declined", "Declined work"),
    ("deferred", "Deferred work"),
    ("accessory", "Popular with owners of the model"),
    ("promotion", "Promotion"),
]
TYRE_SEASONS = [("summer", "Summer tyres"), ("winter", "Winter tyres")]
# items a car is sold once: offered again neither after they were bought nor after an accepted offer
ONE_OFF_KINDS = ("accessory", "warranty")
# the cars of customers, the only ones offered anything
ELIGIBLE_STATES = ("customer", "sold")
# an accessory is offered to a model's owners when at least this share of them bought it
ACCESSORY_MIN_SHARE = 0.1
# declined or deferred work older than this is no longer offered
WORK_MAX_AGE_DAYS = 730
# a promotion adds this to the score of an offer whose item it discounts
PROMOTION_BONUS = 10.0


class DealerNextOffer(models.Model):
    """A next-best offer: a catalogue item a customer is likely to buy next for one of their cars, and why.

    The rows are derived data: :meth:`_refresh` rebuilds them for the whole base with a fixed
    number of SQL statements (one ``INSERT … SELECT`` per source into a temporary table, then one
    ``DELETE`` of the stale rows and one upsert of the new ones), every night and on the
    "Refresh" buttons. An accepted offer stays as a record of the acceptance and is not offered
    again. The reason is not stored: it is written from the stored facts (due mileage, dates,
    share, promotion) in the reader's language.

    Score (higher first; a car gets the ``next_offer_count`` best of its candidates, one per item):

    - maintenance package due: ``100 − 40 × days until due / look-ahead days`` (60–100; overdue 100);
    - tyre change of the season: ``85 − 25 × days until the season starts / days offered ahead``
      (60–85; 85 once the season has started);
    - deferred work: ``80 − 20 × min(age in days, 365) / 365`` (60–80);
    - declined work: ``70 − 30 × min(age in days, 365) / 365`` (40–70);
    - accessory popular with the model's owners: ``20 + 50 × share of owners who bought it`` (25–70);
    - promotion on an item that fits the car: ``45 + min(discount %, 50) / 2`` (45–70);
    - an item of another source that a current promotion discounts: ``+ 10``, and the promotion is named.
    """

    _name = "dealer.next.offer"
    _description = "Next best offer"
    _order = "state, rank, score desc, id"
    _rec_name = "product_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    vehicle_id = fields.Many2one("dealer.vehicle", string="Vehicle", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Showroom", index=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", string="Item", required=True, index=True, ondelete="cascade")
    source = fields.Selection(OFFER_SOURCES, required=True, index=True)
    occurrence = fields.Char(
        required=True,
        help="Which occurrence of the need this is (the due mileage, the season, the visit line …): an "
        "accepted offer is not offered again for the same occurrence.",
    )
    promotion_id = fields.Many2one("dealer.promotion", string="Promotion", index="btree_not_null", ondelete="set null")
    score = fields.Float(digits=(6, 1), readonly=True, aggregator="avg")
    rank = fields.Integer(readonly=True, help="1 = the car's best offer.")
    state = fields.Selection(
        [("open", "Open"), ("accepted", "Accepted")], default="open", required=True, index=True, readonly=True
    )
    visit_line_id = fields.Many2one(
        "dealer.visit.line", string="Declined or deferred line", ondelete="cascade", index="btree_not_null"
    )
    due_km = fields.Integer(string="Due at (km)", readonly=True)
    due_date = fields.Date(
        string="Due", readonly=True, help="Maintenance due date, season start, planned date of deferred work."
    )
    origin_date = fields.Date(string="Declined or deferred on", readonly=True)
    share = fields.Float(string="Owners who bought it (%)", digits=(5, 1), readonly=True)
    season = fields.Selection(TYRE_SEASONS, readonly=True)
    reason = fields.Char(compute="_compute_reason", help="Why this item is offered, in the reader's language.")
    accepted_date = fields.Datetime(string="Accepted on", readonly=True)
    lead_id = fields.Many2one(
        "crm.lead",
        string="Accepted in",
        index="btree_not_null",
        ondelete="set null",
        help="The deal or service booking.",
    )

    _occurrence_uniq = models.UniqueIndex("(vehicle_id, product_id, source, occurrence)")
    _vehicle_rank_idx = models.Index("(vehicle_id, rank) WHERE state = 'open'")

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("source", "product_id", "due_km", "due_date", "origin_date", "share", "promotion_id", "season")
    @api.depends_context("lang")
    def _compute_reason(self):
        for offer in self:
            texts = [offer._source_reason()]
            if offer.promotion_id and offer.source != "promotion":
                texts.append(offer._promotion_reason())
            offer.reason = "; ".join(text for text in texts if text)

    def _day(self, day):
        return format_date(self.env, day, date_format="d MMMM y") if day else ""

    def _km(self, km):
        return formatLang(self.env, km or 0, digits=0)

    def _source_reason(self):
        if self.source == "maintenance":
            if not self.vehicle_id.last_odometer_date:
                return self.env._(
                    "Maintenance due at %(km)s km by %(date)s", km=self._km(self.due_km), date=self._day(self.due_date)
                )
            return self.env._(
                "Maintenance due at %(km)s km by %(date)s — projected mileage today %(projected)s km",
                km=self._km(self.due_km),
                date=self._day(self.due_date),
                projected=self._km(self.vehicle_id.projected_km),
            )
        if self.source == "tyre_season":
            if self.season == "winter":
                text = self.env._("Winter tyre change: the season starts %(date)s", date=self._day(self.due_date))
            else:
                text = self.env._("Summer tyre change: the season starts %(date)s", date=self._day(self.due_date))
            if self.product_id.dealer_tyre_storage:
                text = self.env._("%(reason)s (tyres stored with us before)", reason=text)
            return text
        if self.source in ("declined", "deferred"):
            work = self.visit_line_id.name or self.product_id.name
            if self.source == "declined":
                return self.env._("Declined on %(date)s: %(work)s", date=self._day(self.origin_date), work=work)
            if self.due_date:
                return self.env._(
                    "Deferred on %(date)s to %(until)s: %(work)s",
                    date=self._day(self.origin_date),
                    until=self._day(self.due_date),
                    work=work,
                )
            return self.env._("Deferred on %(date)s: %(work)s", date=self._day(self.origin_date), work=work)
        if self.source == "accessory":
            return self.env._(
                "Bought by %(share)s%% of %(model)s owners",
                share=formatLang(self.env, self.share, digits=0),
                model=self.vehicle_id.model_id.display_name,
            )
        if self.source == "promotion":
            return self._promotion_reason()
        return ""

    def _promotion_reason(self):
        promotion = self.promotion_id
        discount = formatLang(self.env, promotion.discount_percent, digits=0)
        if promotion.date_to:
            return self.env._(
                "Promotion '%(name)s' −%(discount)s%% until %(date)s",
                name=promotion.name,
                discount=discount,
                date=self._day(promotion.date_to),
            )
        return self.env._("Promotion '%(name)s' −%(discount)s%%", name=promotion.name, discount=discount)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_accept(self):
        """The "Add" button of the deal and the service booking: the lead of the context takes the offer."""
        lead = self.env["crm.lead"].browse(self.env.context.get("dealer_lead_id")).exists()
        if not lead:
            return False
        lead.check_access("write")
        self._check_offers_of(lead)
        lead._dealer_add_offer(self)
        return True

    def _check_offers_of(self, lead):
        """Refuse, naming it, an offer that is not of ``lead``'s car or customer: another customer's would be taken
        from them (never offered again), and a shared car's moved into this lead's showroom."""
        foreign = self.filtered(
            lambda offer: not (
                offer.vehicle_id == lead.vehicle_id or (lead.partner_id and offer.partner_id == lead.partner_id)
            )
        )
        if foreign:
            raise UserError(
                self.env._(
                    "Next best offer %(offer)s is not an offer of this deal's customer or car.",
                    offer=foreign[0].display_name,
                )
            )

    def _mark_accepted(self, lead):
        """Offers accepted on ``lead``: kept, never offered again for the same occurrence.

        Staff only read offers (derived data, rebuilt every night); the acceptance is the record of
        what a person who may write ``lead`` and read these offers did on it, written for them. An offer of a
        car shared by the showrooms becomes the lead's showroom's: the others do not read which of its deals
        took it (the occurrence is not offered again anywhere: the customer took it).
        """
        self.check_access("read")
        lead.check_access("write")
        self._check_offers_of(lead)
        offers = self.sudo()
        offers.write({"state": "accepted", "accepted_date": fields.Datetime.now(), "lead_id": lead.id})
        if lead.company_id:
            offers.filtered(lambda offer: not offer.company_id).company_id = lead.company_id

    def _note_accepted(self, lead):
        """The note a lead gets when these offers are accepted on it (in the staff's language)."""
        items = Markup("").join(
            Markup("<li>%s — %s</li>") % (offer.product_id.display_name, offer.reason) for offer in self
        )
        return Markup("%s<ul>%s</ul>") % (self.env._("Next best offers accepted:"), items)

    # ------------------------------------------------------------
    # Texts for customer messages
    # ------------------------------------------------------------

    def _offer_text(self, limit=3):
        """ "Item: reason; …" of the best ``limit`` open offers in the environment's language (placeholders)."""
        offers = self.filtered(lambda o: o.state == "open").sorted(lambda o: (-o.score, o.rank, o.id))[:limit]
        return "; ".join(f"{offer.product_id.name}: {offer.reason}" for offer in offers)

    # ------------------------------------------------------------
    # Refresh (set-based)
    # ------------------------------------------------------------

    @api.model
    def _settings(self):
        get = {key: int_param(self.env, param_name(key), INT_SETTINGS[key]) for key in INT_SETTINGS}
        return {
            "count": get["next_offer_count"],
            "maintenance_days": get["next_offer_maintenance_days"],
            "tyre_weeks": get["tyre_weeks_ahead"],
            "seasons": {
                "summer": (get["tyre_spring_month"], get["tyre_spring_day"]),
                "winter": (get["tyre_autumn_month"], get["tyre_autumn_day"]),
            },
        }

    @api.model
    def _refresh(self, vehicles=None):
        """Rebuild the open offers of ``vehicles`` (every car when ``None``) in a fixed number of statements.

        The candidates of each source go into a temporary table; the best ``next_offer_count`` per
        car (one per item, accepted occurrences left out) replace the car's open offers: rows that
        are still among them keep their id and get their new score, the others are deleted. How
        many cars there are changes nothing in the number of statements.
        """
        settings = self._settings()
        today = fields.Date.context_today(self)
        # every showroom's current promotions: the SQL matches each with the cars of its showroom
        Promotion = self.env["dealer.promotion"].sudo()
        promotions = Promotion.search(Promotion._current_domain(today))
        self.env.flush_all()
        cr = self.env.cr
        scope = {
            "all": vehicles is None,
            "ids": list(vehicles.ids) if vehicles is not None else [],
            "today": today,
            "states": list(ELIGIBLE_STATES),
            "promotions": promotions.ids,
        }
        cr.execute(SQL("DROP TABLE IF EXISTS dealer_next_offer_candidate"))
        cr.execute(
            SQL("""
            CREATE TEMPORARY TABLE dealer_next_offer_candidate (
                vehicle_id integer, partner_id integer, company_id integer, model_id integer,
                product_id integer, kind varchar, source varchar, occurrence varchar, score float,
                promotion_id integer, visit_line_id integer, due_km integer, due_date date,
                origin_date date, share float, season varchar
            ) ON COMMIT DROP
            """)
        )
        for statement in (
            self._maintenance_sql(scope, settings),
            self._tyre_season_sql(scope, settings),
            self._open_work_sql(scope),
            self._accessory_sql(scope),
            self._promotion_sql(scope),
        ):
            if statement is not None:
                cr.execute(statement)
        if promotions:
            cr.execute(self._promotion_bonus_sql(scope))
        # temporary tables have no statistics until analysed: without them the planner joins row by row
        cr.execute(SQL("ANALYZE dealer_next_offer_candidate"))
        cr.execute(SQL("DROP TABLE IF EXISTS dealer_next_offer_best"))
        cr.execute(self._best_sql(settings["count"]))
        cr.execute(SQL("CREATE INDEX ON dealer_next_offer_best (vehicle_id, product_id, source, occurrence)"))
        cr.execute(SQL("ANALYZE dealer_next_offer_best"))
        cr.execute(self._delete_stale_sql(scope))
        cr.execute(self._upsert_sql())
        self.env.invalidate_all()
        return True

    @api.model
    def _cron_refresh(self):
        return self._refresh()

    # SQL building blocks -------------------------------------------------

    @api.model
    def _scope_sql(self, scope, alias="v"):
        v = SQL.identifier(alias)
        return SQL(
            "%s.active AND %s.partner_id IS NOT NULL AND %s.state = ANY(%s) AND (%s OR %s.id = ANY(%s))",
            v,
            v,
            v,
            scope["states"],
            scope["all"],
            v,
            scope["ids"],
        )

    @api.model
    def _fits_sql(self, tmpl, vehicle):
        """The item ``tmpl`` (product_template alias) is active, of the car's showroom or shared, and fits its model."""
        t = SQL.identifier(tmpl)
        return SQL(
            "%(t)s.active AND %(showroom)s AND %(model)s",
            t=t,
            showroom=self._showroom_sql(tmpl, vehicle),
            model=self._fits_model_sql("dealer_product_template_model_rel", "product_tmpl_id", tmpl, vehicle),
        )

    @api.model
    def _showroom_sql(self, record, vehicle):
        """``record`` (an alias) belongs to the car's showroom or to every showroom."""
        r, v = SQL.identifier(record), SQL.identifier(vehicle)
        return SQL("(%(r)s.company_id IS NULL OR %(r)s.company_id = %(v)s.company_id)", r=r, v=v)

    @api.model
    def _fits_model_sql(self, relation, column, record, vehicle):
        """``record`` (an alias) names no model in ``relation`` (it fits every model), or the car's model."""
        rel, col, r, v = (SQL.identifier(name) for name in (relation, column, record, vehicle))
        return SQL(
            """(NOT EXISTS (SELECT 1 FROM %(rel)s mr WHERE mr.%(col)s = %(r)s.id)
                OR EXISTS (SELECT 1 FROM %(rel)s mr WHERE mr.%(col)s = %(r)s.id AND mr.model_id = %(v)s.model_id))""",
            rel=rel,
            col=col,
            r=r,
            v=v,
        )

    @api.model
    def _specific_sql(self, tmpl):
        """1 when the item names the models it fits (preferred to an item for every model), else 0."""
        return SQL(
            "(EXISTS (SELECT 1 FROM dealer_product_template_model_rel sr WHERE sr.product_tmpl_id = %s.id))::int",
            SQL.identifier(tmpl),
        )

    @api.model
    def _bought_sql(self, vehicle, product):
        """The car ``vehicle`` has a done visit line of the item ``product`` (SQL expressions)."""
        return SQL(
            """EXISTS (SELECT 1 FROM dealer_visit_line bl JOIN dealer_visit bv ON bv.id = bl.visit_id
                        WHERE bv.vehicle_id = %s AND bl.product_id = %s AND bl.status = 'done'
                          AND bv.state != 'cancelled')""",
            vehicle,
            product,
        )

    _INSERT = SQL(
        """INSERT INTO dealer_next_offer_candidate
           (vehicle_id, partner_id, company_id, model_id, product_id, kind, source, occurrence, score,
            promotion_id, visit_line_id, due_km, due_date, origin_date, share, season)"""
    )

    @api.model
    def _maintenance_sql(self, scope, settings):
        """The package of the maintenance due within the look-ahead: TO-n with n the step of the due
        mileage (due km / the model's interval), cycling after the highest n of the model's packages."""
        return SQL(
            """
            %(insert)s
            WITH due AS (
                SELECT v.id, v.partner_id, v.company_id, v.model_id, v.next_service_km, v.next_service_date,
                       GREATEST(1, round(v.next_service_km::numeric / vm.maintenance_interval_km))::int AS step
                  FROM dealer_vehicle v
                  JOIN dealer_vehicle_model vm ON vm.id = v.model_id
                 WHERE %(scope)s AND vm.maintenance_interval_km > 0 AND v.next_service_km > 0
                   AND v.next_service_date <= %(today)s::date + %(days)s
            ), pkg AS (
                SELECT d.id AS vehicle_id, pt.id AS tmpl_id, pt.dealer_maintenance_number AS n,
                       %(specific)s AS specific
                  FROM due d
                  JOIN dealer_vehicle v ON v.id = d.id
                  JOIN product_template pt ON pt.dealer_item_kind = 'maintenance' AND pt.dealer_maintenance_number > 0
                 WHERE %(fits)s
            ), top AS (
                SELECT vehicle_id, max(n) AS top FROM pkg GROUP BY vehicle_id
            )
            SELECT DISTINCT ON (d.id)
                   d.id, d.partner_id, d.company_id, d.model_id, pp.id, 'maintenance', 'maintenance',
                   'km:' || d.next_service_km,
                   100 - 40 * GREATEST(0, d.next_service_date - %(today)s::date)::float / GREATEST(%(days)s, 1),
                   NULL, NULL, d.next_service_km, d.next_service_date, NULL, NULL, NULL
              FROM due d
              JOIN top ON top.vehicle_id = d.id
              JOIN pkg ON pkg.vehicle_id = d.id AND pkg.n = (d.step - 1) %% top.top + 1
              JOIN product_product pp ON pp.product_tmpl_id = pkg.tmpl_id AND pp.active
          ORDER BY d.id, pkg.specific DESC, pp.id
            """,
            insert=self._INSERT,
            scope=self._scope_sql(scope),
            today=scope["today"],
            days=settings["maintenance_days"],
            specific=self._specific_sql("pt"),
            fits=self._fits_sql("pt", "v"),
        )

    @api.model
    def _tyre_season_sql(self, scope, settings):
        """The tyre change of the season offered now, with storage when the customer stored tyres with
        us before; not for a car whose tyres were already changed since the offer opened."""
        season = current_tyre_season(scope["today"], settings["seasons"], settings["tyre_weeks"])
        if not season:
            return None
        key, start, opens = season
        ahead = max((start - opens).days, 1)
        return SQL(
            """
            %(insert)s
            SELECT DISTINCT ON (v.id)
                   v.id, v.partner_id, v.company_id, v.model_id, pp.id, 'tyre', 'tyre_season',
                   %(occurrence)s,
                   85 - 25 * GREATEST(0, %(start)s::date - %(today)s::date)::float / %(ahead)s,
                   NULL, NULL, NULL, %(start)s::date, NULL, NULL, %(key)s
              FROM dealer_vehicle v
              JOIN product_template pt ON pt.dealer_item_kind = 'tyre'
              JOIN product_product pp ON pp.product_tmpl_id = pt.id AND pp.active
             CROSS JOIN LATERAL (
                   SELECT EXISTS (
                       SELECT 1 FROM dealer_visit_line sl
                         JOIN dealer_visit sv ON sv.id = sl.visit_id
                         JOIN product_product sp ON sp.id = sl.product_id
                         JOIN product_template st ON st.id = sp.product_tmpl_id
                        WHERE sv.partner_id = v.partner_id AND sl.status = 'done' AND sv.state != 'cancelled'
                          AND st.dealer_tyre_storage) AS stored
             ) s
             WHERE %(scope)s AND %(fits)s
               AND NOT EXISTS (
                   SELECT 1 FROM dealer_visit_line dl
                     JOIN dealer_visit dv ON dv.id = dl.visit_id
                     JOIN product_product dp ON dp.id = dl.product_id
                     JOIN product_template dt ON dt.id = dp.product_tmpl_id
                    WHERE dv.vehicle_id = v.id AND dl.status = 'done' AND dv.state != 'cancelled'
                      AND dt.dealer_item_kind = 'tyre' AND dv.date >= %(opens)s::date)
          ORDER BY v.id, (COALESCE(pt.dealer_tyre_storage, FALSE) = s.stored) DESC, %(specific)s DESC, pp.id
            """,
            insert=self._INSERT,
            occurrence=f"{key}:{start.isoformat()}",
            start=start,
            opens=opens,
            today=scope["today"],
            ahead=ahead,
            key=key,
            scope=self._scope_sql(scope),
            fits=self._fits_sql("pt", "v"),
            specific=self._specific_sql("pt"),
        )

    @api.model
    def _open_work_sql(self, scope):
        """Declined and deferred lines of a catalogue item not done on the car since (the latest per item)."""
        return SQL(
            """
            %(insert)s
            SELECT DISTINCT ON (v.id, l.product_id)
                   v.id, v.partner_id, vi.company_id, v.model_id, l.product_id, pt.dealer_item_kind, l.status,
                   'line:' || l.id,
                   CASE WHEN l.status = 'deferred'
                        THEN 80 - 20 * LEAST(%(today)s::date - vi.date, 365)::float / 365
                        ELSE 70 - 30 * LEAST(%(today)s::date - vi.date, 365)::float / 365 END,
                   NULL, l.id, NULL, l.deferred_until, vi.date, NULL, NULL
              FROM dealer_visit_line l
              JOIN dealer_visit vi ON vi.id = l.visit_id AND vi.state != 'cancelled'
              JOIN dealer_vehicle v ON v.id = vi.vehicle_id
              JOIN product_product pp ON pp.id = l.product_id AND pp.active
              JOIN product_template pt ON pt.id = pp.product_tmpl_id AND pt.active
             WHERE l.status IN ('declined', 'deferred') AND %(scope)s
               AND vi.date BETWEEN %(today)s::date - %(max_age)s AND %(today)s::date
               AND NOT EXISTS (
                   SELECT 1 FROM dealer_visit_line dl JOIN dealer_visit dv ON dv.id = dl.visit_id
                    WHERE dv.vehicle_id = v.id AND dl.product_id = l.product_id AND dl.status = 'done'
                      AND dv.state != 'cancelled' AND (dv.date, dv.id) > (vi.date, vi.id))
          ORDER BY v.id, l.product_id, vi.date DESC, l.id DESC
            """,
            insert=self._INSERT,
            today=scope["today"],
            max_age=WORK_MAX_AGE_DAYS,
            scope=self._scope_sql(scope),
        )

    @api.model
    def _accessory_sql(self, scope):
        """Accessories bought (a done visit line) by at least ``ACCESSORY_MIN_SHARE`` of the owners of a
        model, over the whole base, offered to the model's other owners."""
        return SQL(
            """
            %(insert)s
            WITH owned AS (
                SELECT v.id, v.model_id FROM dealer_vehicle v
                 WHERE v.active AND v.partner_id IS NOT NULL AND v.state = ANY(%(states)s) AND v.model_id IS NOT NULL
            ), owners AS (
                SELECT model_id, count(*) AS n FROM owned GROUP BY model_id
            ), bought AS (
                SELECT DISTINCT vi.vehicle_id, l.product_id
                  FROM dealer_visit_line l
                  JOIN dealer_visit vi ON vi.id = l.visit_id AND vi.state != 'cancelled'
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id AND pt.dealer_item_kind = 'accessory'
                 WHERE l.status = 'done'
            ), popular AS (
                SELECT o.model_id, b.product_id, count(*)::float / owners.n AS share
                  FROM bought b
                  JOIN owned o ON o.id = b.vehicle_id
                  JOIN owners ON owners.model_id = o.model_id
              GROUP BY o.model_id, b.product_id, owners.n
                HAVING count(*)::float / owners.n >= %(min_share)s
            )
            SELECT v.id, v.partner_id, v.company_id, v.model_id, p.product_id, 'accessory', 'accessory', 'once',
                   20 + 50 * p.share, NULL, NULL, NULL, NULL, NULL, round((100 * p.share)::numeric, 1), NULL
              FROM dealer_vehicle v
              JOIN popular p ON p.model_id = v.model_id
              JOIN product_product pp ON pp.id = p.product_id AND pp.active
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE %(scope)s AND %(fits)s
               AND NOT EXISTS (SELECT 1 FROM bought b WHERE b.vehicle_id = v.id AND b.product_id = p.product_id)
            """,
            insert=self._INSERT,
            states=scope["states"],
            min_share=ACCESSORY_MIN_SHARE,
            scope=self._scope_sql(scope),
            fits=self._fits_sql("pt", "v"),
        )

    @api.model
    def _promotion_applies_sql(self, promotion, vehicle):
        """The promotion ``promotion`` is of the car's showroom (or every one) and for its model (or every one)."""
        return SQL(
            "%(showroom)s AND %(model)s",
            showroom=self._showroom_sql(promotion, vehicle),
            model=self._fits_model_sql("dealer_promotion_model_rel", "promotion_id", promotion, vehicle),
        )

    @api.model
    def _promotion_sql(self, scope):
        """Items of the current promotions that fit the car; maintenance packages and tyre changes are
        offered by their own source only when due (the promotion then raises their score), cars never."""
        if not scope["promotions"]:
            return None
        return SQL(
            """
            %(insert)s
            SELECT DISTINCT ON (v.id, pp.id)
                   v.id, v.partner_id, v.company_id, v.model_id, pp.id, pt.dealer_item_kind, 'promotion',
                   'promotion:' || pr.id, 45 + LEAST(pr.discount_percent, 50) / 2, pr.id,
                   NULL, NULL, pr.date_to, NULL, NULL, NULL
              FROM dealer_promotion pr
              JOIN dealer_promotion_product_template_rel ptr ON ptr.promotion_id = pr.id
              JOIN product_template pt ON pt.id = ptr.product_tmpl_id
                   AND pt.dealer_item_kind NOT IN ('maintenance', 'tyre', 'car')
              JOIN product_product pp ON pp.product_tmpl_id = pt.id AND pp.active
              JOIN dealer_vehicle v ON %(scope)s AND %(applies)s AND %(fits)s
             WHERE pr.id = ANY(%(promotions)s)
               AND NOT (pt.dealer_item_kind = ANY(%(one_off)s) AND %(bought)s)
          ORDER BY v.id, pp.id, pr.discount_percent DESC, pr.id
            """,
            insert=self._INSERT,
            scope=self._scope_sql(scope),
            applies=self._promotion_applies_sql("pr", "v"),
            fits=self._fits_sql("pt", "v"),
            promotions=scope["promotions"],
            one_off=list(ONE_OFF_KINDS),
            bought=self._bought_sql(SQL("v.id"), SQL("pp.id")),
        )

    @api.model
    def _promotion_bonus_sql(self, scope):
        """A candidate of another source whose item a current promotion discounts names the best such promotion."""
        return SQL(
            """
            UPDATE dealer_next_offer_candidate c
               SET promotion_id = b.promotion_id, score = c.score + %(bonus)s
              FROM (
                   SELECT DISTINCT ON (v.vehicle_id, v.product_id) v.vehicle_id, v.product_id, pr.id AS promotion_id
                     FROM dealer_next_offer_candidate v
                     JOIN product_product pp ON pp.id = v.product_id
                     JOIN dealer_promotion_product_template_rel ptr ON ptr.product_tmpl_id = pp.product_tmpl_id
                     JOIN dealer_promotion pr ON pr.id = ptr.promotion_id
                    WHERE v.source != 'promotion' AND pr.id = ANY(%(promotions)s) AND %(applies)s
                 ORDER BY v.vehicle_id, v.product_id, pr.discount_percent DESC, pr.id
              ) b
             WHERE c.vehicle_id = b.vehicle_id AND c.product_id = b.product_id AND c.source != 'promotion'
            """,
            bonus=PROMOTION_BONUS,
            promotions=scope["promotions"],
            applies=self._promotion_applies_sql("pr", "v"),
        )

    @api.model
    def _best_sql(self, count):
        """The best ``count`` candidates per car, one per item, without the occurrences already accepted."""
        return SQL(
            """
            CREATE TEMPORARY TABLE dealer_next_offer_best ON COMMIT DROP AS
            SELECT * FROM (
                   SELECT c.*, row_number() OVER (PARTITION BY c.vehicle_id
                                                  ORDER BY c.score DESC, c.source, c.product_id) AS rank
                     FROM (
                          SELECT DISTINCT ON (c.vehicle_id, c.product_id) c.*
                            FROM dealer_next_offer_candidate c
                           WHERE NOT EXISTS (
                                 SELECT 1 FROM dealer_next_offer a
                                  WHERE a.state = 'accepted' AND a.vehicle_id = c.vehicle_id
                                    AND a.product_id = c.product_id
                                    AND ((a.source = c.source AND a.occurrence = c.occurrence)
                                         OR c.kind = ANY(%(one_off)s)))
                        ORDER BY c.vehicle_id, c.product_id, c.score DESC, c.source
                     ) c
            ) ranked
             WHERE rank <= %(count)s
            """,
            one_off=list(ONE_OFF_KINDS),
            count=count,
        )

    @api.model
    def _delete_stale_sql(self, scope):
        """The open offers of the cars in scope that are no longer among their best."""
        return SQL(
            """
            DELETE FROM dealer_next_offer o
             WHERE o.state = 'open' AND (%(all)s OR o.vehicle_id = ANY(%(ids)s))
               AND NOT EXISTS (
                   SELECT 1 FROM dealer_next_offer_best b
                    WHERE b.vehicle_id = o.vehicle_id AND b.product_id = o.product_id
                      AND b.source = o.source AND b.occurrence = o.occurrence)
            """,
            all=scope["all"],
            ids=scope["ids"],
        )

    @api.model
    def _upsert_sql(self):
        """The best offers: new ones inserted, those already open updated (they keep their id)."""
        return SQL(
            """
            INSERT INTO dealer_next_offer
                   (partner_id, vehicle_id, company_id, product_id, source, occurrence, promotion_id, score, rank,
                    state, visit_line_id, due_km, due_date, origin_date, share, season,
                    create_uid, create_date, write_uid, write_date)
            SELECT partner_id, vehicle_id, company_id, product_id, source, occurrence, promotion_id, score, rank,
                   'open', visit_line_id, due_km, due_date, origin_date, share, season,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM dealer_next_offer_best
                ON CONFLICT (vehicle_id, product_id, source, occurrence) DO UPDATE
               SET partner_id = EXCLUDED.partner_id, company_id = EXCLUDED.company_id,
                   promotion_id = EXCLUDED.promotion_id, score = EXCLUDED.score, rank = EXCLUDED.rank,
                   due_km = EXCLUDED.due_km, due_date = EXCLUDED.due_date, origin_date = EXCLUDED.origin_date,
                   share = EXCLUDED.share, season = EXCLUDED.season, visit_line_id = EXCLUDED.visit_line_id,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
             WHERE dealer_next_offer.state = 'open'
            """,
            uid=self.env.uid,
        )
