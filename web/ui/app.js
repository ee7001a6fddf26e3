// Kasse register UI. Plain JavaScript, no framework. The sale lives in the
// shop's ledger, never only here: this page shows it, sends each change
// with its own idempotency key (reused for every retry, on any hub), and
// picks the sale up again after a reload or a move to another hub.
'use strict';

// ---- words -----------------------------------------------------------------

const T = {
  nb: {
    online: 'Tilkoblet', offline: 'Frakoblet', reconnecting: 'Mistet kontakt med huben – prøver igjen (ingenting blir bokført to ganger)',
    movedHub: 'Huben svarte ikke – bytter til ', drawerOpen: 'Skuff åpen', drawerBlocks: 'Kassaskuffen er åpen: lukk den før du fortsetter salget.',
    logout: 'Logg ut', pairTitle: 'Koble til kassen', pairHelp: 'Skriv inn koden huben viser (kasse run) eller som en leder har laget.',
    pairCode: 'Tilkoblingskode', register: 'Kasse', deviceName: 'Navn på enheten', pairDo: 'Koble til',
    caLink: 'Last ned butikkens sertifikat (CA)', loginTitle: 'Logg inn', employeeNo: 'Ansattnummer', pin: 'PIN', loginDo: 'Logg inn',
    emptyCart: 'Skann en vare eller trykk en hurtigtast', park: 'Parker', parked: 'Parkerte', void: 'Annuller', saleDiscount: 'Rabatt',
    noSale: 'Åpne skuff', pay: 'Betal', searchHint: 'Søk vare eller skriv strekkode', toPay: 'Å betale', cash: 'Kontant',
    otherAmount: 'Annet beløp', takeCash: 'Ta imot kontant', card: 'Kort', cardRest: 'Beløp (tomt: resten)', takeCard: 'Betal med kort',
    back: 'Tilbake til salget', thanks: 'Takk!', change: 'Vekslepenger', rcPrint: 'Skriv ut', rcShow: 'Vis kvittering', rcMail: 'E-post',
    send: 'Send', next: 'Neste kunde', cancel: 'Avbryt', ok: 'OK', total: 'Totalt', discount: 'Rabatt', paid: 'Betalt', due: 'Rest',
    rounding: 'Øreavrunding', vat: 'herav mva', items: 'varer', approveTitle: 'Godkjenning', approveWho: 'Leder (ansattnr.)',
    approvePin: 'Leders PIN', lineTitle: 'Linje', qty: 'Antall', percent: 'Prosent', amount: 'Beløp (kr)', reason: 'Årsak',
    price: 'Ny pris (kr)', remove: 'Fjern linjen', applyDisc: 'Gi rabatt', applyPrice: 'Overstyr pris', noParked: 'Ingen parkerte salg.',
    resume: 'Hent', voidAsk: 'Annullere hele salget?', scanInPay: 'Skanningen ble ikke lagt til: fullfør betalingen først.',
    cardWait: 'Venter på kunden ved terminalen …', cardApproved: 'Kort godkjent', cardPending: 'Terminalen har ikke svart ennå – huben finner ut av det. Ikke ta betalt på nytt.',
    cardDeclined: 'Kortet ble avvist', printed: 'Kvitteringen skrives ut på ', printWaits: 'Kvitteringen venter på skriveren: ',
    noPrinter: 'Ingen skriver for denne kassen.', printedOK: 'Kvitteringen er skrevet ut.', printing: 'Skriver ut …', copyDone: 'Kopi skrives ut (KOPI).', idleOut: 'Logget ut etter inaktivitet.',
    reasonNoSale: 'Årsak', paper: 'Skriver: ', weighed: 'kg', each: 'à', locked: 'Låst', call: 'Kunden/kollega ber om hjelp',
    pairDone: 'Kassen er koblet til.', terminalOff: 'Terminal frakoblet', terminalOffLong: 'Kortterminalen svarer ikke: ta imot kontant, eller vent til den er tilbake.', role_cashier: 'kasserer', role_supervisor: 'skiftleder', role_manager: 'butikksjef', role_admin: 'administrator', mailSubject: 'Kvittering', receiptNo: 'Kvittering nr.',
    mailSending: 'Kvitteringen sendes til ', mailSent: 'Kvitteringen er sendt på e-post.', mailWaits: 'E-posten venter på e-posttjeneren: ', mailFailed: 'E-posten kom ikke fram: ',
  },
  en: {
    online: 'Online', offline: 'Offline', reconnecting: 'Lost the hub – retrying (nothing is booked twice)',
    movedHub: 'The hub did not answer – moving to ', drawerOpen: 'Drawer open', drawerBlocks: 'The cash drawer is open: close it before going on with the sale.',
    logout: 'Log out', pairTitle: 'Pair this register', pairHelp: 'Type the code the hub shows (kasse run) or a manager issued.',
    pairCode: 'Pairing code', register: 'Register', deviceName: 'Device name', pairDo: 'Pair',
    caLink: 'Download the shop certificate (CA)', loginTitle: 'Log in', employeeNo: 'Employee number', pin: 'PIN', loginDo: 'Log in',
    emptyCart: 'Scan an item or tap a quick key', park: 'Park', parked: 'Parked', void: 'Void', saleDiscount: 'Discount',
    noSale: 'Open drawer', pay: 'Pay', searchHint: 'Search items or type a barcode', toPay: 'To pay', cash: 'Cash',
    otherAmount: 'Other amount', takeCash: 'Take cash', card: 'Card', cardRest: 'Amount (empty: the rest)', takeCard: 'Pay by card',
    back: 'Back to the sale', thanks: 'Thank you!', change: 'Change', rcPrint: 'Print', rcShow: 'Show receipt', rcMail: 'E-mail',
    send: 'Send', next: 'Next customer', cancel: 'Cancel', ok: 'OK', total: 'Total', discount: 'Discount', paid: 'Paid', due: 'Due',
    rounding: 'Cash rounding', vat: 'incl. VAT', items: 'items', approveTitle: 'Approval', approveWho: 'Manager (employee no.)',
    approvePin: 'Manager PIN', lineTitle: 'Line', qty: 'Quantity', percent: 'Percent', amount: 'Amount (kr)', reason: 'Reason',
    price: 'New price (kr)', remove: 'Remove the line', applyDisc: 'Give discount', applyPrice: 'Override price', noParked: 'No parked sales.',
    resume: 'Resume', voidAsk: 'Void the whole sale?', scanInPay: 'The scan was not added: finish the payment first.',
    cardWait: 'Waiting for the customer at the terminal …', cardApproved: 'Card approved', cardPending: 'The terminal has not answered yet – the hub is finding out. Do not charge again.',
    cardDeclined: 'Card declined', printed: 'The receipt prints on ', printWaits: 'The receipt waits for the printer: ',
    noPrinter: 'No printer for this register.', printedOK: 'The receipt is printed.', printing: 'Printing …', copyDone: 'A copy prints (KOPI).', idleOut: 'Logged out after being idle.',
    reasonNoSale: 'Reason', paper: 'Printer: ', weighed: 'kg', each: 'at', locked: 'Locked', call: 'Someone is calling for help',
    pairDone: 'The register is paired.', terminalOff: 'Terminal offline', terminalOffLong: 'The card terminal does not answer: take cash, or wait until it is back.', role_cashier: 'cashier', role_supervisor: 'supervisor', role_manager: 'manager', role_admin: 'admin', mailSubject: 'Receipt', receiptNo: 'Receipt no.',
    mailSending: 'Sending the receipt to ', mailSent: 'The receipt was sent by e-mail.', mailWaits: 'The e-mail waits for the mail server: ', mailFailed: 'The e-mail was not delivered: ',
  },
};
for (const l of ['nb', 'en']) Object.assign(T[l], WORDS[l]);
let lang = localStorage.getItem('kasse.lang') || ((navigator.language || 'nb').startsWith('en') ? 'en' : 'nb');
const t = (k) => T[lang][k] || k;

