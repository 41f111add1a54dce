"""Scrapy spiders: they only collect. Each writes raw records (`schemas.raw.RawRecord`) to disk;
normalization happens afterwards in `pipeline/`, which spiders never import."""
