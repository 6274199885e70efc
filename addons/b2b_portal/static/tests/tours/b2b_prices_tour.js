import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

// Started on the product page of "B2B Tiered Cable" as the buyer of company A
// (negotiated pricelist: 5.00, from 10: 4.20, from 50: 3.95).
registry.category("web_tour.tours").add("b2b_prices", {
    steps: () => [
        {
            content: "The product page shows the company's negotiated price",
            trigger: "#product_details .oe_price .oe_currency_value:contains(/^5\\.00$/)",
        },
        {
            content: "The quantity tiers are shown near the price",
            trigger: ".b2b_price_tiers:contains(From 10):contains(4.20):contains(From 50):contains(3.95)",
        },
        {
            content: "Order 10",
            trigger: "#product_details input[name='add_qty']",
            run: "edit 10",
        },
        {
            content: "Add to cart",
            trigger: "#add_to_cart",
            run: "click",
        },
        tourUtils.goToCart({ quantity: 10 }),
        {
            content: "The cart line is priced at the tier price (10 x 4.20)",
            trigger: "div[name='website_sale_cart_line_price'] .oe_currency_value:contains(/^42\\.00$/)",
        },
    ],
});
