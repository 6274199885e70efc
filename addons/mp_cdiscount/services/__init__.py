"""Plain classes the account's models delegate to: the offer package host
its Cdiscount client is built with (its token store is the base's,
``mp.backend.token``)."""
