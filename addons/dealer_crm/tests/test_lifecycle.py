from .common import DealerCustomerCase


class TestLifecycle(DealerCustomerCase):
    def history(self, partner):
        return [(e.from_stage, e.to_stage, e.trigger) for e in partner.dealer_lifecycle_event_ids.sorted("id")]

    def maintenance(self, vehicle, level):
        return self.env["dealer.visit"].create(
            {
                "vehicle_id": vehicle.id,
                "partner_id": vehicle.partner_id.id,
                "kind": "maintenance",
                "maintenance_level": level,
                "odometer_km": 1000,
                "state": "done",
            }
        )

    def test_lead_won_first_and_regular_service(self):
        customer = self.make_customer()
        self.assertEqual(customer.dealer_stage, "prospect")
        car = self.make_vehicle("XW8ZZZ1ZZPG000301", state="stock")
        deal = self.make_deal(customer, vehicle_id=car.id)
        self.assertEqual(customer.dealer_stage, "lead")
        deal.stage_id = self.stage["test_drive"]
        self.assertEqual(customer.dealer_stage, "negotiation")
        deal.action_set_won()
        self.assertEqual(customer.dealer_stage, "customer")
        self.maintenance(car, "TO-1")
        self.assertEqual(customer.dealer_stage, "first_service")
        self.maintenance(car, "TO-2")
        self.assertEqual(customer.dealer_stage, "regular_service")
        self.assertEqual(
            self.history(customer),
            [
                ("prospect", "lead", "lead"),
                ("lead", "negotiation", "negotiation"),
                ("negotiation", "customer", "won"),
                ("customer", "first_service", "maintenance"),
                ("first_service", "regular_service", "maintenance"),
            ],
        )
        self.assertEqual(customer.dealer_lifecycle_event_ids.sorted("id")[2].res_reference, deal)

    def test_no_backward_move(self):
        customer = self.make_customer(dealer_stage="regular_service")
        self.make_deal(customer)  # a new request does not make a regular customer a "lead" again
        self.assertEqual(customer.dealer_stage, "regular_service")
        self.assertFalse(customer.dealer_lifecycle_event_ids)

    def test_trade_in_then_next_car_restarts_the_cycle(self):
        customer = self.make_customer(dealer_stage="regular_service")
        old_car = self.make_vehicle("XW8ZZZ1ZZPG000302", partner_id=customer.id)
        new_car = self.make_vehicle("XW8ZZZ1ZZPG000303", state="stock")
        deal = self.make_deal(
            customer, dealer_interest="trade_in", trade_in_vehicle_id=old_car.id, vehicle_id=new_car.id
        )
        self.assertEqual(customer.dealer_stage, "trade_in")
        deal.action_set_won()
        self.assertEqual(customer.dealer_stage, "customer")
        self.assertEqual(
            self.history(customer)[-2:],
            [
                ("regular_service", "trade_in", "trade_in"),
                ("trade_in", "customer", "won"),
            ],
        )

    def test_set_based_advance_writes_only_earlier_stages(self):
        early = self.make_customer("Early")
        late = self.make_customer("Late", dealer_stage="first_service")
        moved = (early | late)._dealer_lifecycle_advance("customer", "manual")
        self.assertEqual(moved, early)
        self.assertEqual((early.dealer_stage, late.dealer_stage), ("customer", "first_service"))
        self.assertEqual(len(early.dealer_lifecycle_event_ids), 1)
        self.assertFalse(late.dealer_lifecycle_event_ids)

    def test_customer_card_figures(self):
        customer = self.make_customer()
        car = self.make_vehicle("XW8ZZZ1ZZPG000304", state="stock")
        deal = self.make_deal(customer, vehicle_id=car.id, expected_revenue=2_000_000)
        deal.action_set_won()
        visit = self.maintenance(car, "TO-1")
        self.env["dealer.visit.line"].create({"visit_id": visit.id, "name": "TO-1", "amount": 15_000})
        old = self.env["dealer.visit"].create(
            {
                "vehicle_id": car.id,
                "partner_id": customer.id,
                "kind": "repair",
                "state": "done",
                "date": "2015-01-10",
                "line_ids": [(0, 0, {"name": "Old repair", "amount": 5_000})],
            }
        )
        self.assertEqual(old.revenue, 5_000)
        customer.invalidate_recordset()
        self.assertEqual(customer.dealer_vehicle_count, 1)
        self.assertEqual(customer.dealer_visit_count, 2)
        self.assertEqual(customer.dealer_purchase_count, 1)
        self.assertEqual(customer.dealer_revenue_12m, 2_015_000)
        self.assertEqual(customer.dealer_revenue_24m, 2_015_000)
        self.assertEqual(customer.dealer_revenue_total, 2_020_000)

    def test_consent_date_follows_the_consent(self):
        customer = self.make_customer()
        self.assertFalse(customer.consent_sms_date)
        customer.consent_sms = True
        self.assertTrue(customer.consent_sms_date)
        self.assertFalse(customer.consent_email_date)
