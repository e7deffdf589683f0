"""Account pages: setup, sign in/out, sign-up, profiles, settings, admin."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from schwarm import access, activities
from schwarm.accounts import reset, services
from schwarm.accounts.auth import start_session
from schwarm.accounts.forms import (
    ConfirmForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
    TokenForm,
)
from schwarm.config import signup_domains
from schwarm.db import write_transaction
from schwarm.errors import ServiceError
from schwarm.extensions import db, limiter
from schwarm.security import safe_next

bp = Blueprint("accounts", __name__)

# Pages reachable without signing in.
PUBLIC_ENDPOINTS = {"accounts.login", "accounts.setup", "accounts.register", "static",
                    "accounts.healthz", "accounts.reset_request", "accounts.reset_password"}


@bp.before_app_request
def login_wall():
    """Everything but sign-in, setup, feeds, the API and static files needs an account."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS or request.path.startswith(("/api/", "/feeds/")):
        return None
    if _needs_setup() and endpoint != "accounts.setup":
        return redirect(url_for("accounts.setup"))
    if not current_user.is_authenticated and endpoint:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    return None


def _needs_setup() -> bool:
    """True until the first account exists; remembered once false (users are never deleted)."""
    if current_app.extensions.get("schwarm.setup_done"):
        return False
    needed = services.needs_setup()
    if not needed:
        current_app.extensions["schwarm.setup_done"] = True
    return needed


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if not services.needs_setup():
        abort(404)
    from schwarm.accounts.forms import AccountForm

    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = services.setup_first_admin(form.username.data, form.email.data,
                                              form.password.data, form.display_name.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            _sign_in(user, remember=False)
            flash(_("Welcome! You are the first admin."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/setup.html", form=form)


def _sign_in(user, remember: bool) -> None:
    session.clear()  # a fresh session at every sign-in: no fixation
    with write_transaction():
        start_session(user)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("index"))
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            # The same words for unknown users, wrong passwords and leavers.
            flash(_("Wrong username, e-mail or password."), "error")
        else:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("index"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.sign_out(current_user.login_key)
        # Clear first: logout_user() leaves a note in the session to delete the
        # remember-me cookie, which a later clear() would throw away.
        session.clear()
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    invite = request.values.get("invite", "")
    form = RegisterForm(invite=invite)
    invite_ok = services.valid_invite(invite) is not None
    open_domains = bool(signup_domains(current_app.config["SIGNUP_DOMAINS"]))
    if form.validate_on_submit():
        try:
            user = services.register(form.username.data, form.email.data, form.password.data,
                                     form.display_name.data, invite_token=form.invite.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            _sign_in(user, remember=False)
            flash(_("Welcome to Schwarm!"), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/register.html", form=form, invite_ok=invite_ok,
                           open_domains=open_domains)


@bp.get("/u/<username>")
@login_required
def profile(username: str):
    user = services.get_user(username)
    if user is None or not access.can_view_user(current_user, user):
        abort(404)
    recent = activities.recent_for_actor(current_user, user.id)
    sections = [provider(current_user, user) for provider in PROFILE_SECTIONS]
    return render_template("accounts/profile.html", user=user, activities=recent,
                           sections=[s for s in sections if s])


# Features add parts of a profile page: provider(viewer, user) -> (template, context) or None.
PROFILE_SECTIONS: list = []
# Features add parts of the settings page: provider(user) -> (template, context) or None.
SETTINGS_SECTIONS: list = []


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.expertise.data = " ".join(current_user.expertise)
        form.language.data = current_user.language or ""
    if form.validate_on_submit():
        change = services.ProfileChange(
            display_name=form.display_name.data, title=form.title.data or "",
            department=form.department.data or "", expertise=form.expertise.data or "",
            language=form.language.data, timezone=form.timezone.data.strip())
        try:
            services.update_profile(current_user, change)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form, password_form=PasswordForm(),
                           token_form=TokenForm(), confirm=ConfirmForm(),
                           tokens=services.list_tokens(current_user),
                           timezones=services.timezone_names(),
                           sections=[s for s in (provider(current_user)
                                                 for provider in SETTINGS_SECTIONS) if s])


@bp.post("/settings/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your password is changed; other sessions were signed out."), "success")
    else:
        flash(_("New passwords need at least 8 characters."), "error")
    return redirect(url_for("accounts.settings"))


@bp.post("/settings/tokens")
@login_required
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = services.create_token(current_user, form.name.data, form.scope.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            return render_template("accounts/token_created.html", token=token, secret=secret)
    return redirect(url_for("accounts.settings"))


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            services.revoke_token(current_user, token_id)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.settings"))


@bp.get("/healthz")
def healthz():
    """Database (and, when registered, index) reachable."""
    from sqlalchemy import text

    checks = {"database": "ok"}
    status = 200
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure means unhealthy; the detail goes to the log
        current_app.logger.exception("health check: database")
        checks["database"] = "error"
        status = 503
    for name, check in current_app.extensions.get("schwarm.health", {}).items():
        try:
            check()
            checks[name] = "ok"
        except Exception:
            current_app.logger.exception("health check: %s", name)
            checks[name] = "error"
            status = 503
    return {"status": "ok" if status == 200 else "error", "checks": checks}, status


# --- password reset ----------------------------------------------------------------------

@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        reset.request_reset(form.login.data)
        # The same words whether or not the account exists.
        flash(_("If an account with that name or address exists, we have sent it a link "
                "to choose a new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def reset_password(token: str):
    if reset.user_for_token(token) is None:
        return render_template("accounts/reset_password.html", form=None), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(token, form.new_password.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            session.clear()
            logout_user()
            flash(_("Your new password is set; all sessions were signed out. Please sign in."),
                  "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


# The admin pages live in their own module on the same blueprint.
from schwarm.accounts import admin_views  # noqa: E402,F401
