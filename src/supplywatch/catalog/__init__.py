"""Data contracts: every column declared once, every table with its key; DDL and docs from them."""
