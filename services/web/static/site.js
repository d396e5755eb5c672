// Proch'Orientation — small enhancements only: every task works without this file.
"use strict";

(function () {
  // Bring the error summary into view and to screen readers' attention.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // Passwords: say while typing how far the length rule is, and let people see what
  // they typed (the other rules are checked by the server, which explains them).
  document.querySelectorAll("input[data-password-rules]").forEach(function (input) {
    var status = document.getElementById(input.getAttribute("data-password-rules"));
    if (!status) {
      return;
    }
    var minimum = parseInt(input.getAttribute("minlength") || "12", 10);
    var update = function () {
      var count = Array.from(input.value).length;
      status.hidden = false;
      status.textContent = count >= minimum
        ? "Longueur suffisante (" + count + " caractères)."
        : "Encore " + (minimum - count) + " caractère" + (minimum - count > 1 ? "s" : "") +
          " au moins (" + count + " sur " + minimum + ").";
    };
    input.addEventListener("input", update);
  });

  document.querySelectorAll("input[type=password]").forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary password__toggle";
    button.textContent = "Afficher le mot de passe";
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.textContent = shown ? "Afficher le mot de passe" : "Masquer le mot de passe";
    });
    input.insertAdjacentElement("afterend", button);
  });

  // Character counters under long texts.
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var limit = parseInt(area.getAttribute("data-count"), 10);
    var counter = document.createElement("p");
    counter.className = "hint counter";
    counter.id = area.id + "-counter";
    counter.setAttribute("aria-live", "polite");
    var update = function () {
      var left = limit - Array.from(area.value).length;
      counter.textContent = left >= 0
        ? "Il vous reste " + left + " caractère" + (left > 1 ? "s" : "") + "."
        : "Vous avez dépassé la limite de " + -left + " caractère" + (-left > 1 ? "s" : "") + ".";
    };
    area.insertAdjacentElement("afterend", counter);
    update();
    area.addEventListener("input", update);
  });

  // « Imprimer » where a page is meant to be printed (the browser's menu does the same).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // "Copy" buttons next to a value people paste elsewhere (a calendar address).
  document.querySelectorAll("[data-copy]").forEach(function (source) {
    if (!navigator.clipboard) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = "Copier";
    var said = document.createElement("span");
    said.setAttribute("role", "status");
    said.className = "hint";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value || source.textContent || "").then(function () {
        said.textContent = "Copié.";
      });
    });
    source.insertAdjacentElement("afterend", said);
    source.insertAdjacentElement("afterend", button);
  });
})();
