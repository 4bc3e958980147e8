"""表彰: the printable certificates (证书) of 优秀 entries, their QR codes and the public verification.

The certificate's round, title and studio come from the final snapshot, as published; the QR code is drawn
offline with segno as inline SVG and opens the verification page at the address the request came to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import segno
from flask import url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import local_time
from . import queries
from .models import AwardRound, Certificate, Nomination, RoundState

_SERIAL = re.compile(r"^[0-9A-Za-z-]{1,40}$")


def find(serial: str) -> Certificate | None:
    """The certificate with this serial; None for an unknown, forged or malformed one."""
    serial = (serial or "").strip().upper()
    if not _SERIAL.match(serial):
        return None
    return db.session.scalars(select(Certificate).where(Certificate.serial == serial).options(
        joinedload(Certificate.round), joinedload(Certificate.nomination))).first()


def of_round(award_round: AwardRound, studio_id: int | None = None) -> list[Certificate]:
    """A round's certificates in serial order (a studio's own only, if given)."""
    statement = select(Certificate).join(Nomination, Certificate.nomination_id == Nomination.id).where(
        Certificate.round_id == award_round.id)
    if studio_id is not None:
        statement = statement.where(Nomination.studio_id == studio_id)
    return list(db.session.scalars(statement.order_by(Certificate.serial)))


def can_print(user, certificate: Certificate) -> bool:
    """The administrator prints every certificate; a studio account those of its own entries."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return user.is_studio and user.studio_id is not None and user.studio_id == certificate.nomination.studio_id


def verification_url(serial: str) -> str:
    """The public verification page as an absolute URL on the host the request came to (the intranet address)."""
    return url_for("awards.certificate_check", serial=serial, _external=True)


def qr_svg(url: str) -> Markup:
    """The URL as a QR code in inline SVG (error correction M, the standard 4-module quiet zone), drawn offline."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=1, border=4, omitsize=True, svgclass="certificate-qr", title="扫码验证证书"))


@dataclass(frozen=True)
class QrSymbol:
    """A QR code drawn once per page (`definition`, a hidden SVG symbol) and shown many times by `use`."""

    definition: Markup
    view_box: str
    symbol_id: str


def qr_symbol(url: str, symbol_id: str) -> QrSymbol:
    """The URL as a QR code to repeat on every slip of a printed sheet without repeating its drawing."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True)
    view_box = re.search(r'viewBox="([^"]+)"', svg).group(1)
    inner = svg[svg.index(">") + 1:svg.rindex("</svg>")]
    return QrSymbol(Markup(f'<svg class="d-none" aria-hidden="true"><symbol id="{symbol_id}" viewBox="{view_box}">'
                           f'{inner}</symbol></svg>'), view_box, symbol_id)


@dataclass(frozen=True)
class Sheet:
    """What a certificate shows, and what its verification page shows."""

    serial: str
    round_name: str
    year: int
    title: str
    studio: str
    completers: list[str]
    rank: int | None
    issued_on: date
    url: str
    qr: Markup


def sheet(certificate: Certificate) -> Sheet:
    """The certificate's text from the final snapshot (completers from the record for older snapshots)."""
    award_round = certificate.round
    frozen = queries.latest_snapshot(award_round, RoundState.FINAL)
    entry = next((e for e in (frozen.data["entries"] if frozen else ()) if e["id"] == certificate.nomination_id), None)
    nomination = certificate.nomination
    title = entry["title"] if entry else nomination.achievement.title
    studio = entry["studio"] if entry else nomination.studio.name
    round_name = frozen.data["round"]["name"] if frozen else award_round.name
    url = verification_url(certificate.serial)
    completers = entry.get("completers") if entry else None
    if completers is None:
        completers = [person.name for person in nomination.achievement.completers]
    return Sheet(certificate.serial, round_name, award_round.year, title, studio, completers,
                 entry["rank"] if entry else None,
                 local_time(certificate.issued_at).date(), url, qr_svg(url))
