// The buyer page: one sale, its live stock, the buy button, and the buyer's purchase through to payment.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const saleId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const saleUrl = '/api/sales/' + encodeURIComponent(saleId);
  const purchaseKey = 'flashsale.purchase.' + saleId; // the request id of this buyer's purchase in this sale
  const clickKey = 'flashsale.click.' + saleId;       // the Idempotency-Key of the click not yet answered
  const FINAL = ['REJECTED', 'CONFIRMED', 'EXPIRED', 'CANCELLED'];
  const flowId = Flashsale.flow(saleId); // this visit's flow, sent on every call of it (Flashsale-Flow)
  const REASONS = {
    SOLD_OUT: 'Sold out before your turn came.',
    LIMIT_EXCEEDED: 'You already hold or bought as many as one buyer may.',
    SALE_NOT_LIVE: 'The sale was not open when your click arrived.',
    LOTTERY_LOST: 'Not drawn this time.',
    DEVICE_LIMIT_EXCEEDED: 'This device already bought as many as allowed.'
  };

  // A sale with a waitingRoom needs a purchase pass: waiting-room.js joins the queue once joins open, shows the
  // place, and gives the pass of the admission, which this page sends as the Flashsale-Pass header.
  const waitingRoom = () => window.FlashsaleWaitingRoom;

  // A sale with hiddenOrderUrl takes purchases at a path the API reveals only from the start (GET order-url, never
  // cached); it is fetched once the sale is live, and again when asked too early. Other sales take the public path.
  let orderUrl = null;
  let orderUrlAsked = null;

  let sale = null;
  let purchase = null;
  let following = null;
  let lastRefresh = 0;
  let lastOrderUrlTry = 0;
  let errorTimer = null;

  const token = Flashsale.buyerToken($('token'), $('token-box'), () => render());
  const auth = () => ({'Authorization': 'Bearer ' + token(), 'Flashsale-Flow': flowId});

  function showError(body) {
    const box = $('error');
    box.textContent = Flashsale.problemMessages(body).join(' ');
    box.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function showSale(next) {
    if (!next || next.saleId !== saleId) return;
    sale = next;
    render();
  }

  function render() {
    if (!sale) return;
    document.title = sale.name + ' – flash sale';
    $('name').textContent = sale.name;
    $('description').textContent = sale.description || '';
    $('description').hidden = !sale.description;
    $('price').textContent = Flashsale.money(sale.priceCents, sale.currency);
    const original = sale.originalPriceCents;
    $('original-price').hidden = !(original > sale.priceCents);
    $('original-price').textContent = original > sale.priceCents ? Flashsale.money(original, sale.currency) : '';
    $('remaining').textContent = sale.remaining;
    $('stock').textContent = sale.stock;
    $('stock-bar').style.width = (100 * sale.remaining / Math.max(1, sale.stock)) + '%';
    const status = $('status');
    status.textContent = {SCHEDULED: 'Coming soon', LIVE: 'Live now', SOLD_OUT: 'Sold out', ENDED: 'Ended'}[sale.status]
        || sale.status;
    status.className = 'badge ' + sale.status.toLowerCase();
    status.dataset.status = sale.status;
    $('countdown-box').hidden = sale.status !== 'SCHEDULED';
    $('waiting-room').hidden = !sale.waitingRoom;
    if (sale.waitingRoom) waitingRoom().prepare(sale, token());
    const busy = purchase && !['REJECTED', 'EXPIRED', 'CANCELLED'].includes(purchase.status);
    $('buy').hidden = Boolean(busy); // one purchase at a time; the purchase box below says what became of it
    // A last draw's winner buys after the sell-out (or the end): the unit is held for it.
    const drawn = sale.lastDraw && sale.waitingRoom && waitingRoom().admitted();
    $('buy').disabled = !((sale.status === 'LIVE' || drawn) && token() && !busy);
    tick();
  }

  // Countdowns by the server's clock, several times a second.
  function tick() {
    if (sale && sale.waitingRoom) waitingRoom().prepare(sale, token()); // joins as soon as the room opens
    if (sale && sale.status === 'SCHEDULED') {
      const left = (Date.parse(sale.startsAt) - Flashsale.serverNow()) / 1000;
      $('countdown').textContent = Flashsale.clock(left);
      // At zero the event stream brings LIVE; a GET as well, in case the stream is slow or absent.
      if (left <= 0 && Date.now() - lastRefresh > 1000) {
        lastRefresh = Date.now();
        loadSale();
      }
    }
    if (sale && sale.hiddenOrderUrl && sale.status === 'LIVE' && !orderUrl && !orderUrlAsked
        && Date.now() - lastOrderUrlTry > 1000) {
      lastOrderUrlTry = Date.now(); // at the start, before the click: the click then costs one request
      purchaseUrl().catch(() => {});
    }
    if (purchase && purchase.status === 'ACCEPTED' && purchase.holdExpiresAt) {
      $('hold-countdown').textContent =
          Flashsale.clock((Date.parse(purchase.holdExpiresAt) - Flashsale.serverNow()) / 1000);
    }
  }

  function purchaseUrl() {
    if (!sale.hiddenOrderUrl) return Promise.resolve(saleUrl + '/purchases');
    if (orderUrl) return Promise.resolve(orderUrl);
    if (!orderUrlAsked) {
      orderUrlAsked = Flashsale.api(saleUrl + '/order-url').then(answer => {
        orderUrlAsked = null;
        if (!answer.ok) throw answer;
        orderUrl = answer.body.purchaseUrl;
        return orderUrl;
      }, e => { orderUrlAsked = null; throw e; });
    }
    return orderUrlAsked;
  }

  async function loadSale() {
    try {
      const answer = await Flashsale.api(saleUrl);
      if (answer.ok) showSale(answer.body); else showError(answer.body);
    } catch (e) {
      $('live-indicator').textContent = 'offline';
    }
  }

  function listen() {
    if (!window.EventSource) {
      setInterval(loadSale, 2000); // clients that cannot stream poll the sale
      return;
    }
    const events = new EventSource(saleUrl + '/events');
    events.addEventListener('sale', event => {
      $('live-indicator').textContent = 'updating live';
      showSale(JSON.parse(event.data));
    });
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) { // refused (429: too many streams), never retried: poll instead
        $('live-indicator').textContent = 'updating every 2 s';
        setInterval(loadSale, 2000);
        return;
      }
      $('live-indicator').textContent = 'reconnecting…'; // EventSource retries by itself
    };
  }

  async function buy() {
    $('buy').disabled = true;
    const key = sessionStorage.getItem(clickKey) || Flashsale.randomKey();
    sessionStorage.setItem(clickKey, key); // a retry after a lost answer is the same click
    const headers = Object.assign({'Content-Type': 'application/json', 'Idempotency-Key': key}, auth());
    try {
      if (sale.waitingRoom) {
        headers['Flashsale-Pass'] = await waitingRoom().admit(sale, token());
      }
      let url;
      try {
        url = await purchaseUrl();
      } catch (refused) {
        if (!refused || refused.status === undefined) throw refused;
        showError(refused.body); // before the start by the server's clock: 409, the page asks again after it
        render();
        return;
      }
      const answer = await Flashsale.api(url, {method: 'POST', headers, body: JSON.stringify({quantity: 1})});
      if (answer.status === 202) {
        sessionStorage.setItem(purchaseKey, answer.body.requestId);
        sessionStorage.removeItem(clickKey);
        showPurchase({requestId: answer.body.requestId, status: 'PENDING'});
        follow(answer.body.requestId);
      } else {
        if (answer.status !== 429 && answer.status < 500) sessionStorage.removeItem(clickKey);
        showError(answer.body);
      }
    } catch (e) {
      showError({detail: 'Could not reach the shop, please try again.'});
    }
    render();
  }

  function showPurchase(next) {
    purchase = next;
    $('purchase').hidden = false;
    $('purchase-status').textContent = next.status;
    $('purchase-status').dataset.status = next.status;
    let detail = '';
    switch (next.status) {
      case 'PENDING': detail = next.queuePosition != null ? next.queuePosition + ' ahead of you' : 'In the queue…'; break;
      case 'ACCEPTED': detail = 'It is yours once you pay before the time runs out.'; break;
      case 'REJECTED': detail = REASONS[next.reason] || next.reason || ''; break;
      case 'CONFIRMED': detail = 'Paid. Order ' + (next.orderId || next.requestId) + '.'; break;
      case 'EXPIRED': detail = 'The time ran out; the item went back to the sale.'; break;
      case 'CANCELLED': detail = 'You gave it back.'; break;
    }
    if (next.refund === 'DUE') detail += ' Your payment will be refunded.';
    $('purchase-detail').textContent = detail;
    // The purchase's own flow (a click retried from another visit keeps the flow it was made in).
    $('purchase-flow').textContent = next.flowId || flowId;
    $('hold').hidden = next.status !== 'ACCEPTED';
    render();
  }

  // Long-polls while PENDING (the answer comes as soon as it is decided), then looks every second and a half
  // while the hold runs, until the purchase reaches its final state.
  function follow(requestId) {
    if (following === requestId) return;
    following = requestId;
    let misses = 0;
    const step = async () => {
      if (following !== requestId) return;
      const wait = !purchase || purchase.status === 'PENDING' ? 25000 : 0;
      try {
        const answer = await Flashsale.api('/api/purchases/' + encodeURIComponent(requestId) + '?waitMs=' + wait,
            {headers: auth()});
        if (answer.ok) {
          misses = 0;
          showPurchase(answer.body);
          if (FINAL.includes(answer.body.status)) { following = null; return; }
        } else if (answer.status === 404 && ++misses > 20) {
          sessionStorage.removeItem(purchaseKey); // not this buyer's, or long forgotten
          following = null;
          $('purchase').hidden = true;
          purchase = null;
          render();
          return;
        } else if (answer.status !== 404) {
          showError(answer.body);
        }
      } catch (e) {
        // offline for a moment: try again below
      }
      setTimeout(step, purchase && purchase.status === 'PENDING' ? 200 : 1500);
    };
    step();
  }

  async function checkout() {
    $('checkout').disabled = true;
    const answer = await Flashsale.api('/api/purchases/' + encodeURIComponent(purchase.requestId) + '/checkout',
        {method: 'POST', headers: auth()});
    $('checkout').disabled = false;
    if (!answer.ok) { showError(answer.body); return; }
    // The provider's page; it brings the buyer back here, where the purchase is followed on.
    // The return address goes before a fragment, which Stripe's Checkout page reads for itself.
    const back = location.origin + location.pathname;
    const hash = answer.body.redirectUrl.indexOf('#');
    const page = hash < 0 ? answer.body.redirectUrl : answer.body.redirectUrl.slice(0, hash);
    location.href = page + (page.includes('?') ? '&' : '?') + 'return=' + encodeURIComponent(back)
        + (hash < 0 ? '' : answer.body.redirectUrl.slice(hash));
  }

  async function cancel() {
    const answer = await Flashsale.api('/api/purchases/' + encodeURIComponent(purchase.requestId) + '/cancel',
        {method: 'POST', headers: auth()});
    if (!answer.ok) { showError(answer.body); return; }
    following = null;
    follow(purchase.requestId);
  }

  $('buy').addEventListener('click', buy);
  document.addEventListener('flashsale-admitted', render); // a last draw's winner may buy although sold out
  $('checkout').addEventListener('click', checkout);
  $('cancel').addEventListener('click', cancel);
  setInterval(tick, 200);
  loadSale().then(listen);
  const known = sessionStorage.getItem(purchaseKey);
  if (known && token()) follow(known);
})();
