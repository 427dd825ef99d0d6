// The playground's page logic: starts the .NET WebAssembly runtime, then each panel calls the
// C# exports (wasm/playground/Exports.*.cs) that drive the kernel's components.
// ?selftest runs every panel once by itself (the test in tools/wasm-tests does that in headless
// Chromium) and writes what each produced into <pre id="selftest">.
const $ = (id) => document.getElementById(id);
const status = $('status');
const selftest = new URLSearchParams(location.search).has('selftest');
const results = {};

function report(panel, text, ok) {
  const el = $(panel + '-result');
  el.textContent = text;
  el.className = 'result ' + (ok ? 'ok' : 'bad');
  results[panel] = { text, ok };
}

function hasWebAssembly() {
  try {
    return typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function'
      && new WebAssembly.Module(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)) instanceof WebAssembly.Module;
  } catch { return false; }
}

async function start() {
  if (!hasWebAssembly()) {
    status.textContent = 'This browser offers no WebAssembly (or has it turned off), so the components cannot run here.';
    status.className = 'status error';
    results.webassembly = { text: status.textContent, ok: false };
    finish();
    return;
  }
  const { dotnet } = await import('./_framework/dotnet.js');
  const runtime = await dotnet.create();
  const exports = await runtime.getAssemblyExports('Aurora.Wasm.Playground.dll');
  const api = exports.Aurora.Wasm.Playground;
  status.textContent = 'The components are running in WebAssembly in this page.';
  setUp(api);
  if (selftest) await runSelfTest(api);
}

// ------------------------------------------------------------------ TCP timeline
function runNet(api) {
  const bytes = Number($('net-bytes').value) | 0, loss = Number($('net-loss').value) | 0;
  const r = JSON.parse(api.NetExports.Transfer(bytes, loss));
  if (r.error) { report('net', 'error: ' + r.error, false); return r; }
  drawTimeline(r.frames);
  const ok = r.intact && r.received === bytes;
  report('net', `${ok ? 'handshake, ' + r.received + ' bytes delivered intact' : 'transfer incomplete: ' + r.received + ' of ' + bytes + ' bytes'}` +
    `, ${r.frameCount} frames in ${r.elapsedMs} ms; client ends in ${r.stateA}`, ok);
  return r;
}

function drawTimeline(frames) {
  const tcp = frames.filter((f) => f.kind === 'TCP' || f.kind === 'ARP');
  const rowH = 22, top = 30, w = 540, xa = 70, xb = 470;
  const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${top + tcp.length * rowH + 10}" font-size="11" font-family="monospace">`,
    `<text x="${xa}" y="16" text-anchor="middle" font-weight="bold">10.0.0.1 (A)</text>`,
    `<text x="${xb}" y="16" text-anchor="middle" font-weight="bold">10.0.0.2 (B)</text>`,
    `<line x1="${xa}" y1="22" x2="${xa}" y2="${top + tcp.length * rowH}" stroke="#555"/>`,
    `<line x1="${xb}" y1="22" x2="${xb}" y2="${top + tcp.length * rowH}" stroke="#555"/>`,
    `<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>`];
  const isn = {};
  tcp.forEach((f, i) => {
    const y = top + i * rowH, from = f.fromA ? xa : xb, to = f.fromA ? xb : xa;
    const end = f.dropped ? (from + to) / 2 : to;
    const colour = f.dropped ? '#a4161a' : f.kind === 'ARP' ? '#888' : f.flags.includes('SYN') || f.flags.includes('FIN') ? '#3367d6' : f.len > 0 ? '#17692e' : '#333';
    svg.push(`<line x1="${from}" y1="${y}" x2="${end}" y2="${y + rowH - 8}" stroke="${colour}" stroke-width="1.5" marker-end="url(#arrow)"/>`);
    let label = f.kind;
    if (f.kind === 'TCP') {
      const side = f.fromA ? 'A' : 'B', other = f.fromA ? 'B' : 'A';
      if (f.flags.includes('SYN')) isn[side] = f.seq;
      const rel = (v, s) => (isn[s] === undefined ? v : (v - isn[s]) >>> 0);
      label = `${f.flags} seq=${rel(f.seq, side)}` + (f.flags.includes('ACK') ? ` ack=${rel(f.ack, other)}` : '') + (f.len ? ` len=${f.len}` : '');
    }
    svg.push(`<text x="${(xa + xb) / 2}" y="${y + 7}" text-anchor="middle" fill="${colour}">${label}${f.dropped ? ' (dropped)' : ''}</text>`);
    svg.push(`<text x="4" y="${y + 8}" fill="#777">${f.t} ms</text>`);
  });
  svg.push('</svg>');
  $('net-timeline').innerHTML = svg.join('');
}

