import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Data are prepared by the Python test (test_ui.py): an account with one
// order imported and one kept in error for an unknown SKU.
const card = ".o_kanban_record:contains('Tour account')";

registry.category("web_tour.tours").add("mp_marketplace_dashboard_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps("mp_connector_base.mp_root_menu", "Open Marketplaces"),
        {
            content: "The account's card says its health, and why",
            trigger: `${card} [name='health_badge']:contains('Warning')`,
        },
        {
            content: "The reason is given in words",
            trigger: `${card} [name='health_reason']:contains('1 order in error')`,
        },
        {
            content: "What was ordered today",
            trigger: `${card} a[name='action_open_orders_today'] [name='today_count']:contains('2')`,
        },
        {
            content: "A count is coloured when it is not zero",
            trigger: `${card} a[name='action_open_errors'].text-danger:contains('1')`,
        },
        {
            content: "and only then",
            trigger: `${card} a[name='action_open_export_errors'].text-muted:not(.text-danger):contains('0')`,
        },
        {
            content: "Open the orders in error",
            trigger: `${card} a[name='action_open_errors']`,
            run: "click",
        },
        {
            content: "The list says what it shows",
            trigger: ".o_breadcrumb:contains('Orders in error - Tour account')",
        },
        {
            content: "Its filters are in the search bar, where they can be removed",
            trigger: ".o_searchview_facet:contains('In Error')",
        },
        {
            content: "The account is one of them",
            trigger: ".o_searchview_facet:contains('Tour account')",
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
            content: "The replay says how it went",
            trigger: ".o_notification_manager .o_notification",
        },
        {
            content: "Still waiting for its product",
            trigger: ".o_form_view .alert-danger:contains('UNKNOWN-')",
        },
        {
            content: "Open the raw payload (technical page)",
            trigger: ".o_notebook a:contains('Technical')",
            run: "click",
        },
        {
            content: "The payload holds the marketplace order",
            trigger: ".o_form_view .ace_content:contains('order_lines')",
        },
    ],
});
