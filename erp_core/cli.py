"""The ``erp`` command line: a Flask command group that builds the app only when a command needs
it. The core's commands and each addon's (``erp_cli_commands``) are commands of the app, run in
its app context; each runs its business action as one transaction, like a web or API action."""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import WSGIRequestHandler

from . import create_app, services
from .database import db, transaction
from .errors import DomainError, detail_label


@contextmanager
def command_transaction():
    """One business action of a command: committed at the end, rolled back on any error; a broken
    rule is printed as the error of the command (exit code 1) with every offending item."""
    try:
        with transaction():
            yield
    except DomainError as exc:
        lines = [exc.message] + [f"  - {detail_label(d)}: {d['message']}" for d in exc.details]
        raise click.ClickException("\n".join(lines)) from None


def _run(action, *args, **kwargs):
    with command_transaction():
        return action(*args, **kwargs)


def _database_label(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]  # without credentials


def initialise(app: Flask, demo: bool) -> list[tuple[str, str, str]]:
    """Bring the database to the latest schema and create default (and demo) data.
    Returns the demo users created now, with their generated passwords."""
    from .migrations import upgrade_database
    from .settings import secret_key_file

    upgrade_database(app)
    if not app.secret_key:  # made now, before several workers could each make one
        from pathlib import Path

        app.secret_key = app.config["SECRET_KEY"] = secret_key_file(Path(app.instance_path))

    def data():
        state = app.extensions["erp"]
        state.hook.erp_init_data()
        created = []
        if demo:
            for role in state.roles.values():
                if role.demo_user and db.session.scalar(db.select(services.User.id).where(services.User.username == role.demo_user)) is None:
                    password = services.generate_password()
                    services.create_user(role.demo_user, role.name, password)
                    created.append((role.demo_user, role.name, password))
            state.hook.erp_demo_data()
        return created

    with app.app_context():
        return _run(data)


# ---------------------------------------------------------------- the core's commands


@click.command("init", help="Create or upgrade the schema and default data; --demo adds demo data.")
@click.option("--demo", is_flag=True, help="Also create demo users, partners, products and a posted bill.")
@with_appcontext
def init_command(demo):
    app = current_app._get_current_object()
    created = initialise(app, demo)
    click.echo(f"Database ready: {_database_label(app)}")
    for username, role, password in created:
        click.echo(f"  demo user {username:<10} role {role:<17} password {password}")
    if created:
        click.echo("These passwords are shown once; change one with `erp user passwd NAME`.")


class RoleChoice(click.Choice):
    """The roles of the loaded addons, known once the app is built."""

    def __init__(self):
        super().__init__([])

    def convert(self, value, param, ctx):
        self.choices = list(current_app.extensions["erp"].roles)
        return super().convert(value, param, ctx)

    def get_metavar(self, param, ctx=None):
        return "ROLE"


@click.group("user", help="Manage users.")
def user_group():
    pass


@user_group.command("create", help="Create a user; prompts for the password when --password is not given.")
@click.argument("name")
@click.option("--role", required=True, type=RoleChoice(), help="One of the roles the loaded addons declare (see `erp roles`).")
@click.option("--password", help="At least 10 characters.")
@with_appcontext
def user_create(name, role, password):
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(lambda: services.create_user(name, role, password).username)
    click.echo(f"Created user {user} with role {role}.")


@user_group.command("deactivate", help="Deactivate user NAME: their sessions and tokens end at once (the last active admin stays).")
@click.argument("name")
@with_appcontext
def user_deactivate(name):
    _run(services.deactivate_user, name)
    click.echo(f"User {name} is deactivated; their sessions and API tokens no longer work.")


@user_group.command("passwd", help="Set a user's password; generates one when --password is not given.")
@click.argument("name")
@click.option("--password")
@with_appcontext
def user_passwd(name, password):
    generated = password is None
    password = password or services.generate_password()
    _run(services.set_password, name, password)
    click.echo(f"New password for {name}: {password}" if generated else f"Password of {name} changed.")


@click.group("token", help="Manage API tokens.")
def token_group():
    pass


@token_group.command("create", help="Print a new API token for user NAME (last line of the output).")
@click.argument("name")
@with_appcontext
def token_create(name):
    token = _run(lambda: services.create_token(services.get_user_by_name(name)))
    click.echo(f"API token for {name} (shown once):")
    click.echo(token)


@token_group.command("revoke", help="Revoke every API token of user NAME.")
@click.argument("name")
@with_appcontext
def token_revoke(name):
    revoked = _run(lambda: services.revoke_tokens(services.get_user_by_name(name)))
    click.echo(f"{revoked} API token{'' if revoked == 1 else 's'} of {name} revoked.")


class NoBannerRequestHandler(WSGIRequestHandler):
    """The development server without its "Werkzeug/x Python/y" banner: versions help attackers only."""

    def version_string(self) -> str:
        return "ERP"


@click.command("run", help="Serve the app with the development server (use gunicorn in production).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload when the code changes and show tracebacks in the browser (never in production).")
@with_appcontext
def run_command(host, port, debug):
    from werkzeug.serving import run_simple

    from .migrations import schema_problem

    app = current_app._get_current_object()
    problem = schema_problem(app)
    if problem:
        raise click.ClickException(problem)
    app.debug = debug
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True, request_handler=NoBannerRequestHandler)


@click.command("addons", help="List the loaded addons in load order.")
@with_appcontext
def addons_command():
    for addon in current_app.extensions["erp"].addons:
        depends = ", ".join(addon.depends) or "-"
        click.echo(f"{addon.name:<20} {addon.version:<10} depends: {depends}")


@click.command("roles", help="List the roles the loaded addons declare.")
@with_appcontext
def roles_command():
    for role in current_app.extensions["erp"].roles.values():
        click.echo(f"{role.name:<20} {role.label:<20} {role.description}")


@click.command("settings", help="Show every setting: its value and the addon that declared it.")
@with_appcontext
def settings_command():
    app = current_app._get_current_object()
    click.echo(f"Instance folder: {app.instance_path} (ERP_INSTANCE_PATH)")
    for setting in app.extensions["erp"].settings:
        value = app.config[setting.key]
        shown = ("(set)" if value else "(not set)") if setting.secret else setting.show(value)
        click.echo(f"{setting.key:<24} {shown:<40} [{setting.addon}] {setting.help}")


@click.command("makemigration", help="Developers: autogenerate a migration on BRANCH (an addon name, or core).")
@click.argument("branch")
@click.option("-m", "--message", required=True)
@with_appcontext
def makemigration_command(branch, message):
    from .migrations import make_revision, upgrade_database

    app = current_app._get_current_object()
    upgrade_database(app)
    make_revision(app, branch, message)


def init_app(app: Flask) -> None:
    """The core's commands, then each addon's, as commands of ``app``."""
    from .scaffold import addon_group

    for command in (init_command, user_group, token_group, run_command, addons_command, roles_command, settings_command,
                    makemigration_command, addon_group):
        app.cli.add_command(command)
    for commands in app.extensions["erp"].hook.erp_cli_commands():
        for command in commands:
            app.cli.add_command(command)


class ErpGroup(FlaskGroup):
    """``erp``: Flask's command group without its Flask-specific options (the app is always ours,
    and settings come from the environment and erp.env)."""

    def __init__(self):
        super().__init__(name="erp", create_app=create_app, add_default_commands=False, add_version_option=False,
                         load_dotenv=False, set_debug_flag=False,
                         help="The ERP and its addons: set up the database, manage users and tokens, serve the app.")
        self.params = [p for p in self.params if p.name not in ("env_file", "app", "debug")]


main = ErpGroup()
