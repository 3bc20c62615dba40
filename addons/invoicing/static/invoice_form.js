// Line editor of the invoice form: adds and removes lines in place (what was typed stays) and
// keeps the subtotals and totals current while typing. Without JavaScript the same buttons post
// the form, and the server adds or removes the line and renders it again with everything typed.
(function () {
  "use strict";

  // Amounts are computed as services.compute_amounts does, in exact scaled integers (BigInt):
  // each line's subtotal rounded half up to cents, the tax summed over the lines and rounded once.
  const QTY_SCALE = 3, PRICE_SCALE = 4, RATE_SCALE = 3;

  function parseScaled(text, scale) {
    text = text.trim();
    if (!text.includes(".")) text = text.replace(",", ".");
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (!match[2] && !match[3])) return null;
    const fraction = match[3] || "";
    if (fraction.length > scale) return null;  // the server refuses it; show no amount rather than a wrong one
    const value = BigInt((match[2] || "0") + fraction.padEnd(scale, "0"));
    return match[1] === "-" ? -value : value;
  }

  function divideRoundHalfUp(value, divisor) {
    const negative = value < 0n;
    const magnitude = negative ? -value : value;
    const rounded = (magnitude + divisor / 2n) / divisor;
    return negative ? -rounded : rounded;
  }

  function formatCents(cents) {
    const negative = cents < 0n;
    const digits = (negative ? -cents : cents).toString().padStart(3, "0");
    const units = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + units + "." + digits.slice(-2);
  }

  function field(row, name) {
    return row.querySelector(`[name$="-${name}"]`);
  }

  function recompute(form) {
    let untaxed = 0n, taxScaled = 0n;
    form.querySelectorAll("[data-lines] [data-line]").forEach((row) => {
      const quantity = parseScaled(field(row, "quantity").value, QTY_SCALE);
      const price = parseScaled(field(row, "unit_price").value, PRICE_SCALE);
      const rateText = field(row, "tax_rate").value.trim();
      const rate = rateText ? parseScaled(rateText, RATE_SCALE) : 0n;
      const cell = row.querySelector("[data-subtotal]");
      if (quantity === null || price === null || rate === null) {
        cell.textContent = "";
        return;
      }
      const subtotal = divideRoundHalfUp(quantity * price, 10n ** BigInt(QTY_SCALE + PRICE_SCALE - 2));
      cell.textContent = formatCents(subtotal);
      untaxed += subtotal;
      taxScaled += subtotal * rate;  // cents × rate scaled by 10^3, and a percent: tax in cents × 10^5
    });
    const tax = divideRoundHalfUp(taxScaled, 10n ** BigInt(RATE_SCALE + 2));
    form.querySelector("[data-untaxed]").textContent = formatCents(untaxed);
    form.querySelector("[data-tax]").textContent = formatCents(tax);
    form.querySelector("[data-total]").textContent = formatCents(untaxed + tax);
  }

  // Choosing a product (its picker sets the hidden id) fills an empty description with its name, and
  // replaces a name filled that way.
  function productChosen(chosen) {
    const description = field(chosen.closest("[data-line]"), "description");
    const label = chosen.value ? chosen.closest("[data-picker]").querySelector("[role=combobox]").value : "";
    if (!description.value.trim() || description.value === description.dataset.filled) {
      description.value = label;
      description.dataset.filled = label;
    }
  }

  function setUp(form) {
    const lines = form.querySelector("[data-lines]");
    const template = document.getElementById("line-template");
    let nextIndex = 1 + Math.max(-1, ...Array.from(lines.querySelectorAll("[data-line]"), (row) => Number(row.dataset.index)));

    form.addEventListener("click", (event) => {
      if (event.target.closest("[data-add-line]")) {
        event.preventDefault();
        lines.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__index__", String(nextIndex++)));
        lines.lastElementChild.querySelector("[role=combobox]").focus();
        recompute(form);
      }
      const remove = event.target.closest("[data-remove-line]");
      if (remove) {
        event.preventDefault();
        remove.closest("[data-line]").remove();
        recompute(form);
      }
    });
    form.addEventListener("input", () => recompute(form));
    form.addEventListener("change", (event) => {
      if (event.target.matches('[name$="-product_id"]')) productChosen(event.target);
      recompute(form);
    });
    recompute(form);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-invoice-form]").forEach(setUp);
  });
})();
