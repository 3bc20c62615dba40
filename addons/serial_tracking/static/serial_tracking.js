// Progressive behaviour of the stock pages. Every form also works without this file: it posts and
// the server re-renders the page with the same result.
(function () {
  "use strict";

  const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ------------------------------------------------------------ scanning
  // A move page has a scan field on each serial-tracked line. Every scan goes to the server's scan
  // service, which answers what the code was understood as and which line it went to: a serial
  // number for the line scanned on, a product barcode choosing its line, GS1 data filling the line
  // of its GTIN. A scanner types fast and presses Enter after each code, often before the server
  // has answered the previous one: each code is taken out of the field at once (the field is free
  // for the next scan) and the codes are sent one after the other, in scan order.
  const SCANNER_GAP = 80;  // ms: a scanner's keystrokes come a few ms apart, a person's rarely under 100
  const GS = "\x1d";       // FNC1 in GS1 data; scanners send it as Ctrl+], which browsers do not type

  // A field a person types in: a scan never takes the focus away from it.
  function typingIn(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    const notText = ["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"];
    return el.tagName === "INPUT" && !notText.includes(el.type);
  }

  // Sounds are generated here (no file to fetch): a short high beep for an accepted scan, two low
  // buzzes and a vibration for a refused one, so the person need not look at the screen.
  // The sound is set up on a key press (some browsers allow sound only from one), played later.
  let audio = null;
  function soundReady() {
    const Context = window.AudioContext || window.webkitAudioContext;
    try {
      audio = audio || (Context ? new Context() : null);
      if (audio && audio.state === "suspended") audio.resume();
    } catch (error) { audio = null; }
    return audio;
  }
  function tones(steps) {
    if (!soundReady()) return;
    try {
      let at = audio.currentTime;
      steps.forEach(([frequency, seconds, wave]) => {
        const oscillator = audio.createOscillator(), gain = audio.createGain();
        oscillator.type = wave;
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.25, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(at);
        oscillator.stop(at + seconds);
        at += seconds + 0.06;
      });
    } catch (error) { /* a browser without sound still takes the scan */ }
  }
  const soundAccepted = () => tones([[1320, 0.08, "sine"]]);
  function soundRefused() {
    tones([[220, 0.18, "square"], [165, 0.3, "square"]]);
    if (navigator.vibrate) navigator.vibrate([200, 80, 200]);
  }

  function setupScanning(forms) {
    const lines = forms.map((form) => {
      const panel = form.closest("[data-line]");
      return { id: panel.dataset.line, panel, form, input: form.querySelector("input[name=serial]"),
               feedback: form.querySelector("[data-feedback]") };
    });
    const byId = new Map(lines.map((line) => [line.id, line]));
    // The line scans go to: the one whose field has the focus, or last chose (the server focuses the
    // first line lacking serial numbers).
    let current = lines.find((line) => line.input === document.activeElement)
      || lines.find((line) => line.input.autofocus) || lines[0];
    const queue = [];
    let busy = false;

    function show(line, message, kind) {
      line.feedback.textContent = message;
      line.feedback.className = "scan-feedback " + kind;
      line.input.setAttribute("aria-invalid", kind === "error" ? "true" : "false");
    }

    // Refusals stay listed until the page reloads: a good scan right after a bad one must not
    // hide that a unit was refused.
    function refuse(line, code, reason) {
      const scanned = code.trim();
      const shown = scanned === "" ? "(empty)" : scanned.length > 40 ? scanned.slice(0, 40) + "…" : scanned;
      const message = scanned && reason.includes(scanned) ? reason : shown.replace(GS, " ") + " refused: " + reason;
      show(line, message, "error");
      soundRefused();
      const list = line.form.querySelector("[data-refused]");
      const item = document.createElement("li");
      item.textContent = message;
      list.insertBefore(item, list.firstChild);
      list.closest("[data-refused-log]").hidden = false;
    }

    function addToList(line, name) {
      const list = line.panel.querySelector("[data-serial-list]");
      const empty = line.panel.querySelector("[data-empty]");
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

    // Scanning moves on to ``line``: its field takes the focus and what the scanner has typed so
    // far into the field that had it (the next code, while this one was on its way), unless the
    // person is typing in another field.
    function moveTo(line) {
      const before = current;
      current = line;
      lines.forEach((other) => other.panel.classList.toggle("scanning", other === line));
      const active = document.activeElement;
      if (typingIn(active) && !lines.some((other) => other.input === active)) return;
      if (before !== line && active === before.input) {
        line.input.value = before.input.value + line.input.value;
        before.input.value = "";
      }
      if (active !== line.input) line.input.focus();
    }

    // A line without a scan field (a lot line) is shown again as the server now renders it.
    async function refresh(id) {
      const old = document.getElementById("line-" + id);
      if (!old) return;
      try {
        const response = await fetch(window.location.pathname, { credentials: "same-origin" });
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("line-" + id);
        if (fresh) old.replaceWith(document.adoptNode(fresh));
      } catch (error) { /* the line is right again on the next reload */ }
    }

    async function accepted(origin, data) {
      const line = byId.get(String(data.line_id));
      soundAccepted();
      if (!line) {  // said where the code was scanned
        show(origin, data.message, "ok");
        await refresh(data.line_id);
        return;
      }
      if (data.assigned && data.serial) addToList(line, data.serial);
      line.panel.querySelectorAll("[data-count]").forEach((el) => { el.textContent = data.count + " / " + data.quantity; });
      line.panel.classList.toggle("complete", data.ready);
      if (origin !== line) show(origin, "", "ok");
      if (data.assigned && data.ready) {
        const after = lines.slice(lines.indexOf(line) + 1).concat(lines.slice(0, lines.indexOf(line)));
        const next = after.find((other) => !other.panel.classList.contains("complete"));
        if (next) {
          show(line, data.message, "ok");
          const product = line.panel.querySelector("h2").firstChild.textContent.trim();
          show(next, product + " is complete: scan the serial numbers of this line.", "ok");
          moveTo(next);
          return;
        }
        show(line, data.message + " Every line is complete: Validate the move.", "ok");
      } else {
        show(line, data.message, "ok");
      }
      moveTo(line);
    }

    async function send(origin, code) {
      const body = new FormData();
      body.append("serial", code);
      let response;
      try {
        response = await fetch(origin.form.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
        });
      } catch (error) {
        refuse(origin, code, "not added, the server cannot be reached. Scan it again.");
        return;
      }
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      if (response.ok && data) {
        await accepted(origin, data);
      } else if (data && data.error) {
        const detail = (data.error.details || [])[0];
        refuse(origin, code, detail ? detail.message : data.error.message);
      } else {
        refuse(origin, code, "not added (error " + response.status + "). Reload the page and scan it again.");
      }
    }

    async function drain() {
      if (busy) return;
      busy = true;
      while (queue.length) {
        // A code scanned into a line that filled up meanwhile goes where the focus moved on to, as
        // it would have had the scanner waited for the answer.
        const [line, code] = queue.shift();
        await send(line.panel.classList.contains("complete") ? current : line, code);
      }
      busy = false;
    }

    lines.forEach((line) => {
      line.form.addEventListener("submit", (event) => {
        event.preventDefault();
        soundReady();
        const code = line.input.value;
        line.input.value = "";
        current = line;
        queue.push([line, code]);  // even an empty scan: the server says why it is refused
        drain();
      });
      line.input.addEventListener("focus", () => { current = line; });
    });

    // A scan typed while the focus is elsewhere on the page (after a tap on a header, a link, a
    // button or the page itself) goes to the scan field. Two keys closer than SCANNER_GAP are a
    // scanner's burst: they and the rest of the code go to the scan field, so its Enter adds the
    // code instead of opening a header or pressing a button. A person's single keys, Space and Enter
    // do what they always do, and a field the person types in keeps its keys.
    let burst = "", lastKey = -Infinity;
    document.addEventListener("keydown", (event) => {
      const gsKey = event.ctrlKey && (event.key === "]" || event.code === "BracketRight");
      if (lines.some((line) => line.input === event.target)) {
        if (gsKey) {  // FNC1 inside GS1 data: keep it, the server reads the fields it separates
          event.preventDefault();
          event.target.setRangeText(GS, event.target.selectionStart, event.target.selectionEnd, "end");
        }
        return;
      }
      if (typingIn(event.target) || event.metaKey || event.altKey) return;
      const fast = event.timeStamp - lastKey <= SCANNER_GAP;
      lastKey = event.timeStamp;
      const key = gsKey ? GS : event.key;
      if (key === "Enter" && burst && fast) {  // a code of one character
        event.preventDefault();
        const line = lines.find((l) => l.panel.contains(event.target)) || current;
        line.input.value += burst;
        burst = "";
        line.form.requestSubmit();
        return;
      }
      if (key.length !== 1 || (event.ctrlKey && !gsKey)) {
        burst = "";
        return;
      }
      if (!fast) burst = "";
      if (!burst && key === " ") return;  // a person's Space on a button or header
      event.preventDefault();
      burst += key;
      if (burst.length < 2) return;
      const line = lines.find((l) => l.panel.contains(event.target)) || current;
      moveTo(line);
      line.input.value += burst;
      burst = "";
    }, true);
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
    const scanForms = Array.from(document.querySelectorAll("form[data-scan]"));
    if (scanForms.length) setupScanning(scanForms);
    document.querySelectorAll("form[data-count-scan]").forEach(setupCountScan);
    document.querySelectorAll("textarea[data-paste]").forEach(setupPaste);
    document.querySelectorAll("input[data-pick-all]").forEach(setupPickAll);
    document.querySelectorAll("form[data-move-form]").forEach(setupMoveForm);
  });
})();
