#!/usr/bin/env bash
# Re-extract the messages, merge them into the German catalogue and compile it.
# Run from anywhere; translate new (empty) entries in de/LC_MESSAGES/messages.po,
# then run this again to compile. Needs the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
BABEL=.venv/bin/pybabel
$BABEL extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
    --project Schwarm --version 0.1 --copyright-holder "Schwarm" \
    --msgid-bugs-address schwarm@localhost --sort-output \
    -o schwarm/translations/messages.pot .
if [ -f schwarm/translations/de/LC_MESSAGES/messages.po ]; then
    $BABEL update -i schwarm/translations/messages.pot -d schwarm/translations \
        --no-fuzzy-matching
else
    $BABEL init -i schwarm/translations/messages.pot -d schwarm/translations -l de
fi
$BABEL compile -d schwarm/translations --statistics
