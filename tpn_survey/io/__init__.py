"""Readers: turn an export file into a `Table` of text cells, whatever its encoding or flavour."""

from tpn_survey.io.table import Table, read_table, stack_tables

__all__ = ["Table", "read_table", "stack_tables"]
