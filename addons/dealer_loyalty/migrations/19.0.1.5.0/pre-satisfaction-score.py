"""A visit's satisfaction is a 0–10 score (the NPS question) instead of the hand-typed 1–5 rating.

Ratings typed by hand keep their meaning on the new scale (1 very unhappy → 0, 2 unhappy → 3,
3 neutral → 7, 4 happy → 9, 5 very happy → 10: an unhappy customer stays a detractor, a neutral
one a passive), and the *Low satisfaction* risk rule's threshold moves with them (2 of 5 → 6 of 10).
Runs before the module loads, so the new column is there, filled, when the ORM sees it.
"""

from odoo.tools import SQL

OLD_TO_NEW = {"1": "0", "2": "3", "3": "7", "4": "9", "5": "10"}
# the highest new score of each old threshold (a rule that fired at "2 or lower" fires at 6 or lower)
THRESHOLDS = {0: 0, 1: 2, 2: 6, 3: 7, 4: 9, 5: 10}
NEW_DESCRIPTION = "A visit (or a car's delivery) scored Threshold or lower, of 10, by the customer: a detractor."
NEW_DESCRIPTION_RU = "Визит (или выдача автомобиля) оценён клиентом на Порог или ниже из 10: критик."


def migrate(cr, version):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'dealer_visit' AND column_name = 'satisfaction'"
    )
    if not cr.fetchone():
        return
    cr.execute("ALTER TABLE dealer_visit ADD COLUMN IF NOT EXISTS satisfaction_score varchar")
    cases = SQL(" ").join(SQL("WHEN %s THEN %s", old, new) for old, new in OLD_TO_NEW.items())
    cr.execute(
        SQL(
            "UPDATE dealer_visit SET satisfaction_score = CASE satisfaction %s END WHERE satisfaction IS NOT NULL",
            cases,
        )
    )
    thresholds = SQL(" ").join(SQL("WHEN %s THEN %s", old, new) for old, new in THRESHOLDS.items())
    cr.execute(
        SQL(
            """UPDATE dealer_risk_rule
                  SET threshold = CASE LEAST(GREATEST(floor(threshold)::int, 0), 5) %s END
                WHERE code = 'low_satisfaction'""",
            thresholds,
        )
    )
    # the shipped description only (one a marketer rewrote stays theirs)
    cr.execute(
        SQL(
            """UPDATE dealer_risk_rule SET description = jsonb_build_object('en_US', %s::text, 'ru_RU', %s::text)
                WHERE code = 'low_satisfaction' AND description->>'en_US' = %s""",
            NEW_DESCRIPTION,
            NEW_DESCRIPTION_RU,
            "A visit rated Threshold (of 5) or lower.",
        )
    )
