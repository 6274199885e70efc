"""B2B ordering: what a professional buyer types, pastes or uploads, read into
order lines (``mphub.b2b.quick_order``)."""
