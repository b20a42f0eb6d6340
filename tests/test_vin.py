import pytest

from repo_paths import load_plain_module

vin = load_plain_module("dealer_crm", "tools/vin.py")


@pytest.mark.parametrize(
    "value",
    [
        "1M8GDM9AXKP042788",
        "11111111111111111",
        "XW8ZZZ61ZHG000123",
        "WVWZZZ1KZAW000001",
        "LVSHCAMB1CE000001"[:8] + "X" + "LVSHCAMB1CE000001"[9:],
    ],
)
def test_valid_vins(value):
    if value.startswith("L"):
        value = value[:8] + vin.check_digit(value) + value[9:]
    assert vin.vin_problem(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1M8GDM9AXKP04278", "length"),
        ("1M8GDM9AXKP0427888", "length"),
        ("1M8GDM9AXKP0O2788", "ioq"),
        ("XW8ZZZ61ZHG00012Q", "ioq"),
        ("XW8ZZZ61ZHG00012_", "alphabet"),
        ("1M8GDM9A1KP042788", "check_digit"),
    ],
)
def test_invalid_vins(value, code):
    assert vin.vin_problem(value)[0] == code


def test_check_digit_reports_expected():
    assert vin.vin_problem("1M8GDM9A1KP042788") == ("check_digit", ("1", "X"))


def test_european_vins_carry_no_check_digit():
    assert vin.vin_problem("WVWZZZ1KZAW000001") is None
    assert vin.vin_problem("WVWZZZ1K9AW000001") is None


def test_normalize():
    assert vin.normalize_vin(" 1m8gdm9a-xkp 042788 ") == "1M8GDM9AXKP042788"
