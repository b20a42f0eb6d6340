import secrets
from datetime import timedelta

import phonenumbers

from odoo import api, fields, models, tools
from odoo.addons.dealer_crm.tools.tokens import same_token
from odoo.tools import SQL

from .dealer_workshop_car_lookup import ipv6_site, network
from .res_config_settings import workshop_param

MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 3
# codes asked from one connection an hour, whatever the numbers (SMS cost, spamming strangers)
MAX_CODES_PER_IP_HOUR = 10
# codes asked from one IPv6 site (a /48: what a hosting provider or a business is given, 65,536 subscriber
# networks) an hour, of all showrooms as per connection: one server rotating its /64s would otherwise reach a
# showroom's cap and shut the booking page's codes for everyone; far above what one site's customers ask
MAX_CODES_PER_IPV6_SITE_HOUR = 30
# codes a showroom sends an hour, all numbers and connections together: what a botnet rotating
# addresses could make it pay for (SMS pumping); far above a busy showroom's real demand
MAX_CODES_PER_COMPANY_HOUR = 200
# codes one number gets a day, and wrong codes typed for it within some hours before it gets no more: someone who
# knows a customer's number cannot keep guessing, 5 tries a code, hour after hour (nor have them texted all day);
# the wrong tries' window is short, so that a stranger's guesses lock the customer out for hours, not a day
MAX_CODES_PER_DAY = 8
MAX_WRONG_CODES = 15
WRONG_CODES_HOURS = 6
CODE_DIGITS = 6
# codes go only to mobile numbers of the showroom's country (no premium or foreign ranges)
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
DEFAULT_REGION = "RU"


