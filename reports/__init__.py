"""The evaluation of the service, rendered: the report page, its charts and its tables."""
