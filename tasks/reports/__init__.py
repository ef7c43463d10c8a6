"""Printable reports: data gathering (context), fonts, the local-only URL fetcher, the one renderer, editions, jobs."""
