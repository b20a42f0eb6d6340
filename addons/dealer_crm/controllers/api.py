"""The integration API (``/dealer/api/v1/``, see the repository's API.md).

Every endpoint is a thin wrapper around :func:`handle`, which gives all of them the same
contract: a JSON body in, JSON out; ``Authorization: Bearer <integration key>`` (an Odoo API key
of scope ``dealer_api``, which opens nothing else); errors as
``{"error": {"code", "message", "field"}}`` and never HTML; nothing written on error
(the work runs in a savepoint); idempotency by a key field of the body.

To add an endpoint in another addon::

    from odoo.addons.dealer_crm.controllers.api import handle, json_route

    class MyApi(http.Controller):
        @json_route("/dealer/api/v1/things")
        def things(self):
            return handle("things", "external_id", lambda env, payload: env["x"]._from_api(payload))

The callable returns ``(response dict, record)`` or just the response dict; it raises
``ApiInputError(field, message)`` for bad input, ``ApiNotFound`` for an unknown id in the path
(both from ``odoo.addons.dealer_crm.tools.api_input``, which models import: a model never imports
a controller).  ``handle(..., key_field=None)`` skips idempotency.
"""

import hashlib
import json
import logging
import re

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.exceptions import AccessError, ConcurrencyError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..tools.api_input import ApiInputError, ApiNotFound, check_storable

_logger = logging.getLogger(__name__)

API_GROUP = "dealer_crm.group_integration"
MAX_BODY = 1024 * 1024
MAX_BATCH = 100


class ApiConflict(Exception):
    """An idempotency key already used with a different body: answered with 409 conflict."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def json_route(path, **kw):
    return http.route(path, type="http", auth="public", csrf=False, save_session=False, **kw)


def error(status, code, message, field=None):
    return request.make_json_response({"error": {"code": code, "message": message, "field": field}}, status=status)


def _authenticate():
    header = request.httprequest.headers.get("Authorization") or ""
    # a key is printable ASCII (Odoo's are 40 hex digits): a NUL or a megabyte is refused before any look-up
    match = re.match(r"^bearer\s+([!-~]{1,256})$", header.strip(), re.IGNORECASE)
    if not match:
        return None
    return request.env["res.users.apikeys"].sudo()._dealer_api_check_credentials(match.group(1))


def _read_payload():
    mimetype = request.httprequest.mimetype
    if mimetype != "application/json":
        raise ApiInputError(None, "Content-Type must be application/json")
    # refused before it is read, by its announced length; a body sent in chunks announces none, and the
    # werkzeug of Odoo's packages (2.2) would read it whole whatever the limit: a length is required
    length = request.httprequest.content_length
    if length is None:
        raise ApiInputError(None, "a Content-Length header is required (a body sent in chunks is not read)")
    if length > MAX_BODY:
        raise ApiInputError(None, "the body is larger than 1 MiB")
    request.httprequest.max_content_length = MAX_BODY
    try:
        raw = request.httprequest.get_data()  # cached: a retried request (serialization failure) reads it again
    except RequestEntityTooLarge:
        raise ApiInputError(None, "the body is larger than 1 MiB") from None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiInputError(None, "the body is not valid UTF-8 JSON") from None
    except RecursionError:
        raise ApiInputError(None, "the body is nested too deeply") from None
    if not isinstance(payload, dict):
        raise ApiInputError(None, "the body must be a JSON object")
    # ids in the path (…/{external_id}/cancel), then every string of the body: a NUL or a lone
    # surrogate is refused here, naming its field, before any of it reaches a query
    check_storable(dict(request.params))
    check_storable(payload)
    return payload


def idempotency_key(payload, key_field, label=None):
    """The request's idempotency key (``label`` names it in errors, e.g. ``leads[2].external_id``)."""
    label = label or key_field
    value = payload.get(key_field)
    if not isinstance(value, str) or not value.strip():
        raise ApiInputError(label, f"{label} is required")
    if len(value) > 128:
        raise ApiInputError(label, f"{label} must have at most 128 characters")
    return value.strip()


