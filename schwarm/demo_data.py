"""Word lists and text pieces for ``schwarm demo``: a German/English company.

Pure data plus small pure functions that compose texts from it with a given
``random.Random``, so the same seed always writes the same instance.
"""

from __future__ import annotations

import random

DEMO_PASSWORD = "schwarm-demo"

FIRST_NAMES = (
    "Anna", "Jonas", "Lena", "Lukas", "Mia", "Felix", "Sophie", "Paul", "Emma", "Leon",
    "Hannah", "Finn", "Laura", "Tim", "Julia", "Max", "Sarah", "David", "Lea", "Jan",
    "Katrin", "Stefan", "Ines", "Jörg", "Özlem", "Mehmet", "Olivia", "James", "Grace",
    "Oliver", "Amelia", "Harry", "Chloe", "Noah", "Priya", "Ravi", "Elena", "Marco",
    "Zoe", "Björn", "Sven", "Ute", "Dirk", "Heike", "Tobias", "Nina", "Fatima", "Ali",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Smith", "Jones", "Taylor",
    "Brown", "Wilson", "Evans", "Walker", "Wright", "Green", "Hall", "Patel", "Kaya",
    "Yılmaz", "Rossi", "Nowak", "Jansen", "Berg", "Vogel", "Frank",
)
DEPARTMENTS = (
    ("Vertrieb", "Sales"), ("Entwicklung", "Engineering"), ("Marketing", "Marketing"),
    ("Personal", "People"), ("Finanzen", "Finance"), ("Kundenservice", "Customer Support"),
    ("IT-Betrieb", "IT Operations"), ("Produktmanagement", "Product"), ("Recht", "Legal"),
    ("Einkauf", "Procurement"), ("Logistik", "Logistics"), ("Datenanalyse", "Data"),
)
TITLES = (
    "Teamleitung", "Senior Engineer", "Werkstudentin", "Product Owner", "Account Manager",
    "Data Scientist", "Referentin", "Sachbearbeiter", "Head of Sales", "UX Designer",
    "Systemadministrator", "Trainee", "Support Engineer", "Controller", "Recruiter",
)
TAGS = (
    "release", "onboarding", "kubernetes", "datenschutz", "security", "vertrieb",
    "kundenservice", "urlaub", "python", "postgres", "qualität", "homeoffice", "kantine",
    "budget", "roadmap", "recruiting", "hackathon", "ci", "monitoring", "backup", "dsgvo",
    "reisekosten", "email", "barrierefreiheit", "api", "messe", "quartalszahlen", "design",
    "testing", "schulung", "nachhaltigkeit", "einkauf", "logistik", "kpi", "okr", "incident",
)
GROUPS = (
    ("vertrieb", "Vertrieb", "Alles rund um Kunden, Angebote und Abschlüsse.", "public"),
    ("engineering", "Engineering", "Releases, architecture, code reviews and on-call.",
     "public"),
    ("marketing", "Marketing", "Kampagnen, Messen, Website und Presse.", "public"),
    ("people", "People & Culture", "Onboarding, trainings, benefits and events.", "public"),
    ("finanzen", "Finanzen", "Budgets, Reisekosten und Quartalszahlen.", "public"),
    ("support", "Kundenservice", "Tickets, escalations and the knowledge base.", "public"),
    ("it-betrieb", "IT-Betrieb", "Server, Backups, Monitoring und Störungen.", "public"),
    ("produkt", "Produkt", "Roadmap, discovery and customer feedback.", "public"),
    ("data", "Data & Analytics", "Dashboards, KPIs und Datenqualität.", "public"),
    ("kantine", "Kantine & Büro", "Speiseplan, Büroalltag und Fundsachen.", "public"),
    ("hackathon", "Hackathon", "Ideen, Teams und Ergebnisse des Hackathons.", "public"),
    ("nachhaltigkeit", "Nachhaltigkeit", "Green office, travel and suppliers.", "public"),
    ("betriebsrat", "Betriebsrat", "Vertrauliche Themen des Betriebsrats.", "private"),
    ("geschaeftsleitung", "Geschäftsleitung", "Strategy and board matters.", "private"),
    ("security-team", "Security Team", "Incidents, pentests and audits.", "private"),
    ("recruiting-intern", "Recruiting intern", "Bewerbungen und Gehaltsbänder.", "private"),
)
PROJECT_WORDS = ("phoenix", "atlas", "nordstern", "kompass", "orion", "falke", "aurora",
                 "merkur", "zugspitze", "elbe", "rhein", "lotse", "delta", "quelle")

