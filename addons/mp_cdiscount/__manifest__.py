{
    "name": "Marketplace Connector: Cdiscount",
    "summary": "Cdiscount (Octopia) through the Octopia seller REST API, or the "
    "legacy SOAP Marketplace API: orders (seller and Cdiscount fulfilment), "
    "acceptance, shipments, offers by offer packages, listings",
    "version": "18.0.1.0.0",
    "category": "Sales/Marketplaces",
    "website": "https://github.com/seller-hub/seller-hub",
    "author": "Seller Hub contributors",
    "maintainers": ["seller-hub"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["mp_connector_base"],
    "external_dependencies": {"python": ["mphub", "zeep"]},
    "data": [
        "data/mp_marketplace_state_data.xml",
        "data/ir_cron_data.xml",
        "views/mp_backend_views.xml",
    ],
    "demo": [
        "demo/mp_backend_demo.xml",
    ],
    "installable": True,
}
