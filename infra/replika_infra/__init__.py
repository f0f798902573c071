"""The `replika` command: local stack, demo, import, packaging and deployment."""
