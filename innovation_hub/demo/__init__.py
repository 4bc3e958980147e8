"""Fictional demo data (示例数据) in the shape of the founding report."""
