"""Plain classes the account's models delegate to: the token store and the
offer package host its Cdiscount client is built with."""
