/**
 * A customer books a TO-2 from a reminder's personal link, moves it, then cancels it with a
 * reason (tests/test_booking_tour.py), in English and in Russian. Elements are selected by
 * their classes and values only, never by the words of the page.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("dealer_workshop_booking_tour", {
    steps: () => [
        {
            content: "The reminder's link opens the page with the car and the due TO-2 chosen",
            trigger: ".o_dealer_booking_choose input[name=vehicle_id]:checked",
        },
        {
            trigger: ".o_dealer_booking_choose input[name=product_ids]:checked",
        },
        {
            content: "The customer picks the first free time",
            trigger: ".o_dealer_booking_confirm .o_dealer_slot:first",
            run: "click",
        },
        {
            content: "and books",
            trigger: ".o_dealer_booking_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The booking is confirmed on its own page",
            trigger: ".o_dealer_booking_manage .o_dealer_booking_info",
        },
        {
            content: "The customer moves the visit to another free time",
            trigger: ".o_dealer_booking_reschedule .o_dealer_slot:eq(3)",
            run: "click",
        },
        {
            trigger: ".o_dealer_booking_move",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The visit is moved",
            trigger: ".o_dealer_booking_manage .o_dealer_booking_info",
        },
        {
            content: "The customer cancels: a competitor's offer",
            trigger: "#dealer_cancel_reason",
            run() {
                const select = document.querySelector("#dealer_cancel_reason");
                select.value = select.querySelector("option[data-code=competitor]").value;
                select.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            trigger: "#dealer_cancel_comment",
            run: "edit Cheaper next door",
        },
        {
            trigger: ".o_dealer_booking_cancel_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The visit is cancelled: no more forms to move or cancel it",
            trigger: ".o_dealer_booking_manage .o_dealer_booking_info",
        },
        {
            trigger: ".o_dealer_booking_manage:not(:has(.o_dealer_booking_cancel))",
        },
    ],
});
