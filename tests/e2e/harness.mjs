// Shared by the end-to-end tests: serves dist/ on 127.0.0.1 (a free port) and launches
// Debian's Chromium through playwright-core with the flags this machine needs
// (no sandbox as root, no background networking: the network is closed).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const SHOTS = path.join(ROOT, 'target', 'e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
};

/** Serves `dir` on 127.0.0.1:<free port>; resolves to { url, close }. */
export function serve(dir = DIST) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: run trunk build --release first`);
  }
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.normalize(path.join(dir, urlPath));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** Collects the page's errors into `errors`. With no berth serve, the page's probe for one
 * (POST /berth/clock) gets the file server's 404, which the browser logs: that one is not an
 * error. */
export function watchErrors(page, errors) {
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(/status of 404/.test(m.text()) && m.location().url.endsWith('/berth/clock'))) {
      errors.push(`${m.text()} ${m.location().url}`);
    }
  });
}

/** Launches headless Chromium from /usr/bin with a fresh profile. */
export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** Saves a full-page screenshot under target/e2e/ and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The sizes and languages a change to the page is looked at in: saves
 * target/e2e/NAME-LANG-WIDTH.png at 1440×900, 1280×720 and 390×844 in English and Japanese,
 * `selector` scrolled into view; `language(lang)` switches the page to `lang`. Leaves the
 * page at 1400×900. */
export async function screenshots(page, name, selector, language) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const lang of ['en', 'ja']) {
    await language(lang);
    for (const [width, height] of [[1440, 900], [1280, 720], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300);
      await page.$eval(selector, (e) => e.scrollIntoView());
      await page.screenshot({ path: path.join(SHOTS, `${name}-${lang}-${width}.png`) });
    }
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

/** Switches the page's language with its own toggle (no reload: what is open stays open). */
export function toggleLanguage(page) {
  return async (lang) => {
    if (await page.getAttribute('main', 'lang') !== lang) {
      await page.click('#lang-toggle');
      await page.waitForSelector(`main[lang="${lang}"]`);
    }
  };
}

/** Calls an ECS operation on a `berth serve` at `base` (JSON 1.1, as the AWS CLI sends it). */
export async function ecsCall(base, operation, body) {
  const response = await fetch(base, {
    method: 'POST',
    headers: { 'X-Amz-Target': `AmazonEC2ContainerServiceV20141113.${operation}`,
      'Content-Type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** Starts `target/debug/berth serve` on a free port with `args`; resolves to
 * { process, url } (url without a trailing slash) once it serves. */
export function berthServe(args = []) {
  const process = spawn(path.join(ROOT, 'target', 'debug', 'berth'),
    ['serve', '--addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    process.stderr.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) resolve({ process, url: match[0] });
    });
    process.on('exit', (code) => reject(new Error(`berth serve exited ${code}: ${seen}`)));
  });
}

/** `berth serve --web dist` and a Chromium tab beside it, not yet on the page; the tab's
 * errors go to `errors`. Resolves to { server, base, browser, page, errors }. */
export async function servedPage() {
  const started = await berthServe(['--web', DIST]);
  const browser = await launch();
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { server: started.process, base: `${started.url}/`, browser, page, errors };
}

/** The guided lessons, by id, in the order the page lists them. */
export const LESSONS = ['first-cluster', 'port-stall', 'dynamic-ports', 'shortage', 'draining', 'wordpress', 'fargate',
  'blue-green', 'lambda-hook', 'canary-alarm', 'linear', 'rolling-2025', 'az-rebalancing', 'rolling-hooks',
  'service-auto-scaling'];

/** Plays a lesson: "Do it for me" whenever it is offered, until the lesson is complete;
 * `onStep(done)` is awaited each time a step is ticked off. */
export async function playLesson(page, id, onStep = async () => {}) {
  await page.click(`#lesson-${id}`);
  await page.waitForSelector('#lesson-steps');
  const steps = await page.$$eval('#lesson-steps li', (els) => els.length);
  for (let guard = 0; guard < 40; guard += 1) {
    if (await page.$('#lesson-complete')) break;
    const button = await page.$('#lesson-do:not([disabled])');
    const done = await page.$$eval('#lesson-steps li.done', (els) => els.length);
    if (button) {
      await button.click();
    }
    // The step is ticked off once a look at the cluster shows it (looks come every 2 s).
    await page.waitForFunction((before) => document.querySelectorAll('#lesson-steps li.done').length > before
      || document.querySelector('#lesson-complete'), done, { timeout: 60000 })
      .catch(async () => {
        throw new Error(`${id}: step ${done + 1} not done; outcome: ${await page.textContent('#live-outcome').catch(() => '')}`);
      });
    const now = await page.$$eval('#lesson-steps li.done', (els) => els.length);
    for (let step = done + 1; step <= now; step += 1) await onStep(step);
  }
  assert.equal(await page.textContent('#lesson-complete'), 'Lesson complete.');
  assert.equal(await page.$$eval('#lesson-steps li.done', (els) => els.length), steps);
}

/** An ELBv2 call on a `berth serve` at `base` (form in, XML out, as `aws elbv2` sends it): the
 * first `<tag>`'s text of the answer, or the whole answer without a tag. Throws on an error. */
export async function elbCall(base, params, tag) {
  const body = new URLSearchParams({ Version: '2015-12-01', ...params }).toString();
  const response = await fetch(base, { method: 'POST', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${params.Action}: ${response.status} ${text}`);
  return tag ? text.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))[1] : text;
}
