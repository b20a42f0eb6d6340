from . import test_data_retention, test_feedback, test_survey_http
