import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

// Started on /shop (searching the lamp: the demo products' images are not in
// the test filestore) as the buyer of "Terms Company A" (payment terms: 30 Days,
// address 1 rue de la Paix, preferred carrier "B2B Tour Courier"): the whole
// checkout, from the product to the order placed on account.
registry.category("web_tour.tours").add("b2b_checkout_on_account", {
    url: "/shop?search=B2B Checkout Tour Lamp",
    steps: () => [
        {
            content: "Open the lamp from the shop",
            trigger: ".oe_product_cart a:contains(B2B Checkout Tour Lamp)",
            run: "click",
        },
        {
            content: "Add it to the cart",
            trigger: "#product_detail form[action^='/shop/cart/update'] #add_to_cart",
            run: "click",
        },
        tourUtils.goToCart({ quantity: 1 }),
        {
            content: "The cart holds the lamp",
            trigger: "#cart_products .o_cart_product:contains(B2B Checkout Tour Lamp)",
        },
        tourUtils.goToCheckout(),
        {
            content: "The company's address is already filled in",
            trigger: "#shop_checkout:contains(1 rue de la Paix):contains(Paris)",
        },
        {
            content: "Choose the courier",
            trigger: "#o_delivery_methods label:contains(B2B Tour Courier)",
            run: "click",
        },
        {
            content: "The courier is selected",
            trigger:
                "#o_delivery_methods li[name='o_delivery_method']:has(input[name='o_delivery_radio']:checked):contains(B2B Tour Courier)",
        },
        tourUtils.confirmOrder(),
        {
            content: "The payment page shows the payment terms",
            trigger: "#b2b_payment_terms[data-on-account='1'] .o_b2b_payment_term_name:contains(30 Days)",
        },
        {
            content: "Order on account",
            trigger: "form.o_b2b_order_on_account button[type='submit']",
            run: "click",
        },
        {
            content: "The confirmation page shows the order reference",
            trigger: ".o_b2b_on_account_confirmation .o_b2b_order_name:contains(/S\\d+/)",
        },
        {
            content: "And the payment terms",
            trigger: ".o_b2b_confirmation_payment_term:contains(30 Days)",
        },
    ],
});
