// The admin dashboard: sign in with the admin token or an admin JWT, list, create and end sales, watch one sale's
// counters and the audit trail.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const TOKEN = 'flashsale.adminToken';
  const GROUPS = [['LIVE', 'Live'], ['SOLD_OUT', 'Sold out'], ['SCHEDULED', 'Scheduled'], ['ENDED', 'Ended']];
  let selected = null;
  let timers = [];
  let operator = true;

  const auth = () => ({'Authorization': 'Bearer ' + sessionStorage.getItem(TOKEN)});
  const adminApi = (path, options = {}) =>
      Flashsale.api(path, Object.assign({}, options, {headers: Object.assign({}, options.headers || {}, auth())}));

  // Who the token says it is, for display only: the server checks every call. A JWT's payload names the admin
  // (sub) and the roles; any other token is the shared admin token, an operator.
  function identityOf(token) {
    const parts = token.split('.');
    if (parts.length !== 3) return {name: 'local token', operator: true};
    try {
      const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
      const claims = JSON.parse(decodeURIComponent(Array.from(json, c =>
          '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
      const roles = (Array.isArray(claims.roles) ? claims.roles : [claims.role]).map(r => String(r).toLowerCase());
      return {name: String(claims.sub), operator: roles.includes('operator')};
    } catch (e) {
      return {name: 'unknown', operator: false};
    }
  }

  async function signIn(tokenValue) {
    sessionStorage.setItem(TOKEN, tokenValue);
    const answer = await adminApi('/api/admin/sales');
    if (!answer.ok) {
      sessionStorage.removeItem(TOKEN);
      $('sign-in-error').textContent = answer.status === 401 ? 'That is neither the admin token nor a valid admin JWT.'
          : answer.status === 403 ? 'That token has no admin role.' : Flashsale.problemMessages(answer.body).join(' ');
      $('sign-in-error').hidden = false;
      return;
    }
    const who = identityOf(tokenValue);
    operator = who.operator;
    $('signed-in-as').textContent = who.name + (operator ? ' (operator)' : ' (viewer)');
    $('signed-in-as').hidden = false;
    $('create-card').hidden = !operator;
    $('sign-in-error').hidden = true;
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('sign-out').hidden = false;
    showSales(answer.body.sales);
    loadReports();
    loadAudit();
    timers.push(setInterval(loadSales, 2000));
    timers.push(setInterval(loadMetrics, 1000));
    timers.push(setInterval(loadAudit, 3000));
  }

  async function loadAudit() {
    const answer = await adminApi('/api/admin/audit?limit=50');
    if (!answer.ok) return;
    const cell = text => Flashsale.el('td', {text: text == null ? '' : String(text)});
    $('audit').tBodies[0].replaceChildren(...answer.body.entries.map(e =>
        Flashsale.el('tr', {'data-action': e.action, 'data-sale-id': e.saleId || '', 'data-status': String(e.status)},
            cell(new Date(e.at).toLocaleString()), cell(e.actor + ' (' + e.role + ')'), cell(e.action),
            cell(e.saleId), cell(e.status), cell(e.clientAddress))));
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN);
    timers.forEach(clearInterval);
    timers = [];
    location.reload();
  }

  async function loadSales() {
    const answer = await adminApi('/api/admin/sales');
    if (answer.status === 401) return signOut();
    if (answer.ok) showSales(answer.body.sales);
  }

  function showSales(sales) {
    const groups = $('sales-groups');
    groups.replaceChildren();
    GROUPS.forEach(([status, title]) => {
      const ofStatus = sales.filter(s => s.status === status);
      const list = Flashsale.el('ul', {class: 'sales', 'data-status': status});
      ofStatus.forEach(sale => {
        const item = Flashsale.el('li', {'data-sale-id': sale.saleId});
        const pick = Flashsale.el('button', {class: 'link', text: sale.name + ' (' + sale.saleId + ')'});
        pick.addEventListener('click', () => select(sale.saleId));
        item.append(pick, Flashsale.el('span', {class: 'muted', text: ' ' + sale.remaining + '/' + sale.stock}));
        if (sale.saleId === selected) item.classList.add('selected');
        list.append(item);
      });
      groups.append(Flashsale.el('h3', {text: title + ' (' + ofStatus.length + ')'}), list);
    });
  }

  function select(saleId) {
    selected = saleId;
    $('detail').hidden = false;
    $('end-confirm').hidden = true;
    $('detail-error').hidden = true;
    $('detail-title').textContent = saleId;
    $('detail-page').href = '/sales/' + encodeURIComponent(saleId);
    loadMetrics();
    loadSales();
  }

  async function loadMetrics() {
    if (!selected) return;
    const saleId = selected;
    const [sale, metrics] = await Promise.all([
      Flashsale.api('/api/sales/' + encodeURIComponent(saleId)),
      adminApi('/api/admin/sales/' + encodeURIComponent(saleId) + '/metrics')]);
    if (saleId !== selected || !sale.ok || !metrics.ok) return;
    showMetrics(sale.body, metrics.body);
  }

  function showMetrics(sale, m) {
    $('detail-title').textContent = sale.name + ' (' + sale.saleId + ')';
    $('detail-status').textContent = sale.status;
    $('detail-status').className = 'badge ' + sale.status.toLowerCase();
    $('end-sale').hidden = sale.status === 'ENDED' || !operator;
    const counters = [
      ['available', m.available], ['reserved', m.reserved], ['confirmed', m.confirmed], ['orders', m.ordersCount],
      ['conversion', (100 * m.conversionRate).toFixed(1) + ' %'], ['requests', m.requests], ['accepted', m.accepted],
      ['expired', m.expired], ['cancelled', m.cancelled], ['pending', m.pending], ['queue', m.queueLength],
      ['admitted', m.admitted], ['device rejections', m.deviceRejections]];
    if (sale.waitingRoom) counters.push(['proof-of-work bits', m.proofOfWorkBits]); // risen by itself under a flood
    if (sale.waitingRoom) counters.push(['queue moves /s', Number(m.admittedPerSecond).toFixed(1)]);
    if (sale.lastDraw) { // units given back after the sell-out go to waiting buyers by draw, round by round
      const round = sale.lastDrawRound;
      counters.push(['last-draw round', round ? round.round : 0], ['its winners', round ? round.winners : 0]);
    }
    counters.push(['Gini', Number(m.giniUnitsPerUser).toFixed(2)], ['first 10 % share', (100 * m.firstTenthShare).toFixed(0) + ' %']);
    $('counters').replaceChildren(...counters.map(([label, value]) =>
        Flashsale.el('div', {class: 'counter', 'data-counter': label},
            Flashsale.el('span', {class: 'value', text: String(value)}),
            Flashsale.el('span', {class: 'label', text: label}))));
    const rows = Object.entries(m.rejected || {}).sort((a, b) => b[1] - a[1]);
    $('rejections').tBodies[0].replaceChildren(...(rows.length ? rows : [['none', 0]]).map(([reason, count]) =>
        Flashsale.el('tr', {'data-reason': reason}, Flashsale.el('td', {text: reason}),
            Flashsale.el('td', {text: String(count)}))));
    drawChart(m.decisionsPerSecond);
  }

  // A hand-drawn SVG chart: accepted and rejected decisions per second as two lines over the last 300 seconds.
  function drawChart(series) {
    const svg = $('chart');
    const NS = 'http://www.w3.org/2000/svg';
    const width = 600, height = 160, left = 40, bottom = 20, top = 10;
    const n = series.accepted.length;
    const max = Math.max(1, ...series.accepted, ...series.rejected);
    const x = i => left + (width - left - 5) * i / Math.max(1, n - 1);
    const y = v => height - bottom - (height - bottom - top) * v / max;
    const node = (tag, attributes, text) => {
      const e = document.createElementNS(NS, tag);
      Object.entries(attributes).forEach(([k, v]) => e.setAttribute(k, v));
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const line = (values, cls) => node('polyline', {class: cls,
      points: values.map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ')});
    svg.replaceChildren(
        node('line', {class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom}),
        node('line', {class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom}),
        node('text', {x: left - 4, y: top + 8, 'text-anchor': 'end'}, String(max)),
        node('text', {x: left - 4, y: height - bottom, 'text-anchor': 'end'}, '0'),
        node('text', {x: left, y: height - 4}, '-5 min'),
        node('text', {x: width, y: height - 4, 'text-anchor': 'end'}, 'now'),
        line(series.rejected, 'rejected'),
        line(series.accepted, 'accepted'));
    svg.dataset.total = String(series.accepted.reduce((a, b) => a + b, 0) + series.rejected.reduce((a, b) => a + b, 0));
  }

  async function endSale() {
    $('end-confirm').hidden = true;
    const answer = await adminApi('/api/admin/sales/' + encodeURIComponent(selected) + '/end', {method: 'POST'});
    if (!answer.ok) {
      $('detail-error').textContent = Flashsale.problemMessages(answer.body).join(' ');
      $('detail-error').hidden = false;
    }
    loadMetrics();
    loadSales();
    loadAudit();
  }

  async function create(event) {
    event.preventDefault();
    const form = new FormData($('create-form'));
    const body = {};
    const numbers = ['stock', 'perUserLimit', 'priceCents', 'holdSeconds'];
    for (const [name, value] of form.entries()) {
      if (value === '') continue;
      body[name] = numbers.includes(name) && /^-?\d+$/.test(value) ? Number(value) : value;
    }
    const answer = await adminApi('/api/admin/sales',
        {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const errors = $('create-errors');
    if (!answer.ok) {
      errors.replaceChildren(...Flashsale.problemMessages(answer.body).map(m => Flashsale.el('li', {text: m})));
      errors.hidden = false;
      $('create-result').hidden = true;
      return;
    }
    errors.hidden = true;
    $('create-result').textContent = 'Created ' + answer.body.saleId + '.';
    $('create-result').hidden = false;
    select(answer.body.saleId);
    loadAudit();
  }

  async function loadReports() {
    const answer = await adminApi('/api/admin/reports');
    if (!answer.ok) return;
    const r = answer.body;
    $('reports-note').textContent = r.reachable
        ? (r.reports.length ? 'Reports in ' + r.reportDir + ':' : 'No report yet in ' + r.reportDir + '.')
        : 'No report directory ' + r.reportDir + ' here: either no night has run yet, or the reconciliation '
          + 'writes its reports where this API cannot read them (its FLASHSALE_REPORT_DIR); open them there.';
    $('reports').replaceChildren(...r.reports.map(report => {
      const open = (url, type) => {
        const link = Flashsale.el('a', {href: '#', 'data-report': type, text: type});
        link.addEventListener('click', async e => {
          e.preventDefault();
          // A plain link would not carry the admin token: fetch the report, then show it from memory in a
          // window opened now, while the click still allows it.
          const shown = window.open('', '_blank');
          const response = await fetch(url, {headers: auth()});
          const blob = new Blob([await response.arrayBuffer()],
              {type: type === 'html' ? 'text/html' : 'application/json'});
          shown.location.href = URL.createObjectURL(blob);
        });
        return link;
      };
      return Flashsale.el('li', {}, report.day + ' ' + report.runId + ' ', open(report.html, 'html'), ' ',
          open(report.json, 'json'));
    }));
  }

  function defaults() {
    const form = $('create-form');
    const inMinutes = m => new Date(Date.now() + m * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
    form.elements.startsAt.value = inMinutes(1);
    form.elements.endsAt.value = inMinutes(61);
  }

  $('sign-in-form').addEventListener('submit', e => { e.preventDefault(); signIn($('admin-token').value.trim()); });
  $('sign-out').addEventListener('click', signOut);
  $('create-form').addEventListener('submit', create);
  $('end-sale').addEventListener('click', () => { $('end-confirm').hidden = false; });
  $('end-confirm').addEventListener('click', endSale);
  defaults();
  if (sessionStorage.getItem(TOKEN)) signIn(sessionStorage.getItem(TOKEN));
})();
