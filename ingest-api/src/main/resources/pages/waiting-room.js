// The waiting room on the buyer page: joins the sale's queue as soon as joins open (so a buyer who came early is in
// the pre-queue, shuffled at the start), shows the place and the estimated wait, and hands the purchase pass of the
// admission to the buy button (sale.js calls FlashsaleWaitingRoom.admit).
'use strict';

window.FlashsaleWaitingRoom = (() => {
  const $ = id => document.getElementById(id);
  let admission = null; // one join and one wait per page: a second click waits for the same admission
  let pass = null;
  let won = false; // the sale's event stream named this buyer among a last draw's winners

  /** The buyer's tag in a last draw's winnerTags: the first 16 hex digits of SHA-256(saleId + ":" + userId). */
  async function tagOf(saleId, token) {
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256',
          new TextEncoder().encode(saleId + ':' + payload.sub)));
      return Array.from(hash.slice(0, 8), b => b.toString(16).padStart(2, '0')).join('');
    } catch (e) {
      return null;
    }
  }

  function say(text) {
    $('waiting-room').hidden = false;
    $('waiting-room').textContent = text;
  }

  /** A nonce such that SHA-256(challenge + ":" + nonce) starts with {@code bits} zero bits. */
  async function solve(challenge, bits) {
    const encoder = new TextEncoder();
    for (let n = 0; ; n++) {
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(challenge + ':' + n)));
      let zeros = 0;
      for (const b of hash) {
        if (b === 0) { zeros += 8; continue; }
        zeros += Math.clz32(b) - 24;
        break;
      }
      if (zeros >= bits) return String(n);
    }
  }

  async function join(sale, auth, lostToken) {
    const headers = Object.assign({'Content-Type': 'application/json'}, auth);
    let body = lostToken ? {queueToken: lostToken} : {};
    const prove = async () => {
      say('Proving you are not a bot…');
      const challenge = await Flashsale.api('/api/sales/' + encodeURIComponent(sale.saleId) + '/challenge', {headers});
      if (!challenge.ok) throw challenge.body;
      body = {challenge: challenge.body.challenge, nonce: await solve(challenge.body.challenge, challenge.body.bits),
              queueToken: lostToken};
    };
    if (sale.waitingRoom.proofOfWorkBits > 0) await prove();
    let proofs = 0;
    for (;;) {
      const joined = await Flashsale.api('/api/sales/' + encodeURIComponent(sale.saleId) + '/queue',
          {method: 'POST', headers, body: JSON.stringify(body)});
      if (joined.status === 202) return joined.body;
      // The difficulty rose since (the admin, or a flood of joins): a fresh challenge at the new one, a few times.
      if (joined.status === 403 && joined.body && joined.body.code === 'PROOF_REQUIRED' && proofs++ < 3) {
        await prove();
        continue;
      }
      if (joined.status !== 503 && joined.status !== 429) throw joined.body; // a retry keeps the place
      const retryAfter = Number(joined.headers && joined.headers.get && joined.headers.get('Retry-After')) || 1;
      await new Promise(resolve => setTimeout(resolve, 1000 * retryAfter));
    }
  }

  async function wait(sale, auth) {
    let place = await join(sale, auth);
    for (;;) {
      if (place.status === 'ADMITTED') {
        say(sale.lastDraw && ['SOLD_OUT', 'ENDED'].includes(sale.status)
            ? 'You won the last draw: a unit is held for you until '
              + new Date(place.passExpiresAt).toLocaleTimeString() + '. Buy it now.'
            : 'It is your turn: you may buy now.');
        return place.purchasePass;
      }
      if (place.status === 'EXPIRED') { // away too long (a sleeping laptop): back in the queue, at its end
        say('You were away too long and your place expired: joining again at the back.');
        place = await join(sale, auth, place.queueToken);
        continue;
      }
      if (place.status !== 'WAITING') {
        say(place.status === 'SOLD_OUT' ? 'Sold out while you waited.' : 'The sale has ended.');
        throw {detail: place.status === 'SOLD_OUT' ? 'Sold out' : 'The sale has ended'};
      }
      if (place.lastDraw) { // sold out: units that come back are drawn among those still waiting, this buyer too
        say(won ? 'You won the last draw: your turn comes in a moment…'
            : 'Sold out, but you are in the last draw: a unit that comes back may be drawn for you. Keep this page open.');
        const next = await Flashsale.api(place.pollUrl + '?waitMs=25000', {headers: auth});
        if (!next.ok) throw next.body;
        place = Object.assign({pollUrl: place.pollUrl}, next.body);
        continue;
      }
      say(place.position != null
          ? 'In the waiting room: ' + place.position + ' ahead of you, about ' + place.estimatedWaitSeconds + ' s'
            + (place.estimatedStartTime ? ' (your turn at ' + new Date(place.estimatedStartTime).toLocaleTimeString() + ').' : '.')
          : 'In the waiting room: your place is drawn at the start, among everyone who came before it.');
      const next = await Flashsale.api(place.pollUrl + '?waitMs=25000', {headers: auth});
      if (!next.ok) throw next.body;
      place = Object.assign({pollUrl: place.pollUrl}, next.body);
    }
  }

  return {
    /** Joins when joins are open (the page calls it on every render); the same admission on every call. */
    prepare(sale, token) {
      const round = sale.lastDrawRound;
      if (round && token && !won && !pass) {
        tagOf(sale.saleId, token).then(tag => {
          if (tag && round.winnerTags.includes(tag) && !won) {
            won = true;
            say('You won the last draw: your turn comes in a moment…');
          }
        });
      }
      const opens = Date.parse(sale.startsAt) - 1000 * sale.waitingRoom.preQueueSeconds;
      // After a sell-out a sale with a last draw still takes joins: who waits may be drawn for a unit that comes back.
      const open = ['SCHEDULED', 'LIVE'].includes(sale.status) || (sale.lastDraw && sale.status === 'SOLD_OUT');
      if (admission || !token || Flashsale.serverNow() < opens || !open) return;
      admission = wait(sale, {'Authorization': 'Bearer ' + token, 'Flashsale-Flow': Flashsale.flow(sale.saleId)})
          .then(p => {
            pass = p;
            document.dispatchEvent(new Event('flashsale-admitted'));
            return p;
          });
      admission.catch(problem => { admission = null; say(Flashsale.problemMessages(problem).join(' ')); });
    },
    /** True once the buyer holds a pass. */
    admitted() {
      return pass !== null;
    },
    /** The purchase pass, once admitted. */
    admit(sale, token) {
      this.prepare(sale, token);
      return admission || Promise.reject({detail: 'The waiting room is not open yet'});
    }
  };
})();
