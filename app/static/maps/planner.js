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
    var points = L.markerClusterGroup({iconCreateFunction: clusterIcon, maxClusterRadius: 48,
      showCoverageOnHover: false, chunkedLoading: true}).addTo(map);
    var outlines = L.geoJSON(null, {
      coordsToLatLng: function (c) { return Y.toView(c[0], c[1]); },
      style: function (f) {
        return {color: f.properties.colour, fillColor: f.properties.colour, fillOpacity: 0.5,
                weight: 2, className: 'y-planner-area'};
      },
      onEachFeature: function (f, layer) {
        layer.on('click', function () { showDetails(f.properties.id); });
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
        if (seq !== state.seq) return;  // a newer view is on its way
        drawCommunities(answers[0].body);
        drawFacilities(answers[1].body);
        streets.clearLayers();
        if (answers[2] && answers[2].ok) Y.drawStreets(answers[2].body.features.map(function (f) {
          return {name: f.properties.name, rank: f.properties.rank, coords: f.geometry.coordinates};
        }), streets);
        state.loads += 1;
        map.getContainer().setAttribute('data-loads', String(state.loads));
        if (state.loads === 1) performance.mark('youlu-map-drawn');
      });
    }

    function drawCommunities(fc) {
      points.clearLayers();
      outlines.clearLayers();
      if (fc.as_points) {
        points.addLayers(fc.features.map(function (f) {
          var c = f.geometry.coordinates, p = f.properties;
          return L.marker(Y.toView(c[0], c[1]), {score: p.score,
            icon: Y.discIcon(String(p.score), Y.grade(p.score).colour, 'y-planner-point', 44)})
            .on('click', function () { showDetails(p.id); });
        }));
      } else {
        outlines.addData(fc);
      }
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
        var shades = ['#08519c', '#3182bd', '#6baed6', '#bdd7e7'];
        answer.body.features.slice().reverse().forEach(function (f, i, all) {
          L.geoJSON(f, {coordsToLatLng: function (c) { return Y.toView(c[0], c[1]); },
            style: {color: shades[all.length - 1 - i], weight: 2, fillOpacity: 0.18,
                    className: 'y-reach'}, interactive: false}).addTo(reach);
        });
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

    map.on('moveend', Y.debounce(load, 150));
    load();
    Y.planner = {points: points, outlines: outlines, facilities: facilities, reach: reach,
                 load: load, showDetails: showDetails, showReach: showReach};
    return Y.planner;
  };
})();
