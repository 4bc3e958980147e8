"""Forms of the award pages, one module per audience."""
