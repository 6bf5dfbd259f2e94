// Reports on a Leaflet map: public (GeoJSON from data-src) or the office's list (data-points).
(function () {
  const box = document.getElementById("report-map");
  if (!box) { return; }
  const map = L.map(box);
  JSON.parse(box.dataset.tiles || "[]").forEach((t) => L.tileLayer(t.url, {attribution: t.attribution, maxZoom: 19}).addTo(map));
  const colour = {submitted: "#d9480f", accepted: "#1971c2", in_progress: "#f08c00", resolved: "#2f9e44", rejected: "#868e96"};
  const layer = L.featureGroup().addTo(map);
  function add(lon, lat, status, html) {
    L.circleMarker([lat, lon], {radius: 8, color: colour[status] || "#333", fillOpacity: 0.8})
      .bindPopup(html).addTo(layer);
    box.dataset.count = String(layer.getLayers().length);
  }
  function fit() {
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds().pad(0.3), {maxZoom: 17}); }
    else { map.setView([39.99, 116.35], 13); }
    box.dataset.ready = "1";
  }
  if (box.dataset.points) {
    JSON.parse(box.dataset.points).forEach((p) => add(p.lon, p.lat, p.status, p.label));
    fit();
    return;
  }
  fetch(box.dataset.src).then((r) => r.json()).then((data) => {
    data.features.forEach((f) => {
      const p = f.properties;
      const div = document.createElement("div");
      div.textContent = `${p.category_zh} · ${p.status_zh} · ${p.age_days} 天前` + (p.supporters ? ` · ${p.supporters} 人 +1` : "") + (p.note ? ` · ${p.note}` : "");
      if (p.photo) { const img = document.createElement("img"); img.src = p.photo; img.width = 160; div.appendChild(img); }
      add(f.geometry.coordinates[0], f.geometry.coordinates[1], p.status, div);
    });
    fit();
  });
})();
