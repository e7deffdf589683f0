"""Mail in: group addresses, the SMTP gateway and the mbox import.

* ``mailgate.parsing``: raw mail -> :class:`~mailgate.parsing.ParsedMail`
* ``mailgate.services``: sender/group lookup and :func:`~mailgate.services.deliver`
  (mail -> post or comment through the stream's services), shared by
* ``mailgate.gateway`` (``schwarm mail-gateway``) and ``mailgate.mbox``
  (``schwarm import-mbox``).

Every group has the address ``<slug>@MAIL_LIST_DOMAIN``; it is shown on the
group page when the domain is configured.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def group_section(viewer: Any, group: Any) -> tuple[str, dict] | None:
    """The group's e-mail address, for those who may see the group."""
    from mailgate.services import group_address
    from schwarm import access

    address = group_address(group)
    if address is None or not access.can_view_group(viewer, group):
        return None
    return "mailgate/_group_address.html", {
        "address": address, "can_post": access.can_post_in_group(viewer, group)}


def init_app(app: Flask) -> None:
    """The CLI commands, the group page's address and the model (for migrations)."""
    from mailgate import cli, models  # noqa: F401
    from schwarm.groups.views import GROUP_SECTIONS

    app.cli.add_command(cli.mail_gateway_command)
    app.cli.add_command(cli.import_mbox_command)
    if group_section not in GROUP_SECTIONS:
        GROUP_SECTIONS.insert(0, group_section)  # a one-line card above the stream
