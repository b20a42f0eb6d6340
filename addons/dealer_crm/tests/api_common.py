"""Base class for tests of the integration API over real HTTP."""

import json

from odoo.tests import HttpCase, new_test_user


class DealerApiCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.company.country_id = cls.env.ref("base.ru")
        cls.api_user = new_test_user(
            cls.env, login="dealer_api_bot", groups="base.group_user,dealer_crm.group_integration"
        )
        cls.api_key = cls.env["res.users.apikeys"].with_user(cls.api_user).sudo()._generate("dealer_api", "test", None)
        cls.plain_user = new_test_user(cls.env, login="dealer_api_plain", groups="base.group_user")
        cls.plain_key = (
            cls.env["res.users.apikeys"].with_user(cls.plain_user).sudo()._generate("dealer_api", "test", None)
        )

    def post(self, path, body, key=None, headers=None, raw=None, method="POST"):
        """POST ``body`` as JSON; returns ``(status, parsed JSON)`` and checks the answer is JSON."""
        all_headers = {"Content-Type": "application/json"}
        if key is not False:
            all_headers["Authorization"] = f"Bearer {key or self.api_key}"
        all_headers.update(headers or {})
        data = raw if raw is not None else json.dumps(body)
        response = self.url_open(path, data=data, headers=all_headers, timeout=60, method=method)
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json", response.text)
        return response.status_code, response.json()

    def assertApiError(self, answer, status, code, field=None):
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if field is not None:
            self.assertEqual(body["error"]["field"], field, body)

    def table_counts(self, *models):
        return {model: self.env[model].sudo().with_context(active_test=False).search_count([]) for model in models}
