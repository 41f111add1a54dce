"""Data models of iop-directory.

`schemas` is the innermost layer: it imports nothing else of the project. Spiders and the
pipeline import it; it never imports them.
"""
