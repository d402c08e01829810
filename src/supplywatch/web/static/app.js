/* supplywatch dashboard: vanilla JS, no build step, no CDN.
   Talks to /api/v1 with the session cookie (and X-CSRF-Token on writes); Plotly is served
   from the installed plotly package, the world topojson from /static/topojson/. */
"use strict";

(function () {
  const API = "/api/v1";
  const LANGS = ["ko", "ja", "en"];
  const STATUSES = ["new", "acknowledged", "resolved"];
  const HOLDERS = ["national", "private", "in_transit"];
  const STOCK_FIELDS = ["item_id", "holder", "quantity_t", "as_of_date", "note"];
  const LEVEL_CODES = { none: 0, attention: 1, caution: 2, alert: 3, critical: 4 };
  const ROLE_RANK = { viewer: 0, analyst: 1, admin: 2 };
  // The importers, their organisations and today's date come from the service (GET /meta):
  // one declaration (catalog/importers.py), and the service's clock, not the browser's.
  const PLOT_CONFIG = { topojsonURL: "/static/topojson/", displaylogo: false, responsive: true };
  const LEVEL_COLOURS = ["#9ca3af", "#2563eb", "#eab308", "#f97316", "#dc2626"];

  const state = {
    me: null,
    meta: null,
    csrf: null,
    lang: initialLang(),
    items: new Map(),
    routeSeq: 0,
    langHooks: [],
    asOf: "", // the date the views show (empty: today, by the service's clock)
  };

  // ---- i18n ------------------------------------------------------------------------------
  function initialLang() {
    let saved = null;
    try {
      saved = window.localStorage.getItem("sw.lang");
    } catch (_e) {
      saved = null;
    }
    if (LANGS.includes(saved)) return saved;
    const nav = (navigator.language || "en").slice(0, 2).toLowerCase();
    return LANGS.includes(nav) ? nav : "en";
  }

  function t(key) {
    const table = window.SW_I18N || {};
    const own = table[state.lang] || {};
    if (key in own) return own[key];
    if (table.en && key in table.en) return table.en[key];
    return key;
  }

  function itemName(id) {
    const item = state.items.get(id);
    if (!item) return id;
    const names = item.names || {};
    return names[state.lang] || names.en || id;
  }

  function applyI18n(root) {
    root.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    root.querySelectorAll("[data-item-name]").forEach((el) => {
      el.textContent = itemName(el.dataset.itemName);
    });
  }

  function setLang(lang) {
    state.lang = LANGS.includes(lang) ? lang : "en";
    try {
      window.localStorage.setItem("sw.lang", state.lang);
    } catch (_e) {
      /* private mode: the choice lasts for this page only */
    }
    document.documentElement.lang = state.lang;
    document.getElementById("lang").value = state.lang;
    document.title = "supplywatch — " + t("app.title");
    applyI18n(document);
    for (const hook of state.langHooks) hook();
  }

  // ---- DOM helpers -----------------------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "testid") el.dataset.testid = v;
      else if (k === "i18n") {
        el.dataset.i18n = v;
        el.textContent = t(v);
      } else if (k === "text") el.textContent = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  const tx = (key, attrs) => h("span", { ...(attrs || {}), i18n: key });
  const noData = () => h("span", { class: "nodata", i18n: "common.nodata" });
  const isNull = (v) => v === null || v === undefined || (typeof v === "number" && isNaN(v));

  function fmtNum(v, digits) {
    return Number(v).toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  /** A number cell's content: "no data" for null, never 0. */
  function num(v, digits, suffix) {
    if (isNull(v)) return noData();
    return fmtNum(v, digits) + (suffix || "");
  }

  function pct(v) {
    return isNull(v) ? noData() : fmtNum(v * 100, 1) + "%";
  }

  function fmtTime(iso) {
    if (!iso) return noData();
    const s = String(iso);
    return s.length > 16 ? s.slice(0, 16).replace("T", " ") + " UTC" : s;
  }

  function levelBadge(level, testid) {
    if (isNull(level) || level === "") {
      return h("span", { class: "nodata", testid: testid || "level-badge", i18n: "common.nodata" });
    }
    const n = Number(level);
    const ok = Number.isInteger(n) && n >= 0 && n <= 4;
    return h("span", {
      class: "badge lvl-" + (ok ? n : "x"),
      testid: testid || "level-badge",
      dataset: { level: ok ? String(n) : "" },
      i18n: ok ? "level." + n : null,
      text: ok ? null : String(level),
    });
  }

  function levelFromCode(code) {
    if (typeof code === "number") return code;
    return code in LEVEL_CODES ? LEVEL_CODES[code] : null;
  }

  function itemLink(id, importer, testid) {
    return h("a", {
      href: "#/item/" + encodeURIComponent(id) + "?importer=" + importer,
      testid: testid || "item-link",
      dataset: { itemName: id, itemId: id },
      text: itemName(id),
    });
  }

  function unitText(m) {
    // A planning unit: one material, or materials sharing their stored form's HS codes.
    const names = m.members.map(itemName).join(", ");
    return h("span", { dataset: { itemId: m.material_id }, text: m.is_shared ? names + " (" + t("plan.shared") + ")" : names });
  }

  function itemText(id) {
    return h("span", { dataset: { itemName: id, itemId: id }, text: itemName(id) });
  }

  function driverLabel(driver) {
    if (isNull(driver)) return noData();
    return tx("factor." + driver);
  }

  function loading(slow) {
    return h(
      "div",
      { class: "loading", testid: "loading", role: "status" },
      h("span", { class: "spinner", "aria-hidden": "true" }),
      tx(slow ? "common.loading_slow" : "common.loading"),
    );
  }

  function table(testid, headKeys, rows, emptyKey) {
    const head = h(
      "tr",
      {},
      // a header is an i18n key, or { text } for a literal (e.g. "AUC")
      headKeys.map((k) => h("th", { scope: "col" }, k && typeof k === "object" ? k.text : tx(k))),
    );
    const body = h("tbody", {}, rows);
    // numeric columns: right-align the header like the cells
    const first = rows.find((r) => r && r.children);
    if (first) {
      [...first.children].forEach((td, i) => {
        if (td.classList.contains("num") && head.children[i]) head.children[i].classList.add("num");
      });
    }
    if (!rows.length && emptyKey) {
      body.append(
        h("tr", { class: "empty" }, h("td", { colspan: headKeys.length, testid: "empty" }, tx(emptyKey))),
      );
    }
    const tbl = h("table", { testid }, h("thead", {}, head), body);
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "div",
        { class: "table-tools no-print" },
        h("button", { type: "button", class: "btn btn-quiet btn-small", testid: testid + "-export-csv", onclick: () => exportTable(tbl, testid, "csv") }, "CSV"),
        h("button", { type: "button", class: "btn btn-quiet btn-small", testid: testid + "-export-xlsx", onclick: () => exportTable(tbl, testid, "xlsx") }, "Excel"),
      ),
      tbl,
    );
  }

  /** A table as the user sees it (header and cell text), exported by the service as CSV or
   *  xlsx (with an "about" sheet: what, for whom, when, units, sources). */
  async function exportTable(tbl, name, fmt) {
    const columns = [...tbl.querySelectorAll("thead th")].map((th) => th.textContent.trim() || "-");
    const rows = [...tbl.querySelectorAll("tbody tr:not(.empty)")]
      .map((tr) => [...tr.children].map((td) => td.textContent.trim()))
      .filter((r) => r.length === columns.length);
    const headers = { "Content-Type": "application/json" };
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    const r = await fetch(API + "/exports?format=" + fmt, {
      method: "POST",
      headers,
      credentials: "same-origin",
      body: JSON.stringify({ title: name, columns, rows, as_of: state.asOf || null }),
    });
    if (!r.ok) {
      const g = document.querySelector('[data-testid="global-error"]');
      g.replaceChildren(tx("export.failed"));
      g.hidden = false;
      return;
    }
    const blob = await r.blob();
    const a = h("a", { href: URL.createObjectURL(blob), download: "supplywatch-" + name + "." + fmt, testid: "export-link" });
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
    state.lastExport = { name, fmt, columns: columns.length, rows: rows.length };
  }

  /** "&as_of=D" when the user looks at a past date (see the date picker), else "". */
  function asOfParam() {
    return state.asOf ? "&as_of=" + state.asOf : "";
  }

  function showAsOf() {
    const input = document.getElementById("as-of");
    input.value = state.asOf || (state.meta ? state.meta.today : "");
    if (state.meta) input.max = state.meta.today;
    const b = document.querySelector('[data-testid="as-of-banner"]');
    b.replaceChildren();
    if (state.asOf) b.append(tx("asof.banner"), " ", h("strong", { testid: "as-of-date", text: state.asOf }));
    b.hidden = !state.asOf;
  }

  function setAsOf(v) {
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(v || "") && (!state.meta || v < state.meta.today);
    state.asOf = ok ? v : "";
    try {
      sessionStorage.setItem("sw.as_of", state.asOf);
    } catch (_e) {
      /* private mode */
    }
    showAsOf();
    route();
  }

  /** Nested objects as a readable definition list ("no data" for nulls). */
  function kv(value) {
    if (isNull(value)) return noData();
    if (Array.isArray(value)) {
      if (!value.length) return noData();
      if (value.every((v) => typeof v !== "object" || v === null)) {
        return value.map((v) => (isNull(v) ? t("common.nodata") : String(v))).join(", ");
      }
      return h("ol", { class: "kv-list" }, value.map((v) => h("li", {}, kv(v))));
    }
    if (typeof value === "object") {
      const entries = Object.entries(value);
      if (!entries.length) return noData();
      return h(
        "dl",
        { class: "kv" },
        entries.map(([k, v]) => [h("dt", { text: k }), h("dd", {}, kv(v))]),
      );
    }
    if (typeof value === "boolean") return value ? "true" : "false";
    return String(value);
  }

  // ---- API -------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : "HTTP " + status);
      this.status = status;
      this.detail = detail;
    }
  }

  async function api(method, path, opts) {
    const o = opts || {};
    const headers = { Accept: "application/json" };
    let body;
    if (o.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.form) {
      body = o.form;
    }
    if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
    let r;
    try {
      // no-store: reads carry Cache-Control max-age, but the board must show fresh state
      r = await fetch(API + path, {
        method,
        headers,
        body,
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (_e) {
      throw new ApiError(0, t("common.network"));
    }
    let data = null;
    if (r.status !== 204) {
      const text = await r.text();
      try {
        data = text ? JSON.parse(text) : null;
      } catch (_e) {
        data = text;
      }
    }
    if (!r.ok) {
      const detail = data && typeof data === "object" && "detail" in data ? data.detail : data;
      if (r.status === 401 && !path.startsWith("/auth/") && state.me) signedOut(true);
      throw new ApiError(r.status, detail);
    }
    return data;
  }

  function fieldErrors(detail) {
    if (!Array.isArray(detail)) return [];
    return detail.map((e) => ({
      loc: Array.isArray(e.loc) ? e.loc : [],
      msg: e.msg || "",
    }));
  }

  function errorBox(err, testid) {
    const status = err instanceof ApiError ? err.status : -1;
    const box = h("div", { class: "error-box", role: "alert", testid: testid || "error" });
    box.dataset.status = String(status);
    if (status === 403) {
      box.classList.add("forbidden");
      box.append(h("strong", { i18n: "common.forbidden" }));
      if (typeof err.detail === "string") box.append(h("small", { text: " (" + err.detail + ")" }));
    } else if (status === 404) {
      box.append(h("strong", { i18n: "common.not_found" }));
    } else if (status === 401) {
      box.append(h("strong", { i18n: "common.signed_out" }));
    } else if (status === 429) {
      box.append(h("strong", { i18n: "common.rate_limited" }));
    } else if (status === 0) {
      box.append(h("strong", { i18n: "common.network" }));
    } else if (status === 422 && Array.isArray(err.detail)) {
      box.append(
        h("ul", {}, fieldErrors(err.detail).map((e) => h("li", { text: locText(e.loc) + ": " + e.msg }))),
      );
    } else {
      box.append(h("strong", { i18n: "common.error" }), " ");
      box.append(h("span", { text: (status > 0 ? "HTTP " + status + ": " : "") + msgOf(err) }));
    }
    return box;
  }

  function msgOf(err) {
    if (err instanceof ApiError) {
      return typeof err.detail === "string" ? err.detail : JSON.stringify(err.detail);
    }
    return String(err && err.message ? err.message : err);
  }

  function locText(loc) {
    return loc.filter((p) => p !== "body").join(" · ");
  }

  // ---- charts ----------------------------------------------------------------------------
  function plot(el, data, layout) {
    const base = {
      margin: { l: 60, r: 20, t: 30, b: 50 },
      font: { family: getComputedStyle(document.body).fontFamily, size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
    };
    return window.Plotly.react(el, data, { ...base, ...layout }, PLOT_CONFIG);
  }

  function purgeCharts() {
    if (!window.Plotly) return;
    document.querySelectorAll("#view .js-plotly-plot").forEach((el) => window.Plotly.purge(el));
  }

  // ---- session ---------------------------------------------------------------------------
  function show(sel, visible) {
    document.querySelectorAll(sel).forEach((el) => {
      el.hidden = !visible;
    });
  }

  async function loadItems() {
    try {
      const page = await api("GET", "/items?limit=500");
      state.items = new Map(page.items.map((i) => [i.material_id, i]));
    } catch (_e) {
      state.items = new Map();
    }
  }

  async function signedIn(me) {
    state.me = me;
    state.csrf = me.csrf_token || null;
    show('[data-testid="login-view"]', false);
    show('[data-testid="global-error"]', false);
    show('[data-testid="nav"], [data-testid="whoami"], [data-testid="logout"]', true);
    document.querySelector('[data-testid="whoami"]').textContent =
      me.username + " · " + me.org + " · " + me.role;
    state.meta = await api("GET", "/meta");
    try {
      state.asOf = sessionStorage.getItem("sw.as_of") || "";
    } catch (_e) {
      state.asOf = "";
    }
    if (state.asOf && !(state.asOf < state.meta.today)) state.asOf = "";
    show('[data-testid="as-of-wrap"], [data-testid="print"]', true);
    showAsOf();
    refreshInbox();
    await loadItems();
    if (!location.hash || location.hash === "#" || location.hash === "#/") {
      history.replaceState(null, "", "#/screen");
    }
    route();
  }

  function signedOut(expired) {
    state.me = null;
    state.csrf = null;
    state.routeSeq++;
    state.langHooks = [];
    purgeCharts();
    const view = document.getElementById("view");
    view.replaceChildren();
    view.hidden = true;
    show('[data-testid="nav"], [data-testid="whoami"], [data-testid="logout"]', false);
    show('[data-testid="as-of-wrap"], [data-testid="print"], [data-testid="as-of-banner"]', false);
    show('[data-testid="login-view"]', true);
    const g = document.querySelector('[data-testid="global-error"]');
    g.replaceChildren();
    if (expired) g.append(tx("common.signed_out"));
    g.hidden = !expired;
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const form = ev.currentTarget;
    const errEl = document.querySelector('[data-testid="login-error"]');
    errEl.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const me = await api("POST", "/auth/login", {
        json: { username: form.username.value, password: form.password.value },
      });
      form.password.value = "";
      await signedIn(me);
    } catch (err) {
      const key = err.status === 429 ? "common.rate_limited" : err.status === 0 ? "common.network" : "login.failed";
      errEl.replaceChildren(tx(key));
      errEl.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  async function onLogout() {
    try {
      await api("POST", "/auth/logout");
    } catch (_e) {
      /* the session is gone either way */
    }
    signedOut(false);
  }

  function atLeast(role) {
    return state.me && ROLE_RANK[state.me.role] >= ROLE_RANK[role];
  }

  function importerIds() {
    return state.meta.importers.map((i) => i.importer_id);
  }

  // The national importers (those whose own stocks an organisation enters and sees alone).
  function nationalImporters() {
    return state.meta.importers.filter((i) => i.members.length === 1).map((i) => i.importer_id);
  }

  function alertScope(org) {
    return state.meta.alert_scope[org] || [];
  }

  function ownNationalImporter(org) {
    const imp = state.meta.org_importer[org];
    return nationalImporters().includes(imp) ? imp : null;
  }

  function defaultImporter() {
    return (state.me && state.meta.org_importer[state.me.org]) || state.meta.bloc_id;
  }

  function validImporter(v) {
    return importerIds().includes(v) ? v : null;
  }

  function importerSelect(testid, value, options, onChange, withAll) {
    const sel = h(
      "select",
      { testid, onchange: (e) => onChange(e.target.value) },
      withAll ? h("option", { value: "", i18n: "common.all" }) : null,
      options.map((imp) => h("option", { value: imp, i18n: "importer." + imp })),
    );
    sel.value = value;
    return sel;
  }

  // ---- routing ---------------------------------------------------------------------------
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "");
    const q = raw.indexOf("?");
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : "");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    return { name: parts[0] || "screen", arg: parts[1], params };
  }

  const ROUTES = {
    screen: screenView,
    item: itemView,
    alerts: alertsView,
    stocks: stocksView,
    plan: planView,
    backtest: backtestView,
    measures: measuresView,
    briefings: briefingsView,
    watch: watchView,
  };

  async function route() {
    if (!state.me) return;
    const r = parseHash();
    const name = ROUTES[r.name] ? r.name : "screen";
    const seq = ++state.routeSeq;
    const alive = () => seq === state.routeSeq;
    state.langHooks = [];
    purgeCharts();
    const view = document.getElementById("view");
    view.replaceChildren();
    view.hidden = false;
    view.dataset.route = name;
    document.querySelectorAll("[data-route]").forEach((a) => {
      a.classList.toggle("active", a.dataset.route === (name === "item" ? "screen" : name));
    });
    try {
      await ROUTES[name](view, r, alive);
    } catch (err) {
      if (!alive()) return;
      view.querySelectorAll('[data-testid="loading"]').forEach((el) => el.remove());
      view.append(errorBox(err));
    }
  }

  function viewHead(titleKey, ...tools) {
    return h("div", { class: "view-head" }, h("h1", { i18n: titleKey }), h("div", { class: "filters" }, tools));
  }

  function labelled(key, control) {
    return h("label", { class: "field" }, tx(key), control);
  }

  // ---- #/screen --------------------------------------------------------------------------
  async function screenView(view, r, alive) {
    const importer = validImporter(r.params.get("importer")) || defaultImporter();
    const stateFilter = state.meta.states.includes(r.params.get("state")) ? r.params.get("state") : "";
    const go = (imp, st) => {
      location.hash = "#/screen?importer=" + imp + (st ? "&state=" + st : "");
    };
    const sel = importerSelect("screen-importer", importer, importerIds(), (v) => go(v, stateFilter));
    const stSel = h(
      "select",
      { testid: "screen-state", onchange: (e) => go(importer, e.target.value) },
      h("option", { value: "", i18n: "common.all" }),
      state.meta.states.map((st) => h("option", { value: st, i18n: "state." + st })),
    );
    stSel.value = stateFilter;
    view.append(viewHead("screen.title", labelled("common.importer", sel), labelled("screen.state", stSel)));
    const wait = loading(false);
    view.append(wait);
    const page = await api(
      "GET",
      "/screen?importer=" + importer + "&limit=500" + (stateFilter ? "&state=" + stateFilter : "") + asOfParam(),
    );
    if (!alive()) return;
    wait.remove();
    const notScored = (row) => row.item_state_code === "stale" || row.item_state_code === "no_data";
    const rows = page.items.map((row, i) =>
      h(
        "tr",
        {
          testid: "screen-row",
          dataset: { itemId: row.item_id, level: String(row.alert_level), state: row.item_state_code },
        },
        h("td", { testid: "cell-rank", class: "num" }, String(page.offset + i + 1)),
        h("td", { testid: "cell-item" }, itemLink(row.item_id, importer)),
        h("td", { testid: "cell-level" }, notScored(row) ? "" : levelBadge(row.alert_level)),
        h("td", { testid: "cell-probability", class: "num" }, pct(row.risk_probability_share)),
        h("td", { testid: "cell-score", class: "num" }, num(row.score_points, 1)),
        h(
          "td",
          { testid: "cell-state", title: row.state_reason_text || "" },
          h("span", { class: "state state-" + row.item_state_code }, tx("state." + row.item_state_code)),
        ),
        h("td", { testid: "cell-driver" }, driverLabel(row.main_driver_code)),
        h(
          "td",
          { testid: "cell-top-supplier", dataset: { iso: row.top_supplier_id_iso3 || "" } },
          isNull(row.top_supplier_id_iso3)
            ? noData()
            : [h("span", { class: "iso", text: row.top_supplier_name }), " ", pct(row.top_supplier_share)],
        ),
        h("td", { testid: "cell-china-share", class: "num" }, pct(row.china_share)),
        h("td", { testid: "cell-trade-year", class: "num" }, isNull(row.trade_year) ? noData() : String(row.trade_year)),
        h("td", { testid: "cell-measures", dataset: { floor: String(row.measure_floor_level || 0) } }, measuresCell(row)),
        h(
          "td",
          { testid: "cell-note", class: "note" },
          row.is_shared_code
            ? h("span", { testid: "cell-shared", title: row.shared_with_text }, tx("screen.shared", {}), " ×" + row.shared_count)
            : null,
          notScored(row) || row.item_state_code === "partial"
            ? h("div", { class: "muted reason", testid: "cell-reason", text: row.state_reason_text || "" })
            : null,
        ),
      ),
    );
    const counts = {};
    page.items.forEach((row) => {
      counts[row.item_state_code] = (counts[row.item_state_code] || 0) + 1;
    });
    view.append(
      h(
        "p",
        { class: "muted" },
        tx("screen.total"),
        ": ",
        h("span", { testid: "screen-total", text: String(page.total) }),
        " · ",
        state.meta.states.map((st) => [
          tx("state." + st),
          " ",
          h("span", { testid: "screen-count-" + st, text: String(counts[st] || 0) }),
          " ",
        ]),
      ),
      table(
        "screen-table",
        [
          "screen.rank",
          "common.item",
          "common.level",
          "common.probability",
          "common.score",
          "screen.state",
          "screen.driver",
          "screen.top_supplier",
          "screen.china_share",
          "screen.trade_year",
          "screen.measures",
          "screen.note",
        ],
        rows,
        "screen.empty",
      ),
    );
  }

  // ---- supply measures ---------------------------------------------------------------------
  /** A measure's status on the date, in the interface language ("suspended until D", ...). */
  function measureStatus(s) {
    if (isNull(s)) return noData();
    let m = /^suspended until (\d{4}-\d{2}-\d{2})$/.exec(s);
    if (m) return [tx("measures.st.suspended_until"), " ", m[1]];
    m = /^suspension expired (\d{4}-\d{2}-\d{2}), status unverified$/.exec(s);
    if (m) return [tx("measures.st.expired_unverified"), " (", m[1], ")"];
    const key = { "in force": "in_force", "in force (resumed)": "resumed", announced: "announced" }[s] || s;
    return tx("measures.st." + key);
  }

  function measureClass(m) {
    const s = m.status_on_date || "";
    if (m.is_review) return "review";
    if (s.startsWith("suspended")) return "suspended";
    if (m.is_active) return s === "announced" ? "announced" : "active";
    return m.is_control ? "ended" : "relaxation";
  }

  function sourceLink(m) {
    return h(
      "a",
      { href: m.source_url, target: "_blank", rel: "noopener noreferrer", testid: "measure-source", title: m.title || "" },
      m.legal_reference || m.measure_id,
    );
  }

  /** The screen's cell: how many measures are active on the item for the importer. */
  function measuresCell(row) {
    const text = row.active_measures_text;
    if (isNull(text) || !text) return h("span", { class: "muted", text: "–" });
    const n = text.split("; ").length;
    return h(
      "span",
      { class: "measure-flag" + (row.is_measure_review ? " review" : ""), title: text },
      h("a", { href: "#/measures?material=" + encodeURIComponent(row.item_id) + "&active=1", text: String(n) }),
      " ",
      tx(n === 1 ? "measures.one" : "measures.many"),
      row.is_measure_review ? [" · ", tx("measures.review")] : null,
    );
  }

  /** The measures on one item (item page). */
  function measuresList(list, importer) {
    if (!list.length) return h("p", { class: "muted", testid: "measures-none", i18n: "measures.none_item" });
    return table(
      "item-measures-table",
      ["measures.known_since", "measures.imposer", "measures.reference", "measures.types", "measures.effective", "common.status"],
      list.map((m) =>
        h(
          "tr",
          { testid: "item-measure-row", dataset: { measureId: m.measure_id, status: measureClass(m), applies: String(m.applies_to_importer) } },
          h("td", { class: "date", text: m.known_since }),
          h("td", { text: m.imposer_name || m.imposer_id_iso3 }),
          h("td", {}, sourceLink(m)),
          h("td", {}, m.types.map((x) => tx("mtype." + x)).reduce((a, b) => (a.length ? [...a, ", ", b] : [b]), [])),
          h("td", { class: "date" }, m.effective_date || noData()),
          h("td", {}, h("span", { class: "mstatus ms-" + measureClass(m) }, measureStatus(m.status_on_date)),
            m.applies_to_importer ? null : [" ", h("span", { class: "muted", i18n: "measures.not_for_importer" })]),
        ),
      ),
    );
  }

  // ---- #/measures ------------------------------------------------------------------------
  async function measuresView(view, r, alive) {
    const p = r.params;
    const cur = {
      imposer: /^[A-Z]{3}$/.test(p.get("imposer") || "") ? p.get("imposer") : "",
      material: /^[a-z0-9_]{1,64}$/.test(p.get("material") || "") ? p.get("material") : "",
      active: p.get("active") === "1" ? "1" : "",
      as_of: /^\d{4}-\d{2}-\d{2}$/.test(p.get("as_of") || "") ? p.get("as_of") : state.asOf,
    };
    const go = (change) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...cur, ...change })) if (v) q.set(k, v);
      location.hash = "#/measures" + (q.toString() ? "?" + q.toString() : "");
    };
    const wait = loading(false);
    view.append(viewHead("measures.title"), wait);
    const asOfQ = cur.as_of ? "&as_of=" + cur.as_of : "";
    const all = await api("GET", "/measures?limit=500" + asOfQ);
    const q = (cur.imposer ? "&imposer=" + cur.imposer : "") + (cur.material ? "&material=" + cur.material : "") + (cur.active ? "&active=true" : "");
    const page = q ? await api("GET", "/measures?limit=500" + asOfQ + q) : all;
    if (!alive()) return;
    wait.remove();
    const imposers = [...new Map(all.items.map((m) => [m.imposer_id_iso3, m.imposer_name || m.imposer_id_iso3])).entries()].sort((a, b) => a[1].localeCompare(b[1]));
    const mats = [...new Set(all.items.flatMap((m) => m.materials))].sort((a, b) => itemName(a).localeCompare(itemName(b)));
    const impSel = h("select", { testid: "measures-imposer", onchange: (e) => go({ imposer: e.target.value }) },
      h("option", { value: "", i18n: "common.all" }), imposers.map(([id, name]) => h("option", { value: id, text: name })));
    impSel.value = cur.imposer;
    const matSel = h("select", { testid: "measures-material", onchange: (e) => go({ material: e.target.value }) },
      h("option", { value: "", i18n: "common.all" }), mats.map((id) => h("option", { value: id, dataset: { itemName: id }, text: itemName(id) })));
    matSel.value = cur.material;
    const act = h("input", { type: "checkbox", testid: "measures-active", onchange: (e) => go({ active: e.target.checked ? "1" : "" }) });
    act.checked = cur.active === "1";
    const day = h("input", { type: "date", testid: "measures-asof", value: cur.as_of || state.meta.today, max: state.meta.today,
      onchange: (e) => go({ as_of: e.target.value === state.meta.today ? "" : e.target.value }) });
    view.querySelector(".filters").append(
      labelled("measures.imposer", impSel), labelled("common.item", matSel),
      h("label", { class: "field check" }, act, tx("measures.active_only")), labelled("measures.as_of", day));

    const chart = h("div", { class: "chart", testid: "measures-timeline" });
    const rows = page.items.map((m) =>
      h(
        "tr",
        { testid: "measure-row", dataset: { measureId: m.measure_id, status: measureClass(m), imposer: m.imposer_id_iso3 } },
        h("td", { class: "date", text: m.known_since }),
        h("td", {}, m.imposer_name || m.imposer_id_iso3),
        h("td", {}, sourceLink(m), m.source_kind !== "official" ? [" ", h("span", { class: "muted", text: "(" + t("measures.kind." + m.source_kind) + ")" })] : null),
        h("td", {}, m.types.map((x) => tx("mtype." + x)).reduce((a, b) => (a.length ? [...a, ", ", b] : [b]), [])),
        h("td", {}, m.materials.length ? m.materials.map((id) => itemLink(id, defaultImporter())).reduce((a, b) => (a.length ? [...a, ", ", b] : [b]), []) : noData()),
        h("td", { text: m.targets.map((x) => (x === "ALL" ? t("measures.all_countries") : x)).join(", ") }),
        h("td", { class: "date" }, m.effective_date || noData()),
        h("td", { testid: "measure-status" }, h("span", { class: "mstatus ms-" + measureClass(m) }, measureStatus(m.status_on_date))),
      ),
    );
    view.append(
      h("p", { class: "muted" }, tx("measures.intro"), " ", tx("measures.total"), ": ", h("span", { testid: "measures-total", text: String(page.total) })),
      page.items.length ? h("section", { class: "card" }, h("h2", { i18n: "measures.timeline" }), chart) : null,
      table("measures-table", ["measures.known_since", "measures.imposer", "measures.reference", "measures.types", "common.item", "measures.targets", "measures.effective", "common.status"], rows, "measures.empty"),
    );
    const COLOURS = { active: "#dc2626", announced: "#f97316", suspended: "#eab308", review: "#7c3aed", ended: "#9ca3af", relaxation: "#16a34a" };
    function draw() {
      if (!alive() || !page.items.length) return;
      const groups = new Map();
      for (const m of page.items) {
        const c = measureClass(m);
        if (!groups.has(c)) groups.set(c, []);
        groups.get(c).push(m);
      }
      plot(
        chart,
        [...groups.entries()].map(([c, ms]) => ({
          type: "scatter",
          mode: "markers",
          name: t("measures.class." + c),
          x: ms.map((m) => m.known_since),
          y: ms.map((m) => m.imposer_name || m.imposer_id_iso3),
          text: ms.map((m) => (m.legal_reference || m.measure_id) + "<br>" + (m.materials.map(itemName).join(", ") || "")),
          hovertemplate: "%{x}: %{text}<extra></extra>",
          marker: { size: 11, color: COLOURS[c], line: { color: "#ffffff", width: 1 } },
        })),
        { height: 120 + 40 * new Set(page.items.map((m) => m.imposer_id_iso3)).size, margin: { l: 140, r: 20, t: 10, b: 40 }, xaxis: { type: "date" }, legend: { orientation: "h", y: -0.3 } },
      );
    }
    draw();
    state.langHooks.push(draw);
  }

  // ---- #/item/<id> -----------------------------------------------------------------------
  async function itemView(view, r, alive) {
    const id = r.arg || "";
    const importer = validImporter(r.params.get("importer")) || defaultImporter();
    const sel = importerSelect("item-importer", importer, importerIds(), (v) => {
      location.hash = "#/item/" + encodeURIComponent(id) + "?importer=" + v;
    });
    view.append(
      h("a", { href: "#/screen?importer=" + importer, class: "back", testid: "item-back", i18n: "item.back" }),
      h(
        "div",
        { class: "view-head" },
        h("h1", { testid: "item-title" }, itemText(id), " ", h("span", { class: "muted", text: "(" + id + ")" })),
        h("div", { class: "filters" }, labelled("common.importer", sel)),
      ),
    );
    const wait = loading(true);
    view.append(wait);
    const d = await api("GET", "/explain/" + encodeURIComponent(id) + "?importer=" + importer + asOfParam());
    if (!alive()) return;
    wait.remove();

    const stat = (key, testid, content) =>
      h("div", { class: "stat" }, h("div", { class: "stat-label", i18n: key }), h("div", { class: "stat-value", testid }, content));
    const cov = d.coverage;
    view.append(
      h(
        "section",
        { class: "card state-box state-" + d.state, testid: "item-state", dataset: { state: d.state } },
        h("p", {}, h("strong", {}, tx("state." + d.state)), d.state_reason ? [" — ", h("span", { testid: "item-state-reason", text: d.state_reason })] : null),
        d.fill_command
          ? h("p", { class: "muted" }, tx("item.fill"), ": ", h("code", { testid: "item-fill", text: d.fill_command }))
          : null,
        cov ? h("p", { class: "muted" }, tx("item.coverage"), ": ", h("span", { testid: "item-coverage", text: cov.text })) : null,
        d.shared_with && d.shared_with.length
          ? h("p", { class: "muted", testid: "item-shared" }, tx("item.shared"), ": ", d.shared_with.map(itemText).join(", "))
          : null,
        cov && cov.unit_values_by_stage.length
          ? h(
              "p",
              { class: "muted", testid: "item-unit-values" },
              tx("item.unit_values"),
              ": ",
              cov.unit_values_by_stage
                .map((u) => u.stage + " " + u.year + " " + (isNull(u.unit_value_usd_per_t) ? "-" : fmtNum(u.unit_value_usd_per_t, 0)) + " USD/t")
                .join(" · "),
            )
          : null,
      ),
    );
    view.append(
      h(
        "div",
        { class: "stats", testid: "item-summary" },
        stat("common.probability", "item-probability", pct(d.probability)),
        stat("common.score", "item-score", num(d.score, 1)),
        stat("common.level", "item-level", levelBadge(d.level)),
        stat("item.confidence", "item-confidence", num(d.confidence, 2)),
        stat("item.main_driver", "item-driver", driverLabel(d.main_driver)),
        stat("item.as_of", "item-asof", d.as_of || noData()),
        stat("item.ladder", "item-ladder", d.ladder_version || noData()),
      ),
    );

    const factors = d.factors || [];
    const factorRows = factors.map((f) =>
      h(
        "tr",
        { testid: "factor-row", dataset: { factor: f.factor } },
        h("td", {}, tx("factor." + f.factor)),
        h("td", { class: "num", testid: "factor-value" }, f.has_data ? num(f.value, 4) : tx("item.no_factor_data", { class: "nodata" })),
        h("td", { class: "num", testid: "factor-weight" }, num(f.weight, 2)),
        h("td", { class: "num", testid: "factor-points" }, num(f.contribution_points, 2)),
      ),
    );
    const factorTable = table("factor-table", ["item.factor", "item.value", "item.weight", "item.points"], factorRows);
    factorTable
      .querySelector("table")
      .append(
        h(
          "tfoot",
          {},
          h(
            "tr",
            {},
            h("th", { colspan: 3, scope: "row", i18n: "item.total" }),
            h("td", { class: "num", testid: "factor-total" }, num(d.score, 1)),
          ),
        ),
      );

    const chartBox = (testid) => h("div", { class: "chart", testid });
    const cFactors = chartBox("chart-factors");
    const cSuppliers = chartBox("chart-suppliers");
    const cProduction = chartBox("chart-production");
    const cMap = chartBox("chart-map");
    const shares = d.supplier_shares || [];
    const prod = d.production_concentration || [];
    const history = d.level_history || [];
    const latestYear = shares.length ? Math.max(...shares.map((s) => s.year)) : null;

    const card = (key, testid, ...kids) => h("section", { class: "card", testid }, h("h2", {}, tx(key)), kids);
    view.append(
      h(
        "div",
        { class: "grid" },
        card("item.factors", "card-factors", factors.length ? [cFactors, factorTable] : noData()),
        card("item.suppliers", "card-suppliers", shares.length ? cSuppliers : noData()),
        card(
          "item.map",
          "card-map",
          h("p", { class: "muted" }, tx("item.map_year"), ": ", latestYear === null ? noData() : h("span", { testid: "map-year", text: String(latestYear) })),
          shares.length ? cMap : null,
        ),
        card("item.production", "card-production", prod.length ? cProduction : noData()),
        card(
          "item.history",
          "card-history",
          table(
            "history-table",
            ["common.date", "common.level", "common.score", "item.main_driver"],
            history.map((x) =>
              h(
                "tr",
                { testid: "history-row" },
                h("td", { class: "date", text: x.date }),
                h("td", {}, levelBadge(levelFromCode(x.level) ?? x.level)),
                h("td", { class: "num" }, num(x.score, 1)),
                h("td", {}, driverLabel(x.main_driver)),
              ),
            ),
            "common.nodata",
          ),
        ),
        card("item.evidence", "card-evidence", h("div", { class: "evidence", testid: "evidence" }, kv(d.evidence))),
        card("item.measures", "card-measures", measuresList(d.measures || [], importer)),
      ),
    );

    function draw() {
      if (!alive() || !factors.length) return;
      const names = factors.map((f) => t("factor." + f.factor));
      plot(
        cFactors,
        [
          {
            type: "bar",
            orientation: "h",
            y: names,
            x: factors.map((f) => f.contribution_points),
            customdata: factors.map((f) => [isNull(f.value) ? t("common.nodata") : f.value, f.weight]),
            hovertemplate: "%{y}: %{x:.2f}<br>" + t("item.value") + " %{customdata[0]}, " + t("item.weight") + " %{customdata[1]}<extra></extra>",
            marker: { color: factors.map((f) => (f.has_data ? "#2563eb" : "#cbd5e1")) },
          },
        ],
        { height: 300, margin: { l: 170, r: 20, t: 10, b: 40 }, yaxis: { autorange: "reversed" }, xaxis: { title: { text: t("item.points") } } },
      );
      if (shares.length) {
        const years = [...new Set(shares.map((s) => s.year))].sort((a, b) => a - b);
        const totals = new Map();
        for (const s of shares) totals.set(s.supplier, (totals.get(s.supplier) || 0) + s.share);
        const suppliers = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a));
        const byKey = new Map(shares.map((s) => [s.year + "|" + s.supplier, s.share]));
        const names = new Map(shares.map((s) => [s.supplier, s.supplier_name || s.supplier]));
        const traces = suppliers.map((sup) => ({
          type: "bar",
          name: names.get(sup),
          x: years,
          y: years.map((y) => (byKey.has(y + "|" + sup) ? byKey.get(y + "|" + sup) * 100 : null)),
          hovertemplate: names.get(sup) + " %{x}: %{y:.1f}%<extra></extra>",
        }));
        const rest = years.map((y) => {
          const sum = shares.filter((s) => s.year === y).reduce((a, s) => a + s.share, 0);
          return Math.max(0, 100 - sum * 100);
        });
        if (rest.some((v) => v > 0.05)) {
          traces.push({
            type: "bar",
            name: t("item.others"),
            x: years,
            y: rest,
            marker: { color: "#d1d5db" },
            hovertemplate: t("item.others") + " %{x}: %{y:.1f}%<extra></extra>",
          });
        }
        plot(cSuppliers, traces, {
          barmode: "stack",
          height: 340,
          yaxis: { title: { text: t("common.share") + " (%)" }, range: [0, 100] },
          xaxis: { title: { text: t("common.year") } },
          legend: { orientation: "h", y: -0.25 },
        });
        const latest = shares.filter((s) => s.year === latestYear && /^[A-Z]{3}$/.test(s.supplier));
        plot(
          cMap,
          [
            {
              type: "choropleth",
              locationmode: "ISO-3",
              locations: latest.map((s) => s.supplier),
              text: latest.map((s) => s.supplier_name || s.supplier),
              z: latest.map((s) => s.share * 100),
              zmin: 0,
              colorscale: "YlOrRd",
              reversescale: true,
              colorbar: { title: { text: "%" }, thickness: 12 },
              hovertemplate: "%{text}: %{z:.1f}%<extra></extra>",
              marker: { line: { color: "#ffffff", width: 0.5 } },
            },
          ],
          {
            height: 340,
            margin: { l: 0, r: 0, t: 10, b: 0 },
            geo: {
              fitbounds: false,
              projection: { type: "natural earth" },
              showframe: false,
              showcoastlines: false,
              showcountries: true,
              countrycolor: "#9ca3af",
              showland: true,
              landcolor: "#f3f4f6",
              bgcolor: "rgba(0,0,0,0)",
            },
          },
        );
      }
      if (prod.length) {
        plot(
          cProduction,
          [
            {
              type: "scatter",
              mode: "lines+markers",
              x: prod.map((p) => p.year),
              y: prod.map((p) => p.hhi),
              customdata: prod.map((p) => [p.top_producer_name || p.top_producer || t("common.nodata"), isNull(p.top_share) ? null : p.top_share * 100]),
              hovertemplate: "%{x}: HHI %{y:.3f}<br>%{customdata[0]} %{customdata[1]:.1f}%<extra></extra>",
              line: { color: "#f97316" },
            },
          ],
          { height: 300, yaxis: { title: { text: "HHI" }, range: [0, 1] }, xaxis: { title: { text: t("common.year") }, dtick: 1 } },
        );
      }
    }
    draw();
    state.langHooks.push(draw);
    const chainBox = h("section", { class: "card", testid: "item-value-chain" }, h("h2", { i18n: "chain.title" }), loading(false));
    view.append(chainBox);
    try {
      const v = await api("GET", "/items/" + encodeURIComponent(id) + "/value-chain?importer=" + (importer === "BLOC" || importer === "KOR" || importer === "JPN" ? importer : "KOR") + asOfParam());
      if (!alive()) return;
      chainBox.replaceChildren(h("h2", { i18n: "chain.title" }), renderValueChain(v));
    } catch (err) {
      if (alive()) chainBox.replaceChildren(h("h2", { i18n: "chain.title" }), errorBox(err));
    }
  }

  /** The value chain downstream of a material: industries it touches, then each link with
   *  its source; downstream trade where the store has it, else the link alone, marked. */
  function renderValueChain(v) {
    if (!v.in_graph) return h("p", { class: "muted", testid: "chain-none" }, tx("chain.none"));
    const names = {};
    v.nodes.forEach((n) => {
      names[n.node_id] = n.names[state.lang] || n.names.en || n.node_id;
    });
    const industries = h(
      "p",
      { testid: "chain-industries" },
      h("strong", {}, tx("chain.industries")),
      ": ",
      v.industries.map((i) => names[i.node_id] + (i.countries.length ? " (" + i.countries.join("/") + ")" : "")).join("; ") || t("common.nodata"),
    );
    const rows = v.edges.map((e) => {
      const to = v.nodes.find((n) => n.node_id === e.to) || {};
      return h(
        "tr",
        { testid: "chain-edge", dataset: { from: e.from, to: e.to } },
        h("td", {}, names[e.from] || e.from),
        h("td", {}, names[e.to] || e.to),
        h("td", {}, e.relation),
        h(
          "td",
          { testid: "chain-trade" },
          to.trade
            ? fmtNum(to.trade.import_qty_t, 0) + " t, USD " + fmtNum(to.trade.import_value_kusd, 0) + "k (" + to.trade.ref_year + ", " + to.trade.source + ")"
            : h("span", { class: "muted" }, to.trade_note ? [noData(), " — " + to.trade_note] : ""),
        ),
        h("td", { class: "note" }, h("a", { href: e.source_url, target: "_blank", rel: "noopener noreferrer", text: e.source_kind }), " “" + e.quote + "”"),
      );
    });
    return h(
      "div",
      {},
      industries,
      table("chain-table", ["chain.from", "chain.to", "chain.relation", "chain.trade", "chain.source"], rows, "chain.none"),
      h("p", { class: "muted" }, tx("chain.version"), " " + v.graph_version),
    );
  }

  // ---- #/briefings -------------------------------------------------------------------------
  async function briefingsView(view, _r, alive) {
    const own = ownNationalImporter(state.me.org);
    const choices = alertScope(state.me.org);
    const imp = importerSelect("briefing-importer", own && choices.includes(own) ? own : choices[0], choices, () => {});
    const asOf = h("input", { type: "date", testid: "briefing-as-of", value: state.asOf || state.meta.today, max: state.meta.today });
    const err = h("div", { testid: "briefing-error" });
    const form = h(
      "form",
      {
        class: "card form-inline no-print",
        testid: "briefing-form",
        onsubmit: async (ev) => {
          ev.preventDefault();
          err.replaceChildren();
          try {
            await api("POST", "/briefings", { json: { importer: imp.value, as_of: asOf.value || null } });
            if (alive()) route();
          } catch (e) {
            err.replaceChildren(errorBox(e, "briefing-failed"));
          }
        },
      },
      labelled("common.importer", imp),
      labelled("briefing.as_of", asOf),
      h("button", { type: "submit", class: "btn btn-primary", testid: "briefing-submit", i18n: "briefing.make" }),
      err,
    );
    view.append(viewHead("briefing.title"), h("p", { class: "muted", i18n: "briefing.note" }));
    if (atLeast("analyst")) view.append(form);
    const page = await api("GET", "/briefings?limit=100");
    if (!alive()) return;
    const link = (b, lang, fmt) =>
      h("a", { href: API + "/briefings/" + b.id + "/file?lang=" + lang + "&format=" + fmt, testid: "briefing-" + fmt + "-" + lang, download: "" }, lang.toUpperCase() + " " + fmt.toUpperCase());
    const rows = page.items.map((b) =>
      h(
        "tr",
        { testid: "briefing-row", dataset: { briefingId: String(b.id), importer: b.importer_id } },
        h("td", { class: "date", text: b.as_of }),
        h("td", { text: b.since }),
        h("td", { text: t("importer." + b.importer_id) }),
        h("td", { class: "num", testid: "briefing-cards", text: String(b.counts.at_caution_or_above) }),
        h("td", { class: "num", text: String(b.counts.level_changes) }),
        h("td", { class: "num", text: String(b.counts.measures_new) }),
        h("td", { text: t("briefing_trigger." + b.trigger) + " · " + b.created_by }),
        h("td", {}, ["ko", "ja", "en"].map((l) => [link(b, l, "pdf"), " ", link(b, l, "html"), " "])),
      ),
    );
    view.append(
      table(
        "briefings-table",
        ["briefing.as_of", "briefing.since", "common.importer", "briefing.cards", "briefing.changes", "briefing.measures", "briefing.made", "briefing.download"],
        rows,
        "briefing.empty",
      ),
    );
  }

  // ---- #/watch ---------------------------------------------------------------------------
  async function refreshInbox() {
    try {
      const page = await api("GET", "/notifications?unread=true&limit=1");
      const c = document.querySelector('[data-testid="inbox-count"]');
      c.textContent = String(page.total);
      c.hidden = !page.total;
    } catch (_e) {
      /* the count is a convenience */
    }
  }

  async function watchView(view, _r, alive) {
    const kind = h("select", { testid: "watch-kind" }, ["item", "imposer", "supplier"].map((k) => h("option", { value: k, i18n: "watch_kind." + k })));
    const target = h("input", { testid: "watch-target", required: true, maxlength: "64" });
    const scope = h("select", { testid: "watch-scope" }, h("option", { value: "me", i18n: "watch_scope.me" }), atLeast("analyst") ? h("option", { value: "org", i18n: "watch_scope.org" }) : null);
    const err = h("div", { testid: "watch-error" });
    view.append(
      viewHead("watch.title"),
      h(
        "form",
        {
          class: "card form-inline no-print",
          testid: "watch-form",
          onsubmit: async (ev) => {
            ev.preventDefault();
            err.replaceChildren();
            try {
              await api("POST", "/watch", { json: { kind: kind.value, target: target.value.trim(), scope: scope.value } });
              if (alive()) route();
            } catch (e) {
              err.replaceChildren(errorBox(e, "watch-failed"));
            }
          },
        },
        labelled("watch.kind", kind),
        labelled("watch.target", target),
        labelled("watch.scope", scope),
        h("button", { type: "submit", class: "btn btn-primary", testid: "watch-submit", i18n: "watch.add" }),
        err,
      ),
    );
    const [list, inbox] = await Promise.all([api("GET", "/watch?limit=500"), api("GET", "/notifications?limit=200")]);
    if (!alive()) return;
    const targetText = (w) => (w.kind === "item" ? itemName(w.target) : w.target);
    view.append(
      h("h2", { i18n: "watch.list" }),
      table(
        "watch-table",
        ["watch.kind", "watch.target", "watch.scope", "watch.by", ""],
        list.items.map((w) =>
          h(
            "tr",
            { testid: "watch-row", dataset: { watchId: String(w.id), kind: w.kind, target: w.target } },
            h("td", {}, tx("watch_kind." + w.kind)),
            h("td", { text: targetText(w) }),
            h("td", {}, tx("watch_scope." + w.scope)),
            h("td", { text: w.created_by }),
            h(
              "td",
              {},
              w.scope === "me" || atLeast("analyst")
                ? h("button", {
                    type: "button",
                    class: "btn btn-quiet btn-small",
                    testid: "watch-delete",
                    i18n: "watch.delete",
                    onclick: async () => {
                      await api("DELETE", "/watch/" + w.id);
                      if (alive()) route();
                    },
                  })
                : null,
            ),
          ),
        ),
        "watch.empty",
      ),
      h("h2", { i18n: "inbox.title" }),
      table(
        "inbox-table",
        ["inbox.when", "inbox.what", "common.item", "common.importer", "inbox.why", ""],
        inbox.items.map((n) =>
          h(
            "tr",
            { testid: "inbox-row", class: n.read ? "read" : "unread", dataset: { notificationId: String(n.id), kind: n.kind } },
            h("td", {}, fmtTime(n.created_at)),
            h(
              "td",
              {},
              n.kind === "level_change"
                ? [levelBadge(n.payload.alert.previous_level), " → ", levelBadge(n.payload.alert.level)]
                : (n.payload.measure.legal_reference || n.measure_id) + " (" + (n.payload.measure.types || []).join(", ") + ")",
            ),
            h("td", {}, n.item_id ? itemLink(n.item_id, n.importer_id || defaultImporter()) : (n.payload.measure && n.payload.measure.materials ? n.payload.measure.materials.map(itemName).join(", ") : "")),
            h("td", { text: n.importer_id ? t("importer." + n.importer_id) : "" }),
            h("td", { text: n.watch_kinds.map((k) => t("watch_kind." + k)).join(", ") }),
            h(
              "td",
              {},
              n.read
                ? null
                : h("button", {
                    type: "button",
                    class: "btn btn-quiet btn-small",
                    testid: "inbox-read",
                    i18n: "inbox.mark_read",
                    onclick: async () => {
                      await api("POST", "/notifications/" + n.id + "/read");
                      refreshInbox();
                      if (alive()) route();
                    },
                  }),
            ),
          ),
        ),
        "inbox.empty",
      ),
    );
    refreshInbox();
  }

  // ---- #/alerts --------------------------------------------------------------------------
  async function alertsView(view, r, alive) {
    const scope = alertScope(state.me.org);
    const status = STATUSES.includes(r.params.get("status")) ? r.params.get("status") : "";
    const importer = scope.includes(r.params.get("importer")) ? r.params.get("importer") : "";
    const go = (st, imp) => {
      const q = new URLSearchParams();
      if (st) q.set("status", st);
      if (imp) q.set("importer", imp);
      location.hash = "#/alerts" + (q.toString() ? "?" + q : "");
    };
    const statusSel = h(
      "select",
      { testid: "alerts-status", onchange: (e) => go(e.target.value, importer) },
      h("option", { value: "", i18n: "common.all" }),
      STATUSES.map((s) => h("option", { value: s, i18n: "status." + s })),
    );
    statusSel.value = status;
    const impSel = importerSelect("alerts-importer", importer, scope, (v) => go(status, v), true);
    view.append(viewHead("alerts.title", labelled("common.status", statusSel), labelled("common.importer", impSel)));
    const wait = loading(false);
    view.append(wait);
    const q = new URLSearchParams({ limit: "100" });
    if (status) q.set("status", status);
    if (importer) q.set("importer", importer);
    if (state.asOf) q.set("as_of", state.asOf); // the board as it stood then (read-only)
    const page = await api("GET", "/alerts?" + q);
    if (!alive()) return;
    wait.remove();
    const rows = page.items.map(alertRow);
    view.append(
      h("p", { class: "muted" }, tx("alerts.total"), ": ", h("span", { testid: "alerts-total", text: String(page.total) })),
      table(
        "alerts-table",
        [
          "common.item",
          "common.importer",
          "common.level",
          "alerts.changed_on",
          "common.status",
          "alerts.occurrences",
          "alerts.acknowledged",
          "alerts.resolved",
          "alerts.actions",
        ],
        rows,
        "alerts.empty",
      ),
    );
  }

  function canAct(a) {
    // a past date shows the board as it was: nothing to act on there
    return !state.asOf && atLeast("analyst") && alertScope(state.me.org).includes(a.importer_id);
  }

  function whoWhen(by, at, comment) {
    if (!by) return h("span", { class: "muted", text: "—" });
    return h(
      "div",
      { class: "who" },
      h("span", { class: "by", text: by }),
      h("small", {}, " ", fmtTime(at)),
      comment ? h("div", { class: "comment", text: "“" + comment + "”" }) : null,
    );
  }

  function alertRow(a) {
    const tr = h("tr", {
      testid: "alert-row",
      dataset: { alertId: String(a.id), importer: a.importer_id, status: a.status },
    });
    const errCell = h("div", { class: "row-error", testid: "alert-error" });
    const actions = h("div", { class: "actions" });
    if (canAct(a) && a.status !== "resolved") {
      const comment = h("input", {
        type: "text",
        maxlength: "2000",
        testid: "alert-comment",
        "data-i18n-placeholder": "alerts.comment",
        placeholder: t("alerts.comment"),
      });
      const act = async (kind, button) => {
        errCell.replaceChildren();
        actions.querySelectorAll("button, input").forEach((b) => {
          b.disabled = true;
        });
        try {
          const updated = await api("POST", "/alerts/" + a.id + "/" + kind, {
            json: { comment: comment.value.trim() || null },
          });
          const next = tr.nextElementSibling;
          if (next && next.dataset.testid === "alert-detail-row") next.remove();
          tr.replaceWith(alertRow(updated));
        } catch (err) {
          errCell.append(errorBox(err));
          actions.querySelectorAll("button, input").forEach((b) => {
            b.disabled = false;
          });
          button.focus();
        }
      };
      actions.append(comment);
      if (a.status === "new") {
        const ack = h("button", { type: "button", class: "btn", testid: "alert-ack", i18n: "alerts.acknowledge" });
        ack.addEventListener("click", () => act("acknowledge", ack));
        actions.append(ack);
      }
      const res = h("button", { type: "button", class: "btn", testid: "alert-resolve", i18n: "alerts.resolve" });
      res.addEventListener("click", () => act("resolve", res));
      actions.append(res);
    }
    const detailBtn = h("button", { type: "button", class: "btn btn-quiet", testid: "alert-detail-btn", i18n: "alerts.details" });
    detailBtn.addEventListener("click", () => toggleAlertDetail(tr, a.id));
    actions.append(detailBtn);
    tr.append(
      h("td", { testid: "cell-item" }, itemLink(a.item_id, a.importer_id)),
      h("td", { testid: "cell-importer", text: a.importer_id }),
      h("td", { testid: "cell-level" }, levelBadge(a.level), " ", h("small", { class: "muted" }, "(", num(a.score, 1), ")")),
      h("td", { testid: "cell-changed", class: "date", text: a.changed_on }),
      h("td", { testid: "cell-status" }, h("span", { class: "status st-" + a.status, i18n: "status." + a.status })),
      h("td", { testid: "cell-occurrences", class: "num", text: String(a.occurrences) }),
      h("td", { testid: "cell-ack" }, whoWhen(a.acknowledged_by, a.acknowledged_at, a.acknowledge_comment)),
      h("td", { testid: "cell-resolved" }, whoWhen(a.resolved_by, a.resolved_at, a.resolve_comment)),
      h("td", { testid: "cell-actions" }, actions, errCell),
    );
    return tr;
  }

  async function toggleAlertDetail(tr, id) {
    const next = tr.nextElementSibling;
    if (next && next.dataset.testid === "alert-detail-row") {
      next.remove();
      return;
    }
    const cell = h("td", { colspan: tr.children.length, testid: "alert-detail" }, loading(false));
    tr.after(h("tr", { testid: "alert-detail-row", class: "detail-row" }, cell));
    try {
      const d = await api("GET", "/alerts/" + id);
      cell.replaceChildren(
        h(
          "div",
          { class: "grid" },
          h("section", {}, h("h3", { i18n: "item.evidence" }), h("div", { class: "evidence", testid: "alert-evidence" }, kv(d.evidence))),
          h(
            "section",
            {},
            h("h3", { i18n: "alerts.audit" }),
            table(
              "alert-audit",
              ["alerts.at", "alerts.actor", "alerts.action", "alerts.comment"],
              (d.audit || []).map((e) =>
                h(
                  "tr",
                  { testid: "audit-row" },
                  h("td", {}, fmtTime(e.at)),
                  h("td", { text: e.actor }),
                  h("td", { text: e.action }),
                  h("td", {}, e.detail && e.detail.comment ? e.detail.comment : ""),
                ),
              ),
              "common.nodata",
            ),
          ),
        ),
      );
    } catch (err) {
      cell.replaceChildren(errorBox(err));
    }
  }

  // ---- #/stocks --------------------------------------------------------------------------
  async function stocksView(view, r, alive) {
    const own = ownNationalImporter(state.me.org);
    const coverImp = nationalImporters().includes(r.params.get("importer")) ? r.params.get("importer") : own;
    view.append(viewHead("stocks.title"));

    const entriesBox = h("div", { testid: "stocks-entries" });
    const ownCoverBox = h("div", { testid: "cover-own" });
    const blocBox = h("div", { testid: "cover-bloc" });
    const targetsBox = h("div", { testid: "targets" });
    const card = (key, testid, ...kids) => h("section", { class: "card", testid }, h("h2", {}, tx(key)), kids);

    const coverSel = coverImp
      ? importerSelect("cover-importer", coverImp, nationalImporters(), (v) => {
          location.hash = "#/stocks?importer=" + v;
        })
      : null;

    const forms = atLeast("analyst")
      ? [stockForm(reloadAll), csvForm(reloadAll)]
      : [
          h(
            "section",
            { class: "card", testid: "card-stock-form" },
            h("h2", { i18n: "stocks.add" }),
            h("p", { class: "muted", testid: "stocks-read-only", i18n: "common.read_only" }),
          ),
        ];

    view.append(
      h(
        "div",
        { class: "grid" },
        h(
          "div",
          { class: "stack" },
          card("stocks.entries", "card-entries", entriesBox),
          card(
            "stocks.cover_own",
            "card-cover-own",
            coverSel ? h("div", { class: "filters" }, labelled("common.importer", coverSel)) : null,
            ownCoverBox,
          ),
          card("stocks.cover_bloc", "card-cover-bloc", blocBox),
        ),
        h("div", { class: "stack" }, forms, card("stocks.targets", "card-targets", targetsBox)),
      ),
    );

    async function fill(box, load, render, errTestid) {
      box.replaceChildren(loading(false));
      try {
        const data = await load();
        if (!alive()) return;
        box.replaceChildren(render(data));
      } catch (err) {
        if (!alive()) return;
        // never the data: on 403 only the message
        box.replaceChildren(errorBox(err, err.status === 403 ? errTestid : "error"));
      }
    }

    function reloadAll() {
      const jobs = [
        fill(entriesBox, () => api("GET", "/stocks?limit=500"), renderEntries, "stocks-denied"),
        fill(blocBox, () => api("GET", "/stocks/cover?importer=" + state.meta.bloc_id + asOfParam()), (rows) => renderCover(rows, true), "cover-bloc-denied"),
        fill(targetsBox, () => api("GET", "/stocks/targets"), renderTargets, "targets-denied"),
      ];
      if (coverImp) {
        const load = () => api("GET", "/stocks/cover?importer=" + coverImp + asOfParam());
        jobs.push(fill(ownCoverBox, load, (rows) => renderCover(rows, false), "cover-own-denied"));
      } else {
        ownCoverBox.replaceChildren(h("p", { class: "muted", testid: "cover-own-none", i18n: "stocks.cover_none" }));
      }
      return Promise.all(jobs);
    }
    await reloadAll();
  }

  function renderEntries(page) {
    return table(
      "stocks-table",
      ["common.item", "stocks.holder", "stocks.quantity", "stocks.as_of", "stocks.org", "stocks.entered_by", "stocks.note"],
      page.items.map((e) =>
        h(
          "tr",
          { testid: "stock-row", dataset: { stockId: String(e.id), itemId: e.item_id } },
          h("td", {}, itemText(e.item_id)),
          h("td", {}, tx("holder." + e.holder)),
          h("td", { class: "num", testid: "stock-quantity" }, num(e.quantity_t, 1)),
          h("td", { class: "date", text: e.as_of_date }),
          h("td", { text: e.org }),
          h("td", {}, e.entered_by, " ", h("small", { class: "muted", text: "(" + e.source + ")" })),
          h("td", {}, e.note || ""),
        ),
      ),
      "stocks.empty",
    );
  }

  function renderCover(rows, bloc) {
    const head = ["common.item", "stocks.cover_days", "stocks.target_days", "stocks.gap_days", "stocks.consumption_basis"];
    head.push(bloc ? "stocks.contributing" : "stocks.by_holder");
    head.push("common.status");
    return table(
      bloc ? "cover-bloc-table" : "cover-own-table",
      head,
      rows.map((c) =>
        h(
          "tr",
          { testid: bloc ? "cover-bloc-row" : "cover-own-row", dataset: { itemId: c.item_id } },
          h("td", {}, itemText(c.item_id)),
          h("td", { class: "num", testid: "cover-days" }, num(c.cover_days, 1)),
          h("td", { class: "num", testid: "cover-target" }, num(c.target_days, 0)),
          h("td", { class: "num", testid: "cover-gap" }, num(c.gap_days, 1)),
          h("td", {}, c.consumption_basis || noData()),
          bloc
            ? h("td", { testid: "cover-orgs" }, c.contributing_orgs && c.contributing_orgs.length ? c.contributing_orgs.join(", ") : noData())
            : h(
                "td",
                { testid: "cover-by-holder" },
                c.by_holder_t
                  ? Object.entries(c.by_holder_t).map(([k, v]) => h("div", {}, tx("holder." + k), ": ", num(v, 1)))
                  : noData(),
              ),
          h("td", { testid: "cover-status", text: c.status }),
        ),
      ),
      "stocks.cover_empty",
    );
  }

  function renderTargets(rows) {
    return table(
      "targets-table",
      ["stocks.org", "common.item", "stocks.target_days", "stocks.basis"],
      rows.map((x) =>
        h(
          "tr",
          { testid: "target-row" },
          h("td", { text: x.org }),
          h("td", {}, x.item_id === "*" ? "*" : itemText(x.item_id)),
          h("td", { class: "num" }, num(x.target_days, 0)),
          h("td", { text: x.basis }),
        ),
      ),
      "stocks.targets_empty",
    );
  }

  // Today by the service's clock: the browser's may be another day (or another time zone).
  function today() {
    return state.meta.today;
  }

  function fieldWrap(field, key, control) {
    return h(
      "label",
      { class: "field" },
      tx(key),
      control,
      h("span", { class: "field-error", testid: "stock-error-" + field, hidden: true }),
    );
  }

  /** Before a submit: hide every field's message and mark, and the form's general errors. */
  function clearFieldErrors(form, general) {
    form.querySelectorAll(".field-error").forEach((el) => {
      el.hidden = true;
      el.textContent = "";
    });
    form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    general.replaceChildren();
  }

  /** A failed submit: each 422 message under its field (the input named like the last of
      `fields` in its loc; its slot's testid is `prefix` + field), anything else in `general`. */
  function showSubmitError(form, general, err, fields, prefix) {
    if (!(err.status === 422 && Array.isArray(err.detail))) {
      general.append(errorBox(err));
      return;
    }
    for (const e of fieldErrors(err.detail)) {
      const field = [...e.loc].reverse().find((p) => fields.includes(p));
      const slot = field ? form.querySelector('[data-testid="' + prefix + field + '"]') : null;
      if (slot) {
        slot.textContent = (slot.textContent ? slot.textContent + "; " : "") + e.msg;
        slot.hidden = false;
        const input = form.querySelector('[name="' + field + '"]');
        if (input) input.classList.add("invalid");
      } else {
        general.append(h("div", { text: locText(e.loc) + ": " + e.msg }));
      }
    }
  }

  function stockForm(onSaved) {
    const items = [...state.items.values()].sort((a, b) => a.material_id.localeCompare(b.material_id));
    const itemSel = h(
      "select",
      { name: "item_id", testid: "stock-item" },
      items.map((i) => h("option", { value: i.material_id, dataset: { itemName: i.material_id }, text: itemName(i.material_id) })),
    );
    const holderSel = h(
      "select",
      { name: "holder", testid: "stock-holder" },
      HOLDERS.map((x) => h("option", { value: x, i18n: "holder." + x })),
    );
    const qty = h("input", { name: "quantity_t", type: "number", step: "any", testid: "stock-quantity-input" });
    const date = h("input", { name: "as_of_date", type: "date", testid: "stock-date", value: today() });
    const note = h("input", { name: "note", type: "text", maxlength: "2000", testid: "stock-note" });
    const general = h("div", { testid: "stock-form-errors", class: "form-errors" });
    const ok = h("p", { testid: "stock-form-ok", class: "ok", hidden: true });
    const submit = h("button", { type: "submit", class: "btn btn-primary", testid: "stock-submit", i18n: "stocks.save" });
    const form = h(
      "form",
      { testid: "stock-form", novalidate: true, class: "form" },
      fieldWrap("item_id", "common.item", itemSel),
      fieldWrap("holder", "stocks.holder", holderSel),
      fieldWrap("quantity_t", "stocks.quantity", qty),
      fieldWrap("as_of_date", "stocks.as_of", date),
      fieldWrap("note", "stocks.note", note),
      h("div", { class: "form-actions" }, submit),
      general,
      ok,
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearFieldErrors(form, general);
      ok.hidden = true;
      const q = qty.value.trim();
      const entry = {
        item_id: itemSel.value,
        holder: holderSel.value,
        // the API validates; an empty or odd value goes as typed so its message shows
        quantity_t: q === "" ? null : isNaN(Number(q)) ? q : Number(q),
        as_of_date: date.value || null,
      };
      if (note.value.trim()) entry.note = note.value.trim();
      submit.disabled = true;
      try {
        const out = await api("POST", "/stocks", { json: { entries: [entry] } });
        ok.replaceChildren(tx("stocks.saved"), " (id " + out.ids.join(", ") + ")");
        ok.hidden = false;
        qty.value = "";
        note.value = "";
        await onSaved();
      } catch (err) {
        showSubmitError(form, general, err, STOCK_FIELDS, "stock-error-");
      } finally {
        submit.disabled = false;
      }
    });
    return h("section", { class: "card", testid: "card-stock-form" }, h("h2", { i18n: "stocks.add" }), form);
  }

  function csvForm(onSaved) {
    const file = h("input", { type: "file", accept: ".csv,text/csv", name: "file", testid: "stock-csv" });
    const errors = h("div", { testid: "stock-upload-errors", class: "form-errors" });
    const ok = h("p", { testid: "stock-upload-ok", class: "ok", hidden: true });
    const submit = h("button", { type: "submit", class: "btn", testid: "stock-upload", i18n: "stocks.upload_button" });
    const form = h(
      "form",
      { testid: "stock-upload-form", class: "form" },
      h("p", { class: "muted", i18n: "stocks.upload_help" }),
      file,
      h("div", { class: "form-actions" }, submit),
      errors,
      ok,
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      errors.replaceChildren();
      ok.hidden = true;
      if (!file.files.length) {
        errors.append(tx("stocks.choose_file"));
        return;
      }
      const fd = new FormData();
      fd.append("file", file.files[0], file.files[0].name);
      submit.disabled = true;
      try {
        const out = await api("POST", "/stocks/upload", { form: fd });
        ok.replaceChildren(tx("stocks.uploaded"), " " + String(out.ids.length));
        ok.hidden = false;
        file.value = "";
        await onSaved();
      } catch (err) {
        if (err.status === 422 && Array.isArray(err.detail)) {
          errors.append(
            h(
              "ul",
              {},
              fieldErrors(err.detail).map((e) => h("li", { testid: "upload-error", text: locText(e.loc) + ": " + e.msg })),
            ),
          );
        } else {
          errors.append(errorBox(err));
        }
      } finally {
        submit.disabled = false;
      }
    });
    return h("section", { class: "card", testid: "card-stock-upload" }, h("h2", { i18n: "stocks.upload" }), form);
  }

  // ---- #/plan[/<id>] ---------------------------------------------------------------------
  const PLAN_FIELDS = ["budget_krw", "budget_jpy", "krw_per_usd", "jpy_per_usd", "materials", "as_of", "paths", "label"];
  const SLOTS = ["KR", "JP", "POOL"];

  async function planView(view, r, alive) {
    view.append(viewHead("plan.title"));
    const resultBox = h("div", { testid: "plan-result" });
    const listBox = h("div", { testid: "plan-list" });
    const form = atLeast("analyst")
      ? planForm(async (plan) => {
          history.replaceState(null, "", "#/plan/" + plan.id);
          showPlan(plan);
          await loadList();
        })
      : h(
          "section",
          { class: "card", testid: "card-plan-form" },
          h("h2", { i18n: "plan.run" }),
          h("p", { class: "muted", testid: "plan-read-only", i18n: "common.read_only" }),
        );
    view.append(
      h(
        "div",
        { class: "grid" },
        h("div", { class: "stack" }, form),
        h("div", { class: "stack" }, h("section", { class: "card", testid: "card-plans" }, h("h2", { i18n: "plan.list" }), listBox)),
      ),
      h("section", { class: "card", testid: "card-plan-result" }, h("h2", { i18n: "plan.result" }), resultBox),
    );
    resultBox.append(h("p", { class: "muted", i18n: "plan.none_open" }));
    let shown = null;
    state.langHooks.push(() => shown && showPlan(shown)); // texts built with t() and the chart

    function showPlan(plan) {
      shown = plan;
      purgeCharts();
      resultBox.replaceChildren(renderPlan(plan));
      const chart = resultBox.querySelector('[data-testid="plan-chart"]');
      if (chart) drawPlanChart(chart, plan.result);
    }

    async function loadList() {
      listBox.replaceChildren(loading(false));
      try {
        const page = await api("GET", "/plans?limit=50");
        if (!alive()) return;
        listBox.replaceChildren(renderPlanList(page));
      } catch (err) {
        if (alive()) listBox.replaceChildren(errorBox(err));
      }
    }

    const jobs = [loadList()];
    if (r.arg) {
      resultBox.replaceChildren(loading(false));
      jobs.push(
        api("GET", "/plans/" + encodeURIComponent(r.arg))
          .then((plan) => alive() && showPlan(plan))
          .catch((err) => alive() && resultBox.replaceChildren(errorBox(err, err.status === 404 ? "plan-not-found" : "error"))),
      );
    }
    await Promise.all(jobs);
  }

  function renderPlanList(page) {
    return table(
      "plans-table",
      ["plan.id", "plan.label", "plan.as_of", "plan.materials", "plan.objective", "plan.rule_objective", "plan.created_by", "plan.created_at"],
      page.items.map((p) =>
        h(
          "tr",
          { testid: "plan-row", dataset: { planId: String(p.id) } },
          h("td", {}, h("a", { href: "#/plan/" + p.id, testid: "plan-link", text: "#" + p.id })),
          h("td", {}, p.label || ""),
          h("td", { class: "date", text: p.as_of }),
          h("td", { class: "num", text: String(p.materials) }),
          h("td", { class: "num" }, num(p.objective_usd, 0)),
          h("td", { class: "num" }, num(p.agency_rule_objective_usd, 0)),
          h("td", { text: p.created_by }),
          h("td", { class: "date" }, fmtTime(p.created_at)),
        ),
      ),
      "plan.empty",
    );
  }

  function slots(obj, digits) {
    return SLOTS.map((k) => h("td", { class: "num", testid: "plan-" + k.toLowerCase() }, num(obj[k], digits)));
  }

  function renderPlan(plan) {
    const res = plan.result;
    const usd = (v) => "USD " + fmtNum(v, 0);
    const summary = h(
      "dl",
      { class: "kv", testid: "plan-summary" },
      h("dt", { i18n: "plan.as_of" }),
      h("dd", { text: res.as_of + " · " + t("plan.assumptions") + " " + res.assumptions_version }),
      h("dt", { i18n: "plan.budget" }),
      h("dd", {}, "KRW " + fmtNum(res.budget.KRW, 0) + " + JPY " + fmtNum(res.budget.JPY, 0) + " = " + usd(res.budget.KR_usd + res.budget.JP_usd)),
      h("dt", { i18n: "plan.objective" }),
      h("dd", { testid: "plan-objective" }, usd(res.plan.objective_usd)),
      h("dt", { i18n: "plan.rule_objective" }),
      h("dd", { testid: "plan-rule-objective" }, usd(res.baselines.agency_rule.objective_usd)),
      h("dt", { i18n: "plan.uniform_objective" }),
      h(
        "dd",
        { testid: "plan-uniform-objective" },
        usd(res.baselines.uniform_days.objective_usd) + " (KR " + fmtNum(res.baselines.uniform_days.days.KR, 1) + " · JP " + fmtNum(res.baselines.uniform_days.days.JP, 1) + " " + t("plan.days_word") + ")",
      ),
      h("dt", { i18n: "plan.rules" }),
      h(
        "dd",
        { testid: "plan-rules" },
        res.baselines.agency_rule.rules.map((r) => r.agency + " (" + r.side + "): " + (r.applied ? fmtNum(r.target_days, 0) + " " + t("plan.days_word") : r.note) + " — " + r.order_basis).join(" · "),
      ),
      h("dt", { i18n: "plan.mc" }),
      h(
        "dd",
        { testid: "plan-mc" },
        usd(res.monte_carlo.expected_unserved_usd.plan) + " vs " + usd(res.monte_carlo.expected_unserved_usd.agency_rule) + " / " + usd(res.monte_carlo.expected_unserved_usd.uniform_days) + " (" + fmtNum(res.monte_carlo.paths, 0) + " " + t("plan.paths_word") + ")",
      ),
      h("dt", { i18n: "plan.marginal" }),
      h("dd", { testid: "plan-marginal" }, "KR " + fmtNum(res.marginal_value_per_usd_of_budget.KR, 2) + " · JP " + fmtNum(res.marginal_value_per_usd_of_budget.JP, 2)),
      h("dt", { i18n: "plan.inputs" }),
      h("dd", { testid: "plan-not-read" }, res.inputs_used.not_read),
    );
    const rows = res.materials.map((m) =>
      h(
        "tr",
        { testid: "plan-material", dataset: { itemId: m.material_id } },
        h("td", {}, unitText(m)),
        h("td", {}, levelBadge(m.level.KOR, "plan-level-kor"), " ", levelBadge(m.level.JPN, "plan-level-jpn")),
        slots(m.existing_t, 1),
        slots(m.target_t, 1),
        slots(m.days_of_cover, 1),
        h("td", { class: "num" }, num(m.baselines_t.agency_rule.KR + m.baselines_t.agency_rule.JP + m.baselines_t.agency_rule.POOL, 1)),
        h("td", { class: "num", testid: "plan-shortfall" }, pct(m.monte_carlo.plan.KR.shortfall_probability), " / ", pct(m.monte_carlo.plan.JP.shortfall_probability)),
        h("td", { class: "num" }, pct(m.monte_carlo.agency_rule.KR.shortfall_probability), " / ", pct(m.monte_carlo.agency_rule.JP.shortfall_probability)),
        h("td", { testid: "plan-guard" }, m.guard.at_limit ? t("plan.at_guard") + ": " + m.guard.basis.join("; ") : ""),
      ),
    );
    // Every material asked and not planned is a row of the same table, with the reason.
    res.skipped.forEach((s) =>
      rows.push(
        h(
          "tr",
          { testid: "plan-skipped-row", dataset: { itemId: s.material_id } },
          h("td", {}, itemText(s.material_id)),
          h("td", { colspan: "13" }, noData(), " — " + s.reason + (s.lists.length ? " (" + s.lists.join(", ") + ")" : "")),
        ),
      ),
    );
    const head = [
      "common.item",
      "plan.level",
      { text: t("plan.held") + " KR" },
      { text: "JP" },
      { text: t("plan.pool") },
      { text: t("plan.target") + " KR" },
      { text: "JP" },
      { text: t("plan.pool") },
      { text: t("plan.days") + " KR" },
      { text: "JP" },
      { text: t("plan.pool") },
      "plan.rule_t",
      "plan.shortfall",
      "plan.rule_shortfall",
      "plan.guard",
    ];
    const skipped = res.skipped;
    return h(
      "div",
      { class: "stack" },
      summary,
      h("p", { class: "muted", testid: "plan-note", i18n: "plan.note" }),
      table("plan-table", head, rows, "plan.empty_result"),
      h("div", { class: "chart", testid: "plan-chart" }),
      skipped.length
        ? h(
            "details",
            { testid: "plan-skipped" },
            h("summary", {}, tx("plan.skipped"), " (" + skipped.length + ")"),
            h("ul", {}, skipped.map((s) => h("li", {}, itemText(s.material_id), ": ", noData(), " — " + s.reason))),
          )
        : null,
    );
  }

  function drawPlanChart(el, res) {
    const ids = res.materials.map((m) => itemName(m.material_id));
    const names = { KR: t("importer.KOR"), JP: t("importer.JPN"), POOL: t("plan.pool") };
    const data = SLOTS.map((k) => ({
      type: "bar",
      name: names[k],
      x: ids,
      y: res.materials.map((m) => m.target_t[k] * m.unit_value_usd_per_t / 1e6),
    }));
    plot(el, data, { barmode: "stack", height: 320, yaxis: { title: t("plan.chart_y") }, margin: { t: 20 } });
  }

  function planForm(onDone) {
    const input = (name, attrs) => h("input", { name, testid: "plan-" + name.replace(/_/g, "-"), ...attrs });
    const fields = {
      budget_krw: input("budget_krw", { type: "number", step: "any", placeholder: "50000000000" }),
      budget_jpy: input("budget_jpy", { type: "number", step: "any", placeholder: "5000000000" }),
      krw_per_usd: input("krw_per_usd", { type: "number", step: "any", placeholder: "1400" }),
      jpy_per_usd: input("jpy_per_usd", { type: "number", step: "any", placeholder: "150" }),
      materials: input("materials", { type: "text", placeholder: "natural_graphite, gallium, germanium" }),
      as_of: input("as_of", { type: "date", value: state.asOf || today() }), // the date shown
      paths: input("paths", { type: "number", step: "1", value: "20000" }),
      label: input("label", { type: "text", maxlength: "200" }),
    };
    const wrap = (f) =>
      h("label", { class: "field" }, tx("plan.f." + f), fields[f], h("span", { class: "field-error", testid: "plan-error-" + f, hidden: true }));
    const general = h("div", { testid: "plan-form-errors", class: "form-errors" });
    const submit = h("button", { type: "submit", class: "btn btn-primary", testid: "plan-submit", i18n: "plan.submit" });
    const busy = h("div", { hidden: true, testid: "plan-busy" }, loading(true));
    const form = h(
      "form",
      { testid: "plan-form", novalidate: true, class: "form" },
      h("p", { class: "muted", i18n: "plan.help" }),
      PLAN_FIELDS.map(wrap),
      h("div", { class: "form-actions" }, submit),
      busy,
      general,
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearFieldErrors(form, general);
      const body = {};
      for (const f of ["budget_krw", "budget_jpy", "krw_per_usd", "jpy_per_usd", "paths"]) {
        const v = fields[f].value.trim();
        // the API validates; an empty or odd value goes as typed so its message shows
        body[f] = v === "" ? null : isNaN(Number(v)) ? v : Number(v);
      }
      const mats = fields.materials.value.split(/[\s,]+/).filter(Boolean);
      if (mats.length) body.materials = mats;
      if (fields.as_of.value) body.as_of = fields.as_of.value;
      if (fields.label.value.trim()) body.label = fields.label.value.trim();
      submit.disabled = true;
      busy.hidden = false;
      try {
        await onDone(await api("POST", "/plans", { json: body }));
      } catch (err) {
        showSubmitError(form, general, err, PLAN_FIELDS, "plan-error-");
      } finally {
        submit.disabled = false;
        busy.hidden = true;
      }
    });
    return h("section", { class: "card", testid: "card-plan-form" }, h("h2", { i18n: "plan.run" }), form);
  }

  // ---- #/backtest ------------------------------------------------------------------------
  async function backtestView(view, _r, alive) {
    view.append(viewHead("backtest.title"));
    const wait = loading(false);
    view.append(wait);
    const d = await api("GET", "/backtest");
    if (!alive()) return;
    wait.remove();
    const s = d.summary || {};
    const stat = (key, testid, content) =>
      h("div", { class: "stat" }, h("div", { class: "stat-label", i18n: key }), h("div", { class: "stat-value", testid }, content));
    const auc = s.auc_mean_by_offset || {};
    const offsets = Object.keys(auc).sort((a, b) => Number(b) - Number(a));
    view.append(
      h(
        "section",
        { class: "card", testid: "bt-summary" },
        h("h2", { i18n: "backtest.summary" }),
        h(
          "div",
          { class: "stats" },
          stat("backtest.ladder", "bt-ladder", s.ladder_version || noData()),
          stat("backtest.pairs", "bt-pairs", num(s.affected_item_importer_pairs_with_data, 0)),
          stat("backtest.warned", "bt-warned", num(s.warned_at_t0, 0)),
          stat("backtest.lead_median", "bt-lead-median", num(s.lead_time_days_median, 0)),
          stat("backtest.false_rate", "bt-false-rate", num(s.false_escalations_per_item_year, 4)),
        ),
        h("h3", { i18n: "backtest.auc" }),
        table(
          "bt-auc-table",
          ["backtest.offset", { text: "AUC" }],
          offsets.map((o) => h("tr", { testid: "bt-auc-row", dataset: { offset: o } }, h("td", { class: "num", text: o }), h("td", { class: "num", testid: "bt-auc" }, num(auc[o], 3)))),
        ),
      ),
    );

    const events = d.events || [];
    view.append(h("h2", { i18n: "backtest.events" }));
    const grid = h("div", { class: "grid events" });
    for (const e of events) {
      grid.append(eventCard(e));
    }
    view.append(grid);
  }

  /** One event x importer: a matrix of the affected items' rank (score, level) per offset. */
  function eventCard(e) {
    const offs = Object.keys(e.offsets || {}).sort((a, b) => Number(b) - Number(a));
    const items = [];
    for (const o of offs) {
      for (const a of e.offsets[o].affected || []) if (!items.includes(a.item)) items.push(a.item);
    }
    const at = (o, item) => (e.offsets[o].affected || []).find((a) => a.item === item);
    items.sort((x, y) => {
      const rx = at(offs[offs.length - 1], x);
      const ry = at(offs[offs.length - 1], y);
      return (rx ? rx.rank : 1e9) - (ry ? ry.rank : 1e9);
    });
    const lead = (key, testid, cells) =>
      h("tr", { class: "lead-row", testid }, h("th", { scope: "row", i18n: key }), cells);
    const rows = [
      lead(
        "backtest.items_scored",
        "bt-items-scored-row",
        offs.map((o) => h("td", { class: "num", dataset: { offset: o } }, num(e.offsets[o].items_scored, 0))),
      ),
      h(
        "tr",
        { class: "lead-row", testid: "bt-event-auc-row" },
        h("th", { scope: "row", text: "AUC" }),
        offs.map((o) => h("td", { class: "num", testid: "bt-event-auc", dataset: { offset: o } }, num(e.offsets[o].auc, 3))),
      ),
      items.map((item) =>
        h(
          "tr",
          { testid: "bt-affected-row", dataset: { itemId: item } },
          h("td", {}, itemText(item)),
          offs.map((o) => {
            const a = at(o, item);
            if (!a) return h("td", { class: "num" }, noData());
            const lvl = levelFromCode(a.level);
            return h(
              "td",
              { class: "num" },
              h("span", { class: "rank", text: "#" + a.rank }),
              " ",
              h("small", { class: "muted" }, num(a.score, 1)),
              " ",
              lvl === null ? h("span", { class: "muted", text: "–" }) : levelBadge(lvl),
            );
          }),
        ),
      ),
    ];
    const without = [];
    for (const o of offs) {
      for (const i of e.offsets[o].affected_without_data || []) if (!without.includes(i)) without.push(i);
    }
    return h(
      "section",
      { class: "card", testid: "bt-event", dataset: { eventId: e.event_id, importer: e.importer } },
      h("h3", {}, h("span", { text: e.event_id }), " · ", h("span", { class: "iso", text: e.importer })),
      h(
        "p",
        { class: "muted" },
        tx("backtest.t0"),
        ": " + e.t0 + " · ",
        tx("backtest.measure"),
        ": " + e.measure + " · ",
        tx("backtest.kind"),
        ": " + e.kind,
      ),
      offs.length
        ? table(
            "bt-event-table",
            ["backtest.affected", ...offs.map((o) => ({ text: "T−" + o }))],
            rows.flat(),
          )
        : h("p", { class: "nodata", testid: "bt-not-scored", i18n: "backtest.not_scored" }),
      without.length
        ? h("p", { class: "muted", testid: "bt-without-data" }, tx("backtest.without_data"), ": ", without.map((i) => h("span", { class: "chip" }, itemText(i))))
        : null,
    );
  }

  // ---- boot ------------------------------------------------------------------------------
  async function boot() {
    setLang(state.lang);
    document.getElementById("lang").addEventListener("change", (e) => setLang(e.target.value));
    document.querySelector('[data-testid="login-form"]').addEventListener("submit", onLogin);
    document.querySelector('[data-testid="logout"]').addEventListener("click", onLogout);
    document.getElementById("as-of").addEventListener("change", (e) => setAsOf(e.target.value));
    document.querySelector('[data-testid="as-of-clear"]').addEventListener("click", () => setAsOf(""));
    document.querySelector('[data-testid="print"]').addEventListener("click", () => window.print());
    window.addEventListener("hashchange", route);
    try {
      const me = await api("GET", "/auth/me");
      await signedIn(me);
    } catch (_e) {
      signedOut(false);
    }
  }

  boot();
})();