// ------------------------------------------------------------------ scheduler chart
const palette = ['#2b7bb9', '#e07b24', '#17692e', '#a4161a', '#7b4bb9', '#0b8a8a', '#b9a22b', '#555', '#d63384', '#3b5998', '#6f4e37', '#00a86b', '#ff6f61', '#4b0082', '#708090', '#228b22'];

function runSched(api) {
  return new Promise((resolve) => {
    const error = api.SchedExports.Start($('sched-nices').value);
    if (error) { report('sched', error, false); resolve(); return; }
    const seconds = Math.max(1, Math.min(120, Number($('sched-seconds').value) | 0));
    const history = [];
    const step = Math.max(50, seconds * 1000 / 100);
    const frame = () => {
      const r = JSON.parse(api.SchedExports.Run(step));
      history.push(r);
      drawSched(history, seconds * 1000);
      if (r.ms < seconds * 1000) { requestAnimationFrame(frame); return; }
      const worst = Math.max(...r.entities.map((e) => Math.abs(e.share - e.due) / e.due));
      const ok = r.valid && worst <= 0.05;
      report('sched', `after ${r.ms / 1000} s: shares ` + r.entities.map((e) => (100 * e.share).toFixed(1) + '%').join(' ') +
        ` (owed ` + r.entities.map((e) => (100 * e.due).toFixed(1) + '%').join(' ') + `); worst deviation ${(100 * worst).toFixed(2)}% of the owed share`, ok);
      resolve();
    };
    requestAnimationFrame(frame);
  });
}

function drawSched(history, totalMs) {
  const c = $('sched-chart'), g = c.getContext('2d'), W = c.width, H = c.height, L = 40, B = 20;
  g.clearRect(0, 0, W, H);
  const last = history[history.length - 1];
  const maxShare = Math.min(1, Math.max(...last.entities.map((e) => Math.max(e.due, e.share))) * 1.25);
  const x = (ms) => L + (W - L - 8) * ms / totalMs, y = (s) => H - B - (H - B - 8) * s / maxShare;
  g.strokeStyle = '#999'; g.fillStyle = '#555'; g.font = '11px sans-serif';
  g.beginPath(); g.moveTo(L, 4); g.lineTo(L, H - B); g.lineTo(W - 4, H - B); g.stroke();
  for (let i = 0; i <= 4; i++) g.fillText((100 * maxShare * i / 4).toFixed(0) + '%', 4, y(maxShare * i / 4) + 4);
  g.fillText((totalMs / 1000) + ' s', W - 30, H - 6);
  last.entities.forEach((e, k) => {
    g.strokeStyle = palette[k % palette.length];
    g.setLineDash([4, 4]); g.beginPath(); g.moveTo(L, y(e.due)); g.lineTo(W - 8, y(e.due)); g.stroke(); g.setLineDash([]);
    g.beginPath();
    history.forEach((h, i) => { const p = [x(h.ms), y(h.entities[k].share)]; if (i === 0) g.moveTo(...p); else g.lineTo(...p); });
    g.lineWidth = 2; g.stroke(); g.lineWidth = 1;
  });
}

// ------------------------------------------------------------------ module signatures
let trustedKey = null;

async function loadDefaultKey(api) {
  try {
    const response = await fetch('trusted-key.pem');
    if (response.ok) setKey(api, new Uint8Array(await response.arrayBuffer()), 'trusted-key.pem');
  } catch { /* no key served: the panel says so */ }
}

function setKey(api, bytes, name) {
  const id = api.ModsignExports.KeyId(bytes);
  if (!id) { report('modsign', `${name}: not an RSA-2048 public key the verifier accepts`, false); return false; }
  trustedKey = bytes;
  $('key-id').textContent = `${name}, key id ${id}`;
  return true;
}

async function checkFile(api, file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (file.name.endsWith('.pem')) {
    if (setKey(api, bytes, file.name)) report('modsign', `now trusting ${file.name}`, true);
    return;
  }
  if (!trustedKey) { report('modsign', 'no trusted key: drop a public key (.pem) first', false); return; }
  const text = api.ModsignExports.Verify(bytes, trustedKey);
  report('modsign', `${file.name}: ${text}`, text === 'OK');
}

function setUpDrop(api) {
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files?.[0];
    if (file) drop.done = checkFile(api, file);
  });
  $('pick').addEventListener('change', (e) => { if (e.target.files[0]) checkFile(api, e.target.files[0]); });
}

