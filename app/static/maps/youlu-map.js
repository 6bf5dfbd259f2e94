/* Youlu maps: what the rider, station-finder and planner maps share.
 *
 * Coordinates from the server are WGS-84 [lon, lat]. When the base map is a GCJ-02
 * tile source, Youlu.toView shifts every vertex to GCJ-02 before Leaflet draws it and
 * Youlu.fromView shifts taps back (same formula as geo/geometry/coords.py, see maps/tiles.py).
 * User text is only ever put into the page as text (textContent), never as HTML.
 */
(function () {
  'use strict';
  var Y = window.Youlu = window.Youlu || {};

  // --- GCJ-02 (Krasovsky 1940; the published obfuscation, as in prcoords) -----------
  var GCJ_A = 6378245, GCJ_EE = 0.00669342162296594323;

  function wgsToGcj(lon, lat) {
    var x = lon - 105, y = lat - 35, PI = Math.PI;
    var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (2 * Math.sin(x * 6 * PI) + 2 * Math.sin(x * 2 * PI) + 2 * Math.sin(y * PI) +
       4 * Math.sin(y / 3 * PI) + 16 * Math.sin(y / 12 * PI) + 32 * Math.sin(y / 30 * PI)) * 20 / 3;
    var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (2 * Math.sin(x * 6 * PI) + 2 * Math.sin(x * 2 * PI) + 2 * Math.sin(x * PI) +
       4 * Math.sin(x / 3 * PI) + 15 * Math.sin(x / 12 * PI) + 30 * Math.sin(x / 30 * PI)) * 20 / 3;
    var radLat = lat * PI / 180;
    var magic = 1 - GCJ_EE * Math.pow(Math.sin(radLat), 2);
    var latArc = (GCJ_A * (1 - GCJ_EE)) / Math.pow(magic, 1.5) * PI / 180;
    var lonArc = GCJ_A * Math.cos(radLat) / Math.sqrt(magic) * PI / 180;
    return [lon + dLon / lonArc, lat + dLat / latArc];
  }

  function gcjToWgs(lon, lat) {
    var w = [lon, lat];
    for (var i = 0; i < 30; i++) {
      var g = wgsToGcj(w[0], w[1]), dx = g[0] - lon, dy = g[1] - lat;
      w = [w[0] - dx, w[1] - dy];
      if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
    }
    return w;
  }
  Y.wgsToGcj = wgsToGcj;
  Y.gcjToWgs = gcjToWgs;
  Y.crs = 'wgs84';

  /* A WGS-84 point as a Leaflet LatLng on this map. */
  Y.toView = function (lon, lat) {
    var p = Y.crs === 'gcj02' ? wgsToGcj(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  };
  /* A point of this map back to WGS-84 [lon, lat]. */
  Y.fromView = function (latlng) {
    return Y.crs === 'gcj02' ? gcjToWgs(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  };
  /* GeoJSON-style coordinates (any nesting) to Leaflet latlngs. */
  Y.latlngs = function (coords) {
    if (typeof coords[0] === 'number') return Y.toView(coords[0], coords[1]);
    return coords.map(Y.latlngs);
  };
  /* Area of an outline ([[lon, lat], ...] or rings of them) in square degrees: enough to
     rank buildings by size. */
  Y.area = function (outline) {
    var ring = outline;
    while (Array.isArray(ring[0][0])) ring = ring[0];  // the outer ring of the (first) polygon
    var sum = 0;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      sum += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
    }
    return Math.abs(sum / 2);
  };
  Y.bounds = function (bbox) {
    return L.latLngBounds(Y.toView(bbox[0], bbox[1]), Y.toView(bbox[2], bbox[3]));
  };

  // --- DOM without HTML strings ------------------------------------------------------
  /* el('div', {className: 'x', onclick: fn}, 'text', child, ...): strings become text. */
  Y.el = function (tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else if (key === 'style') node.setAttribute('style', value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) child.forEach(function (c) { if (c) node.appendChild(c); });
      else node.appendChild(typeof child === 'string' || typeof child === 'number' ?
        document.createTextNode(String(child)) : child);
    }
    return node;
  };

  /* Replace the children of node by the given ones, skipping empty ones. */
  Y.fill = function (node) {
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  };

  // --- set-up ------------------------------------------------------------------------
  /* Options: crs ('wgs84'|'gcj02'), symbols (data/maps/symbols.json). */
  Y.setup = function (map, options) {
    Y.options = options;
    Y.crs = options.crs || 'wgs84';
    Y.symbols = options.symbols || {};
    Y.map = map;
    map.setMaxZoom(options.max_zoom || 20);
    if (map.attributionControl) {
      map.attributionControl.setPrefix('Leaflet');
      map.attributionControl.addAttribution('© OpenStreetMap contributors');
    }
    L.control.scale({imperial: false, maxWidth: 120}).addTo(map);
    var container = map.getContainer();
    container.classList.add('youlu-map');
    /* Zoom classes let the style sheet thin out labels when zoomed out. */
    var zoomClasses = function () {
      var z = map.getZoom();
      [15, 16, 17, 18].forEach(function (level) {
        container.classList.toggle('y-z-lt' + level, z < level);
      });
    };
    map.on('zoomend', zoomClasses);
    map.whenReady(zoomClasses);
    /* Labels clear of the markers and of each other (declutter.js): building numbers move
       aside or, the smaller building's first, wait for a closer zoom (the list under the
       map names every building); compound names (largest compound first) and street names
       give way. */
    Y.declutter = window.YouluDeclutter(map, {
      fixed: ['.y-icon .y-disc', '.y-here-tag', '.y-planner-cluster'],
      labels: [{selector: '.y-bldg-num', move: true, text: true, rank: 'area'},
               {selector: '.y-planner-label', rank: 'area'},
               {selector: '.y-street-name span'}]});
    return map;
  };

  // --- symbols -----------------------------------------------------------------------
  Y.facilitySymbol = function (kind) {
    return (Y.symbols.facilities || {})[kind] || {zh: kind, glyph: '?', colour: '#555'};
  };
  /* A marker icon: a disc with a glyph, inside a 44 px tap target. */
  Y.discIcon = function (glyph, colour, className, size) {
    var disc = Y.el('span', {className: 'y-disc', style: 'background:' + colour}, glyph);
    return L.divIcon({className: 'y-icon ' + (className || ''), html: disc,
                      iconSize: [size || 44, size || 44]});
  };
  Y.facilityIcon = function (kind) {
    var s = Y.facilitySymbol(kind);
    return Y.discIcon(s.glyph, s.colour, 'y-fac y-fac-' + kind);
  };

  /* A marker-cluster group of one facility kind: clusters drawn as its disc with a count. */
  Y.kindCluster = function (kind) {
    var s = Y.facilitySymbol(kind);
    return L.markerClusterGroup({maxClusterRadius: 40, showCoverageOnHover: false,
      iconCreateFunction: function (c) {
        return Y.discIcon(String(c.getChildCount()), s.colour, 'y-fac-cluster', 44);
      }});
  };

  /* Popup body of a facility: name, kind, hours, open now. */
  Y.facilityPopup = function (f, extra) {
    var s = Y.facilitySymbol(f.kind);
    var state = f.hours ? (f.open ? '营业中' : '休息中') : '';
    return Y.el('div', {className: 'y-pop'},
      Y.el('div', {className: 'y-pop-title'}, f.name || s.zh),
      Y.el('div', {className: 'y-pop-sub'}, s.zh),
      f.hours ? Y.el('div', {className: 'y-hours ' + (f.open ? 'is-open' : 'is-closed')},
        state, ' · ', f.hours_zh, f.change_zh ? ' · ' + f.change_zh : '') :
        Y.el('div', {className: 'y-hours'}, '开放时间未标注'),
      f.capacity ? Y.el('div', null, '车位/容量：', String(f.capacity)) : null,
      f.rider_priority_slots ? Y.el('div', null, '骑手优先位：', String(f.rider_priority_slots)) : null,
      extra || null);
  };

  // --- layers ------------------------------------------------------------------------
  /* Streets from our own data (base map "none"): grey lines, names along the big ones. */
  Y.drawStreets = function (streets, layer) {
    var styles = (Y.symbols.streets || {});
    var named = {};
    streets.forEach(function (s) {
      var st = styles[s.rank] || {colour: '#ddd', width: 3};
      var line = L.polyline(Y.latlngs(s.coords), {color: st.colour, weight: st.width,
        interactive: false, className: 'y-street y-street-' + s.rank});
      layer.addLayer(line);
      if (s.name && s.rank !== 'path') {
        var length = line.getLatLngs().length;
        if (!named[s.name] || named[s.name].n < length) named[s.name] = {n: length, line: line};
      }
    });
    Object.keys(named).forEach(function (name) {
      var pts = named[name].line.getLatLngs();
      var mid = pts[Math.floor(pts.length / 2)];
      layer.addLayer(L.marker(mid, {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'y-street-name', html: Y.el('span', null, name),
                         iconSize: null})}));
    });
    return layer;
  };

  /* A route from /api/v1/route: one polyline per leg, ride solid, walk dashed. */
  Y.drawRoute = function (route, layer) {
    var styles = (Y.symbols.route || {});
    (route.legs || []).forEach(function (leg) {
      if (!leg.geometry || !leg.geometry.coordinates || !leg.geometry.coordinates.length) return;
      var st = styles[leg.mode] || styles.ride || {colour: '#0a7d4f'};
      var coords = leg.geometry.type === 'Point' ? [leg.geometry.coordinates] : leg.geometry.coordinates;
      layer.addLayer(L.polyline(Y.latlngs(coords), {color: '#ffffff', weight: 11, opacity: 0.9,
        interactive: false, className: 'y-route-casing'}));
      layer.addLayer(L.polyline(Y.latlngs(coords), {color: st.colour, weight: 7,
        dashArray: st.dash || null, interactive: false, className: 'y-route y-route-' + leg.mode}));
    });
    return layer;
  };

  /* The map's view as a WGS-84 bbox [W, S, E, N], grown by ``pad`` (share of its size). */
  Y.viewBbox = function (map, pad) {
    var b = map.getBounds().pad(pad || 0);
    var sw = Y.fromView(b.getSouthWest()), ne = Y.fromView(b.getNorthEast());
    return [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(6); }).join(',');
  };

  /* Call fn at most once per ``ms`` after the last call. */
  Y.debounce = function (fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  };

  /* fetch() JSON: resolves {ok, status, body}; body is null when not JSON. */
  Y.getJSON = function (url) {
    return fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return {ok: response.ok, status: response.status, body: body};
        });
      });
  };

  /* A Leaflet control holding a DOM node (buttons, legends). */
  Y.control = function (node, position) {
    var C = L.Control.extend({onAdd: function () {
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      return node;
    }});
    return new C({position: position || 'topright'});
  };

  /* Ask the browser where the rider is: resolves WGS-84 [lon, lat]. */
  Y.locate = function () {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error('no geolocation')); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve([pos.coords.longitude, pos.coords.latitude]);
      }, reject, {enableHighAccuracy: true, timeout: 10000, maximumAge: 30000});
    });
  };

  Y.metres = function (m) {
    if (m === null || m === undefined) return '';
    return m >= 1000 ? (m / 1000).toFixed(1) + ' 公里' : Math.round(m) + ' 米';
  };
  Y.minutes = function (s) {
    if (s === null || s === undefined) return '';
    return s < 60 ? '不到1分钟' : Math.round(s / 60) + ' 分钟';
  };
})();
