// Kasse register UI: returns. Loaded after app.js and uses its helpers.
// With the receipt: scan its barcode (or type its number), pick lines and
// quantities, refund to the original tender (or a credit note). Without a
// receipt: a supervisor approves with their PIN, the items are scanned, and
// the refund is a credit note. The return lives in the ledger: nothing is
// opened there until the cashier refunds, and a refund that failed halfway
// goes on with the same return when tapped again.
'use strict';

const R = {
  original: null, // the sale returned from, as GET /receipts/find gave it
  ret: null,      // the return in the ledger, once opened
  picks: {},      // line number → quantity to take back
  keys: {},       // one idempotency key per step, kept for a retry of the tap
};

function returnReset() {
  R.original = null; R.ret = null; R.picks = {}; R.keys = {};
  $('ret-find').classList.remove('hide');
  $('ret-blind').classList.remove('hide');
  $('ret-body').classList.add('hide');
  $('ret-done').classList.add('hide');
  $('ret-back').classList.remove('hide');
  $('ret-code').value = '';
}

function returnKey(step) { return R.keys[step] || (R.keys[step] = newKey()); }

$('btn-return').addEventListener('click', () => {
  if (S.sale && S.sale.status === 'open' && S.sale.lines.some((l) => !l.removed)) return toast(t('retSaleOpen'), true);
  returnReset();
  show('return');
  setTimeout(() => $('ret-code').focus({ preventScroll: true }), 0);
});
$('ret-back').addEventListener('click', () => { returnReset(); show('sale'); });
$('ret-next').addEventListener('click', () => { returnReset(); S.sale = null; S.lastNew = 0; render(); show('sale'); });

$('ret-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (wedge.taken) return;
  const code = $('ret-code').value.trim();
  if (code) returnScan(code);
});

// returnScan takes what a scanner (or the cashier) gave on the return
// screen: the receipt's code before a return is chosen, an item's barcode
// on a return without a receipt.
function returnScan(code) {
  $('ret-code').value = '';
  if (R.ret && !R.original && R.ret.status === 'open') {
    return change(async () => { R.ret = await api('POST', '/returns/' + R.ret.id + '/lines', { code, qty: 1 }); renderReturn(); return null; });
  }
  if (R.original || R.ret) return;
  change(async () => {
    R.original = await api('GET', '/receipts/find?code=' + encodeURIComponent(code));
    R.picks = {};
    $('toast').classList.add('hide'); // an earlier refusal no longer applies
    renderReturn();
    return null;
  });
}

$('ret-blind').addEventListener('click', () => {
  if (R.ret) return;
  const key = returnKey('open');
  once(async () => {
    // The override goes in the body: the ledger records the approver on the return.
    let ret;
    try {
      ret = await api('POST', '/returns', { noReceipt: true }, { key });
    } catch (e) {
      if (e.code !== 'permission_denied') throw e;
      const a = await approval(t('retBlind'), say(e));
      if (!a) return;
      ret = await api('POST', '/returns', { noReceipt: true, override: a });
    }
    R.ret = ret;
    renderReturn();
    setTimeout(() => $('ret-code').focus({ preventScroll: true }), 0);
  });
});

// methodWords says where the money goes, the way the hub decides it by
// default: each of the original's tenders; a gift card, other tenders and
// a return without a receipt give a credit note.
function methodWords(orig) {
  if (!orig) return t('m_credit');
  const ms = [];
  for (const p of orig.payments || []) {
    const w = t('m_' + p.method) === 'm_' + p.method ? t('m_other') : t('m_' + p.method);
    if (!ms.includes(w)) ms.push(w);
  }
  return ms.length ? ms.join(' + ') : t('m_credit');
}