SENTENCES = {
    "de": (
        "Das neue Release ist seit heute Morgen live.",
        "Bitte tragt eure Urlaubsplanung bis Freitag im Kalender ein.",
        "Wir haben die Qualitätsprüfung für den Kunden Müller AG abgeschlossen.",
        "Die Datenschutzschulung ist für alle Pflicht, Termin ist am Donnerstag.",
        "Kann jemand das Monitoring für die Datenbankserver übernehmen?",
        "Die Reisekostenabrechnung geht ab sofort nur noch über das neue Portal.",
        "Im dritten Quartal liegen wir beim Umsatz deutlich über Plan.",
        "Die Kantine bietet ab Montag wieder vegetarische Gerichte an.",
        "Für die Messe in Hannover suchen wir noch zwei Freiwillige am Stand.",
        "Das Backup der Kundendatenbank lief heute Nacht fehlerfrei durch.",
        "Unsere Kundenzufriedenheit ist im letzten Monat um drei Punkte gestiegen.",
        "Der Betriebsausflug findet dieses Jahr am Bodensee statt.",
        "Die Migration auf Kubernetes ist zu achtzig Prozent erledigt.",
        "Bitte denkt an die Barrierefreiheit bei den neuen Formularen.",
        "Wer hat Erfahrung mit der Schnittstelle zum Lagerverwaltungssystem?",
        "Das Angebot für die Stadtwerke ist raus, Rückmeldung erwarten wir nächste Woche.",
        "Die E-Mail-Vorlagen für das Onboarding sind überarbeitet.",
        "Ab Oktober gilt die neue Homeoffice-Regelung.",
        "Der Lieferant hat die Preise um fünf Prozent erhöht.",
        "Danke an alle, die beim Hackathon mitgemacht haben!",
        "Die Zugangsdaten für das Testsystem liegen im Passwortsafe.",
        "Im Besprechungsraum Elbe funktioniert der Beamer wieder.",
        "Wir stellen zwei neue Werkstudentinnen im Vertrieb ein.",
        "Die Störung im Rechenzentrum ist behoben, Ursache war ein defektes Netzteil.",
    ),
    "en": (
        "The new release went live this morning.",
        "Please add your holiday plans to the calendar by Friday.",
        "We finished the quality review for the Müller account.",
        "The data protection training is mandatory; the session is on Thursday.",
        "Could someone take over monitoring for the database servers?",
        "Travel expenses now go through the new portal only.",
        "Revenue for the third quarter is well above plan.",
        "The canteen is serving vegetarian dishes again from Monday.",
        "We still need two volunteers for the trade fair booth in Hanover.",
        "Last night's backup of the customer database completed without errors.",
        "Customer satisfaction went up three points last month.",
        "The on-call rotation for next month is published in the wiki.",
        "The Kubernetes migration is eighty percent done.",
        "Please keep accessibility in mind for the new forms.",
        "Who has experience with the warehouse management API?",
        "The proposal for the city utilities is out; we expect an answer next week.",
        "The onboarding email templates have been reworked.",
        "The new remote work policy applies from October.",
        "Our supplier raised prices by five percent.",
        "Thanks to everyone who joined the hackathon!",
        "Credentials for the staging system are in the password vault.",
        "The projector in the Elbe meeting room works again.",
        "We are hiring two working students for the sales team.",
        "The data centre outage is fixed; the cause was a broken power supply.",
    ),
}
QUESTIONS = {
    "de": (
        ("Wie beantrage ich einen zweiten Monitor?", "hardware"),
        ("Wo finde ich die Vorlage für Reisekosten?", "reisekosten"),
        ("Wie richte ich den VPN-Zugang im Homeoffice ein?", "homeoffice"),
        ("Wer ist für die DSGVO-Auskunftsanfragen zuständig?", "dsgvo"),
        ("Wie bekomme ich Zugriff auf das Monitoring?", "monitoring"),
        ("Gibt es eine Checkliste für das Onboarding neuer Kollegen?", "onboarding"),
        ("Wie lange werden Backups aufbewahrt?", "backup"),
        ("Welche Python-Version nutzen wir in Produktion?", "python"),
    ),
    "en": (
        ("How do I request a second monitor?", "hardware"),
        ("Where is the template for travel expenses?", "reisekosten"),
        ("How do I set up VPN access when working from home?", "homeoffice"),
        ("Who handles GDPR data subject requests?", "dsgvo"),
        ("How do I get access to monitoring?", "monitoring"),
        ("Is there an onboarding checklist for new colleagues?", "onboarding"),
        ("How long are backups kept?", "backup"),
        ("Which PostgreSQL version runs in production?", "postgres"),
    ),
}
COMMENTS = {
    "de": ("Danke für die Info!", "Super, das hilft uns sehr.", "Gibt es dazu eine Doku?",
           "Ich kümmere mich darum.", "Ist das schon mit dem Kunden abgestimmt?",
           "Klingt gut, bin dabei.", "Können wir das im nächsten Jour fixe besprechen?",
           "Die Zahlen sehen wirklich gut aus.", "Bitte auch im Wiki ergänzen."),
    "en": ("Thanks for the update!", "Great, that helps a lot.", "Is there documentation?",
           "I'll take care of it.", "Has this been agreed with the customer?",
           "Sounds good, count me in.", "Can we discuss this in the next weekly?",
           "The numbers look really good.", "Please add it to the wiki as well."),
}
ANSWERS = {
    "de": ("Das steht im Wiki unter [[IT/Hardware]].", "Frag am besten beim IT-Betrieb nach.",
           "Die Vorlage liegt im Intranet unter Formulare.", "Wir nutzen aktuell Version 3.11."),
    "en": ("It's in the wiki under [[IT/Hardware]].", "Best ask IT Operations.",
           "The template is on the intranet under Forms.", "We run 3.11 at the moment."),
}
WIKI_TOPICS = (
    ("Onboarding", "de"), ("Reisekosten", "de"), ("Homeoffice", "de"), ("Urlaubsplanung", "de"),
    ("Release process", "en"), ("On-call handbook", "en"), ("Backup and restore", "en"),
    ("Code review guidelines", "en"), ("Datenschutz", "de"), ("Kantine", "de"),
    ("Security incident response", "en"), ("Messeplanung", "de"), ("Kundenservice", "de"),
    ("API conventions", "en"), ("Brand guidelines", "en"), ("Einkaufsrichtlinie", "de"),
)
WIKI_SECTIONS = {
    "de": ("Ziel", "Ablauf", "Ansprechpartner", "Häufige Fragen", "Checkliste", "Änderungen"),
    "en": ("Purpose", "Process", "Contacts", "FAQ", "Checklist", "Changes"),
}
SUMMARIES = ("Tippfehler korrigiert", "Ansprechpartner aktualisiert", "Added a checklist",
             "Clarified the process", "Neuer Abschnitt", "Updated contacts", "")


