"""The host's test kit, for the core's tests, each addon's, and addons outside this repository.

Installing the host installs this as a pytest plugin (entry point ``erp`` in the ``pytest11``
group, module ``erp_core.testing.plugin``), so any test gets these fixtures without importing
them: ``app`` (a fresh database at the latest schema, on SQLite and, with ``TEST_DATABASE_URL``,
on PostgreSQL), ``client``, ``api``, ``backend``, ``app_settings`` (override it to build the app
with other settings), ``count_statements``, and for browser tests ``live_server``, ``page`` and
``login``. Mark a test ``postgres_only`` to run it on PostgreSQL only, ``browser`` for the browser.

The helpers below are imported: ``from erp_core.testing import ok, assert_error, log_in``."""
from .helpers import PASSWORD, Api, activity_of, anonymous_access_problems, assert_error, example_path, is_public, log_in, ok, pick

__all__ = ["PASSWORD", "Api", "activity_of", "anonymous_access_problems", "assert_error", "example_path", "is_public", "log_in", "ok", "pick"]
