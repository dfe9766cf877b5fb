"""Property tests of the validators: credit codes, licence and certificate numbers, working
days. Generated valid values are accepted, every near miss is refused, and no input at all makes
a validator raise."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from devreg.certificates.numbers import (
    CERTIFICATE_NUMBER_RE,
    format_certificate_number,
    is_valid_certificate_number,
)
from devreg.orgs.uscc import (
    ALPHABET,
    check_character,
    is_valid_uscc,
    normalise_uscc,
    province_code_of,
)
from devreg.production.numbers import FIRST_YEAR, LicenceNumber, parse_licence_number
from devreg.reference.data import CATALOGUE_CODES, PROVINCE_BY_ABBREVIATION
from devreg.workdays.calendar import DayKind, WorkdayCalendar
from tests.fuzz.strategies import PURE, hostile_text

CURRENT_YEAR = 2026
ABBREVIATIONS = sorted(PROVINCE_BY_ABBREVIATION)
DIGITS = "0123456789"

# --- unified social credit code ---------------------------------------------------------------

#: the first 17 characters: registration authority and kind from the alphabet, a six-digit
#: division code, then the organisation code, all from the alphabet
first17 = st.builds(
    lambda head, division, body: head + division + body,
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
valid_uscc = first17.map(lambda code: code + check_character(code))


@PURE
@given(valid_uscc)
def test_uscc_generated_valid_code_is_accepted(code: str) -> None:
    assert is_valid_uscc(code)
    assert is_valid_uscc(f"  {code.lower()}\t")  # typed in lower case, with spaces around
    assert province_code_of(code) == code[2:4]


@PURE
@given(valid_uscc, st.integers(min_value=0, max_value=17), st.characters())
def test_uscc_any_single_character_change_is_refused(code: str, position: int,
                                                      replacement: str) -> None:
    changed = code[:position] + replacement + code[position + 1:]
    # the only harmless change is the same letter in lower case (codes are normalised)
    assume(normalise_uscc(changed) != code)
    assert not is_valid_uscc(changed), changed


@PURE
@given(valid_uscc, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_uscc_single_change_within_the_alphabet_is_refused(code: str, position: int,
                                                           replacement: str) -> None:
    """The hardest near miss: a character of the alphabet, so only the check catches it."""
    assume(replacement != code[position])
    assert not is_valid_uscc(code[:position] + replacement + code[position + 1:])


@PURE
@given(st.one_of(st.text(), hostile_text, st.text(alphabet=ALPHABET + "abcxyz ", max_size=20)))
def test_uscc_arbitrary_text_never_raises(text: str) -> None:
    result = is_valid_uscc(text)
    assert isinstance(result, bool)
    if result:  # whatever is accepted really is a code: 18 characters that check
        code = normalise_uscc(text)
        assert len(code) == 18
        assert check_character(code[:17]) == code[17]
    province_code_of(text)


# --- production licence numbers ---------------------------------------------------------------

@st.composite
def licence_parts(draw: st.DrawFn) -> tuple[str, bool, int, str]:
    old = draw(st.booleans())
    year = draw(st.integers(min_value=FIRST_YEAR, max_value=2021 if old else CURRENT_YEAR))
    serial = draw(st.integers(min_value=1, max_value=9999))
    return draw(st.sampled_from(ABBREVIATIONS)), old, year, f"{serial:04d}"


def licence_number(abbr: str, old: bool, year: int, serial: str) -> str:
    return f"{abbr}{'食' if old else ''}药监械生产许{year}{serial}号"


@PURE
@given(licence_parts())
def test_licence_number_round_trip(parts: tuple[str, bool, int, str]) -> None:
    abbr, old, year, serial = parts
    parsed = parse_licence_number(licence_number(*parts), current_year=CURRENT_YEAR)
    assert parsed == LicenceNumber(province_code=PROVINCE_BY_ABBREVIATION[abbr], year=year,
                                   serial=serial, old_style=old)
    assert licence_number(abbr, parsed.old_style, parsed.year, parsed.serial) == (
        licence_number(*parts))


@PURE
@given(licence_parts(), st.integers(min_value=1, max_value=50))
def test_licence_number_from_the_future_is_refused(parts: tuple[str, bool, int, str],
                                                   ahead: int) -> None:
    abbr, _old, _year, serial = parts
    number = licence_number(abbr, False, CURRENT_YEAR + ahead, serial)
    assert parse_licence_number(number, current_year=CURRENT_YEAR) is None


@PURE
@given(st.one_of(st.text(), hostile_text,
                 licence_parts().map(lambda p: licence_number(*p)).flatmap(
                     lambda n: st.builds(lambda a, b: a + n + b, st.text(max_size=3),
                                         st.text(max_size=3)))))
def test_licence_number_arbitrary_unicode_never_raises(text: str) -> None:
    parsed = parse_licence_number(text, current_year=CURRENT_YEAR)
    assert parsed is None or isinstance(parsed, LicenceNumber)
    if parsed is not None:  # accepted means: exactly a number, give or take outer spaces
        rebuilt = licence_number(
            next(a for a, c in PROVINCE_BY_ABBREVIATION.items() if c == parsed.province_code
                 and text.strip().startswith(a)),
            parsed.old_style, parsed.year, parsed.serial)
        assert rebuilt == text.strip()


# --- certificate numbers ----------------------------------------------------------------------

certificate_parts = st.tuples(
    st.sampled_from(ABBREVIATIONS), st.integers(min_value=1000, max_value=9999),
    st.sampled_from(sorted(CATALOGUE_CODES)), st.integers(min_value=1, max_value=9999))


@PURE
@given(certificate_parts)
def test_certificate_number_formatted_is_valid(parts: tuple[str, int, str, int]) -> None:
    abbr, year, code, serial = parts
    number = format_certificate_number(abbr, year, code, serial)
    assert is_valid_certificate_number(number)
    match = CERTIFICATE_NUMBER_RE.fullmatch(number)
    assert match is not None
    assert (match["abbr"], int(match["year"]), match["code"], int(match["serial"])) == parts


@PURE
@given(certificate_parts, st.integers(min_value=0, max_value=18), st.characters())
def test_certificate_number_single_change_is_refused_or_still_well_formed(
        parts: tuple[str, int, str, int], position: int, replacement: str) -> None:
    number = format_certificate_number(*parts)
    position = min(position, len(number) - 1)
    changed = number[:position] + replacement + number[position + 1:]
    if is_valid_certificate_number(changed):  # e.g. another year or serial: well-formed
        match = CERTIFICATE_NUMBER_RE.fullmatch(changed)
        assert match is not None
        assert match["code"] in CATALOGUE_CODES
        assert match["serial"] != "0000"


@PURE
@given(st.one_of(st.text(), hostile_text,
                 certificate_parts.map(lambda p: format_certificate_number(*p) + "\n")))
def test_certificate_number_arbitrary_text_never_raises(text: str) -> None:
    result = is_valid_certificate_number(text)
    assert isinstance(result, bool)
    if result:  # nothing before or after the number: no trailing newline slips through
        match = CERTIFICATE_NUMBER_RE.fullmatch(text)
        assert match is not None
        assert format_certificate_number(match["abbr"], int(match["year"]), match["code"],
                                         int(match["serial"])) == text


# --- working days -----------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> WorkdayCalendar:
    """A province's calendar: some regulator holidays, maybe an admin-entered year (of the
    library's range, or beyond it) with holidays and weekend workdays."""
    holidays = draw(st.lists(days, max_size=15))
    official: dict[int, dict[date, DayKind]] = {}
    if draw(st.booleans()):
        year = draw(st.integers(min_value=2020, max_value=2032))
        entries = draw(st.dictionaries(
            st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31)),
            st.sampled_from(list(DayKind)), max_size=20))
        official[year] = entries
    return WorkdayCalendar(official=official, regulator_holidays=holidays)