// ---- money: "1 234,50 kr" --------------------------------------------------

function kr(øre) {
  const neg = øre < 0, v = Math.abs(øre), whole = Math.floor(v / 100).toString();
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return (neg ? '−' : '') + grouped + ',' + String(v % 100).padStart(2, '0') + '\u00a0kr';
}
// parseKr reads "123", "123,50", "1 234.5" as øre; NaN if it is not an amount.
function parseKr(s) {
  s = String(s).replace(/[\s\u00a0]|kr/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return NaN;
  const [a, b = ''] = s.split('.');
  return Number(a) * 100 + Number(b.padEnd(2, '0'));
}

// ---- state -----------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const S = {
  cred: localStorage.getItem('kasse.cred') || '',
  register: localStorage.getItem('kasse.register') || '',
  hubs: JSON.parse(localStorage.getItem('kasse.hubs') || '[]'),
  hub: 0,              // index into hubs of the hub in use
  me: null,            // GET /me
  sale: null,          // the sale on screen, as the ledger answered
  screen: '',
  busy: false,         // a once-only action is in flight
  printer: '',         // last printer state
  lastNew: 0,          // line number to flash
  refused: 0,          // hubs in a row that did not know this register
};
if (!S.hubs.length) S.hubs = [location.origin];

function newKey() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- talking to the hubs ---------------------------------------------------

class APIError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status; this.code = (body && body.code) || 'http_' + status; this.body = body;
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// api sends one request. A write carries one idempotency key for all its
// tries; when the hub does not answer (or says it cannot book now) the same
// request goes to the next hub of the shop, so nothing is booked twice and
// nothing is lost.
async function api(method, path, body, opt = {}) {
  const key = method === 'GET' ? '' : (opt.key || newKey());
  const headers = { Authorization: 'Bearer ' + S.cred };
  if (key) headers['Idempotency-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opt.approver) { headers['Kasse-Approver'] = opt.approver.employee; headers['Kasse-Approver-Pin'] = opt.approver.pin; }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  for (let tries = 0; ; tries++) {
    const base = S.hubs[S.hub % S.hubs.length];
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), opt.timeout || 6000);
    let res;
    try {
      res = await fetch(base + (opt.raw ? '' : '/api/v1') + path, { method, headers, body: payload, signal: ctl.signal, cache: 'no-store' });
    } catch (e) {
      res = null;
    } finally {
      clearTimeout(timer);
    }
    if (res && res.status !== 502 && res.status !== 503 && res.status !== 504) {
      online(true);
      if (res.status === 204) return null;
      const ct = res.headers.get('Content-Type') || '';
      const data = ct.includes('json') ? await res.json() : await res.text();
      if (res.status === 401 && data && data.code === 'unauthorized') {
        // A hub that has not yet applied this register's pairing does not
        // know it: ask the others before forgetting the credential.
        if (++S.refused < S.hubs.length) { moveHub(); continue; }
        S.refused = 0;
        return unpaired();
      }
      S.refused = 0;
      if (!res.ok) throw new APIError(res.status, data);
      if (res.status === 202) throw new APIError(202, data);
      return data;
    }
    // No answer, or the hub cannot book now: the next hub, same key.
    online(false);
    if (S.hubs.length > 1) moveHub();
    if (tries >= 40) throw new APIError(0, { code: 'offline', message: t('reconnecting') });
    await sleep(Math.min(250 * (tries + 1), 2000));
  }
}

