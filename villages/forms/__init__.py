"""The web\x27s forms and list filters (the edge layer): each validates input and calls the domain functions."""
