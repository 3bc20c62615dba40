"""Events of the invoicing addon. Implementations run inside the posting or cancelling
transaction: raising a DomainError undoes the whole action."""
from erp_core.hookspecs import hookspec


@hookspec
def invoicing_invoice_posted(invoice, user):
    """``invoice`` was just posted (it has its number) by ``user`` (None on the command line). Create
    follow-up records here; raise a ``DomainError`` to refuse, and the invoice stays a draft with no
    number consumed."""


@hookspec
def invoicing_invoice_cancel_refusal(invoice):
    """Return a sentence saying why the posted ``invoice`` cannot be cancelled, or None.
    Every addon is asked before any cancellation happens."""


@hookspec
def invoicing_invoice_cancelled(invoice, user):
    """``invoice`` was just cancelled by ``user`` (no addon refused): undo follow-up records here."""