function moveHub() {
  S.hub = (S.hub + 1) % S.hubs.length;
  toast(t('movedHub') + S.hubs[S.hub]);
  listen();
}

function online(ok) {
  const c = $('chip-hub');
  c.textContent = ok ? t('online') : t('offline');
  c.className = 'chip ' + (ok ? 'ok' : 'bad');
  banner(ok ? '' : t('reconnecting'), 'warn', 'net');
}

// ---- messages --------------------------------------------------------------

let toastTimer = 0;
function toast(msg, bad) {
  const el = $('toast');
  el.textContent = msg; el.className = bad ? 'bad' : '';
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.add('hide'), bad ? 6000 : 3000);
}
const banners = {};
function banner(msg, cls, slot) {
  banners[slot] = msg ? { msg, cls } : null;
  const b = Object.values(banners).find(Boolean);
  const el = $('banner');
  el.textContent = b ? b.msg : '';
  el.className = b ? b.cls : 'hide';
}
// The hub's messages are English; in bokmål its refusals are said by code
// (REFUSALS in lang.js), else the hub's own words.
function say(e) {
  const msg = e && e.message ? e.message : String(e);
  return lang === 'nb' && e && REFUSALS.nb[e.code] ? REFUSALS.nb[e.code] : msg;
}
// fail shows what went wrong in the cashier's words.
function fail(e) {
  if (e && e.code === 'drawer_open') drawer(true);
  toast(say(e), true);
}

// ---- screens ---------------------------------------------------------------

function show(name) {
  if (S.screen !== name) $('toast').classList.add('hide'); // a message belongs to its screen
  S.screen = name;
  for (const s of document.querySelectorAll('.screen')) s.classList.toggle('hide', s.id !== name);
  $('logout').classList.toggle('hide', !S.me || !S.me.employee || name === 'pair');
  if (name === 'sale') setTimeout(() => $('search').focus({ preventScroll: true }), 0);
}

function translate() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-tp]')) el.placeholder = t(el.dataset.tp);
  $('lang').textContent = lang === 'nb' ? 'EN' : 'NO';
  if (S.sale) render();
}

// ---- start -----------------------------------------------------------------

async function boot() {
  translate();
  keypad();
  if (!S.cred) return unpaired();
  try {
    await refreshMe();
  } catch (e) { return fail(e); }
  listen();
  api('GET', '/mail').then((m) => { S.mailOn = !!(m && m.on); }, () => {});
  if (!S.me.employee) return show('login');
  await resumeSale();
}

async function refreshMe() {
  S.me = await api('GET', '/me');
  if (!S.me) return;
  $('regname').textContent = S.me.name || S.me.register;
  $('who').textContent = S.me.employee ? S.me.employee.name + ' (' + t('role_' + S.me.employee.role) + ')' : '';
  if (S.me.hubs && S.me.hubs.length) {
    const cur = S.hubs[S.hub];
    S.hubs = S.me.hubs.slice();
    S.hub = Math.max(0, S.hubs.indexOf(cur));
    if (S.hubs.indexOf(cur) < 0) { S.hubs.unshift(cur); S.hub = 0; }
    localStorage.setItem('kasse.hubs', JSON.stringify(S.hubs));
  }
  drawer(S.me.drawerOpen);
  idle();
}

// resumeSale finds the register's open sale in the ledger (after a reload
// or a move to another hub) and shows it.
async function resumeSale() {
  const sales = await api('GET', '/sales');
  const open = (sales || []).filter((s) => s.status === 'open');
  S.sale = open.length ? open[open.length - 1] : null;
  if (S.sale && S.sale.totals.paid > 0 || S.sale && S.sale.pending && S.sale.pending.length) { show('pay'); renderPay(); } else show('sale');
  render();
  quickKeys();
}

// ---- pairing ---------------------------------------------------------------

async function unpaired() {
  S.cred = ''; localStorage.removeItem('kasse.cred');
  show('pair');
  try {
    const res = await fetch('/pair/registers');
    const regs = await res.json();
    $('pair-register').innerHTML = '';
    for (const r of regs) $('pair-register').append(new Option(r.id + ' – ' + r.name, r.id));
  } catch (e) { /* the form still says what to type */ }
}

