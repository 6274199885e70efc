{
    "name": "B2B Portal",
    "summary": "The B2B shop and customer area for professional buyers: company "
    "accounts with roles, negotiated prices everywhere, quick order by reference "
    "or spreadsheet, on Odoo's portal and website",
    "version": "18.0.1.0.0",
    "category": "Website/eCommerce",
    "website": "https://github.com/seller-hub/seller-hub",
    "author": "Seller Hub contributors",
    "maintainers": ["seller-hub"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": [
        "website_sale",
        "website_sale_stock",
        "sale_management",
        "stock_delivery",
    ],
    "external_dependencies": {"python": ["mphub", "openpyxl"]},
    "data": [
        "security/b2b_portal_security.xml",
        "security/ir.model.access.csv",
        "data/b2b_portal_data.xml",
        "data/mail_template_shipment.xml",
        "data/b2b_order_request_data.xml",  # --- H16A ---
        "views/b2b_portal_menus.xml",
        "views/res_partner_views.xml",
        "views/b2b_signup_request_views.xml",
        "views/product_template_views.xml",
        "views/product_pricelist_views.xml",
        "views/res_config_settings_views.xml",
        "views/b2b_portal_templates.xml",
        "views/website_sale_templates.xml",
        "views/quick_order_templates.xml",
        "views/sale_order_views.xml",  # --- H5 ---
        "views/sale_portal_templates.xml",  # --- H5 ---
        "views/checkout_templates.xml",  # --- H16B ---
        "views/b2b_rep_templates.xml",
        "views/b2b_act_log_views.xml",
        "views/b2b_report_views.xml",
        "views/b2b_order_request_views.xml",  # --- H16A ---
        "views/b2b_order_request_templates.xml",  # --- H16A ---
    ],
    "demo": [
        "demo/b2b_portal_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "b2b_portal/static/src/scss/b2b_portal.scss",
            "b2b_portal/static/src/js/quick_order.js",
        ],
        "web.assets_tests": [
            "b2b_portal/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
