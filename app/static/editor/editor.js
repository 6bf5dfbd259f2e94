/* Youlu office map editor: draw and reshape a compound, its gates (snapped to the
   boundary), buildings, unit doors, internal paths and facilities. Every change goes to
   the JSON API with the session cookie and the CSRF token; the server validates, checks
   scope and versions, and writes the audit log. User text is always set as text. */
(function () {
  "use strict";
  const F = window.YouluEditorFields;
  const cfg = JSON.parse(document.getElementById("editor-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const SYMBOLS = cfg.symbols;  // data/maps/symbols.json, shared by every map
  const STYLE = {
    communities: {color: "#0a7d4f", weight: 3, fillOpacity: 0.06},
    buildings: {color: "#4a4a4a", weight: 2, fillColor: "#9aa4ad", fillOpacity: 0.35},
    paths: {color: "#b8860b", weight: 4, dashArray: "6 4"}
  };

  const map = L.map("map", {zoomSnap: 0.25});
  cfg.tiles.forEach((t) => L.tileLayer(t.url, {attribution: t.attribution,
    subdomains: t.subdomains || "abc", maxZoom: t.max_zoom || 19}).addTo(map));
  map.attributionControl.setPrefix("Leaflet");  // no flag: Leaflet 1.9 prefixes one by default
  map.attributionControl.addAttribution("© OpenStreetMap contributors");
  cfg.streets.forEach((s) => L.polyline(s.coords.map(([lon, lat]) => [lat, lon]),
    {color: "#c9c3b6", weight: s.rank === "major" ? 7 : 4, interactive: false, pmIgnore: true})
    .addTo(map));
  const [west, south, east, north] = cfg.bounds;
  map.fitBounds([[south, west], [north, east]], {padding: [30, 30]});
  map.pm.setLang("zh");
  // Building names move aside from gate, unit and facility pins rather than cover them.
  const declutter = window.YouluDeclutter(map, {
    fixed: [".yl-pin"], labels: [{selector: ".yl-building", move: true, keep: true}]});

  const state = {features: new Map(), compound: null, tool: null, selected: null, pending: null};
  const keyOf = (resource, id) => `${resource}:${id}`;
  // Gate sources the importer guessed; saving such a gate confirms it (source becomes office).
  const GUESSED = ["inferred", "proposed"];

  // --- talking to the API ---------------------------------------------------------------
  async function api(method, path, body) {
    const response = await fetch(cfg.api + path, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrf},
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const data = response.status === 204 ? null : await response.json();
    if (!response.ok) {
      const error = new Error(data && data.message ? data.message : response.statusText);
      error.status = response.status;
      error.body = data;
      throw error;
    }
    return data;
  }

  // --- messages ---------------------------------------------------------------------------
  function showMessage(text, kind, actions) {
    const box = $("message");
    box.hidden = false;
    box.className = kind === "ok" ? "ok" : "";
    box.replaceChildren(document.createTextNode(text));
    (actions || []).forEach((action) => {
      const button = document.createElement("button");
      button.type = "button";
      button.id = action.id;
      button.textContent = action.label;
      button.addEventListener("click", action.onClick);
      box.append(" ", button);
    });
  }
  function clearMessage() { $("message").hidden = true; }
  function hint(text) { $("hint").textContent = text || ""; }

  // --- drawing features ------------------------------------------------------------------
  function label(resource, props) {
    if (resource === "gates") return props.name || (props.number ? `${props.number}号门` : "出入口");
    if (resource === "buildings") return props.number ? `${props.number}号楼` : (props.name || "楼栋");
    if (resource === "units") return props.number ? `${props.number}单元` : (props.name || "单元门");
    if (resource === "facilities") return props.name || F.fields.facilities[0][3]
      .find(([value]) => value === props.kind)?.[1] || "设施";
    return props.name || F.names[resource];
  }

  function pinIcon(resource, props) {
    const pin = document.createElement("div");
    pin.className = `yl-pin ${resource} ${props.rider_access || ""}`;
    const facility = resource === "facilities" ? SYMBOLS.facilities[props.kind] : null;
    pin.textContent = resource === "facilities" ? (facility ? facility.glyph : "设")
      : (props.number || (resource === "gates" ? "门" : "单")).slice(0, 3);
    if (facility) pin.style.background = facility.colour;
    if (resource === "gates") {
      const state = SYMBOLS.gates[props.rider_access === "pass" ? "pass" : props.rider_access === "closed" ? "closed" : "open"];
      if (state) pin.style.background = state.colour;
    }
    return L.divIcon({className: "", html: pin, iconSize: [28, 28], iconAnchor: [14, 14]});
  }

  function makeLayer(resource, feature) {
    if (F.shapes[resource] === "Marker") {
      const [lon, lat] = feature.geometry.coordinates;
      return L.marker([lat, lon], {icon: pinIcon(resource, feature.properties),
                                   title: label(resource, feature.properties)});
    }
    const layer = L.geoJSON(feature.geometry, {style: STYLE[resource]}).getLayers()[0];
    if (resource === "buildings") {
      const text = document.createElement("span");
      text.textContent = label(resource, feature.properties);
      layer.bindTooltip(text, {permanent: true, direction: "center", className: "yl-building"});
    }
    return layer;
  }

  function attach(entry) {
    entry.layer = makeLayer(entry.resource, entry.feature);
    entry.layer.on("click", (event) => {
      if (state.tool) return;  // a click while drawing belongs to the drawing tool
      L.DomEvent.stopPropagation(event);
      select(entry);
    });
    entry.layer.addTo(map);
    if (entry.resource === "communities") entry.layer.bringToBack();
  }

  function addFeature(resource, feature) {
    const entry = {resource, feature, layer: null};
    attach(entry);
    if (feature.id != null) state.features.set(keyOf(resource, feature.id), entry);
    if (resource === "communities" && feature.id === cfg.community) state.compound = entry;
    return entry;
  }

  function replaceFeature(entry, feature) {
    const selected = state.selected === entry;
    if (selected) disableGeometryEdit(entry);
    map.removeLayer(entry.layer);
    entry.feature = feature;
    attach(entry);
    state.features.set(keyOf(entry.resource, feature.id), entry);
    if (selected) enableGeometryEdit(entry);
  }

  function removeFeature(entry) {
    map.removeLayer(entry.layer);
    if (entry.feature.id != null) state.features.delete(keyOf(entry.resource, entry.feature.id));
  }

  // --- geometry helpers (projected metres, EPSG:3857) ----------------------------------------
  function rings(latlngs) {
    if (!latlngs.length) return [];
    return latlngs[0] instanceof L.LatLng ? [latlngs] : latlngs.flatMap(rings);
  }

  function nearestOnRings(lon, lat, ringList) {
    const crs = L.CRS.EPSG3857;
    const point = crs.project(L.latLng(lat, lon));
    let best = null;
    let bestDistance = Infinity;
    ringList.forEach((ring) => {
      for (let i = 0; i < ring.length; i += 1) {
        const a = crs.project(ring[i]);
        const b = crs.project(ring[(i + 1) % ring.length]);
        const q = L.LineUtil.closestPointOnSegment(point, a, b);
        const distance = point.distanceTo(q);
        if (distance < bestDistance) { bestDistance = distance; best = q; }
      }
    });
    const snapped = crs.unproject(best);
    return {lon: snapped.lng, lat: snapped.lat, distance: bestDistance};
  }

  function snapToBoundary(lon, lat) {
    const found = nearestOnRings(lon, lat, rings(state.compound.layer.getLatLngs()));
    return [found.lon, found.lat];
  }

  function nearestBuilding(lon, lat) {
    let best = null;
    state.features.forEach((entry) => {
      if (entry.resource !== "buildings") return;
      const found = nearestOnRings(lon, lat, rings(entry.layer.getLatLngs()));
      if (!best || found.distance < best.distance) best = {id: entry.feature.id, distance: found.distance};
    });
    return best ? best.id : null;
  }

  function currentGeometry(entry) {
    if (F.shapes[entry.resource] === "Marker") {
      const at = entry.layer.getLatLng();
      return {type: "Point", coordinates: [at.lng, at.lat]};
    }
    return entry.layer.toGeoJSON(false).geometry;
  }

  // --- selecting and editing ------------------------------------------------------------------
  function enableGeometryEdit(entry) {
    if (entry.layer instanceof L.Marker) {
      entry.layer.dragging.enable();
      if (entry.resource === "gates") {
        const snap = () => {
          const at = entry.layer.getLatLng();
          const [lon, lat] = snapToBoundary(at.lng, at.lat);
          entry.layer.setLatLng([lat, lon]);
        };
        entry.snap = snap;
        entry.layer.on("drag dragend", snap);
      }
      entry.layer.getElement()?.firstChild?.classList.add("selected");
    } else {
      entry.layer.pm.enable({snappable: true, snapDistance: 15, allowSelfIntersection: false});
    }
  }

  function disableGeometryEdit(entry) {
    if (entry.layer instanceof L.Marker) {
      entry.layer.dragging.disable();
      if (entry.snap) entry.layer.off("drag dragend", entry.snap);
      entry.layer.getElement()?.firstChild?.classList.remove("selected");
    } else if (entry.layer.pm) {
      entry.layer.pm.disable();
    }
  }

  function deselect() {
    const entry = state.selected;
    state.selected = null;
    if (entry) {
      disableGeometryEdit(entry);
      if (entry.feature.id == null) removeFeature(entry);
      else replaceFeature(entry, entry.feature);  // drop unsaved reshaping
    }
    $("feature-form").hidden = true;
    $("history").hidden = true;
  }

  function select(entry) {
    if (state.selected && state.selected !== entry) deselect();
    state.selected = entry;
    enableGeometryEdit(entry);
    showForm(entry);
    clearMessage();
  }

  // --- forms --------------------------------------------------------------------------------
  function option(select, value, text, current) {
    const item = document.createElement("option");
    item.value = value;
    item.textContent = text;
    item.selected = String(current ?? "") === String(value);
    select.append(item);
  }

  function fieldInput(entry, [name, text, type, options]) {
    const props = entry.feature.properties;
    const value = props[name] ?? (entry.feature.id == null ? options?.default : undefined);
    const wrap = document.createDocumentFragment();
    const id = `f-${name}`;
    if (type === "checkbox") {
      const lab = document.createElement("label");
      lab.className = "check";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.checked = value !== false;
      lab.append(input, document.createTextNode(text));
      wrap.append(lab);
      return wrap;
    }
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = text;
    let input;
    if (["select", "tristate", "division", "building"].includes(type)) {
      input = document.createElement("select");
      if (type === "select") options.forEach(([v, t]) => option(input, v, t, value));
      if (type === "tristate") [["", "不详"], ["true", "是"], ["false", "否"]]
        .forEach(([v, t]) => option(input, v, t, value));
      if (type === "division") {
        option(input, "", "（不指定）", value);
        cfg.divisions.forEach((d) => option(input, d.code, `${d.code} ${d.name}`, value));
        if (value && !cfg.divisions.some((d) => d.code === value)) option(input, value, value, value);
      }
      if (type === "building") {
        state.features.forEach((other) => {
          if (other.resource === "buildings") {
            option(input, other.feature.id, label("buildings", other.feature.properties), value);
          }
        });
      }
    } else {
      input = document.createElement("input");
      input.type = type === "number" ? "number" : "text";
      input.value = type === "list" ? (value || []).join("，") : (value ?? "");
      if (options && options.required) input.required = true;
    }
    input.id = id;
    input.name = name;
    wrap.append(lab, input);
    if (type === "hours") {
      const preview = document.createElement("div");
      preview.className = "hours-preview";
      preview.id = "hours-preview";
      const choices = document.createElement("datalist");
      choices.id = "hours-choices";
      F.hoursChoices.forEach((text) => choices.append(new Option(text, text)));
      input.setAttribute("list", choices.id);
      wrap.append(choices, preview);
      let timer = null;
      const update = () => { clearTimeout(timer); timer = setTimeout(() => previewHours(input.value, preview), 250); };
      input.addEventListener("input", update);
      previewHours(input.value, preview);
    }
    return wrap;
  }

  async function previewHours(value, preview) {
    if (!value.trim()) {
      preview.className = "hours-preview";
      preview.textContent = "空着：全天开放";
      return;
    }
    try {
      const data = await api("GET", `/opening-hours?value=${encodeURIComponent(value)}`);
      preview.className = "hours-preview";
      preview.textContent = data.osm === value.trim() ? data.text
        : `骑手看到：${data.text}（保存为 ${data.osm}）`;
    } catch (error) {
      preview.className = "hours-preview bad";
      preview.textContent = error.message;
    }
  }

  function readForm(entry) {
    const props = {};
    F.fields[entry.resource].forEach(([name, , type]) => {
      const input = $(`f-${name}`);
      if (type === "checkbox") props[name] = input.checked;
      else if (type === "number" || type === "building") props[name] = input.value === "" ? null : Number(input.value);
      else if (type === "tristate") props[name] = input.value === "" ? null : input.value === "true";
      else if (type === "list") props[name] = input.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
      else props[name] = input.value.trim() === "" ? null : input.value.trim();
    });
    if (["gates", "buildings", "paths", "facilities"].includes(entry.resource)) {
      props.community = entry.feature.properties.community ?? cfg.community;
    }
    return props;
  }

  function button(text, id, onClick, kind) {
    const b = document.createElement("button");
    b.type = onClick ? "button" : "submit";
    b.id = id;
    b.textContent = text;
    if (kind) b.className = kind;
    if (onClick) b.addEventListener("click", onClick);
    return b;
  }

  function showForm(entry) {
    const form = $("feature-form");
    form.hidden = false;
    form.replaceChildren();
    const title = document.createElement("h2");
    const id = entry.feature.id;
    title.textContent = `${F.names[entry.resource]}${id == null ? "（新，未保存）" : ` #${id}`}`;
    form.append(title);
    const guessed = entry.resource === "gates" && GUESSED.includes(entry.feature.properties.source);
    if (guessed) {
      const note = document.createElement("p");
      note.id = "unconfirmed-note";
      note.className = "warning";
      note.textContent = entry.feature.properties.source === "proposed"
        ? "待核实：导入时推测的入口（离街道最近的围墙处）。确认、拖动或改名并保存后即为已核实的出入口。"
        : "待核实：导入时推断的入口（道路进入小区处）。确认、拖动或改名并保存后即为已核实的出入口。";
      form.append(note);
    }
    F.fields[entry.resource].forEach((field) => form.append(fieldInput(entry, field)));
    const buttons = document.createElement("div");
    buttons.className = "buttons";
    buttons.append(button(guessed ? "确认入口" : "保存", "save", null, "primary"),
                   button("取消", "cancel", deselect));
    if (id != null) {
      buttons.append(button("修改记录", "show-history", () => showHistory(entry)));
      const remove = button("删除", "delete", () => {
        if (remove.dataset.armed) { deleteFeature(entry); return; }
        remove.dataset.armed = "1";
        remove.textContent = "确认删除";
      }, "danger");
      buttons.append(remove);
    }
    form.append(buttons);
    form.onsubmit = (event) => { event.preventDefault(); save(entry); };
    $("history").hidden = true;
  }

  // --- saving ---------------------------------------------------------------------------------
  function conflict(entry, error) {
    showMessage(`保存失败：${error.message}。您的修改没有保存，别人的修改也没有被覆盖。`, "error",
      [{id: "reload-feature", label: "载入最新版本", onClick: () => reloadFeature(entry)}]);
  }

  function failed(entry, error) {
    if (error.status === 409) conflict(entry, error);
    else showMessage(`保存失败：${error.message}`, "error");
  }

  async function reloadFeature(entry) {
    const fresh = await api("GET", `/${entry.resource}/${entry.feature.id}`);
    replaceFeature(entry, fresh);
    showForm(entry);
    showMessage("已载入最新版本，请在此基础上修改。", "ok");
  }

  async function save(entry) {
    const properties = readForm(entry);
    const geometry = currentGeometry(entry);
    const body = {type: "Feature", geometry, properties};
    try {
      let saved;
      if (entry.feature.id == null) {
        saved = await api("POST", `/${entry.resource}`, body);
        if (entry.resource === "communities") {
          window.location.assign(cfg.editorUrl + saved.id);
          return;
        }
        state.pending = null;
      } else {
        properties.version = entry.feature.properties.version;
        saved = await api("PATCH", `/${entry.resource}/${entry.feature.id}`, body);
      }
      disableGeometryEdit(entry);
      state.selected = null;
      replaceFeature(entry, saved);
      $("feature-form").hidden = true;
      showMessage(`已保存：${F.names[entry.resource]}“${label(entry.resource, saved.properties)}”`, "ok");
      refreshChecks();
    } catch (error) {
      failed(entry, error);
    }
  }

  async function deleteFeature(entry) {
    try {
      await api("DELETE", `/${entry.resource}/${entry.feature.id}?version=${entry.feature.properties.version}`);
      state.selected = null;
      removeFeature(entry);
      $("feature-form").hidden = true;
      showMessage(`已删除：${F.names[entry.resource]}“${label(entry.resource, entry.feature.properties)}”`, "ok");
      refreshChecks();
      refreshDeleted();
    } catch (error) {
      failed(entry, error);
    }
  }

  // --- history and revert ----------------------------------------------------------------------
  function changedFields(resource, before, after) {
    if (!before || !after) return "";
    const names = F.fields[resource].filter(([name]) =>
      JSON.stringify(before.properties[name]) !== JSON.stringify(after.properties[name]))
      .map(([, text]) => text.replace(/（.*$/, ""));
    if (JSON.stringify(before.geometry) !== JSON.stringify(after.geometry)) names.push("位置或形状");
    return names.length ? `：${names.join("、")}` : "";
  }

  async function showHistory(entry) {
    const data = await api("GET", `/${entry.resource}/${entry.feature.id}/history`);
    const list = $("history-list");
    list.replaceChildren();
    data.entries.forEach((item, index) => {
      const li = document.createElement("li");
      const when = new Date(item.at).toLocaleString("zh-CN");
      li.textContent = `${when} ${item.actor} ${F.actions[item.action] || item.action}` +
        changedFields(entry.resource, item.before, item.after);
      if (index > 0 && item.after) {
        li.append(" ", button("恢复到此版本", `revert-${item.id}`, () => revert(entry, item.id)));
      }
      list.append(li);
    });
    $("history").hidden = false;
  }

  async function revert(entry, auditId) {
    try {
      const fresh = await api("POST", `/${entry.resource}/${entry.feature.id}/revert`,
                              {entry: auditId, version: entry.feature.properties.version});
      replaceFeature(entry, fresh);
      showForm(entry);
      showMessage("已恢复到所选版本。", "ok");
      refreshChecks();
    } catch (error) {
      failed(entry, error);
    }
  }

  async function refreshDeleted() {
    const list = $("deleted");
    if (!list || !cfg.community) return;
    const data = await api("GET", `/communities/${cfg.community}/deleted`);
    list.replaceChildren();
    data.entries.filter((item) => item.table !== "communities").forEach((item) => {
      const li = document.createElement("li");
      li.textContent = `${F.names[item.table]}“${label(item.table, item.before.properties)}”` +
        `（${new Date(item.at).toLocaleString("zh-CN")} ${item.actor} 删除） `;
      li.append(button("恢复", `restore-${item.id}`, async () => {
        try {
          const fresh = await api("POST", `/${item.table}/${item.feature_id}/revert`, {entry: item.id});
          addFeature(item.table, fresh);
          showMessage("已恢复。", "ok");
          refreshDeleted();
          refreshChecks();
        } catch (error) {
          showMessage(`恢复失败：${error.message}`, "error");
        }
      }));
      list.append(li);
    });
    if (!list.children.length) list.textContent = "没有已删除的要素。";
  }

  // --- checks -----------------------------------------------------------------------------------
  async function refreshChecks() {
    const list = $("checks");
    if (!list || !cfg.community) return;
    const data = await api("GET", `/communities/${cfg.community}/checks`);
    list.replaceChildren();
    data.findings.forEach((finding) => {
      const li = document.createElement("li");
      li.dataset.kind = finding.kind;
      const link = document.createElement("a");
      link.textContent = finding.message;
      link.addEventListener("click", () => {
        const entry = state.features.get(keyOf(finding.resource, finding.feature_id));
        if (!entry) return;
        const layer = entry.layer;
        if (layer.getBounds) map.fitBounds(layer.getBounds(), {maxZoom: 19});
        else map.panTo(layer.getLatLng());
        select(entry);
      });
      li.append(link);
      list.append(li);
    });
    if (!data.findings.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "没有发现问题。";
      list.append(li);
    }
    document.body.dataset.checked = String(Date.now());
  }

  // --- tools ------------------------------------------------------------------------------------
  function setTool(resource) {
    state.tool = resource;
    document.querySelectorAll("[data-tool]").forEach((b) =>
      b.classList.toggle("active", b.dataset.tool === resource));
    $("tool-cancel").hidden = !resource;
    hint(resource ? F.hints[resource] : "");
  }

  function startTool(resource) {
    if (resource !== "communities" && !state.compound) {
      showMessage("请先画出或选择小区。", "error");
      return;
    }
    if (resource === "units" && ![...state.features.values()].some((e) => e.resource === "buildings")) {
      showMessage("请先画楼栋，再加单元门。", "error");
      return;
    }
    deselect();
    clearMessage();
    setTool(resource);
    const options = {snappable: true, snapDistance: 20, continueDrawing: false,
                     allowSelfIntersection: false, finishOn: null};
    if (F.shapes[resource] === "Marker") options.markerStyle = {icon: pinIcon(resource, {})};
    map.pm.enableDraw(F.shapes[resource], options);
  }

  function defaults(resource, geometry) {
    const props = {};
    if (resource === "communities" && cfg.divisions.length === 1) props.division_code = cfg.divisions[0].code;
    if (["gates", "buildings", "paths", "facilities"].includes(resource)) props.community = cfg.community;
    if (resource === "units") props.building = nearestBuilding(...geometry.coordinates);
    return props;
  }

  map.on("pm:create", (event) => {
    const resource = state.tool;
    map.pm.disableDraw();
    map.removeLayer(event.layer);
    setTool(null);
    if (!resource) return;
    const geometry = event.layer.toGeoJSON(false).geometry;
    if (resource === "gates") geometry.coordinates = snapToBoundary(...geometry.coordinates);
    const entry = addFeature(resource, {type: "Feature", id: null, geometry,
                                        properties: defaults(resource, geometry)});
    state.pending = entry;
    select(entry);
    hint("填好下面的信息后点“保存”。");
  });

  document.querySelectorAll("[data-tool]").forEach((b) =>
    b.addEventListener("click", () => startTool(b.dataset.tool)));
  $("tool-cancel").addEventListener("click", () => { map.pm.disableDraw(); setTool(null); });
  $("tool-edit-compound")?.addEventListener("click", () => state.compound && select(state.compound));

  // --- loading ------------------------------------------------------------------------------------
  async function load() {
    if (cfg.community != null) {
      const compound = await api("GET", `/communities/${cfg.community}`);
      addFeature("communities", compound);
      for (const resource of ["buildings", "gates", "units", "paths", "facilities"]) {
        const page = await api("GET", `/${resource}?community=${cfg.community}&limit=1000`);
        page.features.forEach((feature) => addFeature(resource, feature));
      }
      map.fitBounds(state.compound.layer.getBounds(), {padding: [20, 20]});
      await Promise.all([refreshChecks(), refreshDeleted()]);
    }
    document.body.dataset.editorReady = "1";
  }

  window.YouluEditor = {map, state, snapToBoundary, declutter};
  load().catch((error) => showMessage(`载入失败：${error.message}`, "error"));
}());
