// The serve page: the setup's controls as config keys (each sent as a
// key=value override, which the server reads with the config loader), and
// one panel per activation (and grid point) filled from /api/events as the
// compare trains.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const CLASS_RGB = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14], [140, 86, 75]];

let base = {};        // the server's base config: key -> YAML text
let keys = [];        // the keys the page may set
let generation = 0;   // of the compare the page shows
let seq = 0;          // the last event seen
let runs = [];        // run index -> {activation, seed, point, epochs: [], panel}
let panels = new Map();
let state = 'idle';

// --- The setup ---------------------------------------------------------

// A YAML flow list "[a, b]" as its items.
function yamlList(text) {
  return text.replace(/^\s*\[|\]\s*$/g, '').split(',').map((s) => s.trim()).filter((s) => s);
}

function controlValue(key) {
  if (key === 'compare.activations') {
    const on = [...document.querySelectorAll('#activations input:checked')].map((c) => c.value);
    return '[' + on.join(', ') + ']';
  }
  const el = $(key);
  return el ? el.value.trim() : undefined;
}

function setControl(key, text) {
  if (key === 'compare.activations') {
    const on = new Set(yamlList(text));
    document.querySelectorAll('#activations input').forEach((c) => { c.checked = on.has(c.value); });
    return;
  }
  const el = $(key);
  if (!el) return;
  el.value = key === 'compare.grid' && text === '{}' ? '' : text;
  if (key === 'model.hidden') fillDepthWidth();
}

function fillDepthWidth() {
  const widths = yamlList($('model.hidden').value);
  $('depth').value = widths.length;
  $('width').value = widths[0] || '';
}

// The setup as overrides: the keys whose control differs from the base.
function overrides() {
  const set = [];
  for (const key of keys) {
    const value = controlValue(key);
    if (value === undefined) continue;
    const was = base[key] === undefined ? '' : base[key];
    if (key === 'compare.grid' && value === '' && (was === '' || was === '{}')) continue;
    if (value !== was) set.push(key + '=' + value);
  }
  return set;
}

// The URL holds the setup, so that a link reproduces it.
function updateUrl(set) {
  const query = set.map((o) => {
    const eq = o.indexOf('=');
    return o.slice(0, eq) + '=' + encodeURIComponent(o.slice(eq + 1));
  }).join('&');
  history.replaceState(null, '', query ? '?' + query : location.pathname);
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of params) if (keys.includes(key)) setControl(key, value);
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body || {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

function showYaml(name, yaml) {
  $('yaml').textContent = yaml;
  const link = $('download-yaml');
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([yaml], {type: 'application/yaml'}));
  link.download = name + '.yaml';
}

let checking = null;
async function checkSetup() {
  const set = overrides();
  updateUrl(set);
  const mine = checking = {};
  try {
    const r = await post('/api/config', {set});
    if (checking !== mine) return;
    $('error').textContent = '';
    showYaml(r.name, r.yaml);
  } catch (e) {
    if (checking === mine) $('error').textContent = e.message;
  }
}

// --- The panels --------------------------------------------------------

function lineChart(canvas, yType) {
  return new Chart(canvas, {
    type: 'line',
    data: {labels: [], datasets: []},
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      normalized: true, spanGaps: true,
      elements: {point: {radius: 0}, line: {borderWidth: 1.5}},
      scales: {x: {type: 'linear', ticks: {maxTicksLimit: 6}}, y: {type: yType || 'linear'}},
      plugins: {legend: {labels: {boxWidth: 10, font: {size: 10}}}},
    },
  });
}

function chartBox(panel, name, title) {
  const box = document.createElement('div');
  box.className = 'chart';
  box.innerHTML = '<h3>' + title + '</h3>';
  const canvas = document.createElement('canvas');
  canvas.dataset.chart = name;
  canvas.dataset.epochs = '0';
  box.appendChild(canvas);
  panel.querySelector('.charts').appendChild(box);
  return canvas;
}

function makePanel(key, title) {
  const el = document.createElement('div');
  el.className = 'panel';
  el.dataset.panel = key;
  el.innerHTML = '<h2></h2><div class="charts"></div>';
  el.querySelector('h2').textContent = title;
  $('panels').appendChild(el);
  const p = {el, runs: [], dirty: false, boundary: null};
  p.loss = chartBox(el, 'loss', 'loss: mean and range over seeds');
  p.lossChart = lineChart(p.loss);
  const box = document.createElement('div');
  box.className = 'chart';
  box.innerHTML = '<h3>decision boundary (first seed)</h3>';
  p.boundaryCanvas = document.createElement('canvas');
  p.boundaryCanvas.className = 'boundary';
  p.boundaryCanvas.dataset.chart = 'boundary';
  p.boundaryCanvas.dataset.epochs = '0';
  box.appendChild(p.boundaryCanvas);
  el.querySelector('.charts').appendChild(box);
  p.grad = chartBox(el, 'grad', 'weight-gradient norm per layer');
  p.gradChart = lineChart(p.grad, 'logarithmic');
  p.health = chartBox(el, 'health', 'dead and saturated units');
  p.healthChart = lineChart(p.health);
  p.healthChart.options.scales.y.min = 0;
  p.healthChart.options.scales.y.max = 1;
  p.dist = chartBox(el, 'dist', 'layer outputs: 2nd–98th percentile, median');
  p.distChart = new Chart(p.dist, {
    type: 'bar',
    data: {labels: [], datasets: []},
    options: {animation: false, responsive: true, maintainAspectRatio: false,
              plugins: {legend: {labels: {boxWidth: 10, font: {size: 10}}}}},
  });
  return p;
}

