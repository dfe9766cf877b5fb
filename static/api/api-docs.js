// Renders /api/v1/openapi.json as a plain page: one section per operation with its
// parameters, responses and the schema of a successful answer. No framework, no CDN.
(function () {
  "use strict";
  var root = document.getElementById("operations");
  var toc = document.getElementById("toc");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function resolve(doc, node) {
    var seen = 0;
    while (node && node.$ref && seen < 20) {
      node = node.$ref.replace(/^#\//, "").split("/").reduce(function (at, key) {
        return at ? at[key] : undefined;
      }, doc);
      seen += 1;
    }
    return node || {};
  }

  // a readable outline of a JSON schema (refs expanded, depth-limited)
  function outline(doc, schema, depth) {
    schema = resolve(doc, schema);
    if (depth > 4) { return "…"; }
    if (schema.anyOf) {
      return schema.anyOf.map(function (s) { return outline(doc, s, depth); }).join(" | ");
    }
    if (schema.type === "array" || (Array.isArray(schema.type) && schema.type[0] === "array")) {
      return "[" + outline(doc, schema.items || {}, depth + 1) + "]";
    }
    if (schema.properties) {
      var pad = new Array(depth + 2).join("  ");
      var lines = Object.keys(schema.properties).map(function (name) {
        return pad + name + ": " + outline(doc, schema.properties[name], depth + 1);
      });
      return "{\n" + lines.join("\n") + "\n" + new Array(depth + 1).join("  ") + "}";
    }
    var type = Array.isArray(schema.type) ? schema.type.join("|") : (schema.type || "any");
    if (schema.format) { type += " (" + schema.format + ")"; }
    if (schema.enum) { type += " ∈ " + schema.enum.join(", "); }
    return type;
  }

  function parameters(doc, list) {
    if (!list.length) { return el("p", {class: "small text-muted"}, ["—"]); }
    var rows = list.map(function (p) {
      p = resolve(doc, p);
      var schema = resolve(doc, p.schema || {});
      var constraint = [];
      if (schema.enum) { constraint.push(schema.enum.join(" | ")); }
      if (schema.minimum !== undefined) { constraint.push("≥ " + schema.minimum); }
      if (schema.maximum !== undefined) { constraint.push("≤ " + schema.maximum); }
      if (schema.maxLength !== undefined) { constraint.push("≤ " + schema.maxLength + " chars"); }
      if (schema.default !== undefined) { constraint.push("default " + schema.default); }
      return el("tr", {}, [
        el("td", {}, [el("code", {}, [p.name])]), el("td", {}, [p.in]),
        el("td", {}, [(Array.isArray(schema.type) ? schema.type.join("|") : schema.type || "") +
                      (schema.format ? " (" + schema.format + ")" : "")]),
        el("td", {}, [(p.required ? "required · " : "") + constraint.join(", ")]),
        el("td", {}, [p.description || schema.description || ""])]);
    });
    return el("div", {class: "table-responsive"}, [el("table", {class: "table table-sm"}, [
      el("thead", {}, [el("tr", {}, ["name", "in", "type", "", "description"].map(
        function (h) { return el("th", {}, [h]); }))]),
      el("tbody", {}, rows)])]);
  }

  function render(doc) {
    document.getElementById("loading").remove();
    Object.keys(doc.paths).forEach(function (path, index) {
      var item = doc.paths[path];
      var op = item.get;
      if (!op) { return; }
      var id = "op-" + index;
      toc.appendChild(el("a", {href: "#" + id}, [path]));
      var params = (item.parameters || []).concat(op.parameters || []);
      var ok = resolve(doc, (op.responses || {})["200"] || {});
      var content = ok.content || {};
      var media = Object.keys(content)[0];
      var codes = Object.keys(op.responses || {}).filter(function (c) { return c !== "default"; });
      var section = el("section", {class: "op", id: id}, [
        el("h2", {}, [el("span", {class: "method"}, ["GET"]), path]),
        el("p", {class: "mb-1"}, [op.summary || ""]),
        op.description ? el("p", {class: "small text-muted"}, [op.description]) : el("span"),
        op.security ? el("p", {class: "lock"}, ["🔒 Bearer token · scope " +
          (op["x-devreg-scope"] || "any")]) : el("p", {class: "lock"}, ["public · 公开"]),
        el("h3", {class: "h6"}, ["Parameters · 参数"]), parameters(doc, params),
        el("h3", {class: "h6"}, ["200 " + (media || "")]),
        el("pre", {}, [media && content[media].schema ? outline(doc, content[media].schema, 0)
                                                      : (ok.description || "")]),
        el("p", {class: "small"}, ["Responses · 响应: " + codes.sort().join(", ") +
          " (errors: application/problem+json)"])]);
      root.appendChild(section);
    });
  }

  fetch("/api/v1/openapi.json", {headers: {Accept: "application/json"}})
    .then(function (r) { return r.json(); })
    .then(render)
    .catch(function (error) {
      root.textContent = "The OpenAPI document could not be loaded: " + error;
    });
})();
