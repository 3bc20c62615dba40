"""Invoices (vendor bills, customer invoices and both kinds of refund) and their lines."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erp_core.database import UtcDateTime, db, utcnow
from erp_core.models import Partner, Product
from erp_core.vocabulary import Vocabulary


class InvoiceType(Vocabulary):
    VENDOR_BILL = "vendor_bill", "Vendor bill"
    CUSTOMER_INVOICE = "customer_invoice", "Customer invoice"
    VENDOR_REFUND = "vendor_refund", "Vendor refund"
    CUSTOMER_REFUND = "customer_refund", "Customer refund"


class InvoiceState(Vocabulary):
    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


DESCRIPTION_MAX = 500  # a line's description
NUMBER_PREFIXES = {"vendor_bill": "BILL", "customer_invoice": "INV", "vendor_refund": "RBILL", "customer_refund": "RINV"}


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(InvoiceType.check("type"), name="type"),
        CheckConstraint(InvoiceState.check("state"), name="state"),
        CheckConstraint("state = 'draft' OR number IS NOT NULL", name="posted_has_number"),
        CheckConstraint("state = 'draft' OR partner_id IS NOT NULL", name="posted_has_partner"),
        Index("ix_invoices_type_state", "type", "state"),
        Index("ix_invoices_partner_id", "partner_id"),
        Index("ix_invoices_invoice_date", "invoice_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))  # a draft may lack one; posting needs it
    invoice_date: Mapped[date] = mapped_column(Date)
    reversed_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    amount_untaxed: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    amount_tax: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    partner: Mapped[Partner | None] = relationship()
    reversed_invoice: Mapped["Invoice | None"] = relationship(remote_side="Invoice.id")
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice", cascade="all, delete-orphan",
                                                      order_by="InvoiceLine.sequence, InvoiceLine.id")

    @property
    def type_label(self) -> str:
        return InvoiceType.label_of(self.type)

    @property
    def draft_name(self) -> str:
        """The name of the document before it has a number (also while posting, so that a refusal
        never names a number the document did not get)."""
        return f"Draft {self.type_label.lower()} #{self.id}"

    @property
    def display_name(self) -> str:
        return self.number or self.draft_name


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_invoice_id", "invoice_id"), Index("ix_invoice_lines_product_id", "product_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    tax_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))  # percent, e.g. 21
    subtotal: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
