from . import (
    test_access,
    test_api_hardening,
    test_api_http,
    test_automation,
    test_customer_card,
    test_issues,
    test_kpis,
    test_loss_events,
    test_pipeline,
    test_sources,
    test_ui_tours,
    test_visit_booking,
)