function renderReturn() {
  const o = R.original, r = R.ret;
  // Without a receipt the code field stays: items' barcodes go there.
  $('ret-find').classList.toggle('hide', !!o);
  $('ret-blind').classList.toggle('hide', !!r || !!o);
  $('ret-body').classList.remove('hide');
  $('ret-from').textContent = o ? t('retFrom') + (o.receipt ? o.receipt.no : '') + (o.receipt ? ' – ' + o.receipt.local : '') + '. ' + t('retPick') : t('retBlindFrom');
  const list = $('ret-lines');
  const items = [];
  let total = 0;
  if (o) {
    for (const l of o.lines) {
      if (l.removed || l.voucher) continue;
      const left = l.qty - ((o.returned || {})[l.no] || 0);
      const pick = Math.min(R.picks[l.no] || 0, left);
      const perUnit = l.unit === 'kg' ? l.amount : l.amount / l.qty;
      const amt = l.unit === 'kg' ? (pick ? l.amount : 0) : Math.round(perUnit * pick);
      total += amt;
      const li = document.createElement('li');
      li.dataset.no = l.no;
      const name = document.createElement('span'); name.className = 'name'; name.textContent = l.name;
      const qty = document.createElement('span'); qty.className = 'qty';
      const step = l.unit === 'kg' ? left : 1;
      const minus = document.createElement('button'); minus.type = 'button'; minus.textContent = '−'; minus.setAttribute('aria-label', 'minus');
      const plus = document.createElement('button'); plus.type = 'button'; plus.textContent = '+'; plus.setAttribute('aria-label', 'plus');
      const out = document.createElement('output'); out.textContent = l.unit === 'kg' ? (pick ? lineQty(l) : '0') : String(pick);
      minus.disabled = pick <= 0; plus.disabled = pick >= left;
      minus.addEventListener('click', () => { R.picks[l.no] = Math.max(0, pick - step); renderReturn(); });
      plus.addEventListener('click', () => { R.picks[l.no] = Math.min(left, pick + step); renderReturn(); });
      qty.append(minus, out, plus);
      const a = document.createElement('span'); a.className = 'amt'; a.textContent = kr(amt);
      const sub = document.createElement('span'); sub.className = 'sub';
      sub.textContent = (l.unit === 'kg' ? lineQty(l) : l.qty + ' × ' + kr(Math.round(perUnit))) + ' · ' + left + ' ' + t('retLeft');
      li.append(name, qty, a, sub);
      items.push(li);
    }
  } else if (r) {
    for (const l of r.lines) {
      if (l.removed) continue;
      const li = document.createElement('li');
      const name = document.createElement('span'); name.className = 'name'; name.textContent = l.name;
      const qty = document.createElement('span'); qty.className = 'qty'; qty.textContent = lineQty(l);
      const a = document.createElement('span'); a.className = 'amt'; a.textContent = kr(Math.abs(l.amount));
      li.append(name, qty, a);
      items.push(li);
    }
    total = Math.abs(r.totals.total);
    if (!items.length) { const li = document.createElement('li'); li.textContent = t('retEmpty') + ' ' + t('retScanItems') + '.'; items.push(li); }
  }
  list.replaceChildren(...items);
  $('ret-total').textContent = t('total') + ' ' + kr(total);
  $('ret-method').textContent = t('retTo') + methodWords(o);
  $('ret-refund').textContent = t('retRefund') + ' ' + kr(total) + ' – ' + methodWords(o);
  $('ret-refund').disabled = !total;
  $('ret-credit').classList.toggle('hide', !o);
}

$('ret-refund').addEventListener('click', () => refund(''));
$('ret-credit').addEventListener('click', () => refund('credit'));

// refund opens the return (with the receipt: now, with the lines picked),
// then refunds it. Each step keeps its key, so a second tap after a lost
// answer books nothing twice.
function refund(method) {
  const o = R.original;
  if (o && !Object.values(R.picks).some((q) => q > 0)) return toast(t('retNothing'), true);
  once(async () => {
    if (!R.ret) R.ret = await api('POST', '/returns', { original: o.id }, { key: returnKey('open') });
    if (o) {
      for (const [no, q] of Object.entries(R.picks)) {
        if (q > 0) R.ret = await api('POST', '/returns/' + R.ret.id + '/lines', { line: Number(no), qty: q }, { key: returnKey('line' + no) });
      }
    }
    let done;
    try {
      done = await api('POST', '/returns/' + R.ret.id + '/refund', { method }, { key: returnKey('refund' + method), timeout: 90000 });
    } catch (e) {
      if (e.status !== 202) throw e;
      toast(t('cardPending'));
      done = await pendingCard(e.body.attempt.id);
    }
    returnDone(done && done.sale ? done.sale : done);
  });
}

function returnDone(ret) {
  R.ret = ret;
  $('ret-find').classList.add('hide');
  $('ret-body').classList.add('hide');
  $('ret-back').classList.add('hide');
  $('ret-done').classList.remove('hide');
  const paid = (ret.payments || []).reduce((a, p) => a + p.amount, 0);
  $('ret-amount').textContent = kr(Math.abs(paid || ret.totals.total));
  const words = [];
  if (ret.receipt) words.push(t('retReceipt') + ret.receipt.no);
  for (const p of ret.payments || []) {
    if (p.method === 'credit' && p.ref) words.push(t('retCreditNo') + p.ref);
    else words.push(t('retTo') + (t('m_' + p.method) === 'm_' + p.method ? p.method : t('m_' + p.method)) + ' ' + kr(Math.abs(p.amount)));
  }
  if (S.printer) words.push(t('retPrinting'));
  $('ret-result').textContent = words.join(' · ');
}

// A change of language redraws the return's own lines.
$('lang').addEventListener('click', () => {
  if (S.screen !== 'return') return;
  if (!$('ret-done').classList.contains('hide')) returnDone(R.ret);
  else if (R.original || R.ret) renderReturn();
});
