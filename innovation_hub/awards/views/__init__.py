"""The award rounds' pages: one blueprint per audience (administrator, judge, studio, the public, JSON)."""
