/* Map labels kept clear of markers and of each other, on every Youlu map (rider, finder,
 * planner, editor). After each move, zoom or new layer, the markers named by `fixed` are
 * obstacles; then each group of `labels`, in order, is placed: a label stays where it is,
 * or (with `move`) shifts by its height above or below, or beside, whichever is free first.
 * A label with no free place is kept in place if its group is `keep`, else hidden until
 * the view changes. Shifts use the CSS `translate` property, which Leaflet's own
 * `transform` positioning leaves alone. The map container's `data-declutter` counts the
 * passes, so a test can wait for one.
 *
 *   YouluDeclutter(map, {fixed: ['.y-gate', ...],
 *                        labels: [{selector: '.y-bldg-num', move: true, keep: true},
 *                                 {selector: '.y-planner-label', rank: 'area'},
 *                                 {selector: '.y-street-name span'}]});
 *
 * `rank` names a data attribute: the group's labels are placed largest value first.
 * `text`: the label's box is its text, not its element (a number inside a 44 px button).
 */
(function () {
  'use strict';

  function box(el) {
    var r = el.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom};
  }
  function textBox(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var r = range.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom};
  }
  function overlaps(a, b) {  // more than a pixel of shared area
    return a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1;
  }
  function shown(el) {  // laid out (not display:none by a zoom class) and not hidden
    return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  }

  window.YouluDeclutter = function (map, spec) {
    var container = map.getContainer();
    var groups = spec.labels || [];

    function reset() {
      groups.forEach(function (group) {
        container.querySelectorAll(group.selector).forEach(function (el) {
          el.style.translate = '';
          el.style.visibility = '';
          delete el.dataset.unplaced;
        });
      });
    }

    function run() {
      reset();
      var frame = box(container);
      var placed = [];
      (spec.fixed || []).forEach(function (selector) {
        container.querySelectorAll(selector).forEach(function (el) {
          if (shown(el)) placed.push(box(el));
        });
      });
      groups.forEach(function (group) {
        var els = Array.prototype.slice.call(container.querySelectorAll(group.selector));
        if (group.rank) {
          els.sort(function (a, b) { return Number(b.dataset[group.rank]) - Number(a.dataset[group.rank]); });
        }
        els.forEach(function (el) {
          if (!shown(el)) return;
          var at = group.text ? textBox(el) : box(el);
          if (!overlaps(at, frame)) return;  // off screen
          var w = at.r - at.l, h = at.b - at.t;
          var moves = group.move ? [[0, 0], [0, -h], [0, h], [0.75 * w, 0], [-0.75 * w, 0],
                                    [0, -1.6 * h], [0, 1.6 * h]] : [[0, 0]];
          for (var i = 0; i < moves.length; i++) {
            var dx = moves[i][0], dy = moves[i][1];
            var there = {l: at.l + dx, t: at.t + dy, r: at.r + dx, b: at.b + dy};
            if (!placed.some(function (p) { return overlaps(there, p); })) {
              if (dx || dy) el.style.translate = Math.round(dx) + 'px ' + Math.round(dy) + 'px';
              placed.push(there);
              return;
            }
          }
          if (group.keep) {
            placed.push(at);
          } else {
            el.style.visibility = 'hidden';
            el.dataset.unplaced = '1';
          }
        });
      });
      container.dataset.declutter = String((Number(container.dataset.declutter) || 0) + 1);
    }

    var timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(run, 80);
    }
    map.on('zoomend moveend layeradd resize', soon);
    map.whenReady(soon);
    return {run: run, soon: soon};
  };
})();
