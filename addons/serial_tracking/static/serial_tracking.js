// Progressive behaviour of the stock pages. Every form also works without this file: it posts and
// the server re-renders the page with the same result.
(function () {
  "use strict";

  const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ------------------------------------------------------------ scanning
  // A scanner types fast and presses Enter after each code, often before the server has answered
  // the previous one. So each code is taken out of the field at once (the field is free for the
  // next scan) and the codes are sent one after the other, in scan order.
  function setupScan(form) {
    const panel = form.closest("[data-line]");
    const input = form.querySelector("input[name=serial]");
    const feedback = form.querySelector("[data-feedback]");
    const queue = [];
    let busy = false;

    function show(message, kind) {
      feedback.textContent = message;
      feedback.className = "scan-feedback " + kind;
      input.setAttribute("aria-invalid", kind === "error" ? "true" : "false");
    }

    // Refusals stay listed until the page reloads: a good scan right after a bad one must not
    // hide that a unit was refused.
    function refuse(name, reason) {
      const shown = name.trim() === "" ? "(empty)" : name.length > 40 ? name.slice(0, 40) + "…" : name;
      const message = reason.includes(name.trim()) && name.trim() ? reason : shown + " refused: " + reason;
      show(message, "error");
      const list = form.querySelector("[data-refused]");
      if (!list) return;
      const item = document.createElement("li");
      item.textContent = message;
      list.insertBefore(item, list.firstChild);
      list.closest("[data-refused-log]").hidden = false;
    }

    function addToList(name) {
      const list = panel.querySelector("[data-serial-list]");
      if (!list) return;
      const empty = panel.querySelector("[data-empty]");
      if (empty) empty.hidden = true;
      const item = document.createElement("li");
      item.className = "just-added";
      const text = document.createElement("span");
      text.textContent = name;
      item.appendChild(text);
      const remove = list.dataset.removeLabel;
      if (remove) {
        const button = document.createElement("button");
        button.type = "submit";
        button.name = "serial";
        button.value = name;
        button.className = "remove";
        button.title = remove + " " + name;
        button.setAttribute("aria-label", remove + " " + name);
        button.textContent = "×";
        item.appendChild(button);
      }
      list.insertBefore(item, list.firstChild);
    }

    function updateCount(count, quantity) {
      panel.querySelectorAll("[data-count]").forEach((el) => { el.textContent = count + " / " + quantity; });
      panel.classList.toggle("complete", count >= quantity);
    }

    async function send(name) {
      const body = new FormData();
      body.append("serial", name);
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
        });
      } catch (error) {
        refuse(name, "not added, the server cannot be reached. Scan it again.");
        return;
      }
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      if (response.ok && data) {
        updateCount(data.count, data.quantity);
        addToList(data.serial);
        show(data.message, "ok");
      } else if (data && data.error) {
        const detail = (data.error.details || [])[0];
        refuse(name, detail ? detail.message : data.error.message);
      } else {
        refuse(name, "not added (error " + response.status + "). Reload the page and scan it again.");
      }
    }

    async function drain() {
      if (busy) return;
      busy = true;
      while (queue.length) await send(queue.shift());
      busy = false;
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = input.value;
      input.value = "";
      input.focus();
      queue.push(name);  // even an empty scan: the server says why it is refused
      drain();
    });
  }

  // ------------------------------------------------------------ paste: say how many entries were read
  function setupPaste(textarea) {
    const counter = textarea.form.querySelector("[data-entry-count]");
    if (!counter) return;
    const update = () => {
      const entries = textarea.value.split(/[\n\r,\t]+/).filter((s) => s.trim() !== "");
      counter.textContent = entries.length === 1 ? "1 entry" : entries.length + " entries";
    };
    textarea.addEventListener("input", update);
    update();
  }

  // ------------------------------------------------------------ picker: tick or untick every shown serial
  // The box stays true to the list: ticked when every serial is, unticked as soon as one is not.
  function setupPickAll(box) {
    const form = box.form;
    const boxes = () => form.querySelectorAll("input[type=checkbox][name=serial]");
    box.addEventListener("change", () => {
      boxes().forEach((cb) => { cb.checked = box.checked; });
    });
    form.addEventListener("change", (event) => {
      if (event.target !== box && event.target.name === "serial") box.checked = Array.from(boxes()).every((cb) => cb.checked);
    });
  }

  // ------------------------------------------------------------ new move form
  function setupMoveForm(form) {
    const type = form.querySelector("select[name=type]");
    const source = form.querySelector("select[name=source_location_id]");
    const dest = form.querySelector("select[name=dest_location_id]");
    let defaults = {};
    try { defaults = JSON.parse(form.dataset.defaults || "{}"); } catch (error) { defaults = {}; }
    if (type && source && dest) {
      type.addEventListener("change", () => {
        const d = defaults[type.value];
        if (!d) return;
        if (d.source) source.value = String(d.source);
        if (d.dest) dest.value = String(d.dest);
      });
    }
    const addButton = form.querySelector("[data-add-line]");
    const rows = form.querySelector("[data-lines]");
    if (addButton && rows) {
      addButton.hidden = false;
      addButton.addEventListener("click", () => {
        const last = rows.querySelector("[data-line-row]:last-of-type");
        const copy = last.cloneNode(true);
        const index = rows.querySelectorAll("[data-line-row]").length;
        copy.querySelectorAll("input, select, label").forEach((el) => {
          ["name", "id", "for"].forEach((attr) => {
            const value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, value.replace(/lines-\d+-/, "lines-" + index + "-"));
          });
          if (el.tagName === "INPUT") el.value = "";
          if (el.tagName === "SELECT") el.selectedIndex = 0;
        });
        copy.querySelectorAll(".error").forEach((el) => el.remove());
        rows.appendChild(copy);
        copy.querySelector("select, input").focus();
      });
    }
  }

  // ------------------------------------------------------------ printing
  // The delivery slip's Print button; without this file it stays hidden and the browser's own
  // Print menu prints the same page.
  function setupPrint(button) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  // ------------------------------------------------------------ counting a location
  // The scan posts as the form would, and the server answers with the whole count page; only its
  // part that lists the difference is swapped in, so the scan field keeps the focus and the text
  // the scanner types next. Codes scanned meanwhile wait their turn, in scan order.
  function setupCountScan(form) {
    const input = form.querySelector("input[name=serial]");
    const feedback = form.querySelector("[data-count-feedback]");
    const queue = [];
    let busy = false;

    function show(message, kind) {
      feedback.textContent = message;
      feedback.className = "scan-feedback " + kind;
      input.setAttribute("aria-invalid", kind === "error" ? "true" : "false");
    }

    function refuse(message) {
      show(message, "error");
      const list = form.querySelector("[data-refused]");
      if (!list) return;
      const item = document.createElement("li");
      item.textContent = message;
      list.insertBefore(item, list.firstChild);
      list.closest("[data-refused-log]").hidden = false;
    }

    async function send(name) {
      const body = new FormData(form);
      body.set("serial", name);
      const shown = name.trim() === "" ? "(empty)" : name;
      let response, html;
      try {
        response = await fetch(form.action, { method: "POST", body, credentials: "same-origin", headers: { "Accept": "text/html" } });
        html = await response.text();
      } catch (error) {
        refuse(shown + " not counted: the server cannot be reached. Scan it again.");
        return;
      }
      const page = new DOMParser().parseFromString(html, "text/html");
      const live = page.querySelector("[data-count-live]");
      const current = document.querySelector("[data-count-live]");
      if (!live || !current) {
        refuse(shown + " not counted (error " + response.status + "). Reload the page and scan it again.");
        return;
      }
      current.replaceWith(document.adoptNode(live));
      if (response.ok) {
        const flash = page.querySelector(".flash-success");
        show(flash ? flash.textContent.trim() : shown + " counted.", "ok");
      } else {
        // What the page says next to its scan field (it names the serial number), or at the top when
        // the count was closed meanwhile and the field is gone.
        const text = (selector) => { const el = page.querySelector(selector); return el ? el.textContent.trim() : ""; };
        const beside = text("[data-count-feedback]"), above = text(".flash-error");
        refuse(beside || (above ? shown + " not counted: " + above : shown + " not counted (error " + response.status + ")."));
      }
    }

    async function drain() {
      if (busy) return;
      busy = true;
      while (queue.length) await send(queue.shift());
      busy = false;
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      queue.push(input.value);  // even an empty scan: the server says why it is refused
      input.value = "";
      input.focus();
      drain();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("button[data-print]").forEach(setupPrint);
    document.querySelectorAll("form[data-scan]").forEach(setupScan);
    document.querySelectorAll("form[data-count-scan]").forEach(setupCountScan);
    document.querySelectorAll("textarea[data-paste]").forEach(setupPaste);
    document.querySelectorAll("input[data-pick-all]").forEach(setupPickAll);
    document.querySelectorAll("form[data-move-form]").forEach(setupMoveForm);
  });
})();
