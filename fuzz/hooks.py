"""Schemathesis hooks of `make fuzz` (loaded through SCHEMATHESIS_HOOKS): the admin token every request
carries, kept working while the fuzzer exercises the endpoints that end it.

DELETE /auth/token revokes the very token it is sent with, and PATCH /users/{id} may deactivate the
fuzz user, demote it or give it a new password (which ends its tokens). Those are features, and they
stay fuzzed like every other operation; but the requests after them would all answer 401 or 403 and
test nothing. So on a 401 or 403, schemathesis asks this provider for a new token and sends the
request again: the provider makes the fuzz user an active admin again and mints a token for it
directly in the database (DATABASE_URL), as `erp token create` does. The first token is the one the
driver made with `erp token create` (ERP_FUZZ_TOKEN)."""
from __future__ import annotations

import os

import schemathesis

USER = os.environ.get("ERP_FUZZ_USER", "fuzz")


@schemathesis.auth(retry_on=[401, 403], refresh_interval=24 * 3600)
class FuzzUserToken:
    def __init__(self):
        self.token = os.environ["ERP_FUZZ_TOKEN"]
        self.app = None
        self.renewed = 0

    def get(self, case, context):
        if self.token is None:
            self.token = self._renew()
        token, self.token = self.token, None  # asked again only when this one stopped working
        return token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def _renew(self) -> str:
        from erp_core import create_app, services
        from erp_core.database import transaction

        if self.app is None:
            self.app = create_app()
        with self.app.app_context(), transaction():
            user = services.get_user_by_name(USER)
            user.active, user.role = True, "admin"
            self.renewed += 1
            return services.create_token(user)
