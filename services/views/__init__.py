"""Read models for pages and listings: dashboard, documents, summary, exports, registry."""
