from datetime import date, datetime

import pytest

from repo_paths import load_plain_module

inp = load_plain_module("dealer_crm", "tools/api_input.py")


def field_of(call):
    with pytest.raises(inp.ApiInputError) as info:
        call()
    return info.value.field


def test_text():
    assert inp.text({"a": "  x "}, "a") == "x"
    assert inp.text({}, "a") is None
    assert field_of(lambda: inp.text({}, "a", required=True)) == "a"
    assert field_of(lambda: inp.text({"a": 5}, "a")) == "a"
    assert field_of(lambda: inp.text({"a": "xx"}, "a", max_len=1)) == "a"
    assert field_of(lambda: inp.text({"a": "x\x00"}, "a")) == "a"


def test_number():
    assert inp.number({"n": 5}, "n", minimum=0) == 5.0
    assert inp.number({"n": 5.0}, "n", integer=True) == 5
    for bad in ("5", True, -1, float("nan"), 1e20, 5.5):
        assert field_of(lambda bad=bad: inp.number({"n": bad}, "n", minimum=0, integer=True)) == "n"


def test_choice_email_boolean():
    assert inp.choice({}, "c", ["a", "b"], default="a") == "a"
    assert field_of(lambda: inp.choice({"c": "z"}, "c", ["a"])) == "c"
    assert inp.email({"email": "A.B@Example.COM"}) == "a.b@example.com"
    assert field_of(lambda: inp.email({"email": "a@b"})) == "email"
    assert field_of(lambda: inp.boolean({"x": "yes"}, "x")) == "x"


def test_dates():
    assert inp.day({"d": "2026-05-01"}, "d") == date(2026, 5, 1)
    assert inp.day({"d": "2026-05-01T10:00:00+03:00"}, "d") == date(2026, 5, 1)
    assert field_of(lambda: inp.day({"d": "01.05.2026"}, "d")) == "d"
    assert inp.timestamp({"t": "2026-05-01T10:00:00+03:00"}, "t") == datetime(2026, 5, 1, 7, 0)
    assert inp.timestamp({"t": "2026-05-01T10:00:00Z"}, "t") == datetime(2026, 5, 1, 10, 0)
    assert field_of(lambda: inp.timestamp({"t": "2026-05-01T10:00:00"}, "t")) == "t"
    # dates no dealership has: refused naming the field, not an overflow deeper down (a 500)
    for bad in ("0001-01-01T00:00:00+03:00", "9999-12-31T23:59:59+00:00", "1900-01-01T00:00:00Z"):
        assert field_of(lambda bad=bad: inp.timestamp({"t": bad}, "t")) == "t"
    for bad in ("0001-01-01", "9999-12-31"):
        assert field_of(lambda bad=bad: inp.day({"d": bad}, "d")) == "d"


def test_items_and_obj():
    assert inp.items({}, "l") == []
    assert field_of(lambda: inp.items({"l": [1]}, "l")) == "l"
    assert field_of(lambda: inp.items({"l": [{}] * 501}, "l")) == "l"
    assert field_of(lambda: inp.obj({"o": []}, "o")) == "o"


def test_check_storable_names_the_first_string_the_database_cannot_hold():
    body = {"external_id": "RO-1", "lines": [{"code": "T1"}, {"code": "T\x00"}], "utm": {"source": "ya"}}
    assert field_of(lambda: inp.check_storable(body)) == "lines[1].code"
    assert field_of(lambda: inp.check_storable({"call_id": "\x00"})) == "call_id"
    assert field_of(lambda: inp.check_storable({"utm": {"source": "\ud800"}})) == "utm.source"
    assert field_of(lambda: inp.check_storable({"utm": {"source\x00": "ya"}})) == "utm"
    assert field_of(lambda: inp.check_storable({"a\x00": 1})) is None
    assert field_of(lambda: inp.check_storable({"a": ["x", ["y\x00"]]})) == "a[1][0]"
    # deep bodies are walked without recursion; clean ones (numbers, booleans, null, emoji) pass
    deep = {"a": "ok"}
    for _i in range(5000):
        deep = {"a": [deep]}
    inp.check_storable(deep)
    inp.check_storable({"n": 1.5, "b": True, "z": None, "t": "😀 Ёлка", "l": []})
