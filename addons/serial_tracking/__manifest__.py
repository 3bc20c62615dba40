{
    "name": "serial_tracking",
    "version": "1.0.0",
    "summary": "Serial-tracked products, stock locations and moves from bills and invoices, unit-level traceability.",
    "depends": ["invoicing"],
}
