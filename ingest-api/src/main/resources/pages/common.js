// Helpers shared by the buyer page and the admin dashboard. Plain browser JavaScript, no library.
'use strict';

const Flashsale = (() => {
  // The server's clock as this browser sees it: server time = Date.now() + offset. Learned from every sale body's
  // serverTime (half the round trip added), so a countdown is right even when the device's clock is not.
  let offsetMs = 0;
  let bestRoundTripMs = Infinity;

  function learnServerTime(serverTime, sentAt, receivedAt) {
    const server = Date.parse(serverTime);
    if (Number.isNaN(server)) return;
    const roundTrip = Math.max(0, receivedAt - sentAt);
    // The answer with the shortest round trip says the most about the offset.
    if (roundTrip <= bestRoundTripMs) {
      bestRoundTripMs = roundTrip;
      offsetMs = server + roundTrip / 2 - receivedAt;
    }
  }

  function serverNow() {
    return Date.now() + offsetMs;
  }

  /**
   * The buyer's token from the shop's sign-in, kept in sessionStorage or given once in the address after #token=
   * (a fragment never reaches a server or a CDN), shown in the token box; {@code changed} runs when the buyer edits
   * it. Answers a function giving the token now.
   */
  function buyerToken(input, box, changed) {
    const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromAddress) {
      sessionStorage.setItem('flashsale.buyerToken', fromAddress);
      history.replaceState(null, '', location.pathname + location.search);
    }
    input.value = sessionStorage.getItem('flashsale.buyerToken') || '';
    box.open = !input.value;
    const token = () => input.value.trim();
    input.addEventListener('input', () => {
      sessionStorage.setItem('flashsale.buyerToken', token());
      changed();
    });
    return token;
  }

  /** fetch() that answers {status, ok, body, headers}; a problem+json body's detail becomes the message. */
  async function api(path, options = {}) {
    const sentAt = Date.now();
    const response = await fetch(path, Object.assign({cache: 'no-store'}, options));
    const receivedAt = Date.now();
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = {detail: text}; }
    if (body && body.serverTime) learnServerTime(body.serverTime, sentAt, receivedAt);
    return {status: response.status, ok: response.ok, body, headers: response.headers};
  }

  /** The problem's detail, split where the API joined several rule breaches with "; ". */
  function problemMessages(body) {
    if (!body) return ['No answer'];
    const detail = body.detail || body.title || 'Error';
    return String(detail).split('; ');
  }

  function money(cents, currency) {
    try {
      const digits = new Intl.NumberFormat('en', {style: 'currency', currency}).resolvedOptions().maximumFractionDigits;
      return new Intl.NumberFormat(undefined, {style: 'currency', currency}).format(cents / Math.pow(10, digits));
    } catch (e) {
      return (cents / 100).toFixed(2) + ' ' + currency;
    }
  }

  /** 3725 s as "1:02:05", 65 s as "01:05". */
  function clock(totalSeconds) {
    const s = Math.max(0, Math.ceil(totalSeconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = n => String(n).padStart(2, '0');
    return (h > 0 ? h + ':' : '') + two(m) + ':' + two(sec);
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes).forEach(([k, v]) => {
      if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
    });
    children.forEach(c => node.append(c));
    return node;
  }

  function randomKey() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  }

  /**
   * The buyer's flow in a sale for this visit (header Flashsale-Flow): made when the page opens the sale, kept in
   * sessionStorage, so that a reload, the waiting room, the purchase and the checkout carry the same id, and a new
   * tab or visit starts a flow of its own. The API, its records and the nightly report follow the buyer by it.
   */
  function flow(saleId) {
    const key = 'flashsale.flow.' + saleId;
    let id = sessionStorage.getItem(key);
    if (!id) {
      id = crypto.randomUUID ? crypto.randomUUID() : randomKey(); // randomUUID needs a secure context
      sessionStorage.setItem(key, id);
    }
    return id;
  }

  return {api, serverNow, learnServerTime, problemMessages, money, clock, el, randomKey, flow, buyerToken};
})();
