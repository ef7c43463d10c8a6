"""Roster workbooks (.xlsx): the template, import (read → plan → apply) and exports.

Modules: `columns` (header names and aliases), `codes` (text → code maps), `dates` (date shapes),
`reader` (finding the header and rows), `rows` (a row's cells → values), `importer` (plan and apply; `posts`: a row's
posts through the roster's post rules), `template` (workbook layout),
`exporter` (township roster and people list), `jobs` (an ImportJob run inline or on a worker).
"""