// ------------------------------------------------------------------ heap picture
function runHeap(api) {
  return new Promise((resolve) => {
    api.HeapExports.Start(Number($('heap-seed').value) | 0);
    const frames = 120;
    let i = 0, peak = 0, last = null;
    const frame = () => {
      // The live-block target rises, then falls part of the way: the map fills and thins out.
      const target = Math.round(1500 * Math.sin(0.75 * Math.PI * i / (frames - 1))) + 20;
      last = JSON.parse(api.HeapExports.Step(300, target));
      if (last.error) { report('heap', 'error: ' + last.error, false); resolve(); return; }
      peak = Math.max(peak, last.bytesFromPages);
      drawHeap(last);
      if (++i < frames) { requestAnimationFrame(frame); return; }
      const left = api.HeapExports.Stop();
      const ok = last.valid && last.failed === 0 && left === '';
      report('heap', `${last.live} live blocks, ${(last.bytesInUse / 1024).toFixed(1)} KiB in use of ${(last.bytesFromPages / 1024).toFixed(0)} KiB taken from pages ` +
        `(peak ${(peak / 1024).toFixed(0)} KiB), ${last.arenas} large-block arenas; heap valid: ${last.valid}; ` +
        (left === '' ? 'after freeing everything and Trim, every page went back' : left), ok);
      resolve();
    };
    requestAnimationFrame(frame);
  });
}

function drawHeap(s) {
  const c = $('heap-map'), g = c.getContext('2d'), W = c.width, unit = 64;
  const offsets = []; let total = 0;
  for (const [address, pages] of s.runs) { offsets.push([address, total, pages * 4096]); total += pages * 4096; }
  const rows = Math.max(1, Math.ceil(total / unit / W));
  const scale = Math.max(1, Math.floor(c.height / rows));
  g.fillStyle = '#fff'; g.fillRect(0, 0, W, c.height);
  const paint = (start, length, colour) => {
    g.fillStyle = colour;
    for (let p = Math.floor(start / unit); p < Math.ceil((start + length) / unit); p++) g.fillRect(p % W, Math.floor(p / W) * scale, 1, scale);
  };
  for (const [, at, bytes] of offsets) paint(at, bytes, '#dfe3ea');
  for (const [address, size] of s.blocks) {
    const run = offsets.find(([a, , bytes]) => address >= a && address < a + bytes);
    if (run) paint(run[1] + address - run[0], size, size <= 256 ? '#2b7bb9' : '#e07b24');
  }
  const k = $('heap-classes'), h = k.getContext('2d');
  h.clearRect(0, 0, k.width, k.height); h.font = '11px sans-serif';
  s.classes.forEach((cl, i) => {
    const y = 4 + i * 17, capacity = cl.pages * cl.perPage, used = capacity ? cl.live / capacity : 0;
    h.fillStyle = '#333'; h.fillText(`${cl.size} B`, 2, y + 11);
    h.fillStyle = '#dfe3ea'; h.fillRect(50, y, 300, 13);
    h.fillStyle = '#2b7bb9'; h.fillRect(50, y, 300 * used, 13);
    h.fillStyle = '#333'; h.fillText(`${cl.live}/${capacity} in ${cl.pages} pages, ${cl.empty} empty`, 356, y + 11);
  });
}

// ------------------------------------------------------------------ wiring and self-test
function setUp(api) {
  const on = (form, run) => $(form).addEventListener('submit', (e) => { e.preventDefault(); run(); });
  on('net-form', () => runNet(api));
  on('sched-form', () => runSched(api));
  on('heap-form', () => runHeap(api));
  setUpDrop(api);
  loadDefaultKey(api);
  if (!selftest) { runNet(api); runSched(api); runHeap(api); }
}

async function dropFile(url) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], url.split('/').pop()));
  const drop = $('drop');
  drop.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  await drop.done;
  return { ...results.modsign };
}

async function runSelfTest(api) {
  await loadDefaultKey(api);
  $('net-loss').value = 7;
  const lossy = runNet(api);
  results.netLossy = { ...results.net, frames: lossy.frameCount };
  $('net-loss').value = 0;
  runNet(api);
  await Promise.all([runSched(api), runHeap(api)]);
  results.modsignCorrupt = await dropFile('samples/corrupt.ko');
  results.modsignSigned = await dropFile('samples/signed.ko');
  finish();
}

function finish() {
  const out = $('selftest');
  out.textContent = JSON.stringify(results);
  document.body.dataset.done = '1';
}

start().catch((e) => {
  status.textContent = 'The WebAssembly runtime did not start: ' + e;
  status.className = 'status error';
  results.start = { text: String(e), ok: false };
  finish();
});
