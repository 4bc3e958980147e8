"""Upload checks by content, not by name, and storage under generated names in the instance folder.

werkzeug's secure_filename("专利证书.pdf") gives "pdf" (DESIGN.md): the original name is kept
only for display and downloads (filename*=UTF-8''…), never as a path.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import current_app

MAX_BYTES = 10 * 1024 * 1024
# The first bytes of each accepted kind; anything else (an executable, HTML, a script) is refused.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class UploadRefused(ValueError):
    """An upload that is not kept; the message says why in Chinese."""


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    content_type: str
    data: bytes


def display_name(filename: str) -> str:
    """The file's own name without any directory part a browser or an attacker sent."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:120]
    return name or "未命名文件"


def check_upload(filename: str, stream) -> CheckedUpload:
    """Read at most MAX_BYTES + 1 and accept only a non-empty PDF, JPEG or PNG by its content."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise UploadRefused("文件是空的，请重新选择")
    if len(data) > MAX_BYTES:
        raise UploadRefused("文件超过 10 MB，请压缩后再上传")
    for content_type, signatures in SIGNATURES.items():
        if data.startswith(signatures):
            return CheckedUpload(display_name(filename), content_type, data)
    raise UploadRefused("只接受 PDF、JPG、PNG 文件（按文件内容判断，改扩展名无效）")


def uploads_folder() -> Path:
    """UPLOADS_FOLDER (a folder every app server mounts, when there are several), else instance/uploads."""
    setting = current_app.config.get("UPLOADS_FOLDER")
    folder = Path(current_app.instance_path) / (setting or "uploads")  # an absolute setting stands alone
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(upload: CheckedUpload) -> str:
    """Write the bytes under a new random name; return that name.

    Written to a temporary name, flushed to disk, then renamed: a process killed midway leaves no
    half-written file under a name a row could point to (the row is written only after this returns).
    """
    stored_name = secrets.token_hex(16) + EXTENSIONS[upload.content_type]
    folder = uploads_folder()
    partial = folder / f".{stored_name}.part"
    with open(partial, "xb") as f:
        f.write(upload.data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, folder / stored_name)
    return stored_name


def path_of(stored_name: str) -> Path:
    return uploads_folder() / stored_name
