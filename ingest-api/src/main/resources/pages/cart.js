// The buyer's cart: every hold across sales, their total, the soonest end, and one payment for all of them.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  let cart = null;
  let fetchedAt = 0;

  const token = Flashsale.buyerToken($('token'), $('token-box'), () => refresh());
  const auth = () => ({'Authorization': 'Bearer ' + token()});

  function showError(body) {
    $('error').textContent = Flashsale.problemMessages(body).join(' ');
    $('error').hidden = false;
  }

  async function refresh() {
    if (!token()) return;
    const answer = await Flashsale.api('/api/cart', {headers: auth()});
    if (!answer.ok) { showError(answer.body); return; }
    cart = answer.body;
    fetchedAt = Date.now();
    render();
  }

  function render() {
    if (!cart) return;
    $('empty').hidden = cart.items.length > 0;
    $('holds').hidden = cart.items.length === 0;
    $('items').replaceChildren(...cart.items.map(item => Flashsale.el('li', {},
        Flashsale.el('span', {class: 'item-name', text: item.name + (item.quantity > 1 ? ' × ' + item.quantity : '')}),
        Flashsale.el('span', {class: 'item-price', text: Flashsale.money(item.amountCents, item.currency)}))));
    $('total').textContent = cart.totals.map(t => Flashsale.money(t.amountCents, t.currency)).join(' + ') || '–';
    // One payment is in one currency: "pay all" only when the cart has one.
    $('pay-all').disabled = cart.totals.length !== 1;
    tick();
  }

  function tick() {
    if (!cart || cart.expiresInSeconds == null) return;
    const left = cart.expiresInSeconds - (Date.now() - fetchedAt) / 1000;
    $('cart-countdown').textContent = Flashsale.clock(left);
    if (left <= 0) refresh(); // the first hold ended: the cart is smaller now
  }

  async function payAll() {
    $('pay-all').disabled = true;
    const answer = await Flashsale.api('/api/orders', {method: 'POST',
        headers: Object.assign({'Content-Type': 'application/json'}, auth()),
        body: JSON.stringify({requestIds: cart.items.map(item => item.requestId)})});
    $('pay-all').disabled = false;
    if (!answer.ok) { showError(answer.body); refresh(); return; }
    sessionStorage.setItem('flashsale.orderId', answer.body.orderId);
    // The provider's page brings the buyer back here, where the order is followed.
    const back = location.origin + location.pathname;
    const hash = answer.body.redirectUrl.indexOf('#');
    const page = hash < 0 ? answer.body.redirectUrl : answer.body.redirectUrl.slice(0, hash);
    location.href = page + (page.includes('?') ? '&' : '?') + 'return=' + encodeURIComponent(back)
        + (hash < 0 ? '' : answer.body.redirectUrl.slice(hash));
  }

  async function followOrder() {
    const orderId = sessionStorage.getItem('flashsale.orderId');
    if (!orderId || !token()) return;
    const answer = await Flashsale.api('/api/orders/' + encodeURIComponent(orderId), {headers: auth()});
    if (!answer.ok) return;
    $('order').hidden = false;
    $('order-status').textContent = answer.body.status;
    $('order-items').replaceChildren(...answer.body.items.map(item => Flashsale.el('li', {},
        Flashsale.el('span', {class: 'item-name', text: item.name || item.saleId}),
        Flashsale.el('span', {class: 'item-price', text: item.status + (item.refund ? ' (refund due)' : '')}))));
    if (answer.body.status === 'PENDING') setTimeout(followOrder, 1500);
    else refresh(); // the order's holds are decided: they have left the cart
  }

  $('pay-all').addEventListener('click', payAll);
  setInterval(tick, 1000);
  setInterval(refresh, 15000);
  refresh();
  followOrder();
})();
