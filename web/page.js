// The page of `ner serve`: no framework, no CDN. Sends the text to POST /predict and draws the
// entities inline; the legend and the card come from GET /model.
const $ = (id) => document.getElementById(id);
const PALETTE = ['#ffd166', '#8ecae6', '#b5e48c', '#f4a3c0', '#cdb4db', '#ffb703', '#90dbf4', '#f7b267', '#c2f970', '#e0aaff'];
const colours = new Map();
const colourOf = (type) => {
  if (!colours.has(type)) colours.set(type, PALETTE[colours.size % PALETTE.length]);
  return colours.get(type);
};

function headers() {
  const h = { 'content-type': 'application/json' };
  const key = sessionStorage.getItem('ner-key');
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function call(path, body) {
  const r = await fetch(path, body === undefined ? { headers: headers() } : { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  const json = await r.json();
  if (r.status === 401) $('key-box').hidden = false;
  if (!r.ok) throw new Error(json.error?.message ?? `HTTP ${r.status}`);
  return json;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** One document: plain text between entities, each entity a <mark> coloured by type, score on hover. */
function highlighted({ text, entities }) {
  const p = el('p');
  let at = 0;
  for (const e of entities) {
    p.append(text.slice(at, e.start));
    const mark = el('mark', { 'data-type': e.type, 'data-score': String(e.score), title: `${e.type} ${e.score.toFixed(4)}`, style: `background:${colourOf(e.type)}` }, text.slice(e.start, e.end));
    mark.append(el('span', { class: 'tag' }, e.type));
    p.append(mark);
    at = e.end;
  }
  p.append(text.slice(at));
  return p;
}

async function label() {
  const texts = $('text').value.split('\n').filter((t) => t.trim() !== '');
  $('error').textContent = '';
  try {
    const predictions = texts.length ? await call('/predict', { texts }) : [];
    $('output').replaceChildren(...predictions.map(highlighted));
    $('json').textContent = JSON.stringify(predictions, null, 2);
    document.body.dataset.labelled = String(Date.now());
  } catch (err) {
    $('error').textContent = err.message;
  }
}

function pct(x) {
  return x === null || x === undefined ? '–' : (100 * x).toFixed(2);
}

function showCard(card) {
  $('legend').replaceChildren(...card.types.map((t) => el('span', { class: 'swatch', 'data-type': t, style: `background:${colourOf(t)}` }, t)));
  const rows = [
    ['kind', card.kind === 'ner' ? 'ner model' : 'Hugging Face token classification'],
    ['labels', card.labels.join(' ')],
    ['scheme', card.scheme],
    ['max length', `${card.maxLen} word pieces`],
    ['replica threads', String(card.replicas)],
  ];
  if (card.architecture) {
    const a = card.architecture;
    rows.push(['architecture', `BERT ${a.encoderLayers} × ${a.hiddenSize}${a.lstmHidden ? ` + BiLSTM ${a.lstmHidden}` : ''} + ${a.crf ? 'CRF' : 'softmax'}`]);
  }
  for (const split of ['dev', 'test']) {
    const s = card.scores?.[split];
    if (s) rows.push([`${split} P / R / F1`, `${pct(s.precision)} / ${pct(s.recall)} / ${pct(s.f1)}`]);
  }
  $('card').replaceChildren(el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
}

async function start() {
  try {
    showCard(await call('/model'));
    $('status').textContent = 'ready';
  } catch (err) {
    $('status').textContent = err.message;
  }
}

let timer;
$('text').addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(label, 300);
});
$('label').addEventListener('click', label);
$('key').addEventListener('change', () => {
  sessionStorage.setItem('ner-key', $('key').value);
  start();
});
start();