@PURE
@given(calendars(), days, st.integers(min_value=1, max_value=40))
def test_workdays_add_is_a_workday_after_the_start(calendar: WorkdayCalendar, start: date,
                                                   n: int) -> None:
    due = calendar.add_working_days(start, n)
    assert due.due > start
    assert calendar.is_workday(due.due)
    assert calendar.working_days_between(start, due.due) == n
    # the day before the due date still had n - 1 working days counted
    assert calendar.working_days_between(start, due.due - timedelta(days=1)) == n - 1


@PURE
@given(calendars(), days, st.integers(min_value=1, max_value=30),
       st.integers(min_value=1, max_value=30))
def test_workdays_add_is_monotonic_in_n(calendar: WorkdayCalendar, start: date, n: int,
                                        more: int) -> None:
    assert (calendar.add_working_days(start, n).due
            < calendar.add_working_days(start, n + more).due)


@PURE
@given(calendars(), days, st.integers(min_value=0, max_value=120),
       st.lists(st.tuples(st.integers(min_value=-10, max_value=120),
                          st.one_of(st.none(), st.integers(min_value=0, max_value=60))),
                max_size=4))
def test_workdays_paused_periods_never_increase_the_count(
        calendar: WorkdayCalendar, start: date, length: int,
        pauses: list[tuple[int, int | None]]) -> None:
    today = start + timedelta(days=length)
    periods = [(start + timedelta(days=a), None if b is None else start + timedelta(days=a + b))
               for a, b in pauses]
    running = calendar.working_days_between(start, today)
    paused = calendar.working_days_elapsed_excluding(start, today, periods)
    assert 0 <= paused <= running
    # and adding one more pause never increases it either
    if periods:
        assert calendar.working_days_elapsed_excluding(start, today, periods[1:]) >= paused


@PURE
@given(calendars(), days, st.integers(min_value=-30, max_value=400))
def test_workdays_between_is_zero_backwards_and_counts_workdays(
        calendar: WorkdayCalendar, start: date, offset: int) -> None:
    end = start + timedelta(days=offset)
    counted = calendar.working_days_between(start, end)
    if end <= start:
        assert counted == 0
    else:
        span = (end - start).days
        assert counted == sum(calendar.is_workday(start + timedelta(days=i))
                              for i in range(1, span + 1))
