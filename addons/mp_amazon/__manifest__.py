{
    "name": "Marketplace Connector: Amazon",
    "summary": "Amazon Seller Central through the Selling Partner API: orders "
    "(FBM and FBA), shipments, stock and prices by listing patches and feeds",
    "version": "18.0.1.0.0",
    "category": "Sales/Marketplaces",
    "website": "https://github.com/seller-hub/seller-hub",
    "author": "Seller Hub contributors",
    "maintainers": ["seller-hub"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["mp_connector_base"],
    "external_dependencies": {"python": ["mphub", "python-amazon-sp-api"]},
    "data": [
        "security/ir.model.access.csv",
        "data/mp_amazon_marketplace_data.xml",
        "data/mp_marketplace_state_data.xml",
        "views/mp_amazon_marketplace_views.xml",
        "views/mp_backend_views.xml",
    ],
    "demo": [
        "demo/mp_backend_demo.xml",
    ],
    "installable": True,
}
