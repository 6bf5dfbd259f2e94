/* The rider map of one compound: gates by state, big building numbers, unit doors,
 * facilities, "你在这里" at the scanned gate and the route to the chosen unit.
 * Data comes from app/mapping/compound_data.py via maps/rider_map.py; the page around the map
 * (templates/maps/rider.html) holds the destination buttons and the route panel. */
(function () {
  'use strict';
  var Y = window.Youlu;

  Y.riderMap = function (map, data) {
    // fromGate: routes start on the scanned gate's street side until the rider sets a start
    var state = {origin: data.origin || null, fromGate: data.from_gate || null, target: null,
                 map: map, data: data};
    var byId = function (list) { var o = {}; list.forEach(function (x) { o[x.id] = x; }); return o; };
    var units = byId(data.units), buildings = byId(data.buildings), gates = byId(data.gates);
    var here = data.here ? gates[data.here] : null;
    var placeOf = function (t) {
      return t.kind === 'unit' ? units[t.id] : t.kind === 'gate' ? gates[t.id] : buildings[t.id];
    };
    if (here && !state.origin) state.origin = [here.lon, here.lat];

    var base = L.layerGroup().addTo(map);
    if (data.streets && data.streets.length) Y.drawStreets(data.streets, base);
    L.polygon(Y.latlngs(data.community.outline), {className: 'y-compound', color: '#0a7d4f',
      weight: 3, fillColor: '#f4f8f2', fillOpacity: 0.6, interactive: false}).addTo(base);
    data.paths.forEach(function (p) {
      L.polyline(Y.latlngs(p.coords), {className: 'y-path', color: '#b9b2a3', weight: 3,
        interactive: false}).addTo(base);
    });
    var outlines = {};
    data.buildings.forEach(function (b) {
      outlines[b.id] = L.polygon(Y.latlngs(b.outline), {className: 'y-building', color: '#7a8194',
        weight: 1, fillColor: '#e8eaf0', fillOpacity: 1, interactive: false}).addTo(base);
    });
    var routeLayer = L.layerGroup().addTo(map);
    var marks = L.layerGroup().addTo(map);

    // Building numbers: big labels that are also buttons (pick the building).
    data.buildings.forEach(function (b) {
      if (!b.short) return;
      var label = Y.el('span', {className: 'y-bldg-num'}, b.short);
      label.dataset.area = String(Y.area(b.outline));  // bigger buildings keep their number first
      var width = Math.max(44, 17 * b.short.length + 12);
      // above the unit doors (which would otherwise hide it), below the gates
      L.marker(Y.toView(b.lon, b.lat), {title: b.label, keyboard: false, riseOnHover: true, zIndexOffset: 400,
        icon: L.divIcon({className: 'y-icon y-bldg', html: label, iconSize: [width, 44]})})
        .on('click', function () { chooseBuilding(b.id); }).addTo(marks);
    });

    var unitMarkers = {};
    data.units.forEach(function (u) {
      var go = Y.el('button', {type: 'button', className: 'y-btn y-go',
        onclick: function () { setTarget({kind: 'unit', id: u.id}); map.closePopup(); }}, '带我去这里');
      var body = Y.el('div', {className: 'y-pop'},
        Y.el('div', {className: 'y-pop-title'}, u.full || u.label),
        u.floors ? Y.el('div', {className: 'y-pop-sub'}, u.floors + ' 层' +
          (u.elevator ? ' · 有电梯' : u.elevator === false ? ' · 无电梯' : '')) : null, go);
      unitMarkers[u.id] = L.marker(Y.toView(u.lon, u.lat), {title: u.full, keyboard: false,
        icon: Y.discIcon(u.short || '门', '#263238', 'y-unit', 44)})
        .bindPopup(body).addTo(marks);
    });

    var gateSymbols = Y.symbols.gates || {};
    data.gates.forEach(function (g) {
      var s = gateSymbols[g.status] || {zh: g.status, colour: '#555'};
      var start = Y.el('button', {type: 'button', className: 'y-btn y-start',
        onclick: function () { setOrigin([g.lon, g.lat], g.label); map.closePopup(); }}, '从这个门出发');
      var body = Y.el('div', {className: 'y-pop'},
        Y.el('div', {className: 'y-pop-title'}, g.label),
        Y.el('div', {className: 'y-gate-state y-state-' + g.status}, s.zh,
             g.change_zh ? ' · ' + g.change_zh : ''),
        g.hours ? Y.el('div', {className: 'y-hours'}, '开放时间：', g.hours_zh) : null,
        Y.el('div', {className: 'y-pop-sub'}, (g.ride ? '可骑车进入' : g.walk ? '只能步行进入' : '骑手不能进入') +
             (g.unconfirmed ? ' · 待核实：推测的出入口' : '')),
        g.status === 'closed' ? null : start);
      L.marker(Y.toView(g.lon, g.lat), {title: g.label, keyboard: false, zIndexOffset: 500,
        icon: Y.discIcon('门', s.colour, 'y-gate y-gate-' + g.status + (g.unconfirmed ? ' y-gate-inferred' : ''), 44)})
        .bindPopup(body).addTo(marks);
    });

    data.facilities.forEach(function (f) {
      L.marker(Y.toView(f.lon, f.lat), {title: f.name || Y.facilitySymbol(f.kind).zh,
        keyboard: false, icon: Y.facilityIcon(f.kind)}).bindPopup(Y.facilityPopup(f)).addTo(marks);
    });

    var hereMarker = null;
    function showHere(point, text) {
      if (hereMarker) marks.removeLayer(hereMarker);
      if (!point) return;
      var tag = Y.el('span', {className: 'y-here-tag'}, text || (Y.symbols.you_are_here || {}).zh || '你在这里');
      hereMarker = L.marker(Y.toView(point[0], point[1]), {interactive: false, keyboard: false,
        zIndexOffset: 1000, icon: L.divIcon({className: 'y-here', html: tag, iconSize: null})})
        .addTo(marks);
    }
    if (state.origin) showHere(state.origin, here ? '你在这里' : '出发点');

    map.fitBounds(Y.bounds(data.community.bounds), {padding: [12, 12]});

    // --- panel ---------------------------------------------------------------------
    var panel = document.getElementById('y-route');
    function say(text, kind) {
      if (!panel) return;
      Y.fill(panel, Y.el('p', {className: 'y-note ' + (kind || '')}, text));
    }

    function chooseBuilding(id) {
      var b = buildings[id];
      // a new building: the old route, its steps and the heading go
      state.target = null;
      routeLayer.clearLayers();
      if (panel) Y.fill(panel);
      var dest = document.getElementById('y-dest-label');
      if (dest) dest.textContent = b.label || '';
      map.fitBounds(outlines[id].getBounds(), {maxZoom: 19, padding: [40, 40]});
      Object.keys(outlines).forEach(function (k) {
        outlines[k].setStyle(k == id ? {fillColor: '#ffe082', color: '#f57f17', weight: 3} :
          {fillColor: '#e8eaf0', color: '#7a8194', weight: 1});
      });
      var list = document.getElementById('y-units');
      var mine = data.units.filter(function (u) { return u.building_id === id; });
      if (list) {
        Y.fill(list, Y.el('h3', null, b.label || '楼栋'), mine.length ?
          Y.el('div', {className: 'y-grid'}, mine.map(function (u) {
            return Y.el('button', {type: 'button', className: 'y-btn y-unit-btn',
              'data-unit-id': u.id, onclick: function () { setTarget({kind: 'unit', id: u.id}); }}, u.label);
          })) : Y.el('p', {className: 'y-note'}, '这栋楼还没有标注单元门，路线将到楼旁。'),
          mine.length ? null : Y.el('button', {type: 'button', className: 'y-btn y-go',
            onclick: function () { setTarget({kind: 'building', id: id}); }}, '带我去这栋楼'));
        list.scrollIntoView({block: 'nearest'});
      }
    }

    function setOrigin(point, text) {
      state.origin = point;
      state.fromGate = null;
      showHere(point, text || '出发点');
      requestRoute();
    }

    function setTarget(target) {
      state.target = target;
      var place = placeOf(target);
      document.querySelectorAll('[data-unit-id]').forEach(function (btn) {
        btn.classList.toggle('is-chosen', target.kind === 'unit' && btn.getAttribute('data-unit-id') == target.id);
      });
      Object.keys(unitMarkers).forEach(function (id) {
        var icon = unitMarkers[id].getElement();
        var chosen = target.kind === 'unit' && Number(id) === target.id;
        if (icon) icon.classList.toggle('is-target', chosen);
        unitMarkers[id].setZIndexOffset(chosen ? 800 : 0);
      });
      var dest = document.getElementById('y-dest-label');
      if (dest) dest.textContent = place ? (place.full || place.label) : '';
      requestRoute();
    }

    function requestRoute() {
      routeLayer.clearLayers();
      if (!state.target) return;
      if (!data.route_url) { say('路线规划服务还未开通，请按地图上的门和楼号前往。'); return; }
      if (!state.origin) { say('请点“定位我”，或扫描大门上的二维码，再规划路线。'); return; }
      var to = state.target.kind + ':' + state.target.id;
      var from = state.fromGate ? 'gate:' + state.fromGate
        : state.origin[0].toFixed(7) + ',' + state.origin[1].toFixed(7);
      var url = data.route_url + '?from=' + encodeURIComponent(from) +
        '&to=' + encodeURIComponent(to) + (data.at ? '&at=' + encodeURIComponent(data.at) : '');
      say('正在规划路线…');
      return Y.getJSON(url).then(function (answer) {
        if (!answer.ok || !answer.body) { showRefusal(answer.body || {}); return; }
        Y.drawRoute(answer.body, routeLayer);
        var bounds = L.latLngBounds([]);
        routeLayer.eachLayer(function (l) { if (l.getBounds) bounds.extend(l.getBounds()); });
        if (bounds.isValid()) map.fitBounds(bounds, {paddingTopLeft: [56, 96],
                                                     paddingBottomRight: [56, 40], maxZoom: 19});
        showRoute(answer.body);
      }).catch(function () { say('网络不好，路线没有加载出来，请稍后再试。', 'is-error'); });
    }

    // No route: the reason, and a way forward (an open gate, the office's phone).
    function showRefusal(body) {
      if (!panel) return;
      var open = data.gates.filter(function (g) { return g.status === 'open'; });
      var ways = open.map(function (g) {
        return Y.el('button', {type: 'button', className: 'y-btn y-secondary y-way-gate',
          onclick: function () { setTarget({kind: 'gate', id: g.id}); }}, '去' + g.label + '（开放）');
      });
      Y.fill(panel,
        Y.el('p', {className: 'y-note is-error', id: 'y-route-refused'},
             body.message || '暂时无法规划路线'),
        ways.length ? Y.el('div', {className: 'y-grid'}, ways) : null,
        data.office_phone ? Y.el('a', {className: 'y-btn y-secondary', id: 'y-call-office',
          href: 'tel:' + data.office_phone.replace(/[^0-9+]/g, '')}, '打电话给社区：' + data.office_phone) : null);
    }

    function showRoute(route) {
      if (!panel) return;
      var steps = [];
      (route.legs || []).forEach(function (leg) {
        (leg.instructions || []).forEach(function (text) {
          steps.push(Y.el('li', {className: 'y-step y-step-' + leg.mode},
            typeof text === 'string' ? text : (text.text || '')));
        });
      });
      var skipped = (route.gates_skipped || []).map(function (g) {
        return Y.el('li', null, (g.label || '出入口') + '：' +
          (g.reasons || []).map(function (r) { return r.message; }).join('、'));
      });
      Y.fill(panel,
        Y.el('p', {className: 'y-route-sum'}, Y.metres(route.distance_m), ' · 约 ',
             Y.minutes(route.duration_s), route.to && route.to.kind === 'gate' ? ' · 到' + route.to.label :
             route.gate && route.gate.label ? ' · 从' + route.gate.label + '进入' : ''),
        steps.length ? Y.el('ol', {className: 'y-steps'}, steps) : null,
        route.handoff ? Y.el('div', {className: 'y-handoff'},
          Y.el('a', {className: 'y-btn y-secondary', id: 'y-nav-amap', href: route.handoff.amap}, '用高德导航'),
          Y.el('a', {className: 'y-btn y-secondary', id: 'y-nav-baidu', href: route.handoff.baidu}, '用百度导航')) : null,
        skipped.length ? Y.el('details', null, Y.el('summary', null, '没走的门'), Y.el('ul', null, skipped)) : null);
    }

    // Buttons rendered by the page: destinations, "locate me".
    document.querySelectorAll('[data-building-id]').forEach(function (btn) {
      btn.addEventListener('click', function () { chooseBuilding(Number(btn.getAttribute('data-building-id'))); });
    });
    var locate = Y.el('button', {type: 'button', className: 'y-btn y-locate', title: '定位我',
      onclick: function () {
        Y.locate().then(function (p) { setOrigin(p, '你的位置'); map.panTo(Y.toView(p[0], p[1])); })
          .catch(function () { say('无法获取你的位置：请允许定位，或扫描大门上的二维码。', 'is-error'); });
      }}, '定位我');
    Y.control(locate, 'topright').addTo(map);
    document.querySelectorAll('.y-locate-page').forEach(function (btn) {
      btn.addEventListener('click', function () { locate.click(); });
    });

    if (data.target) setTarget(data.target);
    performance.mark('youlu-map-drawn');  // read by bench/pages.py (time to first render)
    Y.rider = {state: state, setTarget: setTarget, setOrigin: setOrigin, requestRoute: requestRoute,
               routeLayer: routeLayer, markers: marks};
    return Y.rider;
  };
})();
