"""Per-source normalizers: raw record -> strict `Listing`, one module per source shape."""
