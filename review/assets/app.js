/* callqa review site: play from a finding, mark or line; filter and sort the calls table.
   Plain ES5-style script, no library, no build step; loaded from the site (CSP script-src 'self'). */
(function () {
  'use strict';

  var audio = document.getElementById('audio');

  function play(t) {
    if (!audio || isNaN(t)) { return; }
    audio.currentTime = t;
    var p = audio.play();
    if (p && p.catch) { p.catch(function () { /* no sound device or autoplay policy: the position is set */ }); }
  }

  function highlight(idx) {
    var old = document.querySelectorAll('.finding.current');
    for (var i = 0; i < old.length; i++) { old[i].classList.remove('current'); }
    var f = document.getElementById('f' + idx);
    if (f) { f.classList.add('current'); }
  }

  // One listener for every [data-t] element: finding buttons, timeline marks and bars, transcript times.
  document.addEventListener('click', function (ev) {
    var el = ev.target.closest ? ev.target.closest('[data-t]') : null;
    if (!el) { return; }
    play(parseFloat(el.getAttribute('data-t')));
    if (el.hasAttribute('data-f')) { highlight(el.getAttribute('data-f')); }
  });

  // Buttons click on Enter/Space by themselves; the SVG marks (role=button) need this.
  document.addEventListener('keydown', function (ev) {
    var el = ev.target;
    if ((ev.key !== 'Enter' && ev.key !== ' ') || !el.getAttribute || el.tagName === 'BUTTON') { return; }
    if (el.getAttribute('role') === 'button' && el.hasAttribute('data-t')) {
      ev.preventDefault();
      play(parseFloat(el.getAttribute('data-t')));
      if (el.hasAttribute('data-f')) { highlight(el.getAttribute('data-f')); }
    }
  });

  // The transcript line being heard is outlined while the audio plays.
  if (audio) {
    var lines = document.querySelectorAll('.line[data-s]');
    var current = null;
    audio.addEventListener('timeupdate', function () {
      var t = audio.currentTime, found = null;
      for (var i = 0; i < lines.length; i++) {
        if (t >= parseFloat(lines[i].getAttribute('data-s')) && t < parseFloat(lines[i].getAttribute('data-e'))) {
          found = lines[i];
        }
      }
      if (found !== current) {
        if (current) { current.classList.remove('now'); }
        if (found) { found.classList.add('now'); }
        current = found;
      }
    });
  }

  // --- index: filter and sort the calls table -------------------------------------------------
  var table = document.getElementById('calls');
  var form = document.getElementById('filters');
  if (!table || !form) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var agent = document.getElementById('f-agent');
  var rule = document.getElementById('f-rule');
  var sev = document.getElementById('f-sev');
  var below = document.getElementById('f-score');
  var count = document.getElementById('f-count');

  function apply() {
    var shown = 0, limit = below.value === '' ? null : parseFloat(below.value);
    rows.forEach(function (r) {
      var d = r.dataset, ok = true;
      if (agent.value && d.agent !== agent.value) { ok = false; }
      if (rule.value && d.rules.indexOf(' ' + rule.value + ' ') < 0) { ok = false; }
      if (sev.value && d.sevs.indexOf(' ' + sev.value + ' ') < 0) { ok = false; }
      if (limit !== null && !(d.score !== '' && parseFloat(d.score) < limit)) { ok = false; }
      r.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = shown + ' / ' + rows.length;
  }

  [agent, rule, sev].forEach(function (s) { s.addEventListener('change', apply); });
  below.addEventListener('input', apply);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });

  var buttons = table.querySelectorAll('th button[data-sort]');
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener('click', function () {
      var key = b.getAttribute('data-sort'), numeric = b.getAttribute('data-type') === 'num';
      var th = b.parentNode, asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(buttons, function (o) { o.parentNode.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      rows.sort(function (x, y) {
        var a = x.dataset[key], c = y.dataset[key], r;
        if (numeric) {
          a = a === '' ? Infinity : parseFloat(a);
          c = c === '' ? Infinity : parseFloat(c);
          r = a - c;
        } else {
          r = a < c ? -1 : a > c ? 1 : 0;
        }
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
}());
