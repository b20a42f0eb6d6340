"""Base class of the browser tours: one user per role, each tour once in English, once in Russian."""

from odoo.tests import HttpCase, new_test_user


class DealerTourCase(HttpCase):
    """Runs a tour as a given role user in a given language.

    The Russian run proves the tours (and so the screens) do not depend on English labels:
    Russian is activated and set on the user, the tour selects by field and button names.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")

    @classmethod
    def _tour_user(cls, login, groups):
        return new_test_user(cls.env, login=login, groups=groups, tz="Europe/Moscow")

    def run_tour(self, url, tour, user, lang="en_US"):
        user.lang = lang
        self.start_tour(url, tour, login=user.login)
