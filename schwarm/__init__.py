"""Schwarm: internal knowledge and micro-blogging platform.

:func:`create_app` is the one place that knows every blueprint. Importing this
package has no side effects: no app, no database, no index is created.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """The instance folder: ``SCHWARM_INSTANCE`` or ``./instance``."""
    return Path(os.environ.get("SCHWARM_INSTANCE") or "instance").resolve()


def database_uri(url: str | None, instance_path: Path) -> str:
    """DATABASE_URL made SQLAlchemy-ready; default SQLite in the instance folder."""
    if not url:
        return f"sqlite:///{instance_path / 'schwarm.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build a Schwarm app: defaults, instance/config.py, environment, ``test_config``."""
    from schwarm.config import Defaults, from_environment

    instance_path = Path(
        (test_config or {}).get("INSTANCE_PATH") or instance_folder()
    ).resolve()
    app = Flask(
        "schwarm",
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Defaults)
    # An absolute path: a relative one would be read beside the package, not the instance.
    app.config.from_pyfile(str(instance_path / "config.py"), silent=True)
    app.config.update(from_environment(os.environ))
    if test_config:
        app.config.update(test_config)

    if not app.config.get("SECRET_KEY"):
        key_file = instance_path / "secret_key"
        if key_file.exists():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        else:
            # Without `schwarm init` there is no stored key; sessions last one process.
            app.config["SECRET_KEY"] = secrets.token_hex(32)
            app.logger.warning("no secret key in %s; run `schwarm init`", key_file)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", database_uri(app.config.get("DATABASE_URL"), instance_path)
    )
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(instance_path / "index")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    _init_extensions(app)
    from schwarm import pagecache

    # After the extensions' hooks (CSRF, rate limits), before the features' own.
    pagecache.init_app(app)
    _register_blueprints(app)

    from schwarm import cli, errors, security, templating

    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from schwarm.accounts import auth
    from schwarm.db import configure_sqlite
    from schwarm.extensions import babel, csrf, db, limiter, login_manager, migrate
    from schwarm.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "schwarm" / "translations"),
    )
    login_manager.init_app(app)
    auth.init_login_manager(login_manager)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _register_blueprints(app: Flask) -> None:
    from schwarm import api
    from schwarm.accounts import api as accounts_api
    from schwarm.accounts import views as accounts_views
    from schwarm.groups import api as groups_api
    from schwarm.groups import views as groups_views
    from schwarm.notifications import api as notifications_api
    from schwarm.notifications import views as notification_views

    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(groups_views.bp)
    app.register_blueprint(notification_views.bp)
    api.register(app, accounts_api.bp, groups_api.bp, notifications_api.bp)
    from schwarm.groups.services import register_handover

    register_handover(app)  # first, so that later sources see the successor's new memberships
    # The feature packages; search first, so the others can register documents with it.
    import archive
    import catchup
    import mailgate
    import questions
    import search
    import stream
    import wiki

    for feature in (search, stream, wiki, questions, catchup, mailgate, archive):
        feature.init_app(app)
