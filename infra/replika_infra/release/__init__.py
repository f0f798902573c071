"""Release: `replika package` (layers, app templates) and `replika deploy` (change sets)."""