function resetPanels() {
  for (const p of panels.values()) {
    for (const c of [p.lossChart, p.gradChart, p.healthChart, p.distChart]) c.destroy();
  }
  panels = new Map();
  runs = [];
  $('panels').innerHTML = '';
}

function onStart(e) {
  resetPanels();
  const labels = e.points;
  e.runs.forEach((r, i) => {
    const key = r.point + ':' + r.activation;
    if (!panels.has(key)) {
      const title = r.activation + (labels.length ? ' — ' + labels[r.point] : '');
      panels.set(key, makePanel(key, title));
    }
    const panel = panels.get(key);
    runs[i] = {...r, epochs: [], panel};
    panel.runs.push(i);
  });
  showYaml(e.yaml.match(/^name: (.*)$/m)[1], e.yaml);
}

// Mean, low and high over the panel's seeds of f(epoch event), by epoch.
function overSeeds(p, f) {
  const byEpoch = new Map();
  for (const i of p.runs) {
    for (const e of runs[i].epochs) {
      if (!e) continue;
      const v = f(e);
      if (v === null || v === undefined || !isFinite(v)) continue;
      if (!byEpoch.has(e.epoch)) byEpoch.set(e.epoch, []);
      byEpoch.get(e.epoch).push(v);
    }
  }
  const out = {mean: [], low: [], high: []};
  for (const [x, vs] of [...byEpoch.entries()].sort((a, b) => a[0] - b[0])) {
    out.mean.push({x, y: vs.reduce((a, b) => a + b, 0) / vs.length});
    out.low.push({x, y: Math.min(...vs)});
    out.high.push({x, y: Math.max(...vs)});
  }
  return out;
}

function positive(points) {
  return points.map((p) => ({x: p.x, y: p.y > 0 ? p.y : null}));
}

function drawPanel(p) {
  const train = overSeeds(p, (e) => e.train_loss);
  const test = overSeeds(p, (e) => e.test_loss);
  p.lossChart.data.datasets = [
    {label: 'low', data: train.low, borderWidth: 0, pointRadius: 0},
    {label: 'train range', data: train.high, borderWidth: 0, fill: '-1', backgroundColor: 'rgba(31,119,180,0.2)'},
    {label: 'train', data: train.mean, borderColor: COLORS[0]},
    {label: 'test', data: test.mean, borderColor: COLORS[1], borderDash: [4, 3]},
  ];
  p.lossChart.options.plugins.legend.labels.filter = (item) => item.text !== 'low';
  p.lossChart.update('none');
  p.loss.dataset.epochs = String(train.mean.length);

  const first = runs[p.runs[0]].epochs.filter((e) => e);
  const names = first.length ? first[first.length - 1].grad_norms.map((g) => g.name) : [];
  p.gradChart.data.datasets = names.map((name, k) => ({
    label: name,
    data: positive(overSeeds(p, (e) => (e.grad_norms[k] || {}).norm).mean),
    borderColor: COLORS[k % COLORS.length],
  }));
  p.gradChart.update('none');
  p.grad.dataset.epochs = String(names.length ? p.gradChart.data.datasets[0].data.length : 0);

  const dead = overSeeds(p, (e) => e.dead).mean;
  const saturated = overSeeds(p, (e) => e.saturated).mean;
  // Each activation has one of the two (ReLU's dead units, tanh's
  // saturated ones); without either, the share is 0 throughout.
  const zero = train.mean.map((q) => ({x: q.x, y: 0}));
  p.healthChart.data.datasets = [
    {label: 'dead', data: dead.length ? dead : zero, borderColor: COLORS[3]},
    {label: 'saturated', data: saturated.length ? saturated : zero, borderColor: COLORS[4]},
  ];
  p.healthChart.update('none');
  p.health.dataset.epochs = String(train.mean.length);

  const last = first[first.length - 1];
  if (last) {
    const layers = last.layers.filter((l) => l.p2 !== undefined && l.p2 !== null);
    p.distChart.data.labels = layers.map((l) => 'layer ' + l.layer);
    p.distChart.data.datasets = [
      {label: 'p2–p98 (epoch ' + last.epoch + ')', data: layers.map((l) => [l.p2, l.p98]),
       backgroundColor: 'rgba(31,119,180,0.45)'},
      {label: 'median', type: 'line', data: layers.map((l) => l.p50), borderColor: COLORS[1],
       showLine: false, pointRadius: 4, pointStyle: 'line', borderWidth: 3},
    ];
    p.distChart.update('none');
    p.dist.dataset.epochs = String(layers.length ? last.epoch : 0);
  }
  drawBoundary(p);
}

