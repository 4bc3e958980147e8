"""Serve a filtered list as an xlsx ledger download."""

from __future__ import annotations

from io import BytesIO

from flask import send_file


def workbook_response(filename: str, workbook=None, **sheets):
    """An attachment response with the ledger sheets given (studios=…, achievements=…, patents=…), or `workbook`."""
    from .exporter import build_workbook

    buffer = BytesIO()
    (workbook or build_workbook(**sheets)).save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )
