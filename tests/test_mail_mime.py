"""The hand-written MIME fast path of the file backend (mail.plain_message_bytes) and the
email package's path it falls back to: whatever a message holds, the .eml file, read back
with the standard library's parser, gives the sender, recipient, subject and bodies that
were meant, with header lines folded and bodies in 7bit or quoted-printable ASCII."""
from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboarding.nudges import mail

TO = "lee.leader@example.nhs.uk"
FROM = "Leader onboarding <onboarding@example.nhs.uk>"
HTML = "<p>Due on <strong>Thursday 24 December 2026</strong>.</p>\n"


def config(tmp_path, sender=FROM):
    return {"MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(tmp_path), "MAIL_FROM": sender}


def sent(tmp_path, to=TO, subject="Due soon", text="Hello\n", html=HTML, sender=FROM):
    """Send one message with the file backend; return its raw bytes and the parsed message."""
    with mail.Mailer(config(tmp_path, sender)) as mailer:
        mailer.send(to, subject, text, html)
    (path,) = tmp_path.glob("*.eml")
    raw = path.read_bytes()
    path.unlink()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n\n", 1)[0].split(b"\n")


def bodies(msg) -> tuple[str, str]:
    assert msg.get_content_type() == "multipart/alternative"
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def assert_wire_safe(raw: bytes) -> None:
    raw.decode("ascii")  # no 8-bit byte anywhere: every part is 7bit or quoted-printable
    for line in raw.split(b"\n"):
        assert len(line) <= 998, line  # RFC 5322's hard limit
    for line in header_lines(raw):
        if line.startswith((b"Subject:", b" ")) and not line.startswith(b" <"):
            assert len(line) <= 78, line


def test_a_long_ascii_subject_is_folded_by_the_fast_path_and_unfolds_to_the_same_words(tmp_path):
    subject = ("Due soon: Meet the executive team, the chair and the non-executive directors "
               "of Leeds Teaching Hospitals NHS Trust before the board meeting in January")
    assert mail.plain_message_bytes(config(tmp_path), TO, subject, "Hello\n", HTML) is not None  # the fast path
    raw, msg = sent(tmp_path, subject=subject)
    assert msg["Subject"] == subject
    subject_lines = [line for line in header_lines(raw) if line.startswith((b"Subject:", b" "))][:3]
    assert subject_lines == [
        b"Subject: Due soon: Meet the executive team, the chair and the non-executive",
        b" directors of Leeds Teaching Hospitals NHS Trust before the board meeting in",
        b" January",
    ]
    assert_wire_safe(raw)


def test_line_breaks_and_runs_of_spaces_in_a_subject_become_single_spaces(tmp_path):
    raw, msg = sent(tmp_path, subject="Due soon:\n  Meet\tthe team\r\nBcc: someone@example.com")
    assert msg["Subject"] == "Due soon: Meet the team Bcc: someone@example.com"
    assert msg["Bcc"] is None
    assert_wire_safe(raw)


def test_a_long_subject_with_accents_and_symbols_is_encoded_and_reads_back_intact(tmp_path):
    subject = ("Rappel : réunion avec Siobhán Ní Bhriain et Zoë Łukasiewicz — "
               "objectifs des 90 premiers jours, évaluation à mi-parcours et suivi ✓")
    assert mail.plain_message_bytes(config(tmp_path), TO, subject, "Hello\n", HTML) is None  # the full path
    raw, msg = sent(tmp_path, subject=subject)
    assert msg["Subject"] == subject
    assert b"=?utf-8?" in b"\n".join(header_lines(raw))  # RFC 2047 encoded words, not raw UTF-8
    assert_wire_safe(raw)


@pytest.mark.parametrize("opening", ["Meet", "Rencontrer l'équipe"])  # the fast path, and the email package's
def test_a_subject_that_looks_like_an_encoded_word_adds_no_header_and_is_not_decoded(tmp_path, opening):
    # A milestone title is user text: "=?...?=" in it must not be decoded by the reader
    # (nor, before Python 3.11.10, let the email package write a header of its choosing).
    subject = f"{opening} =?utf-8?q?the_team=0D=0ABcc:_someone@example.com?= soon"
    raw, msg = sent(tmp_path, subject=subject)
    assert (msg["Subject"], msg["Bcc"]) == (f"{opening} = ?utf-8?q?the_team=0D=0ABcc:_someone@example.com?= soon", None)
    assert b"\nBcc:" not in raw
    assert_wire_safe(raw)


def test_a_long_sender_name_reads_back_as_the_same_name_and_address(tmp_path):
    sender = ("Leader onboarding for the North East and North Cumbria Integrated Care Board "
              "<onboarding@nencicb.example.nhs.uk>")
    raw, msg = sent(tmp_path, sender=sender)
    (address,) = msg["From"].addresses
    assert address == Address("Leader onboarding for the North East and North Cumbria Integrated Care Board",
                              addr_spec="onboarding@nencicb.example.nhs.uk")
    assert_wire_safe(raw)


def test_a_sender_name_with_accents_is_encoded_and_reads_back_intact(tmp_path):
    sender = '"Équipe d\'intégration — Cymru a Lloegr, Siobhán Ní Bhriain" <onboarding@example.nhs.uk>'
    raw, msg = sent(tmp_path, sender=sender)
    (address,) = msg["From"].addresses
    assert address == Address("Équipe d'intégration — Cymru a Lloegr, Siobhán Ní Bhriain",
                              addr_spec="onboarding@example.nhs.uk")
    assert_wire_safe(raw)


def test_a_long_recipient_address_reads_back_unchanged(tmp_path):
    to = "alexandra.montgomery-featherstonehaugh.chief-digital-information-officer@leedsth.example.nhs.uk"
    raw, msg = sent(tmp_path, to=to)
    assert [a.addr_spec for a in msg["To"].addresses] == [to]
    assert_wire_safe(raw)


def test_a_recipient_with_a_display_name_or_two_addresses_is_refused_before_anything_is_written(tmp_path):
    for to in ("Lee Leader <lee.leader@example.nhs.uk>", "lee@example.nhs.uk, sam@example.nhs.uk", "lee"):
        with pytest.raises(mail.MailError, match="cannot build a message"):
            sent(tmp_path, to=to)
        assert not list(tmp_path.iterdir())


def test_short_ascii_bodies_stay_7bit(tmp_path):
    raw, msg = sent(tmp_path, text="Hello Lee,\n\nYour milestone is due.\n")
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"] == "7bit"
    assert bodies(msg) == ("Hello Lee,\n\nYour milestone is due.\n", HTML)
    assert_wire_safe(raw)


# Written out by hand: the body each sent text must read back as (one final newline added).
QP_CASES = {
    "accents and symbols": ("Bonjour Zoë — réunion à 9 h, coût £40 ✓ 🎉", "Bonjour Zoë — réunion à 9 h, coût £40 ✓ 🎉\n"),
    "a line over 78": ("A" * 77 + " " + "B" * 60 + "\n", "A" * 77 + " " + "B" * 60 + "\n"),
    "exactly 78 then 79": ("x" * 78 + "\n" + "y" * 79, "x" * 78 + "\n" + "y" * 79 + "\n"),
    "equals signs and soft-break look-alikes": ("a=b =\n=3D =20 é\n", "a=b =\n=3D =20 é\n"),
    "trailing spaces and tabs": ("kept  \ntab\t\né  \n", "kept  \ntab\t\né  \n"),
    "a dot line and From": ("é\n.\nFrom the board\n..\n", "é\n.\nFrom the board\n..\n"),
    "CRLF and CR line ends": ("é\r\nline two\rline three\r\n", "é\nline two\nline three\n"),
    "blank lines": ("é\n\n\n", "é\n\n\n"),
}


@pytest.mark.parametrize("text, expected", QP_CASES.values(), ids=QP_CASES.keys())
def test_quoted_printable_bodies_read_back_as_sent(tmp_path, text, expected):
    raw, msg = sent(tmp_path, text=text, html=text)  # the HTML part takes the same path
    for part in msg.get_body(("plain",)), msg.get_body(("html",)):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    assert bodies(msg) == (expected, expected)
    for line in raw.split(b"\n"):
        assert len(line) <= 78, line
    assert_wire_safe(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_body_the_fast_path_writes_reads_back_as_the_email_package_would(tmp_path, text):
    fast = mail.plain_message_bytes(config(tmp_path), TO, "Due soon", text, HTML)
    full = mail.build_message(config(tmp_path), TO, "Due soon", text, HTML).as_bytes()
    parsed = [email.message_from_bytes(raw, policy=email.policy.default) for raw in (fast, full)]
    assert bodies(parsed[0]) == bodies(parsed[1])
    fast.decode("ascii")
    assert all(len(line) <= 78 for line in fast.split(b"\n"))
