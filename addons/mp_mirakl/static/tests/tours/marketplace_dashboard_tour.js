import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Data are prepared by the Python test (test_ui.py): an account with one
// order imported and one kept in error for an unknown SKU.
registry.category("web_tour.tours").add("mp_marketplace_dashboard_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps("mp_connector_base.mp_root_menu", "Open Marketplaces"),
        {
            content: "The account's card shows its health",
            trigger: ".o_kanban_record:contains('Tour account') a[name='action_open_errors']:contains('1')",
        },
        {
            content: "Open the orders in error",
            trigger: ".o_kanban_record:contains('Tour account') a[name='action_open_errors']",
            run: "click",
        },
        {
            content: "Open the order in error",
            trigger: ".o_data_row .o_data_cell:contains('MKP-')",
            run: "click",
        },
        {
            content: "The reason is shown, with the raw payload",
            trigger: ".o_form_view .alert-danger:contains('UNKNOWN-')",
        },
        {
            content: "Replay it",
            trigger: ".o_form_view button[name='action_replay']",
            run: "click",
        },
        {
            content: "Still waiting for its product",
            trigger: ".o_form_view .alert-danger:contains('UNKNOWN-')",
        },
        {
            content: "Open the raw payload",
            trigger: ".o_notebook a:contains('Raw Payload')",
            run: "click",
        },
        {
            content: "The payload holds the marketplace order",
            trigger: ".o_form_view .ace_content:contains('order_lines')",
        },
    ],
});
