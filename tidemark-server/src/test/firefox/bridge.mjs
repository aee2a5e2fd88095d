// Test-only bridge between the Java browser tests and Debian's Firefox ESR: starts a headless Firefox through
// puppeteer-core (WebDriver BiDi, no geckodriver) and answers one JSON request per line on stdin with one JSON
// response per line on stdout. Used by io.tidemark.server.browser.Firefox; not part of the product.
//
//   {"id": 1, "op": "open", "url": "http://127.0.0.1:8080/"}                → {"id": 1, "ok": null}
//   {"id": 2, "op": "run", "script": "return 1 + arguments[0];", "args": [1]} → {"id": 2, "ok": 2}
//   {"id": 3, "op": "await", "body": "return await f(args[0]);", "args": [], "timeoutMs": 5000}
//   {"id": 4, "op": "console"}                                             → {"id": 4, "ok": ["INFO …", …]}
//   {"id": 5, "op": "screenshot", "path": "/abs/file.png"}
//   {"id": 6, "op": "close"}
// A failure answers {"id": n, "error": "…"}; a script's own error keeps its JavaScript stack.
//
// Scripts run as script.evaluate over WebDriver BiDi, which the page's Content-Security-Policy does not restrict,
// as Selenium's executeScript is not restricted in Chromium.
import puppeteer from 'puppeteer-core';
import {createInterface} from 'node:readline';

const [executablePath, profileDir] = process.argv.slice(2);
const log = [];
let browser;
let page;

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function start() {
  browser = await puppeteer.launch({
    browser: 'firefox', executablePath, headless: true, userDataDir: profileDir, protocolTimeout: 120_000,
    defaultViewport: {width: 1280, height: 800},
    extraPrefsFirefox: {
      // A closed network: no update checks, telemetry or remote settings.
      'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false, 'network.connectivity-service.enabled': false,
    },
  });
  page = await browser.newPage();
  page.on('console', m => log.push(`${m.type().toUpperCase()} ${m.text()}`));
  page.on('pageerror', e => log.push(`SEVERE ${e && e.message ? e.message : e}`));
  page.on('requestfailed', r => log.push(`SEVERE ${r.url()} ${r.failure() ? r.failure().errorText : 'failed'}`));
}

/** A result as JSON: undefined as null; what JSON cannot hold (BigInt, functions) is refused by the caller's script. */
function result(v) {
  return v === undefined ? null : v;
}

async function handle(req) {
  switch (req.op) {
    case 'open':
      await page.goto(req.url, {waitUntil: 'load', timeout: req.timeoutMs || 30_000});
      return null;
    case 'run':
      return result(await page.evaluate(`(function () {${req.script}\n}).apply(null, ${JSON.stringify(req.args || [])})`));
    case 'await': {
      const expr = `(async (args) => {${req.body}\n})(${JSON.stringify(req.args || [])})`;
      return result(await withTimeout(page.evaluate(expr), req.timeoutMs, 'script'));
    }
    case 'console':
      return log.slice();
    case 'screenshot':
      await page.screenshot({path: req.path});
      return null;
    case 'close':
      await withTimeout(browser.close(), 20_000, 'closing Firefox');
      return null;
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

try {
  await start();
  send({id: 0, ok: await browser.version()});
} catch (e) {
  send({id: 0, error: String(e && e.stack ? e.stack : e)});
  process.exit(1);
}

const lines = createInterface({input: process.stdin});
for await (const line of lines) {
  if (!line.trim()) continue;
  const req = JSON.parse(line);
  try {
    send({id: req.id, ok: await handle(req)});
  } catch (e) {
    send({id: req.id, error: String(e && e.stack ? e.stack : e)});
  }
  if (req.op === 'close') break;
}
process.exit(0);
