"""WBS (whistle-blowing): reports that protect the reporter (DOMAIN.md §5)."""
