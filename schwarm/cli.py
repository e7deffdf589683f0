"""The ``schwarm`` command: a Flask CLI group. Every command runs non-interactively
when given its options; missing ones are prompted for only in a terminal."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from schwarm.errors import ServiceError


def _create_app():
    from schwarm import create_app

    return create_app()


def _value(value: str | None, prompt: str, hide: bool = False) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise click.UsageError(f"--{prompt.lower().replace(' ', '-')} is required")
    return click.prompt(prompt, hide_input=hide, confirmation_prompt=hide)


def init_instance(app: Flask) -> None:
    """Create the instance folder, secret key, database schema and index; idempotent."""
    from flask_migrate import upgrade

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key = secrets.token_hex(32)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key
    config_file = instance / "config.py"
    if not config_file.exists():
        config_file.write_text(
            "# Schwarm instance settings; environment variables win over these.\n"
            "# SIGNUP_DOMAINS = 'example.com'\n"
            "# DATABASE_URL = 'postgresql://user@127.0.0.1/schwarm'\n"
        )
    with app.app_context():
        # "heads": every feature's branch, also before a merge revision joins them.
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        for hook in app.extensions.get("schwarm.init_hooks", []):
            hook()


@click.command("init")
@with_appcontext
def init_command():
    """Create the instance folder, secret key, database (migrations) and index."""
    init_instance(current_app._get_current_object())
    click.echo(f"Instance ready in {current_app.instance_path}")


def _create(username, email, password, display_name, admin):
    from schwarm.accounts.services import create_user

    username = _value(username, "Username")
    email = _value(email, "Email")
    password = _value(password, "Password", hide=True)
    try:
        user = create_user(username, email, password, display_name or "", is_admin=admin)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {'admin' if admin else 'user'} {user.username}")


@click.command("create-admin")
@click.option("--username")
@click.option("--email")
@click.option("--password")
@click.option("--display-name")
@with_appcontext
def create_admin_command(username, email, password, display_name):
    """Create an admin account."""
    _create(username, email, password, display_name, True)


@click.command("create-user")
@click.option("--username")
@click.option("--email")
@click.option("--password")
@click.option("--display-name")
@with_appcontext
def create_user_command(username, email, password, display_name):
    """Create an ordinary account."""
    _create(username, email, password, display_name, False)


@click.group("token")
def token_group():
    """API tokens."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@with_appcontext
def token_create(username, name):
    """Print a new API token for USERNAME (the token alone on the last line)."""
    from schwarm.accounts.services import create_token, get_user

    user = get_user(username)
    if user is None or not user.active:
        raise click.ClickException(f"No active user {username!r}.")
    try:
        _, secret = create_token(user, name)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Token for {user.username} ({name}); it is shown only once:")
    click.echo(secret)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=0, type=int, help="default: 2 x CPUs + 1, at most 8")
@click.option("--timeout", default=60, show_default=True, type=int)
def serve_command(host, port, workers, timeout):
    """Production server (gunicorn)."""
    workers = workers or min(8, 2 * (os.cpu_count() or 1) + 1)
    args = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--timeout", str(timeout),
        "--graceful-timeout", "20",
        # JSON logs (access to stdout) with ?token= secrets redacted, and the
        # search indexer process beside the workers.
        "--config", "python:schwarm.serving",
        "--forwarded-allow-ips", "127.0.0.1",
        "schwarm:create_app()",
    ]
    click.echo(f"Serving on http://{host}:{port} with {workers} workers")
    os.execv(sys.executable, args)


def init_app(app: Flask) -> None:
    """Register the commands on ``app.cli``."""
    from schwarm.backup import backup_command
    from schwarm.demo import demo_command

    for command in (init_command, create_admin_command, create_user_command, token_group,
                    serve_command, demo_command, backup_command):
        app.cli.add_command(command)


cli = FlaskGroup(create_app=_create_app, add_default_commands=True)


def main() -> None:
    """Entry point of the ``schwarm`` console script."""
    cli(prog_name="schwarm")
