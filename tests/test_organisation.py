"""The organisation that runs the service names itself in the footer and header; unset, the pages
name no organisation (the NHS.UK footer's own default would say "NHS England")."""
from __future__ import annotations

import re


def _footer(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return page[page.index("<footer"):page.index("</footer>")]


def _links(footer: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(r'href="([^"]*)"\s*>([^<]+)</a>', footer)}


def test_by_default_the_footer_names_no_organisation(client):
    footer = _footer(client)
    assert "NHS England" not in footer
    assert "©" not in footer
    assert _links(footer) == {"Glossary": "/glossary", "Accessibility statement": "/accessibility"}


def test_settings_name_the_organisation_and_its_links(app, client):
    app.config.update({
        "ORGANISATION_NAME": "Example NHS Foundation Trust",
        "LOGO_LABEL": "Example NHS Foundation Trust: leader onboarding",
        "PRIVACY_NOTICE_URL": "https://example.nhs.uk/privacy",
        "ACCESSIBILITY_STATEMENT_URL": "https://example.nhs.uk/accessibility",
        "CONTACT_URL": "mailto:onboarding@example.nhs.uk",
    })
    page = client.get("/login").get_data(as_text=True)
    footer = _footer(client)
    assert "© Example NHS Foundation Trust" in footer
    assert _links(footer) == {
        "Glossary": "/glossary",
        "Accessibility statement": "https://example.nhs.uk/accessibility",
        "Privacy notice": "https://example.nhs.uk/privacy",
        "Contact us": "mailto:onboarding@example.nhs.uk",
    }
    assert 'aria-label="Example NHS Foundation Trust: leader onboarding"' in page
