"""Every addon's manifest is valid for Odoo 19 and lists exactly the files it ships."""

import ast
import csv
import re

import pytest
from lxml import etree

from repo_paths import ADDONS, MODULES

ALLOWED_DEPENDS = {
    "dealer_crm": {"crm", "mail", "phone_validation", "product", "utm", "base_automation"},  # product: the catalogue
    "dealer_service_lost_sales": {"dealer_crm", "base_import"},  # base_import reads the aftersales list import
    "dealer_loyalty": {"dealer_crm", "sms", "link_tracker"},  # link_tracker: tracked links of campaign e-mails
    # the bridge: what needs both loyalty and lost sales (a booked reminder's service opportunity)
    "dealer_loyalty_service": {"dealer_loyalty", "dealer_service_lost_sales"},
    # the bridge: a spreadsheet dashboard over the reports of the addons (NPS and CSI from satisfaction)
    "dealer_dashboard": {
        "spreadsheet_dashboard",
        "dealer_crm",
        "dealer_service_lost_sales",
        "dealer_loyalty",
        "dealer_satisfaction",
    },
    # the bridge with Odoo Sales: quotations (commercial offer), sales contract and down payment of a deal
    "dealer_sale": {"dealer_crm", "sale_crm"},
    # NPS/CSI surveys (Odoo's survey) after delivery and service, sent through loyalty's dispatch log,
    # detractors opening lost sales' customer issues: installed by itself with the loyalty/lost-sales bridge
    "dealer_satisfaction": {"dealer_loyalty_service", "survey"},
    # workshop capacity, promised times, the customer's booking and repair-status pages (Odoo's portal),
    # booking links in reminders and campaigns paced by free capacity (loyalty's dispatch log)
    "dealer_workshop": {"dealer_loyalty_service", "portal", "resource"},
}
DATA_DIRS = ("data", "views", "security", "demo", "report", "wizards")


def manifest(module):
    return ast.literal_eval((ADDONS / module / "__manifest__.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", MODULES)
def test_manifest_fields(module):
    m = manifest(module)
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", m["version"]), m["version"]
    assert m["license"] == "LGPL-3"
    assert m["author"] == "Dealer CRM Suite"
    assert m.get("installable", True)
    assert set(m["depends"]) <= ALLOWED_DEPENDS[module], "depends must stay minimal"
    assert (ADDONS / module / "readme" / "DESCRIPTION.md").exists()
    assert (ADDONS / module / "i18n").is_dir()


@pytest.mark.parametrize("module", MODULES)
def test_listed_files_exist_and_shipped_files_are_listed(module):
    m = manifest(module)
    listed = [*m.get("data", []), *m.get("demo", [])]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    for rel in listed:
        assert (ADDONS / module / rel).is_file(), f"{rel} is listed but missing"
    shipped = {
        str(p.relative_to(ADDONS / module))
        for d in DATA_DIRS
        for p in (ADDONS / module / d).glob("*")
        if p.suffix in (".xml", ".csv")
    }
    assert shipped <= set(listed), f"files shipped but not in the manifest: {sorted(shipped - set(listed))}"
    security_first = [f for f in m.get("data", []) if f.startswith("security/")]
    assert m["data"][: len(security_first)] == security_first, "security files load first"


def all_files(suffix):
    return sorted(p for module in MODULES for p in (ADDONS / module).rglob(f"*{suffix}") if "static" not in p.parts)


@pytest.mark.parametrize("path", all_files(".xml"), ids=lambda p: str(p.relative_to(ADDONS)))
def test_xml_parses_with_odoo_19_syntax(path):
    root = etree.parse(str(path)).getroot()
    assert root.tag == "odoo"
    text = path.read_text(encoding="utf-8")
    assert "<tree" not in text, "Odoo 19 uses <list>"
    assert " attrs=" not in text and " states=" not in text, "Odoo 19 uses invisible/readonly expressions"
    assert 'name="groups_id"' not in text, "Odoo 19 uses group_ids"
    assert 'name="numbercall"' not in text and 'name="doall"' not in text


# Odoo's own base suite (test_views) reads every installed module's form and list views and logs an
# error for an always-invisible field whose tag is not followed by a comment saying why it is there
# (Odoo 19 loads the fields that conditions read by itself): the same pattern as that test.
ALWAYS_INVISIBLE = re.compile(r"""(<field [^>]*invisible=['"](True|1)['"][^>]*>)[\s\t\n ]*(.*)""")


@pytest.mark.parametrize("path", all_files(".xml"), ids=lambda p: str(p.relative_to(ADDONS)))
def test_always_invisible_fields_say_why(path):
    text = path.read_text(encoding="utf-8")
    unexplained = [field for field, _value, comment in ALWAYS_INVISIBLE.findall(text) if not comment.startswith("<!--")]
    assert not unexplained, f"an always-invisible field needs a comment after it (or no tag): {unexplained}"


@pytest.mark.parametrize("path", all_files(".csv"), ids=lambda p: str(p.relative_to(ADDONS)))
def test_csv_parses(path):
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert "id" in header
    for row in rows[1:]:
        assert len(row) == len(header), f"{path.name}: {row}"
    ids = [row[header.index("id")] for row in rows[1:]]
    assert len(ids) == len(set(ids)), "duplicate ids"


@pytest.mark.parametrize("module", MODULES)
def test_every_python_file_compiles(module):
    for path in (ADDONS / module).rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
