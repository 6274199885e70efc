import { registry } from "@web/core/registry";

// Data are prepared by the Python test (test_ui.py): the tour account's
// listings imported, so the product MPH-0001 has its offer on it.
registry.category("web_tour.tours").add("mp_product_offers_tour", {
    steps: () => [
        {
            content: "The product's marketplaces are a page of its form",
            trigger: ".o_notebook a[name='mp_offers']",
            run: "click",
        },
        {
            content: "Each offer names its account, in words",
            trigger: ".o_field_widget[name='mp_offer_ids'] .o_data_row td:contains('Tour account')",
        },
        {
            content: "with the SKU the marketplace knows",
            trigger: ".o_field_widget[name='mp_offer_ids'] .o_data_row td:contains('MPH-0001')",
        },
        {
            content: "and the stock the marketplace confirmed",
            trigger: ".o_field_widget[name='mp_offer_ids'] .o_data_row:contains('MPH-0001') td[name='confirmed_quantity']:contains('50')",
        },
    ],
});
