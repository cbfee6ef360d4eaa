// The targets formset: add rows and move them up or down. Without JavaScript the page still
// works: it renders two empty rows, and the 序号 field orders the items.
(function () {
  "use strict";
  function renumber(container) {
    var label = container.getAttribute("data-item-label");
    container.querySelectorAll("[data-formset-form]").forEach(function (card, index) {
      var order = card.querySelector("input[name$='-sort_order']");
      if (order) { order.value = index + 1; }
      // The group's name a screen reader says on entering it (第N项), in the new order.
      if (label) { card.setAttribute("aria-label", label.replace("__n__", String(index + 1))); }
    });
  }
  // After 上移/下移 the keyboard stays on the button pressed (moving its row took the focus away:
  // the next Tab went to 添加一项, a keyboard user's place lost) and the row's new place is said.
  function moved(container, card, button) {
    renumber(container);
    button.focus();
    var status = container.parentNode.querySelector("[data-formset-status]");
    if (!status) {
      status = document.createElement("div");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("data-formset-status", "");
      container.parentNode.insertBefore(status, container.nextSibling);
    }
    status.textContent = card.getAttribute("aria-label") || "";
  }
  document.querySelectorAll("form[data-formset]").forEach(function (form) {
    var prefix = form.getAttribute("data-formset");
    var container = form.querySelector("[data-formset-forms]");
    var template = form.querySelector("template[data-formset-empty]");
    var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    form.querySelectorAll("[data-formset-add], [data-formset-up], [data-formset-down]").forEach(function (button) {
      button.classList.remove("d-none");
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      var card = button.closest("[data-formset-form]");
      if (button.hasAttribute("data-formset-add")) {
        var index = parseInt(total.value, 10);
        var wrapper = document.createElement("div");
        wrapper.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
        var added = wrapper.querySelector("[data-formset-form]");
        added.querySelectorAll("[data-formset-up], [data-formset-down]").forEach(function (b) {
          b.classList.remove("d-none");
        });
        container.appendChild(added);
        total.value = index + 1;
        renumber(container);
        var first = added.querySelector("textarea");
        if (first) { first.focus(); }
      } else if (button.hasAttribute("data-formset-up") && card && card.previousElementSibling) {
        container.insertBefore(card, card.previousElementSibling);
        moved(container, card, button);
      } else if (button.hasAttribute("data-formset-down") && card && card.nextElementSibling) {
        container.insertBefore(card.nextElementSibling, card);
        moved(container, card, button);
      }
    });
  });
})();
