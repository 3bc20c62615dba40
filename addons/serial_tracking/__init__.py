"""Serial number tracking: locations, stock moves created from posted invoices, serial assignment,
validation in bulk, and each unit's location history."""
