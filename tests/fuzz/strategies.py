"""Shared Hypothesis settings and the hostile values posted to forms.

Budget: the whole package runs in well under a minute (PURE examples are microseconds; each
FORMS example is one to three requests). ``database=None``: no example database is written
into the working tree; a failure prints the blob to reproduce it (``@reproduce_failure``)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: pure functions: many cheap examples
PURE = settings(max_examples=300, deadline=None, database=None, print_blob=True)
#: forms through the test client: a few examples each, sharing the test's signed-in client
FORMS = settings(max_examples=25, deadline=None, database=None, print_blob=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow, HealthCheck.data_too_large])

#: markers whose raw appearance in a page would mean unescaped output
XSS = ("<script>alert('devreg-xss')</script>", "<img src=x onerror=alert('devreg-xss')>",
       "\"><svg onload=alert('devreg-xss')>")

HOSTILE = (
    "", " ", "\t\n", "' OR 1=1 --", "'; DROP TABLE users; --", "\" OR \"\"=\"",
    "1; SELECT pg_sleep(5)",
    "%", "_", "\\", "%_\\%", *XSS, "{{ 7*7 }}", "{% raw %}", "${7*7}", "../../etc/passwd",
    "C:\\Windows\\system32", "\r\nSet-Cookie: devreg=1", "\u202egnp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "مرحبا بالعالم", "😀👩‍⚕️🏥" * 20, "\x00", "nul\x00byte", "\x1b[31mred", "\ufeffbom", "\ud7ff",
    "A" * 300, "长" * 2000, "x" * 20000,
)

#: text that goes after a form's limits: very long, unicode of every plane, control characters
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=50),
    # (without NUL, which devreg refuses up front with 400: it is in HOSTILE)
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=200,
            max_size=400),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=20)),
)