function drawBoundary(p) {
  const b = p.boundary;
  if (!b) return;
  const c = p.boundaryCanvas;
  const scale = 2;
  c.width = b.nx * scale;
  c.height = b.ny * scale;
  const ctx = c.getContext('2d');
  const image = ctx.createImageData(c.width, c.height);
  for (let j = 0; j < b.ny; ++j) {
    for (let i = 0; i < b.nx; ++i) {
      const cell = j * b.nx + i;
      const rgb = CLASS_RGB[b.predicted[cell] % CLASS_RGB.length];
      // Shade from white (a coin toss) to the class's colour (certain).
      const a = Math.max(0, Math.min(1, b.confidence[cell])) * 0.6;
      for (let dy = 0; dy < scale; ++dy) {
        for (let dx = 0; dx < scale; ++dx) {
          const row = (b.ny - 1 - j) * scale + dy;  // j = 0 is the bottom row
          const at = 4 * (row * c.width + i * scale + dx);
          for (let k = 0; k < 3; ++k) image.data[at + k] = Math.round(255 * (1 - a) + rgb[k] * a);
          image.data[at + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  const sx = c.width / (b.x_max - b.x_min), sy = c.height / (b.y_max - b.y_min);
  for (const [x, y, label] of b.points) {
    const rgb = CLASS_RGB[label % CLASS_RGB.length];
    ctx.fillStyle = 'rgb(' + rgb.join(',') + ')';
    ctx.strokeStyle = '#fff';
    ctx.beginPath();
    ctx.arc((x - b.x_min) * sx, c.height - (y - b.y_min) * sy, 2, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  c.dataset.epochs = String(b.epoch);
  c.title = 'epoch ' + b.epoch;
}

// --- Polling -----------------------------------------------------------

function showState(s, pausedAt, held) {
  state = s;
  const status = $('status');
  status.dataset.state = s;
  status.dataset.held = String(held);
  status.textContent = s + (s === 'paused' ? ' at epoch ' + pausedAt + ' (' + held + ' runs held)' : '');
  $('pause').textContent = s === 'paused' ? 'Resume' : 'Pause';
  $('step').disabled = s !== 'paused';
  $('download-report').hidden = s !== 'finished';
  $('download-csv').hidden = s !== 'finished';
}

async function poll() {
  try {
    const res = await fetch('/api/events?generation=' + generation + '&since=' + seq);
    const r = await res.json();
    if (r.generation !== generation) {
      generation = r.generation;
      resetPanels();
    }
    for (const e of r.events) {
      if (e.type === 'start') onStart(e);
      else if (e.type === 'epoch' && runs[e.run]) {
        runs[e.run].epochs[e.epoch] = e;
        runs[e.run].panel.dirty = true;
      } else if (e.type === 'end' && e.state === 'failed') $('error').textContent = e.message;
    }
    for (const b of r.boundaries) {
      if (!runs[b.run]) continue;
      runs[b.run].panel.boundary = b;
      runs[b.run].panel.dirty = true;
    }
    seq = r.seq;
    for (const p of panels.values()) {
      if (p.dirty) {
        p.dirty = false;
        drawPanel(p);
      }
    }
    showState(r.state, r.paused_at, r.held);
  } catch (e) {
    $('status').textContent = 'server unreachable';
  }
  setTimeout(poll, 300);
}

// --- Start-up ----------------------------------------------------------

async function act(path, body) {
  try {
    const r = await post(path, body);
    $('error').textContent = '';
    return r;
  } catch (e) {
    $('error').textContent = e.message;
    return null;
  }
}

async function init() {
  const setup = await (await fetch('/api/setup')).json();
  base = setup.values;
  keys = setup.keys;
  const box = $('activations');
  for (const name of setup.activations) {
    const label = document.createElement('label');
    label.innerHTML = '<input type="checkbox" name="activation"> ';
    label.firstChild.value = name;
    label.appendChild(document.createTextNode(name));
    box.appendChild(label);
  }
  for (const key of keys) if (base[key] !== undefined) setControl(key, base[key]);
  fromUrl();
  const hidden = () => {
    const d = Math.max(1, parseInt($('depth').value, 10) || 1);
    $('model.hidden').value = '[' + Array(d).fill($('width').value || '8').join(', ') + ']';
  };
  $('depth').addEventListener('input', hidden);
  $('width').addEventListener('input', hidden);
  $('model.hidden').addEventListener('input', fillDepthWidth);
  $('setup').addEventListener('input', checkSetup);
  $('setup').addEventListener('change', checkSetup);
  $('start').addEventListener('click', async () => {
    const r = await act('/api/start', {set: overrides()});
    if (r) showYaml(r.name, r.yaml);
  });
  $('pause').addEventListener('click', () => act(state === 'paused' ? '/api/resume' : '/api/pause'));
  $('step').addEventListener('click', () => act('/api/step'));
  $('reset').addEventListener('click', () => act('/api/reset'));
  await checkSetup();
  poll();
}

init();
