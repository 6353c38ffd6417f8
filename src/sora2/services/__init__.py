"""Services: the only home of business rules. They speak in domain types and ports."""
