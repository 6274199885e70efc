"""The Fnac Darty connector's core: the XML API client (``client``), its
transport (``xmlapi``), the request builders and answer readers, and the
mapping of orders, offers and messages (``mapping*``)."""
