{
    "name": "Marketplace Connector: Mirakl",
    "summary": "Every Mirakl-based marketplace (Carrefour, Boulanger, Leroy "
    "Merlin, Conforama...): orders, acceptance, shipments, listings, stock and "
    "prices",
    "version": "18.0.1.0.0",
    "category": "Sales/Marketplaces",
    "website": "https://github.com/seller-hub/seller-hub",
    "author": "Seller Hub contributors",
    "maintainers": ["seller-hub"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["mp_connector_base"],
    "external_dependencies": {"python": ["mphub"]},
    "data": [
        "data/mp_marketplace_state_data.xml",
        "views/mp_backend_views.xml",
    ],
    "demo": [
        "demo/mp_backend_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "mp_mirakl/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
