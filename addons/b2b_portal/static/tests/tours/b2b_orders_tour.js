/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("b2b_quote_request", {
    url: "/shop/cart",
    steps: () => [
        {
            content: "The cart offers to request a quote",
            trigger: "form.o_b2b_request_quote button[type='submit']",
            run: "click",
        },
        {
            content: "The request is sent to the sales team",
            trigger: ".o_b2b_checkout_blocked[data-reason='quote']",
        },
        {
            content: "The page links to the quotation in the customer's documents",
            trigger: ".o_b2b_checkout_blocked a[href*='/my/orders/']",
        },
    ],
});

registry.category("web_tour.tours").add("b2b_approval_buyer", {
    url: "/shop/payment",
    steps: () => [
        {
            content: "Above the limit, the order waits for approval instead of the payment",
            trigger: ".o_b2b_checkout_blocked[data-reason='approval']",
        },
    ],
});

registry.category("web_tour.tours").add("b2b_approval", {
    url: "/my/b2b/approvals",
    steps: () => [
        {
            content: "The buyer's order waits for approval",
            trigger: "tr.o_b2b_approval_row button.o_b2b_approve",
            run: "click",
        },
        {
            content: "The order is approved",
            trigger: ".o_b2b_approval_done.alert-success",
        },
        {
            content: "No order waits any more",
            trigger: ".o_b2b_no_approval",
        },
    ],
});

registry.category("web_tour.tours").add("b2b_reorder", {
    steps: () => [
        {
            content: "Reorder the confirmed order",
            trigger: "form.o_b2b_reorder button[type='submit']",
            run: "click",
        },
        {
            content: "A product no longer sold is reported",
            trigger: ".o_b2b_reorder_row[data-status='unavailable']",
        },
        {
            content: "A changed price is reported",
            trigger: ".o_b2b_reorder_row[data-status='added'][data-price-changed='1']",
        },
        {
            content: "A quantity raised to the minimum is reported",
            trigger: ".o_b2b_reorder_row[data-status='added'][data-qty-changed='1']",
        },
        {
            content: "Open the cart",
            trigger: "a.o_b2b_reorder_cart",
            run: "click",
        },
        {
            content: "The cart holds the reordered products",
            trigger: "#cart_products .o_cart_product",
        },
    ],
});
