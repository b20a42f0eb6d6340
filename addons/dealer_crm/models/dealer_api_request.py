import json

from odoo import api, fields, models
from odoo.tools import SQL


class DealerApiRequest(models.Model):
    """One accepted integration API request, keyed by its idempotency key.

    The unique index on (endpoint, company, key) is what makes replays safe: the first
    request inserts its row inside the same transaction as the records it creates; a
    concurrent identical request blocks on that index until the first commits and then
    finds the row, so it answers with the stored result instead of creating a second record.
    """

    _name = "dealer.api.request"
    _description = "Integration API request"
    _order = "id desc"

    endpoint = fields.Char(required=True, readonly=True, index=True)
    key = fields.Char(string="Idempotency key", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="API user", readonly=True)
    body_hash = fields.Char(readonly=True)
    status = fields.Integer(readonly=True)
    response = fields.Text(readonly=True)
    res_model = fields.Char(string="Record model", readonly=True)
    res_id = fields.Many2oneReference(string="Record", model_field="res_model", readonly=True)
    replay_count = fields.Integer(readonly=True, default=0)

    _endpoint_key_uniq = models.UniqueIndex("(endpoint, company_id, key)")

    @api.model
    def _claim(self, endpoint, key, body_hash):
        """Insert the request's row; return ``None`` when claimed, else the existing row's values.

        Raw SQL because ``ON CONFLICT DO NOTHING`` is the race-free way to claim a key.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            INSERT INTO dealer_api_request
                   (endpoint, key, company_id, user_id, body_hash, replay_count,
                    create_uid, write_uid, create_date, write_date)
            VALUES (%(endpoint)s, %(key)s, %(company)s, %(uid)s, %(hash)s, 0,
                    %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC')
       ON CONFLICT DO NOTHING
         RETURNING id
                """,
                endpoint=endpoint,
                key=key,
                company=self.env.company.id,
                uid=self.env.uid,
                hash=body_hash,
            )
        )
        if cr.fetchone():
            return None
        cr.execute(
            SQL(
                """
            UPDATE dealer_api_request SET replay_count = replay_count + 1
             WHERE endpoint = %s AND company_id = %s AND key = %s
         RETURNING body_hash, status, response
                """,
                endpoint,
                self.env.company.id,
                key,
            )
        )
        body_hash_before, status, response = cr.fetchone()
        return {"body_hash": body_hash_before, "status": status, "response": json.loads(response or "{}")}

    @api.model
    def _store_result(self, endpoint, key, status, response, record=None):
        self.env.cr.execute(
            SQL(
                """
            UPDATE dealer_api_request
               SET status = %(status)s, response = %(response)s, res_model = %(model)s, res_id = %(res_id)s
             WHERE endpoint = %(endpoint)s AND company_id = %(company)s AND key = %(key)s
                """,
                status=status,
                response=json.dumps(response),
                model=record._name if record else None,
                res_id=record.id if record else None,
                endpoint=endpoint,
                company=self.env.company.id,
                key=key,
            )
        )
