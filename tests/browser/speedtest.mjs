// Runs Cloudflare's speed-test engine in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) from a page on its own origin against a hermes-target.
//
//   node speedtest.mjs --target URL --page-port N [--token T] [--timeout-s S]
//
// Serves index.html and the engine on http://127.0.0.1:N (the page's origin), runs
// the engine (see index.html) against URL/__down and URL/__up, and prints one JSON
// object on stdout: the engine's results, the page origin, and the browser's console
// errors. Exits 1 if the engine did not finish within the timeout.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const files = {
  '/index.html': ['text/html', readFileSync(join(here, 'index.html'))],
  '/speedtest.js': ['text/javascript',
    readFileSync(join(here, 'node_modules/@cloudflare/speedtest/dist/speedtest.js'))],
};

const server = http.createServer((req, res) => {
  const f = files[req.url];
  res.writeHead(f ? 200 : 404, { 'Content-Type': f ? f[0] : 'text/plain' });
  res.end(f ? f[1] : 'not found');
});
await new Promise((ok) => server.listen(Number(args['page-port']), '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let out = { origin, console: [] };
let code = 0;
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && out.console.push(m.text()));
  await page.goto(`${origin}/index.html`);
  const options = {
    downloadApiUrl: `${args.target}/__down`,
    uploadApiUrl: `${args.target}/__up`,
    ...(args.token ? { authorizationToken: args.token, authorizationEnabled: 'header' } : {}),
  };
  const timeout = Number(args['timeout-s'] || 240) * 1000;
  const result = await Promise.race([
    page.evaluate((o) => window.runSpeedTest(o), options),
    new Promise((_, fail) => setTimeout(() => fail(new Error(`no finish within ${timeout} ms`)),
      timeout)),
  ]);
  out = { ...out, ...result };
} catch (e) {
  out.failure = String(e);
  code = 1;
} finally {
  await browser.close();
  server.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(code);
