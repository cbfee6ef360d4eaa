"""Secrets kept in the database, encrypted: the one place that encrypts and decrypts them.

A value the application must use again in clear (a DingTalk robot's signing secret) is stored
as a Fernet token (AES-128-CBC + HMAC-SHA256, from the maintained ``cryptography`` package),
never as text. The key is derived from ``SECRET_KEY`` with HKDF, so there is no second key to
deploy; tokens made under a key listed in ``SECRET_KEY_FALLBACKS`` still decrypt, so rotating
``SECRET_KEY`` the way Django documents keeps the stored secrets readable until they are set again.
A password is never stored this way: passwords are hashed.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from cryptography.fernet import Fernet, MultiFernet

# Changing this makes every stored token unreadable: it separates these keys from any other
# use of SECRET_KEY.
_INFO = b"appraisal.accounts.encryption.v1"


class DecryptionError(Exception):
    """The token was not made with this installation's SECRET_KEY (or its fallbacks), or was altered."""


# cryptography is imported where it is used: the application starts (and every page works) on an
# installation that has not installed it yet; only setting or using a secret needs it.


def _fernet(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    from cryptography.fernet import MultiFernet

    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    return MultiFernet([_fernet(settings.SECRET_KEY), *(_fernet(key) for key in fallbacks)])


def encrypt(plain: str) -> str:
    """The token (ASCII text) to store for ``plain``; a new random token each time."""
    return _keys().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The text a token of :func:`encrypt` holds; :class:`DecryptionError` if it cannot be read."""
    from cryptography.fernet import InvalidToken

    try:
        return _keys().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("The stored secret cannot be decrypted with this SECRET_KEY.") from exc
