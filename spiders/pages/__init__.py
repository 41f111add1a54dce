"""Readers of provider web pages: their text as headings and lines, program sections, site facts."""
