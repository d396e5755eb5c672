// API explorer of the embedded platform: reads each service's OpenAPI description and
// lets a developer send requests; lists the events of its AsyncAPI description. Everything coming from a description or a response
// is put in the page as text (never as HTML).
"use strict";

(function () {
  var config = JSON.parse(document.getElementById("explorer-config").textContent);
  var METHODS = ["get", "post", "put", "patch", "delete"];
  var TOKEN_KEY = "prochorientation.explorer.token";
  var tokenInput = document.getElementById("token");

  function el(tag, attributes) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Bearer token, kept for this tab only.
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
  tokenInput.addEventListener("input", function () {
    sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  });
  document.getElementById("token-clear").addEventListener("click", function () {
    tokenInput.value = "";
    sessionStorage.removeItem(TOKEN_KEY);
  });
  function useToken(token) {
    tokenInput.value = token;
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  // OpenAPI helpers.
  function resolve(spec, schema, seen) {
    seen = seen || [];
    if (!schema || typeof schema !== "object") return schema;
    if (schema.$ref) {
      if (seen.indexOf(schema.$ref) >= 0) return { description: "(récursif : " + schema.$ref + ")" };
      var target = schema.$ref.replace(/^#\//, "").split("/").reduce(function (node, key) {
        return node && node[key.replace(/~1/g, "/").replace(/~0/g, "~")];
      }, spec);
      return resolve(spec, target || {}, seen.concat([schema.$ref]));
    }
    var copy = Array.isArray(schema) ? [] : {};
    Object.keys(schema).forEach(function (key) {
      copy[key] = resolve(spec, schema[key], seen);
    });
    return copy;
  }

  // Plausible French values by field name, when a description gives no example: a
  // request built from them has a chance to pass validation as is.
  var SAMPLES = [
    [/e-?mail/, "camille.martin@exemple.fr"],
    [/password/, "un mot de passe assez long"],
    [/first_?name/, "Camille"],
    [/last_?name/, "Martin"],
    [/postcode|postal/, "59000"],
    [/city/, "Lille"],
    [/phone/, "06 12 34 56 78"],
    [/uai/, "0590001A"],
    [/siret/, "12345678900011"],
    [/token/, "collez ici le jeton reçu par courriel"],
    [/message|comment|body|reason|note|background/, "Bonjour, …"],
    [/(^|_)name$|title/, "Exemple"]
  ];

  function sampleFor(name, schema) {
    var lowered = (name || "").toLowerCase();
    for (var i = 0; i < SAMPLES.length; i++) {
      if (SAMPLES[i][0].test(lowered)) return SAMPLES[i][1];
    }
    var text = "exemple";
    while (schema.minLength && text.length < schema.minLength) text += " exemple";
    return schema.maxLength ? text.slice(0, schema.maxLength) : text;
  }

  function exampleOf(schema, depth, name) {
    depth = depth || 0;
    if (!schema || depth > 6) return null;
    if (schema.example !== undefined) return schema.example;
    if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
    if (schema.default !== undefined) return schema.default;
    if (schema.const !== undefined) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
    var variants = schema.oneOf || schema.anyOf;
    if (Array.isArray(variants) && variants.length) {
      var concrete = variants.filter(function (v) { return v.type !== "null"; });
      return exampleOf(concrete[0] || variants[0], depth + 1, name);
    }
    if (Array.isArray(schema.allOf)) {
      return schema.allOf.reduce(function (merged, part) {
        var value = exampleOf(part, depth + 1);
        return value && typeof value === "object" ? Object.assign(merged, value) : merged;
      }, {});
    }
    var type = Array.isArray(schema.type) ? schema.type.filter(function (t) { return t !== "null"; })[0] : schema.type;
    if (!type && schema.properties) type = "object";
    switch (type) {
      case "object":
        var result = {};
        Object.keys(schema.properties || {}).forEach(function (name) {
          result[name] = exampleOf(schema.properties[name], depth + 1, name);
        });
        return result;
      case "array": return [exampleOf(schema.items, depth + 1, name)];
      case "integer": return schema.minimum !== undefined ? schema.minimum : 0;
      case "number": return schema.minimum !== undefined ? schema.minimum : 0;
      case "boolean": return true;
      case "string":
        switch (schema.format) {
          case "email": return "prenom.nom@exemple.fr";
          case "date-time": return new Date().toISOString();
          case "date": return new Date().toISOString().slice(0, 10);
          case "uuid": return "00000000-0000-4000-8000-000000000000";
          case "uri": return "https://exemple.fr/";
          default: return sampleFor(name, schema);
        }
      default: return null;
    }
  }

  function mediaExample(media) {
    if (!media) return undefined;
    if (media.example !== undefined) return media.example;
    if (media.examples) {
      var first = Object.keys(media.examples)[0];
      if (first !== undefined) return media.examples[first].value;
    }
    return undefined;
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  // Rendering.
  function renderService(container, name, spec) {
    var operations = [];
    Object.keys(spec.paths || {}).sort().forEach(function (path) {
      var item = spec.paths[path];
      METHODS.forEach(function (method) {
        if (item[method]) operations.push({ path: path, method: method, op: item[method], shared: item.parameters || [] });
      });
    });
    var info = spec.info || {};
    container.appendChild(el("p", { className: "muted", text: (info.title || name) + (info.version ? " · version " + info.version : "") + " · " + operations.length + " opération(s)" }));
    if (info.description) container.appendChild(el("p", { text: info.description }));
    operations.forEach(function (entry) {
      container.appendChild(renderOperation(spec, entry));
    });
  }

  // The events a service publishes and consumes, from its AsyncAPI description.
  function renderEvents(section, url) {
    var list = el("ul", { className: "events" });
    var block = el("details", { className: "events" }, el("summary", { text: "Événements publiés et consommés" }), list);
    section.insertBefore(block, section.querySelector("p.muted"));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (spec) {
        Object.keys(spec.operations || {}).sort().forEach(function (id) {
          var operation = spec.operations[id];
          var channel = spec.channels[operation.channel.$ref.split("/").pop()] || {};
          var verb = operation.action === "send" ? "publie" : "consomme";
          list.appendChild(el("li", {}, el("span", { className: "tag", text: verb }), " ",
            el("code", { text: channel.address || id }), " — " + (operation.summary || "")));
        });
      })
      .catch(function (problem) {
        list.appendChild(el("li", { className: "error", text: "Description indisponible (" + url + " : " + problem.message + ")." }));
      });
  }

  function renderOperation(spec, entry) {
    var op = entry.op;
    var method = entry.method;
    var secured = (op.security || spec.security || []).some(function (requirement) {
      return Object.keys(requirement).length > 0;
    });
    var summary = el("summary", null,
      el("span", { className: "method " + (METHODS.indexOf(method) >= 0 ? method : "other"), text: method.toUpperCase() }),
      el("span", { className: "path", text: entry.path }),
      el("span", { text: op.summary || op.operationId || "" }),
      secured ? el("span", { className: "tag", text: "jeton requis" }) : null,
      op.deprecated ? el("span", { className: "tag", text: "obsolète" }) : null);
    var details = el("details", { className: "op", "data-search": [method, entry.path, op.summary, op.description, op.operationId].join(" ").toLowerCase() }, summary);
    var built = false;
    details.addEventListener("toggle", function () {
      if (details.open && !built) {
        built = true;
        details.appendChild(renderOperationBody(spec, entry));
      }
    });
    return details;
  }

  function renderOperationBody(spec, entry) {
    var op = entry.op;
    var body = el("div", { className: "body" });
    if (op.description) body.appendChild(el("p", { text: op.description }));

    var parameters = entry.shared.concat(op.parameters || []).map(function (p) { return resolve(spec, p); });
    var inputs = {};
    var form = el("div", { className: "params" });
    parameters.filter(function (p) { return p.in === "path" || p.in === "query"; }).forEach(function (p) {
      var id = "p-" + Math.random().toString(36).slice(2);
      var example = p.example !== undefined ? p.example : exampleOf(resolve(spec, p.schema));
      var input = el("input", { id: id, type: "text", placeholder: p.description || (p.in === "path" ? "obligatoire" : "facultatif") });
      if (p.in === "path" && example !== null && example !== "") input.value = String(example);
      inputs[p.in + ":" + p.name] = { parameter: p, input: input };
      form.appendChild(el("label", { for: id, text: p.name + (p.required ? " *" : "") + " (" + (p.in === "path" ? "chemin" : "requête") + ")" }));
      form.appendChild(input);
    });
    if (form.childNodes.length) {
      body.appendChild(el("h3", { text: "Paramètres" }));
      body.appendChild(form);
    }

    var content = (op.requestBody && resolve(spec, op.requestBody).content) || {};
    var jsonMedia = content["application/json"];
    var multipart = content["multipart/form-data"];
    var textarea = null;
    var fileInputs = [];
    if (jsonMedia) {
      var schema = resolve(spec, jsonMedia.schema || {});
      var example = mediaExample(jsonMedia);
      if (example === undefined) example = exampleOf(schema);
      textarea = el("textarea", { spellcheck: "false", "aria-label": "Corps JSON de la requête" });
      textarea.value = example === null || example === undefined ? "" : pretty(example);
      textarea.rows = Math.min(textarea.value.split("\n").length + 1, 30);
      body.appendChild(el("div", { className: "columns" },
        el("div", null, el("h3", { text: "Corps de la requête (JSON)" }), textarea),
        el("div", null, el("h3", { text: "Schéma" }), el("pre", { text: pretty(schema) }))));
    } else if (multipart) {
      var partSchema = resolve(spec, multipart.schema || {});
      var partForm = el("div", { className: "params" });
      Object.keys(partSchema.properties || {}).forEach(function (name) {
        var property = partSchema.properties[name];
        var id = "f-" + Math.random().toString(36).slice(2);
        var input = property.format === "binary" ? el("input", { id: id, type: "file" }) : el("input", { id: id, type: "text" });
        fileInputs.push({ name: name, input: input });
        partForm.appendChild(el("label", { for: id, text: name }));
        partForm.appendChild(input);
      });
      body.appendChild(el("h3", { text: "Formulaire (multipart)" }));
      body.appendChild(partForm);
    }

    var responses = op.responses || {};
    var codes = Object.keys(responses);
    if (codes.length) {
      body.appendChild(el("h3", { text: "Réponses prévues" }));
      var list = el("ul", { className: "responses" });
      codes.forEach(function (code) {
        list.appendChild(el("li", null, el("strong", { text: code }),
          " " + (resolve(spec, responses[code]).description || "")));
      });
      body.appendChild(list);
    }

    var send = el("button", { type: "button", text: "Envoyer" });
    var statusLine = el("span", { className: "status" });
    var useTokenButton = el("button", { type: "button", className: "secondary hidden", text: "Utiliser ce jeton" });
    var output = el("pre", { className: "response hidden" });
    var errorLine = el("p", { className: "error hidden" });
    body.appendChild(el("div", { className: "actions" }, send, statusLine, useTokenButton));
    body.appendChild(errorLine);
    body.appendChild(output);

    send.addEventListener("click", function () {
      errorLine.classList.add("hidden");
      var url;
      try {
        url = buildUrl(entry.path, inputs);
      } catch (problem) {
        showError(problem.message);
        return;
      }
      var headers = { Accept: "application/json" };
      var token = tokenInput.value.trim();
      if (token) headers.Authorization = "Bearer " + token;
      var requestBody;
      if (textarea && textarea.value.trim()) {
        try {
          JSON.parse(textarea.value);
        } catch (problem) {
          showError("Le corps n'est pas du JSON valide : " + problem.message);
          return;
        }
        headers["Content-Type"] = "application/json";
        requestBody = textarea.value;
      } else if (fileInputs.length) {
        requestBody = new FormData();
        fileInputs.forEach(function (field) {
          if (field.input.type === "file") {
            if (field.input.files[0]) requestBody.append(field.name, field.input.files[0]);
          } else if (field.input.value) {
            requestBody.append(field.name, field.input.value);
          }
        });
      }
      send.disabled = true;
      var started = performance.now();
      fetch(url, { method: entry.method.toUpperCase(), headers: headers, body: requestBody })
        .then(function (response) {
          return response.text().then(function (text) { return { response: response, text: text }; });
        })
        .then(function (result) {
          var response = result.response;
          var elapsed = Math.round(performance.now() - started);
          var requestId = response.headers.get("X-Request-Id");
          statusLine.textContent = response.status + " " + response.statusText + " · " + elapsed + " ms" + (requestId ? " · X-Request-Id " + requestId : "");
          statusLine.className = "status " + (response.ok ? "ok" : "err");
          var shown = result.text;
          var parsed = null;
          try {
            parsed = JSON.parse(result.text);
            shown = pretty(parsed);
          } catch (ignored) { /* not JSON: shown as received */ }
          output.textContent = shown || "(réponse vide)";
          output.classList.remove("hidden");
          if (parsed && typeof parsed.access_token === "string") {
            useTokenButton.classList.remove("hidden");
            useTokenButton.onclick = function () { useToken(parsed.access_token); useTokenButton.textContent = "Jeton utilisé ✓"; };
          } else {
            useTokenButton.classList.add("hidden");
          }
        })
        .catch(function (problem) { showError("La requête n'a pas abouti : " + problem.message); })
        .finally(function () { send.disabled = false; });
    });

    function showError(message) {
      errorLine.textContent = message;
      errorLine.classList.remove("hidden");
    }
    return body;
  }

  function buildUrl(template, inputs) {
    var missing = [];
    var path = template.replace(/\{([^}]+)\}/g, function (whole, name) {
      var field = inputs["path:" + name];
      var value = field ? field.input.value.trim() : "";
      if (!value) missing.push(name);
      return encodeURIComponent(value);
    });
    if (missing.length) throw new Error("Paramètre de chemin manquant : " + missing.join(", "));
    var query = new URLSearchParams();
    Object.keys(inputs).forEach(function (key) {
      var field = inputs[key];
      if (field.parameter.in === "query" && field.input.value.trim()) query.append(field.parameter.name, field.input.value.trim());
    });
    var text = query.toString();
    return path + (text ? "?" + text : "");
  }

  // Operation paths in a description are relative to its server URL (the service's
  // mount point, /api/<service>); the requests need them absolute.
  function absolutePaths(spec, service) {
    var server = (spec.servers && spec.servers[0] && spec.servers[0].url) || "";
    var base = (server.indexOf("/api/") === 0 ? server : "/api/" + service).replace(/\/$/, "");
    var paths = {};
    Object.keys(spec.paths || {}).forEach(function (path) {
      paths[path.indexOf(base + "/") === 0 ? path : base + path] = spec.paths[path];
    });
    return Object.assign({}, spec, { paths: paths });
  }

  function applyFilter() {
    var words = document.getElementById("filter").value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("details.op").forEach(function (op) {
      var haystack = op.getAttribute("data-search");
      var visible = words.every(function (word) { return haystack.indexOf(word) >= 0; });
      op.classList.toggle("hidden", !visible);
    });
  }
  document.getElementById("filter").addEventListener("input", applyFilter);

  var root = document.getElementById("services");
  var nav = document.getElementById("service-nav");
  document.getElementById("loading").remove();
  config.services.forEach(function (service) {
    var section = el("section", { id: "service-" + service },
      el("h2", { text: service }));
    var openapi = "/api/" + service + "/openapi.json";
    var asyncapi = "/api/" + service + "/asyncapi.json";
    section.appendChild(el("p", { className: "documents" },
      "Descriptions : ", el("a", { href: openapi, text: "API HTTP (OpenAPI)" }),
      " · ", el("a", { href: asyncapi, text: "événements (AsyncAPI)" })));
    var status = el("p", { className: "muted", text: "Chargement…" });
    section.appendChild(status);
    root.appendChild(section);
    renderEvents(section, asyncapi);
    nav.appendChild(el("a", { href: "#service-" + service, text: service }));
    var url = openapi;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (spec) {
        status.remove();
        renderService(section, service, absolutePaths(spec, service));
        applyFilter();
      })
      .catch(function (problem) {
        status.textContent = "Description indisponible (" + url + " : " + problem.message + ").";
        status.className = "error";
      });
  });
})();
