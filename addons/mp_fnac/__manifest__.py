{
    "name": "Marketplace Connector: Fnac Darty",
    "summary": "Fnac and Darty shops through the Fnac Darty marketplace XML API: "
    "orders, acceptance and shipments in batches, offers, carriers, buyers' "
    "messages and incidents",
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
    "installable": True,
}
