"""Bulk import of staff from the Excel template (placeholder: implemented by the import work item)."""
