from . import (
    test_documents,
    test_down_payment,
    test_lead_form,
    test_next_offer,
    test_portal,
    test_quotation,
    test_sale_tour,
)
