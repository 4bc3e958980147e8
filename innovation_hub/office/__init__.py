"""Catalogue administration by the union office (市总工会): studios, titles, leaders, records, change requests."""
