"""Rules of invoicing documents, one module per concept; callers import them from here.
Services never commit; the API request, web action or CLI command commits or rolls back."""
from .amounts import Amounts, compute_amounts, round_cents
from .documents import (INVOICE_SORTING, LINE_KEYS, REFUND_TYPES, create_invoice, create_refund, delete_invoice, invoice_values,
                        oldest_drafts, refunds_of, require_draft, search_invoices, today, update_invoice)
from .exports import invoices_export
from .posting import cancel_invoice, cancel_refusals, document_number, post_invoice, posting_problems

__all__ = ["INVOICE_SORTING", "LINE_KEYS", "REFUND_TYPES", "Amounts", "cancel_invoice", "cancel_refusals", "compute_amounts",
           "create_invoice", "create_refund", "delete_invoice", "document_number", "invoice_values", "invoices_export",
           "oldest_drafts", "post_invoice", "posting_problems", "refunds_of", "require_draft", "round_cents", "search_invoices",
           "today", "update_invoice"]
