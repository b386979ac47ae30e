"""One module per panel of the page; each has a ``draw(...)`` function."""
