"""Exchange rates as data: reads (`selectors`), writes and the CSV import
(`services`), the API (`api`). The rows are `dealcoach.models.ExchangeRate`;
conversion itself is plain Python in `dealcoach.currencies`."""