$('pair-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const res = await fetch('/pair', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: $('pair-code').value, register: $('pair-register').value, name: $('pair-name').value }),
    });
    const data = await res.json();
    if (!res.ok) throw new APIError(res.status, data);
    S.cred = data.credential; S.register = data.register;
    localStorage.setItem('kasse.cred', S.cred); localStorage.setItem('kasse.register', S.register);
    if (data.hubs && data.hubs.length) { S.hubs = data.hubs; localStorage.setItem('kasse.hubs', JSON.stringify(S.hubs)); }
    $('pair-code').value = '';
    toast(t('pairDone'));
    boot();
  } catch (e) { fail(e); }
});

// ---- login, logout, idle ---------------------------------------------------

function keypad() {
  for (const pad of document.querySelectorAll('.keypad')) {
    pad.innerHTML = '';
    for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', '✓']) {
      const b = document.createElement('button');
      b.type = 'button'; b.textContent = k;
      b.addEventListener('click', () => {
        const emp = $('login-emp'), pin = $('login-pin');
        const f = document.activeElement === emp || !emp.value ? emp : pin;
        if (k === '⌫') f.value = f.value.slice(0, -1);
        else if (k === '✓') $('login-form').requestSubmit();
        else f.value += k;
      });
      pad.append(b);
    }
  }
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (S.busy) return;
  S.busy = true;
  try {
    await api('POST', '/login', { employee: $('login-emp').value, pin: $('login-pin').value });
    $('login-pin').value = '';
    await refreshMe();
    await resumeSale();
  } catch (e) {
    $('login-pin').value = '';
    fail(e);
  } finally { S.busy = false; }
});

async function logout(why) {
  try { await api('POST', '/logout', {}); } catch (e) { fail(e); }
  await refreshMe().catch(() => {});
  $('login-emp').value = '';
  show('login');
  if (why) toast(why);
}
$('logout').addEventListener('click', () => logout());

let idleTimer = 0;
function idle() {
  clearTimeout(idleTimer);
  const s = S.me && S.me.idleLogoutSeconds;
  if (!s || !S.me.employee) return;
  idleTimer = setTimeout(() => { if (S.screen === 'sale' || S.screen === 'done') logout(t('idleOut')); else idle(); }, s * 1000);
}
for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, () => idle(), { passive: true });

// ---- the sale --------------------------------------------------------------

// ensureSale opens a sale in the ledger on the first item.
async function ensureSale() {
  if (S.sale && S.sale.status === 'open') return S.sale.id;
  S.sale = await api('POST', '/sales', {});
  return S.sale.id;
}

// A queue: changes go to the hub one after another, in the order tapped.
let queue = Promise.resolve();
function change(fn) {
  const run = queue.then(fn).then((sale) => { if (sale && sale.id) { S.sale = sale; render(); } return sale; }).catch(fail);
  queue = run;
  return run;
}

function addSKU(sku) { change(async () => api('POST', '/sales/' + await ensureSale() + '/lines', { sku })); }

function scan(code, started) {
  if (S.screen === 'return') { returnScan(code); return; }
  if (S.screen === 'pay' || S.screen === 'done') { toast(t('scanInPay'), true); return; }
  if (S.screen !== 'sale') return;
  change(async () => {
    const id = await ensureSale(), sent = performance.now();
    const sale = await api('POST', '/sales/' + id + '/scans', { code });
    // The hub's part of the scan (HTTP, Raft, the synced commit), for the figures.
    (window.kasseScanHub = window.kasseScanHub || []).push(performance.now() - sent);
    S.scanStarted = started;
    return sale;
  });
}

function lineQty(l) { return l.unit === 'kg' ? (l.qty / 1000).toLocaleString('nb-NO') + ' ' + t('weighed') : String(l.qty); }

function render() {
  const s = S.sale;
  const cart = $('cart');
  const lines = s ? s.lines.filter((l) => !l.removed) : [];
  const maxNo = lines.reduce((m, l) => Math.max(m, l.no), 0);
  const frag = document.createDocumentFragment();
  for (const l of lines) {
    const li = document.createElement('li');
    li.dataset.no = l.no;
    if (l.no === maxNo && maxNo > S.lastNew) li.className = 'new';
    const name = document.createElement('span');
    name.className = 'name'; name.textContent = l.name;
    name.addEventListener('click', () => editLine(l));
    const qty = document.createElement('span');
    qty.className = 'qty';
    if (l.unit !== 'kg' && !l.fixed) {
      const minus = document.createElement('button'); minus.type = 'button'; minus.textContent = '−'; minus.setAttribute('aria-label', 'minus');
      const plus = document.createElement('button'); plus.type = 'button'; plus.textContent = '+'; plus.setAttribute('aria-label', 'plus');
      const out = document.createElement('output'); out.textContent = l.qty;
      minus.addEventListener('click', () => setQty(l, l.qty - 1));
      plus.addEventListener('click', () => setQty(l, l.qty + 1));
      qty.append(minus, out, plus);
    } else qty.textContent = lineQty(l);
    const amt = document.createElement('span');
    amt.className = 'amt'; amt.textContent = kr(l.amount);
    const sub = document.createElement('span');
    sub.className = 'sub';
    const price = l.override ? l.override.price : l.price;
    sub.textContent = (l.fixed ? '' : t('each') + ' ' + kr(price) + (l.unit === 'kg' ? '/kg' : '')) + (l.override ? ' (' + kr(l.override.was) + ')' : '');
    if (l.lineDisc || l.saleDisc) {
      const d = document.createElement('span'); d.className = 'disc';
      d.textContent = ' ' + t('discount') + ' ' + kr(-(l.lineDisc + l.saleDisc));
      sub.append(d);
    }
    li.append(name, qty, amt, sub);
    frag.append(li);
  }
  cart.replaceChildren(frag);
  S.lastNew = Math.max(S.lastNew, maxNo);
  $('empty').classList.toggle('hide', lines.length > 0);
  const tt = s ? s.totals : { total: 0, discount: 0, items: 0, vat: [] };
  const vat = (tt.vat || []).reduce((a, v) => a + v.vat, 0);
  $('totals').innerHTML = '';
  const row = (k, v, cls) => { const d = document.createElement('div'); if (cls) d.className = cls; const a = document.createElement('span'); a.textContent = k; const b = document.createElement('span'); b.textContent = v; d.append(a, b); $('totals').append(d); };
  if (tt.discount) row(t('discount'), kr(-tt.discount));
  row(t('vat'), kr(vat));
  row(t('total') + ' (' + (tt.items || 0) + ' ' + t('items') + ')', kr(tt.total), 'total');
  $('btn-pay').textContent = t('pay') + ' ' + kr(tt.total);
  $('btn-pay').disabled = !lines.length;
  if (S.scanStarted) {
    // Scan to screen, measured from the scan's Enter to the line drawn.
    (window.kasseScanTimes = window.kasseScanTimes || []).push(performance.now() - S.scanStarted);
    S.scanStarted = 0;
  }
}