class DealerWorkshopOtp(models.Model):
    """A one-time code sent to a phone to confirm an anonymous booking (owner: booking page).

    Only a hash of the code is stored (keyed by the database secret); a code expires after the
    ``otp_minutes`` setting, allows ``MAX_ATTEMPTS`` tries and is used once; a phone gets at most
    ``MAX_CODES_PER_HOUR`` codes an hour, a connection ``MAX_CODES_PER_IP_HOUR`` and a showroom
    ``MAX_CODES_PER_COMPANY_HOUR``; codes go only to mobile numbers of the showroom's country.
    The SMS goes out at once: the person is waiting for it, so neither marketing consent nor quiet
    hours apply; it is logged in the dispatch log (without the code) when the phone belongs to
    the one customer of the showroom with that number.
    """

    _name = "dealer.workshop.otp"
    _description = "Booking confirmation code"
    _order = "id desc"

    phone = fields.Char(required=True, index=True)
    code_hash = fields.Char(required=True)
    expires_at = fields.Datetime(required=True)
    attempts = fields.Integer()
    used = fields.Boolean()
    company_id = fields.Many2one("res.company", required=True, index=True)
    ip_address = fields.Char(string="Asked from", help="The address the code was asked from (kept a day).")

    @api.model
    def _hash(self, phone, code):
        return tools.hmac(self.env(su=True), "dealer_workshop-otp", f"{phone}:{code}")

    @api.model
    def _dealer_phone_partner(self, phone, company):
        """The customer a confirmed ``phone`` (E.164) stands for at ``company``, or an empty record.

        A code proves control of a number, not which of the contacts sharing it is booking (a
        spouse, a fleet's switchboard, another showroom's customer): only the single active contact
        of this showroom (or shared by all) with that number is taken; with none or several, the
        person books as a new customer and sees no one else's cars.
        """
        if not phone:
            return self.env["res.partner"].sudo()
        matches = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=True)
            .search([("phone_sanitized", "=", phone), ("company_id", "in", [company.id, False])], limit=2)
        )
        return matches if len(matches) == 1 else matches.browse()

    @api.model
    def _dealer_mobile_problem(self, phone, company, lang):
        """An error message unless ``phone`` (E.164) is a mobile number of the showroom's country."""
        region = company.country_id.code or DEFAULT_REGION
        try:
            number = phonenumbers.parse(phone or "", region)
        except phonenumbers.NumberParseException:
            number = None
        if (
            number
            and phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == region
            and phonenumbers.number_type(number) in MOBILE_TYPES
        ):
            return None
        country = company.country_id.with_context(lang=lang).name or region
        return self.with_context(lang=lang).env._(
            "Enter a mobile phone number of %(country)s: codes are sent by SMS to mobile numbers only.",
            country=country,
        )

    @api.model
    def _dealer_send_code(self, phone, company, lang, ip_address=None):
        """Send a new code to ``phone`` (E.164); returns an error message, or None when it went out."""
        Otp = self.sudo()
        env = self.with_context(lang=lang).env
        now = fields.Datetime.now()
        problem = self._dealer_mobile_problem(phone, company, lang)
        if problem:
            return problem
        ip_address = network(ip_address)  # an IPv6 subscriber's /64 network is one connection
        # a request over a limit is refused before it takes the showroom's lock (a flood of refused requests
        # does not hold up the customers'); then requests of one showroom send codes one after the other: a
        # parallel request fails to serialize on the showroom's row and Odoo replays it, which then counts the
        # codes just sent (a lock alone would not do: its snapshot would still miss them) — the limits hold
        # under a burst too
        problem = self._dealer_over_limit(phone, company, ip_address, now, env)
        if problem:
            return problem
        self.env.cr.execute(SQL("UPDATE res_company SET write_date = write_date WHERE id = %s", company.id))
        problem = self._dealer_over_limit(phone, company, ip_address, now, env)
        if problem:
            return problem
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        minutes = workshop_param(self.env, "otp_minutes")
        otp = Otp.create(
            {
                "phone": phone,
                "code_hash": self._hash(phone, code),
                "expires_at": now + timedelta(minutes=minutes),
                "company_id": company.id,
                "ip_address": ip_address,
            }
        )
        partner = self._dealer_phone_partner(phone, company)
        # the customer the number is known as reads it in their language, whatever the browser's
        installed = dict(self.env["res.lang"].get_installed())
        lang = partner.lang if partner.lang in installed else lang
        text = self.with_context(lang=lang).env._(
            "%(code)s is your code to book a service visit at %(company)s. It is valid for %(minutes)s minutes.",
            code=code,
            company=company.name,
            minutes=minutes,
        )
        sms = self.env["sms.sms"].sudo().create({"number": phone, "body": text, "partner_id": partner.id})
        logged = otp._log_dispatch(partner, sms)
        # at once, and removed at once (Odoo's send only marks it for its daily clean-up): the code is never kept
        sms.send(unlink_failed=True, unlink_sent=True)
        refused = sms.state == "error" and (sms.failure_type or "unknown")
        sms.unlink()
        if refused:
            # the provider refused it (no credit, an account problem): the person waits for nothing, and a code
            # that never left counts against no limit; the log names the provider's reason (shown translated)
            known = logged._fields["failure_type"].get_values(logged.env)
            logged.write({"state": "failed", "failure_type": refused if refused in known else "unknown"})
            otp.unlink()
            return env._(
                "The SMS with the code could not be sent. Try again in a few minutes, or call us to book your visit."
            )
        return None

    @api.model
    def _dealer_over_limit(self, phone, company, ip_address, now, env):
        """Why no code may be sent now (a message in ``env``'s language), else None."""
        Otp = self.sudo()
        hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
        if Otp.search_count([("phone", "=", phone), ("create_date", ">", hour_ago)]) >= MAX_CODES_PER_HOUR:
            return env._("Too many codes were sent to this number. Try again in an hour.")
        today = Otp.search_fetch([("phone", "=", phone), ("create_date", ">", day_ago)], ["attempts", "create_date"])
        if len(today) >= MAX_CODES_PER_DAY:
            return env._(
                "Too many codes were sent to this number in the last 24 hours. Please call us to book your visit."
            )
        recent = today.filtered(lambda otp: otp.create_date > now - timedelta(hours=WRONG_CODES_HOURS))
        if sum(recent.mapped("attempts")) >= MAX_WRONG_CODES:
            return env._(
                "Too many wrong codes were typed for this number. Try again later, or call us to book your visit."
            )
        if (
            ip_address
            and Otp.search_count([("ip_address", "=", ip_address), ("create_date", ">", hour_ago)])
            >= MAX_CODES_PER_IP_HOUR
        ):
            return env._("Too many codes were asked from this connection. Try again in an hour.")
        site = ipv6_site(ip_address)
        if site:
            # the last hour's IPv6 codes: a few hundred at most, each showroom's capped
            recent = Otp.search_fetch([("ip_address", "=like", "%:%"), ("create_date", ">", hour_ago)], ["ip_address"])
            if sum(ipv6_site(otp.ip_address) == site for otp in recent) >= MAX_CODES_PER_IPV6_SITE_HOUR:
                return env._("Too many codes were asked from this connection. Try again in an hour.")
        if (
            Otp.search_count([("company_id", "=", company.id), ("create_date", ">", hour_ago)])
            >= MAX_CODES_PER_COMPANY_HOUR
        ):
            return env._("We cannot send more codes right now. Try again in an hour, or call us to book your visit.")
        return None

    def _log_dispatch(self, partner, sms):
        """The code's SMS in the customer's message log, without the code."""
        self.ensure_one()
        if not partner:
            return self.env["dealer.dispatch"]
        now = fields.Datetime.now()
        # the log's entry is read by the staff (the customer got the code's own text): in the showroom's language
        staff = self.env["mail.thread"]._dealer_staff_lang(self.company_id)
        label = self.with_context(lang=staff).env._("Booking confirmation code (the code is not kept)")
        return (
            self.env["dealer.dispatch"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "channel": "sms",
                    "state": "sent",
                    "occurrence_date": fields.Date.context_today(self),
                    "scheduled_at": now,
                    "sent_at": now,
                    "res_model": self._name,
                    "res_id": self.id,
                    "subject": label,
                    "body": label,
                    "sms_id": sms.id,
                    "transactional": True,
                }
            )
        )

    @api.model
    def _dealer_check_code(self, phone, code, lang):
        """Check the code typed for ``phone``; returns an error message, or None when it is right.

        A wrong try is counted (the only write on bad input: it is what stops guessing); the
        right code is spent.
        """
        env = self.with_context(lang=lang).env
        otp = self.sudo().search([("phone", "=", phone), ("used", "=", False)], limit=1)
        if not otp or otp.expires_at < fields.Datetime.now():
            return env._("The code has expired or was not requested. Ask for a new code.")
        if otp.attempts >= MAX_ATTEMPTS:
            return env._("Too many wrong codes. Ask for a new code.")
        if not same_token(self._hash(phone, (code or "").strip()), otp.code_hash):
            otp.attempts += 1
            return env._("The code is wrong. Check the SMS and try again.")
        otp.used = True
        return None

    @api.autovacuum
    def _gc_expired(self):
        """Codes are of no use a day after they expire (the daily limits count the last day)."""
        self.sudo().search([("expires_at", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()
