import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
MODULES = [
    "dealer_crm",
    "dealer_service_lost_sales",
    "dealer_loyalty",
    "dealer_loyalty_service",
    "dealer_dashboard",
]


def load_plain_module(addon, relpath):
    """Import a plain-Python helper of an addon (``tools/``) without importing Odoo."""
    path = ADDONS / addon / relpath
    name = f"_plain_{addon}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
