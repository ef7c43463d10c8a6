"""Roster workbooks (.xlsx): the template, import (read → plan → apply) and exports.

Modules: `columns` (header names and aliases), `codes` (text → code maps), `dates` (date shapes),
`reader` (finding the header and rows), `importer` (plan and apply), `template` (workbook layout),
`exporter` (township roster and people list), `jobs` (an ImportJob run inline or on a worker).
"""