function setQty(l, q) {
  if (q < 1) return change(() => api('DELETE', '/sales/' + S.sale.id + '/lines/' + l.no));
  change(() => api('PATCH', '/sales/' + S.sale.id + '/lines/' + l.no, { qty: q }));
}

// withApproval runs a change; refused for want of a permission, it asks a
// manager for their number and PIN and sends the same change again with
// their approval (a new key: it is a new request).
async function withApproval(title, send) {
  try {
    return await send();
  } catch (e) {
    if (e.code !== 'permission_denied') throw e;
    const a = await approval(title, say(e));
    if (!a) return null;
    return send(a);
  }
}

function approval(title, why) {
  return dialog(t('approveTitle') + ': ' + title, [
    { p: why },
    { id: 'ap-emp', label: t('approveWho'), mode: 'numeric' },
    { id: 'ap-pin', label: t('approvePin'), mode: 'numeric', type: 'password' },
  ]).then((v) => v && { employee: v['ap-emp'], pin: v['ap-pin'] });
}

// dialog shows fields and resolves with their values, or null on cancel.
function dialog(title, fields, okText) {
  return new Promise((resolve) => {
    $('modal-title').textContent = title;
    const body = $('modal-body');
    body.innerHTML = '';
    for (const f of fields) {
      if (f.p) { const p = document.createElement('p'); p.textContent = f.p; body.append(p); continue; }
      if (f.el) { body.append(f.el); continue; }
      const l = document.createElement('label');
      const s = document.createElement('span'); s.textContent = f.label;
      const i = document.createElement('input'); i.id = f.id; i.autocomplete = 'off';
      if (f.mode) i.inputMode = f.mode;
      if (f.type) i.type = f.type;
      if (f.value !== undefined) i.value = f.value;
      l.append(s, i); body.append(l);
    }
    $('modal-ok').textContent = okText || t('ok');
    $('modal-ok').classList.toggle('hide', okText === '');
    $('modal').classList.remove('hide');
    const first = body.querySelector('input'); if (first) first.focus();
    const done = (v) => { $('modal').classList.add('hide'); $('modal-form').onsubmit = null; $('modal-cancel').onclick = null; resolve(v); };
    $('modal-form').onsubmit = (ev) => {
      ev.preventDefault();
      const v = {};
      for (const i of body.querySelectorAll('input')) v[i.id] = i.value;
      done(v);
    };
    $('modal-cancel').onclick = () => done(null);
    S.closeDialog = () => done(null);
  });
}

// discountBody reads "10 %" or an amount from a dialog's values.
function discountBody(v) {
  const pct = v['d-pct'] && v['d-pct'].trim();
  if (pct) { const p = Number(pct.replace(',', '.')); return { percent: Math.round(p * 100), reason: v['d-reason'] || '' }; }
  return { amount: parseKr(v['d-amt']), reason: v['d-reason'] || '' };
}

async function editLine(l) {
  const v = await dialog(t('lineTitle') + ' ' + l.no + ': ' + l.name, [
    { id: 'd-pct', label: t('percent'), mode: 'decimal' },
    { id: 'd-amt', label: t('amount'), mode: 'decimal' },
    { id: 'p-price', label: t('price'), mode: 'decimal' },
    { id: 'd-reason', label: t('reason') },
    { el: removeButton(l) },
  ]);
  if (!v) return;
  const id = S.sale.id;
  if (v['p-price']) {
    const price = parseKr(v['p-price']);
    if (isNaN(price)) return toast(t('price') + '?', true);
    change(() => withApproval(t('applyPrice'), (a) => api('POST', '/sales/' + id + '/lines/' + l.no + '/price', { price, reason: v['d-reason'] || '' }, { approver: a })));
  }
  if (v['d-pct'] || v['d-amt']) {
    const d = discountBody(v);
    if (isNaN(d.amount) && d.percent === undefined || isNaN(d.percent) && d.amount === undefined) return toast(t('discount') + '?', true);
    change(() => withApproval(t('applyDisc'), (a) => api('POST', '/sales/' + id + '/discounts', { line: l.no, ...d }, { approver: a })));
  }
}

