// Opens the playground in headless Chromium and reports what its panels produced.
// Usage: node browser.mjs PLAYGROUND_DIR SCREENSHOT.png [--no-wasm]
// Serves PLAYGROUND_DIR on 127.0.0.1 (an ephemeral port), starts Debian's chromium with the
// DevTools protocol on a pipe (fds 3 and 4: no WebSocket client, no npm package), loads
// index.html?selftest, waits for <body data-done>, saves a screenshot and prints the page's
// #selftest JSON on one line. --no-wasm removes the WebAssembly object before the page runs.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';

const [dir, shot, flag] = process.argv.slice(2);
const root = path.resolve(dir);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.pem': 'text/plain' };
const server = http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/index.html?selftest`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-chromium-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--remote-debugging-pipe',
  '--window-size=1300,1500', 'about:blank'];
const chrome = spawn(process.env.CHROMIUM || 'chromium', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
chrome.stderr.on('data', (d) => { stderr = (stderr + d).slice(-3000); });
const out = chrome.stdio[3], input = chrome.stdio[4];
let next = 1, buffer = '';
const waiting = new Map();
input.on('data', (d) => {
  buffer += d;
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (message.id && waiting.has(message.id)) { waiting.get(message.id)(message); waiting.delete(message.id); }
  }
});
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = next++;
  waiting.set(id, (m) => (m.error ? reject(new Error(method + ': ' + m.error.message)) : resolve(m.result)));
  out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
});
let seen = '(nothing yet)';
const deadline = setTimeout(() => { console.error('browser.mjs: timed out after 240 s; the page said: ' + seen + '\nchromium said (last lines): ' + stderr.slice(-800)); process.exit(3); }, 240_000);
try {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  await s('Page.enable');
  await s('Emulation.setDeviceMetricsOverride', { width: 1300, height: 1500, deviceScaleFactor: 1, mobile: false });
  if (flag === '--no-wasm') {
    // A browser without WebAssembly (old, or with it turned off by policy): the page sees no
    // WebAssembly object at all.
    await s('Page.addScriptToEvaluateOnNewDocument', { source: 'delete globalThis.WebAssembly;' });
  }
  await s('Page.navigate', { url });
  const evaluate = async (expression) => (await s('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  while (await evaluate('document.body && document.body.dataset.done') !== '1') {
    seen = await evaluate('document.getElementById("status")?.textContent + " | " + [...document.querySelectorAll(".result")].map((e) => e.textContent).join(" | ")');
    await new Promise((r) => setTimeout(r, 250));
  }
  const { data } = await s('Page.captureScreenshot', { format: 'png' });
  fs.writeFileSync(shot, Buffer.from(data, 'base64'));
  console.log(await evaluate('document.getElementById("selftest").textContent'));
  console.log('status: ' + await evaluate('document.getElementById("status").textContent'));
} finally {
  clearTimeout(deadline);
  const exited = new Promise((r) => chrome.once('exit', r));
  chrome.kill();
  await exited;
  server.close();
  try { fs.rmSync(profile, { recursive: true, force: true }); } catch { /* chromium's helpers may still be leaving */ }
}
