/* The planner's city map: compounds coloured by rider-friendliness (clustered points
 * when zoomed out, outlines from page.outline_zoom), facility layers, 5/10/15-minute
 * reach of a facility, details of a compound on click. Loads what is in view. */
(function () {
  'use strict';
  var Y = window.Youlu;

  function clusterIcon(cluster) {
    var scores = cluster.getAllChildMarkers().map(function (m) { return m.options.score; });
    var mean = scores.reduce(function (a, b) { return a + b; }, 0) / scores.length;
    var grade = Y.grade(mean);
    var size = 36 + Math.min(24, Math.round(Math.log(scores.length) * 6));
    return L.divIcon({className: 'y-icon y-planner-cluster', iconSize: [size, size],
      html: Y.el('span', {className: 'y-cluster', style: 'width:' + size + 'px;height:' + size +
        'px;border-color:' + grade.colour}, String(scores.length))});
  }

  Y.plannerMap = function (map, page) {
    Y.grade = function (score) {
      return page.grades.filter(function (g) { return Math.round(score) >= g.min; })[0] ||
        page.grades[page.grades.length - 1];
    };
    map.fitBounds(Y.bounds(Y.options.bounds));
    var streets = L.layerGroup().addTo(map);
    var reach = L.layerGroup().addTo(map);
    // Markers are added in chunks: a load counts as drawn once the last chunk is in.
    var chunksDone = null;
    var points = L.markerClusterGroup({iconCreateFunction: clusterIcon, maxClusterRadius: 48,
      showCoverageOnHover: false, chunkedLoading: true,
      chunkProgress: function (done, total) { if (done >= total && chunksDone) chunksDone(); }
    }).addTo(map);
    var lastOutlines = null;
    var outlines = L.geoJSON(null, {
      coordsToLatLng: function (c) { return Y.toView(c[0], c[1]); },
      style: function (f) {
        var band = Y.coverageBand && Y.coverageBand(f.properties.id);
        if (band) return {color: band.colour, fillColor: band.colour, fillOpacity: 0.55,
                          weight: band.gap ? 3 : 2, dashArray: band.gap ? '6 4' : null,
                          className: 'y-planner-area y-cover-' + band.key};
        return {color: f.properties.colour, fillColor: f.properties.colour, fillOpacity: 0.5,
                weight: 2, className: 'y-planner-area'};
      },
      onEachFeature: function (f, layer) {
        layer.on('click', function () { showDetails(f.properties.id); });
        if (f.properties.name) layer.bindTooltip(f.properties.name, {permanent: true,
          direction: 'center', className: 'y-planner-label', interactive: false});
      }}).addTo(map);
    var facilities = {}, overlays = {};
    page.kinds.forEach(function (kind) {
      facilities[kind] = Y.kindCluster(kind);
      overlays[Y.facilitySymbol(kind).zh] = facilities[kind];
      if (kind !== 'parking') facilities[kind].addTo(map);
    });
    L.control.layers(null, overlays, {collapsed: window.innerWidth < 700}).addTo(map);

    var legend = Y.el('div', {className: 'y-legend'}, Y.el('b', null, '骑手友好度'),
      page.grades.map(function (g) {
        return Y.el('div', null, Y.el('span', {className: 'y-swatch', style: 'background:' + g.colour}),
                    g.zh + '（≥' + g.min + '）');
      }),
      Y.el('div', {className: 'small'}, Y.el('span', {className: 'y-key-dot'}, '72'), '一个小区的评分'),
      Y.el('div', {className: 'small'}, Y.el('span', {className: 'y-key-ring'}, '9'), '9个小区（平均分着色）'));
    Y.control(legend, 'bottomright').addTo(map);

    var state = {loads: 0, seq: 0};
    function load() {
      var seq = ++state.seq, zoom = Math.floor(map.getZoom()), bbox = Y.viewBbox(map, 0.2);
      var jobs = [Y.getJSON(page.communities_url + '?bbox=' + bbox + '&zoom=' + zoom),
                  Y.getJSON(page.facilities_url + '?bbox=' + bbox)];
      if (page.streets_url) jobs.push(Y.getJSON(page.streets_url + '?bbox=' + bbox + '&zoom=' + zoom));
      return Promise.all(jobs).then(function (answers) {
        if (seq !== state.seq) return null;  // a newer view is on its way
        var drawn = drawCommunities(answers[0].body);
        drawFacilities(answers[1].body);
        streets.clearLayers();
        if (answers[2] && answers[2].ok) Y.drawStreets(answers[2].body.features.map(function (f) {
          return {name: f.properties.name, rank: f.properties.rank, coords: f.geometry.coordinates};
        }), streets);
        return drawn.then(function () { if (seq === state.seq) loaded(bbox); });
      });
    }

    // data-drawn-bbox: the view (as Y.viewBbox) whose data is drawn, for whoever waits on it.
    function loaded(bbox) {
        declutter();
        state.loads += 1;
        map.getContainer().setAttribute('data-loads', String(state.loads));
        map.getContainer().setAttribute('data-drawn-bbox', bbox);
        if (state.loads === 1) performance.mark('youlu-map-drawn');
    }

    // Compound names give way to markers and to larger compounds' names (Y.declutter).
    function declutter() {
      outlines.eachLayer(function (layer) {
        var tip = layer.getTooltip && layer.getTooltip();
        var el = tip && tip.getElement && tip.getElement();
        if (el) el.dataset.area = String(layer.getBounds ? areaOf(layer.getBounds()) : 0);
      });
      Y.declutter.run();
    }
    function areaOf(b) {
      return (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
    }

    function drawCommunities(fc) {
      points.clearLayers();
      outlines.clearLayers();
      lastOutlines = null;
      if (fc.as_points) {
        var done = new Promise(function (resolve) { chunksDone = resolve; });
        points.addLayers(fc.features.map(function (f) {
          var c = f.geometry.coordinates, p = f.properties;
          return L.marker(Y.toView(c[0], c[1]), {score: p.score,
            icon: Y.discIcon(String(p.score), Y.grade(p.score).colour, 'y-planner-point', 44)})
            .on('click', function () { showDetails(p.id); });
        }));
        return done;
      }
      lastOutlines = fc;
      outlines.addData(fc);
      return Promise.resolve();
    }

    function restyle() {
      if (!lastOutlines) return;
      outlines.clearLayers();
      outlines.addData(lastOutlines);
      declutter();
    }

    function drawFacilities(fc) {
      var byKind = {};
      fc.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        var marker = L.marker(Y.toView(c[0], c[1]), {title: p.name || Y.facilitySymbol(p.kind).zh,
          icon: Y.facilityIcon(p.kind)});
        var extra = page.isochrone_url ? Y.el('button', {type: 'button', className: 'y-btn',
          onclick: function () { showReach(c); map.closePopup(); }},
          '显示 ' + page.reach_minutes.join('/') + ' 分钟服务圈') : null;
        marker.bindPopup(Y.facilityPopup(p, extra));
        (byKind[p.kind] = byKind[p.kind] || []).push(marker);
      });
      Object.keys(facilities).forEach(function (kind) {
        facilities[kind].clearLayers();
        if (byKind[kind]) facilities[kind].addLayers(byKind[kind]);
      });
    }

    function showReach(lonlat) {
      reach.clearLayers();
      var url = page.isochrone_url + '?from=' + lonlat[0] + ',' + lonlat[1] + '&minutes=' +
        page.reach_minutes.join(',');
      return Y.getJSON(url).then(function (answer) {
        if (!answer.ok) { details(Y.el('p', {className: 'y-note is-error'},
          (answer.body && answer.body.message) || '服务圈暂时算不出来')); return; }
        answer.body.features.slice().reverse().forEach(function (f) {
          var shade = reachShade(f.properties.minutes);
          L.geoJSON(f, {coordsToLatLng: function (c) { return Y.toView(c[0], c[1]); },
            style: {color: shade, fillColor: shade, weight: 2, fillOpacity: 0.22,
                    className: 'y-reach'}, interactive: false}).addTo(reach);
        });
        reachLegend.show();
      });
    }

    var panel = document.getElementById('details');
    function details() {
      if (panel) Y.fill.apply(null, [panel].concat([].slice.call(arguments)));
    }
    function showDetails(id) {
      return Y.getJSON(page.community_url + id).then(function (answer) {
        if (!answer.ok) return;
        var d = answer.body;
        details(Y.el('h2', null, d.name),
          Y.el('p', null, Y.el('span', {className: 'score-big', style: 'color:' + d.colour}, String(d.score)),
               ' 分 · ', d.grade),
          Y.el('ul', {className: 'score-parts'}, Object.keys(d.parts).map(function (name) {
            var part = d.parts[name];
            return Y.el('li', null, Y.el('span', null, d.part_labels[name]),
              Y.el('span', {className: 'bar'}, Y.el('span', {style: 'width:' + Math.round(part.share * 100) + '%'})),
              Y.el('b', null, part.points + '/' + d.part_max[name]));
          })),
          Y.el('p', null, d.counts.gates + ' 个门（' + d.counts.gates_open + ' 个对骑手开放） · ' +
               d.counts.buildings + ' 栋楼 · ' + d.counts.units + ' 个单元门 · ' + d.counts.facilities + ' 个设施'),
          Y.el('a', {className: 'y-btn', href: page.rider_url + encodeURIComponent(d.code || d.id)}, '打开骑手地图'));
      });
    }

    // 5/10/15 minutes in three clearly different colours, with their own legend.
    var REACH_SHADES = ['#1b7837', '#f1a340', '#762a83'];
    function reachShade(minutes) {
      var i = page.reach_minutes.indexOf(minutes);
      return REACH_SHADES[i >= 0 ? Math.min(i, REACH_SHADES.length - 1) : REACH_SHADES.length - 1];
    }
    var reachBox = Y.el('div', {className: 'y-legend y-reach-legend'}, Y.el('b', null, '骑行服务圈'),
      page.reach_minutes.map(function (m) {
        return Y.el('div', null, Y.el('span', {className: 'y-swatch', style: 'background:' + reachShade(m)}),
                    m + ' 分钟内');
      }));
    var reachLegend = {show: function () {
      if (!reachBox.parentNode) Y.control(reachBox, 'bottomleft').addTo(map);
    }};

    map.on('moveend', Y.debounce(load, 150));
    load();
    Y.planner = {points: points, outlines: outlines, facilities: facilities, reach: reach,
                 load: load, showDetails: showDetails, showReach: showReach, restyle: restyle};
    if (Y.plannerTools) Y.plannerTools(map, page, Y.planner);
    return Y.planner;
  };
})();

