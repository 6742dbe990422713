// Labnet webtool behaviour: the check-mark column of Modify Entity, multi-value and table
// editors, and select-all of search results. Everything else is plain HTML and htmx.
(function () {
  "use strict";

  function state(editor) {
    return JSON.stringify(
      Array.from(editor.querySelectorAll("input, select, textarea"), (el) => el.value)
    );
  }

  // Each field row remembers a pristine copy of its editor; the check shows whether the
  // row still holds it, and clicking an empty check puts the copy back. A form sent back
  // with errors carries the pristine editor in a template, since its boxes hold the user's.
  function setupRow(row) {
    const editor = row.querySelector("td.editor");
    const check = row.querySelector("input.unchanged");
    if (!editor || !check) return;
    const saved = row.querySelector("template.original-editor");
    row._original = saved ? saved.content.firstElementChild : editor.cloneNode(true);
    row._state = state(row._original);
    refresh(row);
  }

  function refresh(row) {
    const check = row && row.querySelector("input.unchanged");
    if (!check || row._state === undefined) return;
    const changed = state(row.querySelector("td.editor")) !== row._state;
    check.checked = !changed;
    row.classList.toggle("changed", changed);
    const form = row.closest("form");
    const counter = form && form.querySelector(".changed-count");
    if (counter) {
      const n = form.querySelectorAll("tr.field.changed").length;
      counter.textContent = n ? n + " field" + (n > 1 ? "s" : "") + " changed" : "";
    }
  }

  function restore(row) {
    const fresh = row._original.cloneNode(true);
    row.querySelector("td.editor").replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    refresh(row);
  }

  function append(container, template) {
    const node = template.content.firstElementChild.cloneNode(true);
    container.appendChild(node);
    if (window.htmx) window.htmx.process(node);
    const input = node.querySelector("input, select, textarea");
    if (input) input.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("tr.field").forEach(setupRow);
  });

  document.addEventListener("input", (event) => refresh(event.target.closest("tr.field")));
  document.addEventListener("change", (event) => {
    if (event.target.classList.contains("unchanged")) return;
    if (event.target.classList.contains("toggle-all")) {
      const table = event.target.closest("table");
      table.querySelectorAll("tbody input[type=checkbox]").forEach((box) => {
        box.checked = event.target.checked;
      });
      return;
    }
    refresh(event.target.closest("tr.field"));
  });

  document.addEventListener("click", (event) => {
    const target = event.target;
    const row = target.closest("tr.field");
    if (target.classList.contains("unchanged")) {
      // A check cannot be removed by hand: it only goes when the value changes.
      if (!target.checked) target.checked = true;
      else restore(row);
      return;
    }
    if (target.classList.contains("add-value")) {
      const multi = target.closest(".multi");
      append(multi.querySelector("ol.values"), multi.querySelector("template"));
    } else if (target.classList.contains("remove-value")) {
      target.closest("li").remove();
    } else if (target.classList.contains("add-row")) {
      const tableEditor = target.closest(".table-editor");
      append(tableEditor.querySelector("tbody"), tableEditor.querySelector("template"));
    } else if (target.classList.contains("remove-row")) {
      target.closest("tr").remove();
    } else {
      return;
    }
    refresh(row);
  });
})();
