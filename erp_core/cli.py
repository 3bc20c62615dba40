"""The ``erp`` command line. Each command runs as one transaction, like a web or API action."""
from __future__ import annotations

import sys

import click
from flask import Flask

from . import create_app, services
from .database import db, transaction
from .errors import DomainError
from .models import ROLES, User

DEMO_USERS = (("admin", "admin"), ("accountant", "accountant"), ("warehouse", "warehouse"), ("manager", "inventory_manager"))


def _run(app: Flask, action, *args, **kwargs):
    with app.app_context():
        try:
            with transaction():
                return action(*args, **kwargs)
        except DomainError as exc:
            lines = [f"Error: {exc.message}"] + [f"  - {d.get('field') or d.get('serial') or ''}: {d['message']}" for d in exc.details]
            raise click.ClickException("\n".join(lines)) from None


def _database_label(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]  # without credentials


def initialise(app: Flask, demo: bool) -> list[tuple[str, str, str]]:
    """Bring the database to the latest schema and create default (and demo) data.
    Returns the demo users created now, with their generated passwords."""
    from .migrations import upgrade_database

    upgrade_database(app)

    def data():
        app.extensions["erp"].hook.erp_init_data()
        created = []
        if demo:
            for username, role in DEMO_USERS:
                if db.session.scalar(db.select(User.id).where(User.username == username)) is None:
                    password = services.generate_password()
                    services.create_user(username, role, password)
                    created.append((username, role, password))
            app.extensions["erp"].hook.erp_demo_data()
        return created

    return _run(app, data)


def build_cli(app: Flask) -> click.Group:
    @click.group(help="Serial-tracking ERP: set up the database, manage users and tokens, serve the app.")
    def cli():
        pass

    @cli.command("init", help="Create or upgrade the schema and default data; --demo adds demo data.")
    @click.option("--demo", is_flag=True, help="Also create demo users, partners, products and a posted bill.")
    def init_command(demo):
        created = initialise(app, demo)
        click.echo(f"Database ready: {_database_label(app)}")
        for username, role, password in created:
            click.echo(f"  demo user {username:<10} role {role:<17} password {password}")
        if created:
            click.echo("These passwords are shown once; change one with `erp user passwd NAME`.")

    @cli.group("user", help="Manage users.")
    def user_group():
        pass

    @user_group.command("create", help="Create a user; prompts for the password when --password is not given.")
    @click.argument("name")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--password", help="At least 8 characters.")
    def user_create(name, role, password):
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = _run(app, lambda: services.create_user(name, role, password).username)
        click.echo(f"Created user {user} with role {role}.")

    @user_group.command("passwd", help="Set a user's password; generates one when --password is not given.")
    @click.argument("name")
    @click.option("--password")
    def user_passwd(name, password):
        generated = password is None
        password = password or services.generate_password()
        _run(app, services.set_password, name, password)
        click.echo(f"New password for {name}: {password}" if generated else f"Password of {name} changed.")

    @cli.group("token", help="Manage API tokens.")
    def token_group():
        pass

    @token_group.command("create", help="Print a new API token for user NAME (last line of the output).")
    @click.argument("name")
    def token_create(name):
        token = _run(app, lambda: services.create_token(services.get_user_by_name(name)))
        click.echo(f"API token for {name} (shown once):")
        click.echo(token)

    @cli.command("run", help="Serve the app with the development server (use gunicorn in production).")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def run_command(host, port):
        from .migrations import schema_is_current

        if not schema_is_current(app):
            raise click.ClickException(f"The database ({_database_label(app)}) is empty or older than the code: run `erp init` first.")
        app.run(host=host, port=port, debug=False)

    @cli.command("addons", help="List the loaded addons in load order.")
    def addons_command():
        for addon in app.extensions["erp"].addons:
            depends = ", ".join(addon.depends) or "-"
            click.echo(f"{addon.name:<20} {addon.version:<10} depends: {depends}")

    @cli.command("makemigration", help="Developers: autogenerate a migration on BRANCH (an addon name, or core).")
    @click.argument("branch")
    @click.option("-m", "--message", required=True)
    def makemigration_command(branch, message):
        from .migrations import make_revision, upgrade_database

        upgrade_database(app)
        make_revision(app, branch, message)

    for commands in app.extensions["erp"].hook.erp_cli_commands():
        for command in commands:
            cli.add_command(command)
    return cli


def main(argv: list[str] | None = None) -> None:
    app = create_app()
    # Addon commands get the app as click's context object (``@click.pass_obj``).
    build_cli(app)(args=argv if argv is not None else sys.argv[1:], prog_name="erp", obj=app)