/* The planner's tools beside the map: a street's coverage by facility kind (compounds
 * coloured by minutes to the nearest one, gaps dashed), the ranked, filterable table with
 * CSV/XLSX export, and the k best new sites (MCLP) with coverage before and after. */
(function () {
  'use strict';
  var Y = window.Youlu;
  var BANDS = [{key: 'b5', max: 300, colour: '#1a9850', zh: '5 分钟内'},
               {key: 'b10', max: 600, colour: '#91cf60', zh: '5–10 分钟'},
               {key: 'b15', max: 900, colour: '#fdae61', zh: '10–15 分钟'},
               {key: 'far', max: Infinity, colour: '#d73027', zh: '超过 15 分钟或不可达'}];

  Y.plannerTools = function (map, page, planner) {
    var box = document.getElementById('planner-tools');
    if (!box || !page.coverage_url) return null;
    function $(id) { return document.getElementById(id); }
    var state = {rows: [], times: null, sites: L.layerGroup().addTo(map), legend: null};

    Y.coverageBand = function (id) {
      if (!state.times || !(String(id) in state.times)) return null;
      var t = state.times[String(id)], limit = Number($('pt-minutes').value) * 60;
      var band = BANDS.filter(function (b) { return t !== null && t <= b.max; })[0] || BANDS[3];
      return {key: band.key, colour: band.colour, gap: t === null || t > limit};
    };

    function minutes(t) { return t === null || t === undefined ? '—' : (t / 60).toFixed(1); }
    function query() {
      var q = [];
      if ($('pt-street').value) q.push('code=' + encodeURIComponent($('pt-street').value));
      if ($('pt-q').value.trim()) q.push('q=' + encodeURIComponent($('pt-q').value.trim()));
      if ($('pt-grade').value) q.push('grade=' + encodeURIComponent($('pt-grade').value));
      if (page.at) q.push('at=' + encodeURIComponent(page.at));
      return q.length ? '?' + q.join('&') : '';
    }
    function say(text, isError) {
      Y.fill($('pt-summary'), text);
      $('pt-summary').className = isError ? 'y-note is-error' : 'y-note';
    }

    function showLegend() {
      if (state.legend) return;
      var node = Y.el('div', {className: 'y-legend y-cover-legend'}, Y.el('b', null, '到最近设施的骑行时间'),
        BANDS.map(function (b) {
          return Y.el('div', null, Y.el('span', {className: 'y-swatch', style: 'background:' + b.colour}), b.zh);
        }),
        Y.el('div', {className: 'small'}, Y.el('span', {className: 'y-key-gap'}), '虚线：超出所选时间（缺口）'),
        Y.el('div', {className: 'small'}, Y.el('span', {className: 'y-key-site'}, '新'), '建议新增位置'));
      state.legend = Y.control(node, 'bottomright').addTo(map);
    }

    function kindName() { return $('pt-kind').selectedOptions[0].textContent; }

    function renderTable() {
      var kind = $('pt-kind').value, text = $('pt-q').value.trim(), grade = $('pt-grade').value;
      var limit = Number($('pt-minutes').value) * 60;
      var rows = state.rows.filter(function (r) {
        return (!text || r.name.indexOf(text) >= 0 || (r.code || '').indexOf(text) >= 0) &&
               (!grade || r.grade === grade);
      }).sort(function (a, b) { return b.score - a.score || (a.name < b.name ? -1 : 1); });
      var body = $('pt-table').querySelector('tbody');
      Y.fill.apply(null, [body].concat(rows.map(function (r, i) {
        var t = state.times[String(r.id)];
        var gap = t === null || t > limit;
        return Y.el('tr', {className: gap ? 'is-gap' : '', 'data-id': String(r.id),
                           onclick: function () { planner.showDetails(r.id); }},
          Y.el('td', null, String(i + 1)), Y.el('td', null, r.name),
          Y.el('td', null, String(r.score)), Y.el('td', null, r.grade),
          Y.el('td', {className: 'small'}, r.missing.join('、') || '—'),
          Y.el('td', {className: 'pt-time'}, minutes(t)));
      })));
      $('pt-time-head').textContent = kindName() + '（分钟）';
      $('pt-csv').href = page.csv_url + query();
      $('pt-xlsx').href = page.xlsx_url + query();
      var street = $('pt-street').value ? '?code=' + encodeURIComponent($('pt-street').value) : '';
      var at = page.at ? (street ? '&' : '?') + 'at=' + encodeURIComponent(page.at) : '';
      $('pt-pilot-pdf').href = page.pilot_pdf_url + street + at;
      $('pt-pilot-xlsx').href = page.pilot_xlsx_url + street + at;
      $('pt-count').textContent = rows.length + ' 个小区';
    }

    function share() {
      var limit = Number($('pt-minutes').value) * 60, total = 0, covered = 0;
      state.rows.forEach(function (r) {
        var w = Math.max(r.units, 1), t = state.times[String(r.id)];
        total += w;
        if (t !== null && t <= limit) covered += w;
      });
      return total ? covered / total : 0;
    }

    function loadCoverage() {
      var code = $('pt-street').value, kind = $('pt-kind').value;
      say('正在计算覆盖……');
      state.sites.clearLayers();
      var args = [];
      if (code) args.push('code=' + encodeURIComponent(code));
      if (page.at) args.push('at=' + encodeURIComponent(page.at));
      return Y.getJSON(page.coverage_url + (args.length ? '?' + args.join('&') : '')).then(function (answer) {
        if (!answer.ok) { say((answer.body && answer.body.message) || '覆盖暂时算不出来', true); return; }
        state.rows = answer.body.compounds;
        state.times = {};
        state.rows.forEach(function (r) { state.times[String(r.id)] = r.times[kind]; });
        var gaps = state.rows.filter(function (r) {
          var t = r.times[kind]; return t === null || t > Number($('pt-minutes').value) * 60;
        });
        say(kindName() + '：' + $('pt-minutes').value + ' 分钟内覆盖 ' + Math.round(share() * 100) +
            '% 的单元，缺口 ' + gaps.length + ' 个小区');
        box.setAttribute('data-share', share().toFixed(4));
        box.setAttribute('data-gaps', String(gaps.length));
        showLegend();
        renderTable();
        planner.restyle();
      });
    }

    function propose() {
      var before = share();
      say('正在选址……');
      var body = {kind: $('pt-kind').value, minutes: Number($('pt-minutes').value),
                  k: Number($('pt-k').value), code: $('pt-street').value || null, at: page.at};
      return fetch(page.siting_url, {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', Accept: 'application/json'},
        body: JSON.stringify(body)}).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, body: data}; });
      }).then(function (answer) {
        if (!answer.ok) { say(answer.body.message || '选址失败', true); return; }
        var result = answer.body;
        Object.keys(result.after).forEach(function (id) { state.times[id] = result.after[id]; });
        state.sites.clearLayers();
        result.sites.forEach(function (s, i) {
          L.marker(Y.toView(s.location[0], s.location[1]), {title: '建议新增 ' + (i + 1),
            icon: Y.discIcon('新', '#d81b60', 'y-proposed-site', 34)})
            .bindPopup('建议新增' + kindName() + ' ' + (i + 1) + '：覆盖 ' + s.covers.length +
                       ' 个小区、' + s.units + ' 个单元').addTo(state.sites);
        });
        say('新增 ' + result.sites.length + ' 处' + kindName() + '后，' + result.minutes + ' 分钟内覆盖 ' +
            Math.round(before * 100) + '% → ' + Math.round(share() * 100) + '% 的单元（候选点 ' +
            result.candidates + ' 个）');
        box.setAttribute('data-share', share().toFixed(4));
        box.setAttribute('data-sites', String(result.sites.length));
        renderTable();
        planner.restyle();
      });
    }

    $('pt-gaps').addEventListener('click', loadCoverage);
    $('pt-site').addEventListener('click', propose);
    ['pt-q', 'pt-grade'].forEach(function (id) {
      $(id).addEventListener('input', function () { if (state.times) renderTable(); });
    });
    ['pt-kind', 'pt-minutes', 'pt-street'].forEach(function (id) {
      $(id).addEventListener('change', function () { if (state.times) loadCoverage(); });
    });
    Y.plannerToolsState = state;
    return state;
  };
})();
