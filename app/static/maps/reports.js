/* The office's map of 随手拍 reports: a marker per report, coloured by status; a click
 * opens its kind, time and text and links to its row in the table. */
(function () {
  'use strict';
  var Y = window.Youlu;
  var COLOURS = {new: '#c62828', in_progress: '#ef6c00', resolved: '#2e7d32'};

  Y.reportsMap = function (map, page) {
    map.fitBounds(Y.bounds(Y.options.bounds));
    var streets = L.layerGroup().addTo(map);
    if (page.streets_url) {
      Y.getJSON(page.streets_url + '?bbox=' + Y.viewBbox(map, 0.5) + '&zoom=' + Math.floor(map.getZoom()))
        .then(function (answer) {
          if (answer.ok) Y.drawStreets(answer.body.features.map(function (f) {
            return {name: f.properties.name, rank: f.properties.rank, coords: f.geometry.coordinates};
          }), streets);
        });
    }
    page.reports.forEach(function (r) {
      L.marker(Y.toView(r.lon, r.lat), {title: '报告 ' + r.id + ' · ' + r.kind_zh,
        icon: Y.discIcon(String(r.id), COLOURS[r.status] || '#555', 'y-report y-report-' + r.status, 44)})
        .bindPopup(Y.el('div', {className: 'y-pop'},
          Y.el('div', {className: 'y-pop-title'}, '报告 ' + r.id + ' · ' + r.kind_zh),
          Y.el('div', {className: 'y-pop-sub'}, r.at + ' · ' + r.status_zh),
          r.text ? Y.el('div', null, r.text) : null,
          Y.el('a', {href: '#report-' + r.id}, '查看这条报告')))
        .addTo(map);
    });
    map.getContainer().setAttribute('data-reports', String(page.reports.length));
  };
})();
