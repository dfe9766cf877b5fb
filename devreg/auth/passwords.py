"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_standard = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, 64 MiB)
# For the published demo accounts and the test suite only: the demo password is public anyway,
# and each verification then costs milliseconds instead of most of a second.
_light = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)

MIN_LENGTH = 10
# A short list of passwords that appear at the top of every breach corpus.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "1234567890", "12345678910", "123456789a",
        "qwertyuiop", "1q2w3e4r5t", "iloveyou12", "abcdefghij", "a123456789", "qwerty1234",
        "1234qwer", "zxcvbnm123", "woaini1314", "5201314520", "1qaz2wsx3edc", "passw0rd12",
        "admin12345", "welcome123", "0123456789", "1111111111", "0000000000", "88888888888",
        "changeme123", "letmein123", "p@ssw0rd12",
    }
)


def hash_password(password: str, *, light: bool = False) -> str:
    from flask import current_app, has_app_context

    if light or (has_app_context() and current_app.config.get("PASSWORD_HASH_LIGHT")):
        return _light.hash(password)
    return _standard.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """The hash names its own parameters, so either profile verifies any hash."""
    try:
        return _standard.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Codes of the policy rules the password breaks; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    lowered = password.lower()
    if email and (lowered == email.lower() or lowered == email.split("@")[0].lower()):
        problems.append("is_email")
    if lowered in COMMON_PASSWORDS:
        problems.append("common")
    return problems
