// Proch'Orientation — an open conversation shows new messages as they arrive.
// The page asks the site for the messages after the last one it shows; the site waits
// for one (through the messaging API, with the person's own session) and answers them
// as HTML made by the page's own template. Without this file, the page offers a link
// to refresh it, and everything else works the same.
"use strict";

(function () {
  var list = document.querySelector("ol[data-follow]");
  if (!list || !window.fetch || !document.createRange) {
    return;
  }
  var url = list.getAttribute("data-follow");
  var after = parseInt(list.getAttribute("data-after") || "0", 10);
  var news = document.getElementById(list.getAttribute("data-news") || "");
  var manual = document.querySelector("[data-follow-manual]");
  var automatic = document.querySelector("[data-follow-auto]");
  var failures = 0;

  var following = function (on) {
    if (manual) {
      manual.hidden = on;
    }
    if (automatic) {
      automatic.hidden = !on;
    }
  };

  var authorOf = function (item) {
    var name = item.querySelector(".message__meta strong");
    return name ? name.textContent : "";
  };

  var add = function (items) {
    var authors = [];
    items.forEach(function (item) {
      if (item.seq <= after) {
        return; // already shown
      }
      var fragment = document.createRange().createContextualFragment(item.html);
      var added = fragment.querySelector("li");
      if (!added) {
        return;
      }
      var previous = document.getElementById("dernier-message");
      if (previous) {
        previous.removeAttribute("id");
      }
      added.id = "dernier-message";
      list.appendChild(added);
      after = item.seq;
      authors.push(authorOf(added));
    });
    if (!authors.length) {
      return;
    }
    var empty = document.querySelector("[data-messages-empty]");
    if (empty) {
      empty.parentNode.removeChild(empty);
    }
    if (news) {
      var others = authors.filter(function (name) { return name !== "Vous"; });
      // « Nouveau message : Élise V. » (no elision to get wrong, no full stop after an initial).
      news.textContent = authors.length > 1
        ? authors.length + " nouveaux messages"
        : others.length ? "Nouveau message : " + others[0] : "Nouveau message";
    }
  };

  var follow = function () {
    fetch(url + "?apres=" + after, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (response.status === 400 || response.status === 401 || response.status === 404) {
          return null; // signed out, or no longer theirs: the link to refresh comes back
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (!body) {
          following(false);
          return;
        }
        failures = 0;
        if (body.items && body.items.length) {
          add(body.items);
        }
        window.setTimeout(follow, 0);
      })
      .catch(function () {
        // The network or the platform is away for a moment: ask again, less and less often.
        failures += 1;
        window.setTimeout(follow, Math.min(30000, 1000 * Math.pow(2, failures)));
      });
  };

  following(true);
  follow();
})();
