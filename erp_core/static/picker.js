// Pickers (erp_core.pickers): a text field that offers the records matching what is typed, asked of
// the server as you type. Arrow keys move through the offers, Enter or a click chooses one, Escape
// closes them. Without this script the server reads the text typed instead.
(function () {
  "use strict";

  const WAIT_MS = 150;  // after the last key, before asking the server

  function parts(input) {
    const picker = input.closest("[data-picker]");
    return {picker, list: picker.querySelector("[role=listbox]"), value: picker.querySelector("[data-picker-value]")};
  }

  function options(list) {
    return Array.from(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function close(input) {
    const {list} = parts(input);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function activate(input, option) {
    const {list} = parts(input);
    options(list).forEach((o) => o.setAttribute("aria-selected", String(o === option)));
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({block: "nearest"});
  }

  function choose(input, option) {
    const {value} = parts(input);
    input.value = option.dataset.label;
    value.value = option.dataset.id;
    close(input);
    value.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function show(input, answer) {
    const {list} = parts(input);
    list.replaceChildren();
    answer.items.forEach((item, index) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.id = item.id;
      option.dataset.label = item.label;
      option.textContent = item.label;
      list.append(option);
    });
    if (!answer.items.length || answer.more) {
      const note = document.createElement("li");
      note.setAttribute("role", "option");
      note.setAttribute("aria-disabled", "true");
      note.className = "picker-note";
      note.textContent = answer.items.length ? "More match: type more to narrow them down." : "Nothing matches.";
      list.append(note);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
  }

  async function search(input) {
    const {picker} = parts(input);
    picker.abort?.abort();
    picker.abort = new AbortController();
    const url = `${picker.dataset.picker}?q=${encodeURIComponent(input.value.trim())}`;
    try {
      const response = await fetch(url, {signal: picker.abort.signal, headers: {Accept: "application/json"}});
      if (response.ok && document.activeElement === input) show(input, await response.json());
    } catch (error) {
      if (error.name !== "AbortError") close(input);  // the server's answer to the text typed is the fallback
    }
  }

  document.addEventListener("input", (event) => {
    const input = event.target.closest("[data-picker] [role=combobox]");
    if (!input) return;
    parts(input).value.value = "";  // the text no longer names the record chosen before
    clearTimeout(input.pickerTimer);
    input.pickerTimer = setTimeout(() => search(input), WAIT_MS);
  });

  document.addEventListener("keydown", (event) => {
    const input = event.target.closest("[data-picker] [role=combobox]");
    if (!input) return;
    const {list} = parts(input);
    const offered = options(list);
    const active = offered.findIndex((o) => o.id === input.getAttribute("aria-activedescendant"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { search(input); return; }
      if (!offered.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      activate(input, offered[(active + step + offered.length) % offered.length] || offered[0]);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();  // choose, do not send the form
      choose(input, offered[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close(input);
    }
  });

  // A click on an offer chooses it; pressing the mouse keeps the focus in the field meanwhile.
  document.addEventListener("mousedown", (event) => {
    if (event.target.closest("[data-picker] [role=listbox]")) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const option = event.target.closest("[data-picker] [role=option]:not([aria-disabled=true])");
    if (option) choose(option.closest("[data-picker]").querySelector("[role=combobox]"), option);
  });
  document.addEventListener("focusout", (event) => {
    const input = event.target.closest?.("[data-picker] [role=combobox]");
    if (input) close(input);
  });
})();