function removeButton(l) {
  const b = document.createElement('button');
  b.type = 'button'; b.className = 'danger'; b.textContent = t('remove');
  b.addEventListener('click', () => { S.closeDialog(); change(() => api('DELETE', '/sales/' + S.sale.id + '/lines/' + l.no)); });
  return b;
}

$('btn-sdisc').addEventListener('click', async () => {
  if (!S.sale || S.sale.status !== 'open') return;
  const v = await dialog(t('saleDiscount'), [
    { id: 'd-pct', label: t('percent'), mode: 'decimal' },
    { id: 'd-amt', label: t('amount'), mode: 'decimal' },
    { id: 'd-reason', label: t('reason') },
  ]);
  if (!v || !(v['d-pct'] || v['d-amt'])) return;
  const d = discountBody(v);
  const id = S.sale.id;
  change(() => withApproval(t('applyDisc'), (a) => api('POST', '/sales/' + id + '/discounts', d, { approver: a })));
});

$('btn-park').addEventListener('click', () => {
  if (!S.sale || S.sale.status !== 'open') return;
  const id = S.sale.id;
  change(async () => { await api('POST', '/sales/' + id + '/park', {}); S.sale = null; render(); return null; });
});

$('btn-parked').addEventListener('click', async () => {
  let sales;
  try { sales = await api('GET', '/sales'); } catch (e) { return fail(e); }
  const parked = (sales || []).filter((s) => s.status === 'parked');
  const list = document.createElement('div');
  if (!parked.length) list.textContent = t('noParked');
  for (const s of parked) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = t('resume') + ': ' + s.lines.filter((l) => !l.removed).map((l) => l.name).join(', ').slice(0, 60) + ' – ' + kr(s.totals.total);
    b.addEventListener('click', () => {
      S.closeDialog();
      change(async () => {
        if (S.sale && S.sale.status === 'open' && S.sale.lines.length) await api('POST', '/sales/' + S.sale.id + '/park', {});
        S.lastNew = 1e9;
        return api('POST', '/sales/' + s.id + '/resume', {});
      });
    });
    list.append(b);
  }
  dialog(t('parked'), [{ el: list }], '');
});

$('btn-void').addEventListener('click', async () => {
  if (!S.sale || S.sale.status !== 'open') return;
  if (!(await dialog(t('void'), [{ p: t('voidAsk') }]))) return;
  const id = S.sale.id;
  change(async () => {
    const s = await withApproval(t('void'), (a) => api('POST', '/sales/' + id + '/void', {}, { approver: a }));
    if (s && s.status === 'voided') { S.sale = null; render(); }
    return null;
  });
});

$('btn-nosale').addEventListener('click', async () => {
  const key = newKey();
  try {
    await withApproval(t('noSale'), (a) => api('POST', '/drawer/open', { reason: 'nosale' }, { approver: a, key: a ? undefined : key }));
  } catch (e) { fail(e); }
});

// ---- search and quick keys -------------------------------------------------

function itemButton(it) {
  const b = document.createElement('button');
  b.type = 'button';
  const n = document.createElement('span'); n.textContent = it.name;
  const p = document.createElement('small'); p.textContent = it.price ? kr(it.price) + (it.unit === 'kg' ? '/kg' : '') : '';
  b.append(n, p);
  b.addEventListener('click', () => { $('search').value = ''; $('results').innerHTML = ''; addSKU(it.sku); });
  return b;
}

async function quickKeys() {
  if ($('quick').childElementCount) return;
  try {
    const items = await api('GET', '/items?limit=500');
    // Favourites: the first piece-priced item of each group, then the rest, up to 15.
    const fav = items.filter((i) => i.active && i.unit === 'pcs' && i.price > 0).slice(0, 15);
    $('quick').replaceChildren(...fav.map(itemButton));
  } catch (e) { fail(e); }
}

let searchTimer = 0;
$('search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  const q = $('search').value.trim();
  if (!q || /^\d{8,}$/.test(q)) { $('results').innerHTML = ''; return; }
  searchTimer = setTimeout(async () => {
    try {
      const items = await api('GET', '/items?limit=12&q=' + encodeURIComponent(q));
      if ($('search').value.trim() === q) $('results').replaceChildren(...items.filter((i) => i.active).map(itemButton));
    } catch (e) { fail(e); }
  }, 150);
});
$('search').addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter' || wedge.taken) return;
  const q = $('search').value.trim();
  if (/^\d{8,14}$/.test(q)) { $('search').value = ''; scan(q, performance.now()); }
  else { const first = $('results').querySelector('button'); if (first) first.click(); }
});

