"""From a fetched page to a Listing: config-driven fields, or the main text of an unknown page."""
