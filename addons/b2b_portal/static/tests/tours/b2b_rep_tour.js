import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

// Started on /my/b2b/accounts?redirect=/shop?search=B2B Rep Tour Widget as the
// sales rep of "Rep Tour Company", whose negotiated pricelist sells
// "B2B Rep Tour Widget" at 61.40 (list price 100).
registry.category("web_tour.tours").add("b2b_rep_order_for_customer", {
    steps: () => [
        {
            content: "Order for the managed customer",
            trigger: "tr.o_b2b_account:contains(Rep Tour Company) .o_b2b_act_as",
            run: "click",
        },
        {
            content: "The banner says for whom the rep is ordering",
            trigger: ".o_b2b_acting_banner:contains(You are ordering for):contains(Rep Tour Company)",
        },
        {
            content: "Open the product",
            trigger: ".oe_product_cart a:contains(B2B Rep Tour Widget)",
            run: "click",
        },
        {
            content: "The product page shows the customer's price",
            trigger: "#product_details .oe_price .oe_currency_value:contains(/^61\\.40$/)",
        },
        {
            content: "Order 2",
            trigger: "#product_details input[name='add_qty']",
            run: "edit 2",
        },
        {
            content: "Add to cart",
            trigger: "#add_to_cart",
            run: "click",
        },
        tourUtils.goToCart({ quantity: 2 }),
        {
            content: "The cart line is at the customer's price (2 x 61.40)",
            trigger: "div[name='website_sale_cart_line_price'] .oe_currency_value:contains(/^122\\.80$/)",
        },
        {
            content: "The banner is still there on the cart",
            trigger: ".o_b2b_acting_banner:contains(Rep Tour Company)",
        },
        tourUtils.goToCheckout(),
        {
            content: "The checkout page is reached, still for the customer",
            trigger: "#shop_checkout",
        },
        {
            content: "The customer's address is the billing address",
            trigger: "#shop_checkout:contains(Rep Tour Company)",
        },
    ],
});
