"""The JSON-lines feed exporter of our crawls, without Scrapy's per-field pass for plain dicts.

Our spiders yield plain dicts whose values are already JSON types, and the feeds set no
`fields_to_export` or field serializers, so Scrapy's generic per-field adapter pass changes
nothing; on a national directory it cost more than encoding the lines. Anything else (an Item,
or a feed with `fields_to_export`) goes through Scrapy's own path unchanged.
"""

from typing import Any

from scrapy.exporters import JsonLinesItemExporter


class FastJsonLinesItemExporter(JsonLinesItemExporter):
    """`JsonLinesItemExporter` with a direct path for plain dict items."""

    def export_item(self, item: Any) -> None:
        """Write one item as a JSON line."""
        if type(item) is not dict or self.fields_to_export is not None:
            super().export_item(item)
            return
        data = self.encoder.encode(item) + "\n"
        self.file.write(data.encode(self.encoding or "utf-8"))