// ---- keyboard-wedge scanner ------------------------------------------------
// A scanner types the code and Enter. With no text field focused, any six
// or more characters then Enter are a scan (a cashier keying a barcode by
// hand is a scan too). In a text field, only keys closer than 50 ms apart
// are: a person typing is slower and keeps their keys.
const wedge = { buf: '', last: 0, field: null, taken: false };
const isField = (el) => el && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
document.addEventListener('keydown', (ev) => {
  wedge.taken = false;
  if (!$('modal').classList.contains('hide') || S.screen === 'pair' || S.screen === 'login') return;
  const now = performance.now();
  const inField = isField(document.activeElement);
  if (ev.key === 'Enter') {
    if (wedge.buf.length >= 6 && (!wedge.field || now - wedge.last < 80)) {
      ev.preventDefault();
      wedge.taken = true;
      const f = wedge.field;
      if (f && typeof f.value === 'string' && f.value.endsWith(wedge.buf)) f.value = f.value.slice(0, f.value.length - wedge.buf.length);
      if (f === $('search')) $('results').innerHTML = '';
      scan(wedge.buf, now);
    }
    wedge.buf = '';
    return;
  }
  if (ev.key.length !== 1) return;
  if (now - wedge.last > (inField ? 50 : 3000) || (inField ? document.activeElement : null) !== wedge.field) {
    wedge.buf = '';
    wedge.field = inField ? document.activeElement : null;
  }
  wedge.buf += ev.key;
  wedge.last = now;
}, true);

// ---- paying ----------------------------------------------------------------

$('btn-pay').addEventListener('click', () => {
  if (!S.sale || !S.sale.lines.some((l) => !l.removed)) return;
  queue.then(() => { show('pay'); renderPay(); });
});
$('pay-back').addEventListener('click', () => { if (!S.sale.totals.paid) show('sale'); });

function renderPay() {
  const s = S.sale, tt = s.totals;
  $('pay-due').textContent = kr(tt.due);
  $('pay-paid').textContent = tt.paid ? t('paid') + ' ' + kr(tt.paid) : '';
  $('pay-back').disabled = tt.paid > 0;
  // Cash: the exact amount (rounded to whole kroner) and the next notes up.
  const exact = Math.round(tt.due / 100) * 100;
  const amounts = [exact];
  for (const n of [5000, 10000, 20000, 50000, 100000]) {
    const a = Math.ceil(tt.due / n) * n;
    if (a > exact && !amounts.includes(a) && amounts.length < 5) amounts.push(a);
  }
  $('cash-quick').replaceChildren(...amounts.map((a) => {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = kr(a); b.dataset.once = '';
    b.addEventListener('click', () => payCash(a));
    return b;
  }));
}

// once runs a payment-like action at most once at a time: a double tap
// does nothing, and the action's idempotency key is made once, at the tap.
async function once(fn) {
  if (S.busy) return;
  S.busy = true;
  for (const b of document.querySelectorAll('[data-once]')) b.disabled = true;
  try { await queue; await fn(); } catch (e) { fail(e); } finally {
    S.busy = false;
    for (const b of document.querySelectorAll('[data-once]')) b.disabled = false;
  }
}

function payCash(amount) {
  const key = newKey();
  return once(async () => {
    const sale = await api('POST', '/sales/' + S.sale.id + '/payments', { method: 'cash', amount }, { key });
    paid(sale);
  });
}
$('cash-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const a = parseKr($('cash-amount').value);
  if (isNaN(a) || a <= 0) return toast(t('otherAmount') + '?', true);
  $('cash-amount').value = '';
  payCash(a);
});

$('card-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const txt = $('card-amount').value.trim();
  const amount = txt ? parseKr(txt) : 0;
  if (isNaN(amount)) return toast(t('amount') + '?', true);
  const key = newKey();
  once(async () => {
    const prog = $('card-progress');
    prog.classList.remove('hide');
    const started = Date.now();
    const tick = setInterval(() => { prog.textContent = t('cardWait') + ' ' + Math.round((Date.now() - started) / 1000) + ' s'; }, 500);
    prog.textContent = t('cardWait');
    try {
      let res;
      try {
        res = await api('POST', '/sales/' + S.sale.id + '/payments', { method: 'card', amount }, { key, timeout: 90000 });
      } catch (e) {
        if (e.status !== 202) throw e;
        prog.textContent = t('cardPending');
        res = await pendingCard(e.body.attempt.id);
      }
      $('card-amount').value = '';
      const st = res.attempt.status;
      prog.textContent = st === 'approved' ? t('cardApproved') + ' ' + kr(res.attempt.outcome.authorized) : t('cardDeclined') + ': ' + ((res.attempt.outcome && res.attempt.outcome.message) || st);
      paid(res.sale);
    } finally { clearInterval(tick); }
  });
});

// pendingCard waits until the hub has booked what the terminal did.
async function pendingCard(id) {
  for (;;) {
    await sleep(1000);
    const at = await api('GET', '/payments/' + id);
    if (at.status !== 'pending') return { attempt: at, sale: await api('GET', '/sales/' + at.sale) };
  }
}

function paid(sale) {
  S.sale = sale;
  if (sale.status !== 'completed') { renderPay(); return; }
  show('done');
  $('change').textContent = t('change') + ': ' + kr(sale.totals.change || 0);
  $('receipt').classList.add('hide');
  $('mail-form').classList.add('hide');
  $('rc-mail').classList.toggle('hide', !S.mailOn);
  $('done-printer').textContent = S.printer ? t('paper') + S.printer : '';
  $('card-progress').classList.add('hide');
}

// ---- the receipt choice ----------------------------------------------------