def body_digest(payload):
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def handle_batch(env, payload, list_field, endpoint, key_field, create_batch):
    """A batch of requests of ``endpoint`` in one body: ``{list_field: [request, ...]}``.

    Every item keeps its own idempotency key, shared with the single endpoint (a request
    sent alone and again in a batch is the same request): replayed items answer with
    their stored result, new ones are created together by ``create_batch(env, items,
    indexes)`` (returning ``(responses, records)``). One invalid item rejects the batch
    and nothing is written. Returns ``(response, records, status)`` for :func:`handle`.
    """
    items = payload.get(list_field)
    if not isinstance(items, list) or not items:
        raise ApiInputError(list_field, f"{list_field} must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise ApiInputError(list_field, f"{list_field} may hold at most {MAX_BATCH} items")
    Requests = env["dealer.api.request"]
    results, new, seen = [None] * len(items), [], set()
    for index, item in enumerate(items):
        label = f"{list_field}[{index}]"
        if not isinstance(item, dict):
            raise ApiInputError(label, f"{label} must be an object")
        key = idempotency_key(item, key_field, f"{label}.{key_field}")
        if key in seen:
            raise ApiInputError(f"{label}.{key_field}", f"{label}.{key_field} {key} appears twice in this batch")
        seen.add(key)
        digest = body_digest(item)
        previous = Requests._claim(endpoint, key, digest)
        if not previous:
            new.append((index, key))
        elif previous["body_hash"] != digest:
            raise ApiConflict(f"{label}.{key_field}", f"{key_field} {key} was already used with a different body")
        else:
            results[index] = {**previous["response"], "replayed": True}
    records = None
    if new:
        responses, records = create_batch(env, [items[i] for i, _key in new], [i for i, _key in new])
        for (index, key), response, record in zip(new, responses, records, strict=True):
            results[index] = {**response, "replayed": False}
            Requests._store_result(endpoint, key, 201, results[index], record)
    response = {"results": results, "created": len(new), "replayed": not new}
    return response, records, 201 if new else 200


def handle(endpoint, key_field, work, success_status=201):
    """Authenticate, parse, claim the idempotency key and run ``work(env, payload)``."""
    if request.httprequest.method != "POST":
        return error(405, "method_not_allowed", "use POST")
    uid = _authenticate()
    if not uid:
        return error(401, "unauthorized", "missing or invalid API key")
    request.update_env(user=uid)
    # what the API writes for the staff (lead names, notes, tasks) is in the showroom's language,
    # not in whatever language the integration's HTTP client happens to announce
    request.update_context(lang=request.env["mail.thread"]._dealer_staff_lang(request.env.company))
    env = request.env
    if not env.user.has_group(API_GROUP):
        return error(403, "forbidden", "this API key's user is not in the Integration (API) group")
    try:
        payload = _read_payload()
        key = idempotency_key(payload, key_field) if key_field else None
        body_hash = body_digest(payload)
        with env.cr.savepoint():
            if key:
                previous = env["dealer.api.request"]._claim(endpoint, key, body_hash)
                if previous:
                    if previous["body_hash"] != body_hash:
                        return error(409, "conflict", f"{key_field} {key} was already used with a different body")
                    return request.make_json_response({**previous["response"], "replayed": True}, status=200)
            result = work(env, payload)
            response, record, *status = result if isinstance(result, tuple) else (result, None)
            status = status[0] if status else success_status
            response = {"replayed": False, **response}
            if key:
                env["dealer.api.request"]._store_result(endpoint, key, status, response, record)
            env.flush_all()
        return request.make_json_response(response, status=status)
    except ApiInputError as exc:
        return error(400, "invalid_input", exc.message, exc.field)
    except ApiConflict as exc:
        return error(409, "conflict", exc.message, exc.field)
    except ApiNotFound as exc:
        return error(404, "not_found", str(exc) or "not found")
    except AccessError:
        return error(403, "forbidden", "this API key's user may not do this")
    except (UserError, ValidationError) as exc:
        return error(400, "invalid_input", str(exc), None)
    except (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, ConcurrencyError):
        # a concurrent request with the same key (or creating the same UTM name): Odoo's request runner
        # (retrying) rolls back and replays this request, which then answers as a replay (finds the
        # name); caught below it was a 500
        raise
    except Exception:
        _logger.exception("dealer API %s failed", endpoint)
        return error(500, "internal", "internal error; it has been logged")


class DealerCrmApi(http.Controller):
    @json_route("/dealer/api/v1/visits")
    def visits(self, **_form):
        return handle("visits", "external_id", lambda env, payload: env["dealer.visit"]._create_from_api(payload))

    @json_route("/dealer/api/v1/leads")
    def leads(self, **_form):
        return handle("leads", "external_id", lambda env, body: env["crm.lead"]._dealer_create_from_api(body))

    @json_route("/dealer/api/v1/leads/batch")
    def leads_batch(self, **_form):
        return handle(
            "leads_batch",
            None,
            lambda env, body: handle_batch(
                env,
                body,
                "leads",
                "leads",
                "external_id",
                lambda env, items, indexes: env["crm.lead"]._dealer_create_batch_from_api(items, indexes),
            ),
        )

    @json_route("/dealer/api/v1/calls")
    def calls(self, **_form):
        return handle("calls", "call_id", lambda env, body: env["crm.lead"]._dealer_register_call_from_api(body))
