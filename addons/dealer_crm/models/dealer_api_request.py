import json

from psycopg2 import errors

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
    replay_count = fields.Integer(
        readonly=True,
        default=0,
        help="How many times the same request came again and was answered with the stored result "
        "(replays arriving at the same moment may count once).",
    )

    _endpoint_key_uniq = models.UniqueIndex("(endpoint, company_id, key)")
    _create_date_idx = models.Index("(create_date)")  # the nightly purge of old requests

    @api.model
    def _claim(self, endpoint, key, body_hash):
        """Insert the request's row; return ``None`` when claimed, else the existing row's values.

        A key already stored is answered from its row, and the request writes nothing but
        its replay count: replays of one key arriving together must all get their 200, not
        queue on the row or fail on each other's updates (Odoo runs requests in REPEATABLE
        READ, where updating a row another transaction changed since the snapshot fails).
        A new key is claimed by ``INSERT … ON CONFLICT DO NOTHING``, the race-free way: a
        concurrent first request with the same key waits on the unique index, fails with a
        serialization error once the first commits, and Odoo's retry finds the stored row.
        """
        cr = self.env.cr
        company = self.env.company.id
        row = self._stored(endpoint, company, key)
        if not row:
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
                    company=company,
                    uid=self.env.uid,
                    hash=body_hash,
                )
            )
            if cr.fetchone():
                return None
            row = self._stored(endpoint, company, key)
        request_id, body_hash_before, status, response = row
        self._count_replay(request_id)
        return {"body_hash": body_hash_before, "status": status, "response": json.loads(response or "{}")}

    @api.model
    def _stored(self, endpoint, company, key):
        self.env.cr.execute(
            SQL(
                "SELECT id, body_hash, status, response FROM dealer_api_request"
                " WHERE endpoint = %s AND company_id = %s AND key = %s",
                endpoint,
                company,
                key,
            )
        )
        return self.env.cr.fetchone()

    @api.model
    def _count_replay(self, request_id):
        """Count a replay unless another replay of the same key is being counted right now.

        ``NOWAIT`` and the savepoint keep the answer independent of the counter: a row locked
        or changed by a concurrent replay is left to that one (simultaneous replays may count
        once), and the failed statement is not logged as an error.
        """
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL("SELECT 1 FROM dealer_api_request WHERE id = %s FOR UPDATE NOWAIT", request_id),
                    log_exceptions=False,
                )
                cr.execute(
                    SQL("UPDATE dealer_api_request SET replay_count = replay_count + 1 WHERE id = %s", request_id),
                    log_exceptions=False,
                )
        except (errors.LockNotAvailable, errors.SerializationFailure):
            pass

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

    @api.model
    def _purge_before(self, cutoff, batch=10000):
        """Delete the requests received before ``cutoff`` (``dealer.data.retention``), a batch per commit."""
        cr = self.env.cr
        while True:
            cr.execute(
                SQL(
                    "DELETE FROM dealer_api_request WHERE id IN"
                    " (SELECT id FROM dealer_api_request WHERE create_date < %s ORDER BY id LIMIT %s)",
                    cutoff,
                    batch,
                )
            )
            deleted = cr.rowcount
            self.env["ir.cron"]._commit_progress(deleted)
            if deleted < batch:
                break
        self.env.invalidate_all()
