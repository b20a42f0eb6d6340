from . import dealer_feedback_report
