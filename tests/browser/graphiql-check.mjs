// Headless-Chromium check of the GraphiQL page Nexus serves at GET /graphql.
//
//   node graphiql-check.mjs [baseUrl]      (or NEXUS_URL=...; default http://localhost:5080)
//
// Env: SCREENSHOT (default /tmp/graphiql.png), CHROMIUM (default /usr/bin/chromium),
//      CHECK_TIMEOUT_MS (per-step timeout, default 30000).
//
// Fails (exit 1, one line on stderr) if the page requests anything from another
// origin, if any request fails or answers >= 400, on console errors or page
// errors, or if running the default query does not show "platforms" and SANDBOX.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = new URL(process.argv[2] || process.env.NEXUS_URL || 'http://localhost:5080');
const baseOrigin = base.origin;
const pageUrl = new URL('/graphql', base).href;
const screenshotPath = process.env.SCREENSHOT || '/tmp/graphiql.png';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const stepTimeout = Number(process.env.CHECK_TIMEOUT_MS || 30000);

const problems = [];
const requests = [];
let context;
let page;
let userDataDir;

function oneLine(s) {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/\u001b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim().slice(0, 400);
}

function fail(reason) {
  process.stderr.write(`graphiql check failed: ${oneLine(reason)}\n`);
  process.exitCode = 1;
}

async function cleanup() {
  try { if (context) await context.close(); } catch { /* ignore */ }
  try { if (userDataDir) rmSync(userDataDir, { recursive: true, force: true }); } catch { /* ignore */ }
}

function isLocalScheme(url) {
  return /^(data|blob|about):/i.test(url);
}

async function main() {
  userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-check-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    timeout: stepTimeout,
  });

  // Record every request of every page/worker in the context.
  context.on('request', (req) => {
    const url = req.url();
    requests.push(`${req.method()} ${url}`);
    if (isLocalScheme(url)) return;
    let origin;
    try { origin = new URL(url).origin; } catch { origin = url; }
    if (origin !== baseOrigin) problems.push(`request to foreign origin: ${req.method()} ${url}`);
  });
  context.on('requestfailed', (req) => {
    if (isLocalScheme(req.url())) return;
    problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  });

  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(stepTimeout);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  const check = (step) => {
    if (problems.length) throw new Error(`${problems[0]} (during ${step})`);
  };

  // A plain navigation: the server must pick HTML from the browser's Accept header.
  const resp = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!resp) throw new Error(`no response for GET ${pageUrl}`);
  const ctype = resp.headers()['content-type'] || '';
  if (resp.status() !== 200 || !ctype.includes('text/html')) {
    throw new Error(`GET ${pageUrl} answered ${resp.status()} ${ctype || '(no content-type)'}, expected 200 text/html`);
  }
  const title = await page.title();
  if (title !== 'Nexus GraphQL') throw new Error(`page title is ${JSON.stringify(title)}, expected "Nexus GraphQL"`);

  // Wait for the query editor to be mounted and hold the default query.
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { state: 'visible' });
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror;
    return cm && /platforms/.test(cm.getValue());
  });
  check('page load');

  // Run the query with the execute button (Ctrl+Enter as fallback).
  const button = page.locator('button.graphiql-execute-button');
  if (await button.count()) {
    await button.first().click();
  } else {
    await page.click('.graphiql-query-editor .CodeMirror');
    await page.keyboard.press('Control+Enter');
  }

  const readResult = () => page.evaluate(() => {
    const el = document.querySelector('.graphiql-response .CodeMirror');
    return el?.CodeMirror ? el.CodeMirror.getValue() : (document.querySelector('.graphiql-response')?.innerText ?? '');
  });
  try {
    await page.waitForFunction(() => {
      const el = document.querySelector('.graphiql-response .CodeMirror');
      const text = el?.CodeMirror ? el.CodeMirror.getValue() : (document.querySelector('.graphiql-response')?.innerText ?? '');
      return text.includes('"platforms"') && text.includes('SANDBOX');
    });
  } catch {
    check('query');
    throw new Error(`result pane lacks "platforms"/SANDBOX; it shows: ${oneLine(await readResult()) || '(empty)'}`);
  }

  // Let late requests/console messages (e.g. introspection) settle.
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath });
  check('query');

  if (!requests.some((r) => r.startsWith(`POST ${new URL('/graphql', base).href}`))) {
    throw new Error('no POST /graphql request was seen');
  }
  if (process.env.VERBOSE) for (const r of requests) console.error(`  ${r}`);
  console.log(`graphiql check passed (${requests.length} requests, all to ${baseOrigin}; screenshot ${screenshotPath})`);
}

try {
  await main();
} catch (err) {
  fail(err?.message ?? err);
  // Keep a picture of the failure too (best effort).
  try { if (page) await page.screenshot({ path: screenshotPath, timeout: 5000 }); } catch { /* ignore */ }
} finally {
  await cleanup();
}
