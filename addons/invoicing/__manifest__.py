{
    "name": "invoicing",
    "version": "1.0.0",
    "summary": "Vendor bills, customer invoices and refunds, numbered and posted by accountants.",
    "depends": [],
}
