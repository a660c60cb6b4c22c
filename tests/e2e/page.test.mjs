// The playground with no server at all: dist/ served as plain files. The page finds no berth
// serve, moves to dist/page/ (the build with ECS's control plane inside) and runs the virtual
// fleet itself; a newcomer plays every lesson there, and a reload, the clock's rewind and
// "Start over" work on the session this browser keeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, screenshot, LESSONS, playLesson } from './harness.mjs';

let site, browser, page;
const errors = [];

before(async () => {
  site = await serve();
  browser = await launch();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  // The page asks whether a berth serve answers (POST /berth/clock); the plain file server
  // says 404, which the browser logs. Anything else is an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !(/status of 404/.test(m.text()) && m.location().url.endsWith('/berth/clock'))) {
      errors.push(`${m.text()} ${m.location().url}`);
    }
  });
  await page.goto(site.url);
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('with no server, the page runs the control plane itself: the default cluster, two instances', async () => {
  assert.equal(new URL(page.url()).pathname, '/page/');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  assert.match(await page.textContent('#live-status'), /cluster default in this page \(2 instances, 0 services\)/);
  const bars = await page.$$eval('.instance .bar-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(bars, ['CPU 0/2048', 'Memory 0/3994', 'CPU 0/2048', 'Memory 0/3994']);
  await page.click('#clock-100');
  await page.waitForSelector('#clock-100[aria-pressed="true"]');
});

for (const id of LESSONS) {
  test(`lesson ${id} can be completed in the page alone`, async () => {
    await playLesson(page, id);
    if (id === 'port-stall') {
      assert.match(await page.textContent('.services'), /already using a port required by your task/);
    }
    await screenshot(page, `page-lesson-${id}`);
  });
}

test('the session survives a reload: the journal is replayed from this browser', async () => {
  await page.selectOption('#live-cluster', 'lesson-port-stall');
  await page.waitForFunction(() => document.querySelector('.service')?.textContent.includes('desired 1'));
  const clusters = await page.$$eval('#live-cluster option', (els) => els.map((e) => e.value));
  await page.reload();
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.waitForFunction((n) => document.querySelectorAll('#live-cluster option').length === n, clusters.length);
  assert.deepEqual(await page.$$eval('#live-cluster option', (els) => els.map((e) => e.value)), clusters);
  await page.selectOption('#live-cluster', 'lesson-port-stall');
  await page.waitForFunction(() => document.querySelector('.service')?.textContent.includes('desired 1'));
  await screenshot(page, 'page-reloaded');
});

test('the clock rewinds in the page: what came after is forgotten', async () => {
  // Twenty virtual seconds in which nothing is asked of ECS, then the clock stops.
  await page.click('#clock-10');
  await new Promise((r) => setTimeout(r, 2000));
  await page.click('#clock-pause');
  await page.waitForSelector('#clock-pause[aria-pressed="true"]');
  const count = () => page.$$eval('#live-cluster option', (els) => els.length);
  const clusters = await count();
  // With the clock stopped, a new cluster is made now; going back ten seconds forgets it.
  await page.click('#lesson-first-cluster');
  await page.click('#lesson-do');
  await page.waitForFunction((n) => document.querySelectorAll('#live-cluster option').length === n + 1, clusters, { timeout: 10000 });
  const before = await page.textContent('#clock-now');
  const max = await page.$eval('#clock-rewind', (e) => Number(e.max));
  await page.$eval('#clock-rewind', (e, to) => {
    e.value = String(to);
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, max - 10000);
  await page.waitForFunction((was) => document.querySelector('#clock-now').textContent < was, before);
  await page.waitForFunction((n) => document.querySelectorAll('#live-cluster option').length === n, clusters, { timeout: 10000 })
    .catch(async (e) => {
      throw new Error(`${e.message}; outcome: ${await page.textContent('#live-outcome').catch(() => '')}; clusters ${await count()} (were ${clusters})`);
    });
  assert.match(await page.textContent('body'), /the fleet went back to this time/);
  await screenshot(page, 'page-rewound');
});

test('"Start over" forgets the session', async () => {
  await page.click('#start-over');
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#live-cluster option')].map((o) => o.value).join() === 'default');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  assert.deepEqual(errors, []);
});
