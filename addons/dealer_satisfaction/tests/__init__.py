from . import test_data_retention, test_demo, test_feedback, test_survey_http
