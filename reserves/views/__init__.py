"""Pages of the reserve pipeline: village reserves, succession and bench strength, classes, elections, outcomes.

Every lookup goes through `.for_user()` or the lookup helpers (villages/permissions.py, reserves/permissions.py):
outsiders 404, read-only users 403. Page-or-fragment rendering is `villages.http.page_or_partial`.
"""