// The receipt is printed when the sale completes (the ledger ordered it,
// once); Print says whether it came out, or what it waits for.
$('rc-print').addEventListener('click', async () => {
  const id = S.sale.id;
  try {
    for (let i = 0; i < 30; i++) {
      const p = await api('GET', '/sales/' + id + '/printing');
      if (p.status === 'done') return toast(t('printedOK'));
      if (p.status === 'failed') return toast(t('printWaits') + p.message, true);
      toast(t('printing') + (p.message ? ' ' + p.message : ''));
      await sleep(500);
    }
    toast(t('printWaits') + (S.printer || ''), true);
  } catch (e) {
    fail(e.status === 404 ? { message: t('noPrinter') } : e);
  }
});
$('rc-show').addEventListener('click', async () => {
  try {
    const html = await api('GET', '/sales/' + S.sale.id + '/receipt');
    const f = $('receipt'); f.srcdoc = html; f.classList.remove('hide');
  } catch (e) { fail(e); }
});
$('rc-mail').addEventListener('click', () => $('mail-form').classList.toggle('hide'));
// The hub sends the receipt (a shop tablet has no mail account); the
// register hears on its event stream when it went or why it waits.
$('mail-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const to = $('mail-to').value.trim();
  const seen = S.mailEvents || 0;
  try {
    // 202: the hub took the request; the event stream says when it went.
    await api('POST', '/sales/' + S.sale.id + '/email', { to }).catch((e) => { if (e.status !== 202) throw e; });
    $('mail-to').value = '';
    $('mail-form').classList.add('hide');
    // Unless the stream already told how it went, say it is on its way.
    if ((S.mailEvents || 0) === seen) toast(t('mailSending') + to);
  } catch (e) { fail(e); }
});
$('next').addEventListener('click', () => { S.sale = null; S.lastNew = 0; render(); show('sale'); });

// ---- live events -----------------------------------------------------------

let es = null;
function listen() {
  if (es) es.close();
  if (!S.cred) return;
  es = new EventSource(S.hubs[S.hub] + '/api/v1/events?access_token=' + encodeURIComponent(S.cred));
  es.addEventListener('scan', (ev) => { const d = JSON.parse(ev.data); scan(d.code, performance.now()); });
  es.addEventListener('printer', (ev) => {
    const d = JSON.parse(ev.data);
    const state = printerWords(d.state);
    S.printer = d.device + ': ' + state;
    const c = $('chip-printer');
    const ok = /^(online|connected)/.test(d.state) && !/paper out|cover open|error/.test(d.state);
    c.textContent = t('paper') + state; c.className = 'chip ' + (ok ? 'ok' : 'bad');
    if (S.screen === 'done') $('done-printer').textContent = t('paper') + S.printer;
  });
  es.addEventListener('status', (ev) => {
    const d = JSON.parse(ev.data);
    drawer(d.drawerOpen);
    if (S.me && S.me.employee && !d.employee && S.screen !== 'login' && S.screen !== 'pair') { refreshMe().then(() => show('login')).catch(fail); }
  });
  es.addEventListener('call', () => toast(t('call')));
  es.addEventListener('mail', (ev) => {
    S.mailEvents = (S.mailEvents || 0) + 1;
    const d = JSON.parse(ev.data);
    if (d.state === 'sent') toast(t('mailSent'));
    else if (d.state.startsWith('failed: ')) toast(t('mailFailed') + d.state.slice(8), true);
    else toast(t('mailWaits') + d.state.replace(/^waiting: /, ''), true);
  });
  es.addEventListener('terminal', (ev) => {
    const d = JSON.parse(ev.data), off = d.state !== 'online';
    const c = $('chip-terminal');
    c.textContent = t('terminalOff'); c.classList.toggle('hide', !off);
    banner(off ? t('terminalOffLong') : '', 'warn', 'terminal');
  });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) setTimeout(listen, 1000); };
}

// printerWords says the printer's state in the page's language.
const PRN_NB = { 'paper out': 'tomt for papir', 'paper near end': 'lite papir', 'cover open': 'lokket er åpent', 'drawer open': 'skuff åpen',
  offline: 'stoppet', online: 'klar', unreachable: 'svarer ikke', 'receipt waits': 'kvittering venter', error: 'feil' };
function printerWords(s) {
  if (lang !== 'nb') return s;
  return s.replace(/paper out|paper near end|cover open|drawer open|offline|online|unreachable|receipt waits|error/g, (w) => PRN_NB[w]);
}

function drawer(open) {
  $('chip-drawer').classList.toggle('hide', !open);
  banner(open ? t('drawerBlocks') : '', 'warn', 'drawer');
}

// ---- wiring ----------------------------------------------------------------

// A fault in this page is said, not swallowed.
window.addEventListener('error', (ev) => toast('⚠ ' + ev.message, true));
window.addEventListener('unhandledrejection', (ev) => toast('⚠ ' + (ev.reason && ev.reason.message || ev.reason), true));

$('lang').addEventListener('click', () => { lang = lang === 'nb' ? 'en' : 'nb'; localStorage.setItem('kasse.lang', lang); translate(); quickKeysLabels(); });
function quickKeysLabels() { /* item names are the shop's own, in one language */ }
document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && S.closeDialog && !$('modal').classList.contains('hide')) S.closeDialog(); });
boot();
