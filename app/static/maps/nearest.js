/* The station finder: the nearest stations, chargers, toilets or parking from the rider's
 * position by network distance (/api/v1/nearest), with kind filters and opening hours. */
(function () {
  'use strict';
  var Y = window.Youlu;

  Y.stationMap = function (map, page) {
    var state = {origin: page.origin, kind: page.kind, openNow: page.open_now, loads: 0};
    if (state.origin) map.setView(Y.toView(state.origin[0], state.origin[1]), 16);
    else map.fitBounds(Y.bounds(Y.options.bounds));
    var streets = L.layerGroup().addTo(map);
    var all = Y.kindCluster(state.kind).addTo(map);
    var found = L.layerGroup().addTo(map);
    var route = L.layerGroup().addTo(map);
    var me = null;
    var list = document.getElementById('results');
    var title = document.getElementById('result-title');

    function say(text, kind) { Y.fill(list, Y.el('p', {className: 'y-note ' + (kind || '')}, text)); }

    function showOrigin() {
      if (me) map.removeLayer(me);
      if (!state.origin) return;
      me = L.marker(Y.toView(state.origin[0], state.origin[1]), {interactive: false, zIndexOffset: 1000,
        icon: L.divIcon({className: 'y-here', iconSize: null,
                         html: Y.el('span', {className: 'y-here-tag'}, '你的位置')})}).addTo(map);
    }

    function loadAll() {
      var zoom = Math.floor(map.getZoom()), bbox = Y.viewBbox(map, 0.2);
      var jobs = [Y.getJSON(page.facilities_url + '?kind=' + state.kind + '&bbox=' + bbox)];
      if (page.streets_url) jobs.push(Y.getJSON(page.streets_url + '?bbox=' + bbox + '&zoom=' + zoom));
      return Promise.all(jobs).then(function (answers) {
        map.removeLayer(all);
        all = Y.kindCluster(state.kind).addTo(map);
        all.addLayers(answers[0].body.features.map(function (f) {
          var c = f.geometry.coordinates;
          return L.marker(Y.toView(c[0], c[1]), {title: f.properties.name || Y.facilitySymbol(f.properties.kind).zh,
            icon: Y.facilityIcon(f.properties.kind)}).bindPopup(Y.facilityPopup(f.properties));
        }));
        streets.clearLayers();
        if (answers[1] && answers[1].ok) Y.drawStreets(answers[1].body.features.map(function (f) {
          return {name: f.properties.name, rank: f.properties.rank, coords: f.geometry.coordinates};
        }), streets);
        state.loads += 1;
        map.getContainer().setAttribute('data-loads', String(state.loads));
      });
    }

    function query() {
      found.clearLayers();
      route.clearLayers();
      var s = Y.facilitySymbol(state.kind);
      if (title) title.textContent = '最近的' + s.zh;
      if (!state.origin) { say('请先点“定位我”，或在地图上点出你的位置。'); return Promise.resolve(); }
      if (!page.nearest_url) { say('按路程查找的服务还未开通，地图上先显示全部' + s.zh + '。'); return Promise.resolve(); }
      var url = page.nearest_url + '?from=' + state.origin[0].toFixed(7) + ',' + state.origin[1].toFixed(7) +
        '&kind=' + state.kind + '&k=5' + (state.openNow ? '&open_now=1' : '');
      say('正在查找…');
      return Y.getJSON(url).then(function (answer) {
        if (!answer.ok) { say((answer.body && answer.body.message) || '暂时查不到', 'is-error'); return; }
        var results = answer.body.facilities;
        if (!results.length) { say('附近没有找到' + (state.openNow ? '营业中的' : '') + s.zh + '。'); return; }
        Y.fill(list, Y.el('ol', {className: 'state-list'}, results.map(function (r, i) {
          var marker = L.marker(Y.toView(r.location[0], r.location[1]), {zIndexOffset: 900 - i,
            title: r.name || s.zh, icon: Y.discIcon(String(i + 1), '#fff', 'y-result', 44)})
            .bindPopup(Y.facilityPopup({kind: r.kind, name: r.name, hours: r.opening_hours,
              hours_zh: r.opening_hours_zh,
              open: r.open_now, capacity: r.capacity, rider_priority_slots: r.rider_priority_slots}))
            .addTo(found);
          var pick = function () {
            route.clearLayers();
            if (r.geometry) Y.drawRoute({legs: [{mode: 'ride', geometry: r.geometry}]}, route);
            document.querySelectorAll('.result').forEach(function (li, j) {
              li.classList.toggle('is-chosen', j === i);
            });
          };
          marker.on('click', pick);
          if (i === 0) setTimeout(pick);
          return Y.el('li', {className: 'result', onclick: function () {
              pick(); map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17)); marker.openPopup(); }},
            Y.el('span', {className: 'glyph rank'}, String(i + 1)),
            Y.el('span', null, Y.el('b', null, r.name || s.zh), Y.el('br'),
              r.opening_hours ? Y.el('small', {className: r.open_now ? 'st-open' : 'st-closed'},
                (r.open_now ? '营业中' : '休息中') + ' · ' + r.opening_hours_zh) :
                Y.el('small', {className: 'muted'}, '开放时间未标注')),
            Y.el('span', {className: 'dist'}, Y.metres(r.distance_m), Y.el('br'),
                 Y.el('small', {className: 'y-mode'}, modeWord(r) + '约 ' + Y.minutes(r.duration_s))));
        })));
      }).catch(function () { say('网络不好，请稍后再试。', 'is-error'); });
    }

    // What the time measures: riding, walking, or riding then walking (ride_m, walk_m).
    function modeWord(r) {
      if (!r.ride_m) return '步行';
      return r.walk_m >= 50 ? '骑行+步行' : '骑行';
    }

    function setOrigin(p) { state.origin = p; showOrigin(); return query(); }

    map.on('click', function (e) { setOrigin(Y.fromView(e.latlng)); });
    map.on('moveend', Y.debounce(loadAll, 150));
    document.querySelectorAll('.kind-btn').forEach(function (btn) {
      btn.addEventListener('click', function () {
        state.kind = btn.getAttribute('data-kind');
        document.querySelectorAll('.kind-btn').forEach(function (b) {
          b.setAttribute('aria-pressed', b === btn ? 'true' : 'false');
        });
        loadAll();
        query();
      });
    });
    var openNow = document.getElementById('open-now');
    if (openNow) openNow.addEventListener('change', function () { state.openNow = openNow.checked; query(); });
    document.querySelectorAll('.y-locate-page').forEach(function (btn) {
      btn.addEventListener('click', function () {
        Y.locate().then(function (p) { map.setView(Y.toView(p[0], p[1]), 16); setOrigin(p); })
          .catch(function () { say('无法获取你的位置：请允许定位，或在地图上点一下。', 'is-error'); });
      });
    });
    showOrigin();
    loadAll();
    query();
    Y.station = {state: state, setOrigin: setOrigin, query: query, found: found, route: route,
                 all: function () { return all; }};
    return Y.station;
  };
})();
