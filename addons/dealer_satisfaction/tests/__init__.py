from . import (
    test_data_retention,
    test_demo,
    test_feedback,
    test_feedback_safety,
    test_satisfaction_tour,
    test_survey_http,
)
