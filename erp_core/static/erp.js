// Progressive behaviour shared by every page; the app works without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  // Close open menus when clicking elsewhere.
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// A menu opened with the keyboard closes when the focus leaves it, and on Escape (back to its button),
// so that it never stays open over what the user moved on to.
document.addEventListener("focusout", (event) => {
  const menu = event.target.closest("details.menu[open]");
  if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.removeAttribute("open");
});
document.addEventListener("keydown", (event) => {
  const menu = event.key === "Escape" && event.target.closest && event.target.closest("details.menu[open]");
  if (!menu) return;
  menu.removeAttribute("open");
  menu.querySelector("summary").focus();
});

// A box that scrolls sideways (a wide table or code on a phone) must be reachable with the keyboard,
// and say what it holds: it becomes a named, focusable region while, and only while, it overflows.
function scrollBoxLabel(box) {
  // Its table's caption, or else the last heading before it (a panel's, a guide part's, the page's).
  const headings = [...document.querySelectorAll("main h1, main h2, main h3")]
    .filter((heading) => heading.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING);
  return (box.querySelector("caption") || headings.pop())?.textContent.trim() || "Table";
}

function markScrollable(box) {
  if (box.scrollWidth > box.clientWidth) {
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", `${scrollBoxLabel(box)} (scrolls sideways)`);
  } else {
    ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  const boxes = new ResizeObserver((entries) => entries.forEach((entry) => markScrollable(entry.target)));
  document.querySelectorAll(".table-wrap, pre").forEach((box) => boxes.observe(box));

  // After a form reloads the page (Validate, Save...), its message is read out: the focus moves to it,
  // unless the page puts the focus where work goes on (a scan field) or was sent to a place in it (#line-3).
  const flashes = document.querySelector(".flashes");
  if (flashes && !document.querySelector("[autofocus]") && !location.hash) flashes.focus();
});