def _mention_and_tags(rng: random.Random, usernames: list[str], mentions: bool) -> str:
    extra = []
    if mentions and usernames and rng.random() < 0.15:
        extra.append("@" + rng.choice(usernames))
    for tag in rng.sample(TAGS, rng.choice((0, 1, 1, 2, 3))):
        extra.append("#" + tag)
    return " ".join(extra)


def post_text(rng: random.Random, usernames: list[str], mentions: bool = True) -> str:
    """An update in German or English: one to four sentences, maybe a list, tags, a mention."""
    lang = rng.choice(("de", "de", "en"))
    sentences = rng.sample(SENTENCES[lang], rng.randint(1, 4))
    text = " ".join(sentences)
    if rng.random() < 0.1:
        text += "\n\n" + "\n".join(f"- {s}" for s in rng.sample(SENTENCES[lang], 3))
    if rng.random() < 0.1:
        text = "**" + ("Wichtig" if lang == "de" else "Important") + ":** " + text
    tail = _mention_and_tags(rng, usernames, mentions)
    return f"{text} {tail}".strip()


def question_text(rng: random.Random, usernames: list[str],
                  mentions: bool = True) -> tuple[str, str]:
    """A question's title and body; the body carries at least one tag."""
    lang = rng.choice(("de", "en"))
    title, tag = rng.choice(QUESTIONS[lang])
    body = " ".join(rng.sample(SENTENCES[lang], rng.randint(1, 2)))
    return title, f"{body} #{tag} {_mention_and_tags(rng, usernames, mentions)}".strip()


def comment_text(rng: random.Random, answer: bool = False) -> str:
    """A short reply (``answer``: an answer to a question)."""
    lang = rng.choice(("de", "de", "en"))
    pool = ANSWERS[lang] if answer else COMMENTS[lang]
    text = rng.choice(pool)
    if rng.random() < 0.3:
        text += " " + rng.choice(SENTENCES[lang])
    return text


def wiki_body(rng: random.Random, lang: str, sections: int, links: list[str]) -> str:
    """A Markdown page with headings, paragraphs, a list and [[links]]."""
    parts = []
    names = rng.sample(WIKI_SECTIONS[lang], min(sections, len(WIKI_SECTIONS[lang])))
    for name in names:
        parts.append(f"## {name}\n")
        parts.append(" ".join(rng.sample(SENTENCES[lang], 3)) + "\n")
        if rng.random() < 0.5:
            parts.append("\n".join(f"1. {s}" for s in rng.sample(SENTENCES[lang], 3)) + "\n")
    if links:
        label = "Siehe auch" if lang == "de" else "See also"
        parts.append(f"{label}: " + ", ".join(f"[[{t}]]" for t in links) + "\n")
    return "\n".join(parts)
