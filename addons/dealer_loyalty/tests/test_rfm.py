from datetime import timedelta

from odoo.tests import freeze_time, new_test_user

from ..tools import rfm
from .common import DealerLoyaltyCase

# Ten customers: (visits in the window, total spent). The last visit of customer i is
# 10 * (i + 1) days ago and carries the whole amount; earlier visits are free check-ups.
CUSTOMERS = [
    (9, 100000),
    (1, 20000),
    (10, 30000),
    (3, 40000),
    (6, 70000),
    (5, 10000),
    (2, 50000),
    (8, 90000),
    (4, 60000),
    (7, 80000),
]
# Hand-computed quintiles: R by recency (10..100 days), F and M by rank of the numbers above.
EXPECTED = [
    ((5, 5, 5), "segment_champions"),
    ((5, 1, 1), "segment_new"),
    ((4, 5, 2), "segment_loyal"),
    ((4, 2, 2), "segment_new"),
    ((3, 3, 4), "segment_loyal"),
    ((3, 3, 1), "segment_loyal"),
    ((2, 1, 3), "segment_hibernating"),
    ((2, 4, 5), "segment_at_risk"),
    ((1, 2, 3), "segment_lost"),
    ((1, 4, 4), "segment_at_risk"),
]


@freeze_time("2026-06-30")
class TestRfm(DealerLoyaltyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"]
        for index, (count, amount) in enumerate(CUSTOMERS):
            partner = cls._customer(f"RFM customer {index}")
            car = cls._vehicle(partner)
            last = cls.TODAY - timedelta(days=10 * (index + 1))
            cls._visit(car, last, amount=amount)
            for extra in range(1, count):
                cls._visit(car, last - timedelta(days=15 * extra))
            cls.customers |= partner
        cls.stranger = cls._customer("Never came")

    def test_scores_and_segments_of_known_customers(self):
        self._refresh()
        for index, partner in enumerate(self.customers):
            scores, segment = EXPECTED[index]
            with self.subTest(customer=partner.name):
                self.assertEqual((partner.rfm_r, partner.rfm_f, partner.rfm_m), scores)
                self.assertEqual(partner.rfm_score, "".join(map(str, scores)))
                self.assertEqual(partner.segment_id, self.env.ref(f"dealer_loyalty.{segment}"))
                self.assertEqual(partner.recency_days, 10 * (index + 1))
                self.assertEqual(partner.frequency, CUSTOMERS[index][0])
                self.assertEqual(partner.monetary, CUSTOMERS[index][1])
        self.assertFalse(self.stranger.segment_id)
        self.assertFalse(self.stranger.rfm_score)

    def test_customer_list_filters_sorts_and_groups_by_rfm(self):
        """The figures live in their own table; a marketer still filters, sorts and groups customers by them."""
        self._refresh()
        marketer = new_test_user(
            self.env, "rfm.marketer", groups="dealer_crm.group_marketer,dealer_crm.group_dealer_see_money"
        )
        Partner = self.env["res.partner"].with_user(marketer)
        ours = [("id", "in", self.customers.ids)]
        champions = self.env.ref("dealer_loyalty.segment_champions")
        self.assertEqual(Partner.search([*ours, ("segment_id", "=", champions.id)]), self.customers[0])
        self.assertEqual(Partner.search([*ours, ("rfm_score", "=", "452")]), self.customers[2])
        self.assertEqual(Partner.search(ours, order="recency_days desc").ids, self.customers.ids[::-1])
        groups = dict(Partner._read_group(ours, ["segment_id"], ["__count"]))
        self.assertEqual(groups[self.env.ref("dealer_loyalty.segment_loyal")], 3)
        totals = Partner.formatted_read_group(ours, ["rfm_r"], ["monetary:sum", "frequency:avg"])
        by_r = {row["rfm_r"]: row for row in totals}
        # R = 5: customers 0 and 1 (100,000 + 20,000; 9 and 1 visits)
        self.assertEqual(by_r[5]["monetary:sum"], 120000)
        self.assertEqual(by_r[5]["frequency:avg"], 5)

    def test_next_day_rescoring_rewrites_no_customer_row(self):
        """Recency changes every day: only the narrow score rows are rewritten, never res_partner's."""
        self._refresh()
        self.env.flush_all()
        self.env.cr.execute("SELECT id, ctid FROM res_partner WHERE id = ANY(%s)", [self.customers.ids])
        before = dict(self.env.cr.fetchall())
        self._refresh(today=self.TODAY + timedelta(days=1))
        self.env.cr.execute("SELECT id, ctid FROM res_partner WHERE id = ANY(%s)", [self.customers.ids])
        self.assertEqual(dict(self.env.cr.fetchall()), before)
        self.assertEqual(self.customers[0].recency_days, 11)

    def test_customer_without_events_loses_scores(self):
        self._refresh()
        gone = self.customers[9]
        self.assertTrue(gone.segment_id)
        self.env["dealer.visit"].search([("partner_id", "=", gone.id)]).write({"state": "cancelled"})
        self._refresh()
        self.assertFalse(gone.segment_id)
        self.assertFalse(gone.rfm_score)
        self.assertFalse(self.Partner.search([("id", "=", gone.id), ("rfm_score", "!=", False)]))

    def test_sql_agrees_with_python_rules(self):
        """The stored scores equal the plain-Python rules the benchmark compares against."""
        self._refresh()
        data = {p.id: (p.recency_days, p.frequency, p.monetary) for p in self.customers}
        expected = rfm.rfm_scores(data)
        segments = self.env["dealer.segment"]._scoring_tuples()
        for partner in self.customers:
            self.assertEqual((partner.rfm_r, partner.rfm_f, partner.rfm_m), expected[partner.id])
            self.assertEqual(partner.segment_id.id, rfm.match_segment(expected[partner.id], segments))

    def test_ties_share_a_score(self):
        self.assertEqual(rfm.quantile_scores([1, 1, 1, 2, 5]), [1, 1, 1, 4, 5])
        self.assertEqual(rfm.quantile_scores(list(range(10)), higher_is_better=False), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1])

    def test_fixed_bands(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("dealer_loyalty.rfm_method", "bands")
        icp.set_param("dealer_loyalty.rfm_r_thresholds", "15,30,60,90")
        icp.set_param("dealer_loyalty.rfm_f_thresholds", "2,4,6,8")
        icp.set_param("dealer_loyalty.rfm_m_thresholds", "20000,40000,60000,80000")
        self._refresh()
        first, sixth = self.customers[0], self.customers[5]
        # 10 days, 9 visits, 100000 -> 5, 5, 5; 60 days, 5 visits, 10000 -> 2, 3, 1
        self.assertEqual(first.rfm_score, "555")
        self.assertEqual(sixth.rfm_score, "231")
        self.assertEqual(rfm.band_score(60, [15, 30, 60, 90], higher_is_better=False), 2)

    def test_segment_rules_are_editable(self):
        self.env.ref("dealer_loyalty.segment_new").r_min = 5
        self._refresh()
        # customer 3 (4, 2, 2) is no longer new and falls through to "needs attention"
        self.assertEqual(self.customers[3].segment_id, self.env.ref("dealer_loyalty.segment_need_attention"))

    def test_bad_segment_range_is_refused(self):
        with self.assertRaisesRegex(Exception, "Recency"):
            self.env["dealer.segment"].create({"name": "Broken", "r_min": 4, "r_max": 2})

    def test_window_limits_frequency_and_spending(self):
        old = self._customer("Old timer")
        car = self._vehicle(old)
        self._visit(car, self.TODAY - timedelta(days=800), amount=99999)
        self._visit(car, self.TODAY - timedelta(days=100), amount=1000)
        self._refresh()
        self.assertEqual((old.frequency, old.monetary, old.recency_days), (1, 1000, 100))

    def test_purchase_counts_as_event(self):
        buyer = self._customer("Car buyer")
        self._purchase(buyer, self.TODAY - timedelta(days=5), 2500000)
        self._refresh()
        self.assertEqual((buyer.recency_days, buyer.frequency, buyer.monetary), (5, 1, 2500000))
        self.assertEqual(buyer.rfm_m, 5)
