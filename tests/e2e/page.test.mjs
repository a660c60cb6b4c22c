// The playground with no server at all: dist/ served as plain files. The page finds no berth
// serve, moves to dist/page/ (the build with ECS's control plane inside) and runs the virtual
// fleet itself; a newcomer plays every lesson there, and a reload, the clock's rewind and
// "Start over" work on the session this browser keeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, screenshot, watchErrors, LESSONS, playLesson } from './harness.mjs';

let site, browser, page;
const errors = [];

before(async () => {
  site = await serve();
  browser = await launch();
  page = await browser.context.newPage();
  watchErrors(page, errors);
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
    const balancer = `.balancer[data-load-balancer="lesson-${id}"]`;
    if (id === 'port-stall') {
      assert.match(await page.textContent('.services'), /already using a port required by your task/);
      assert.match(await page.textContent(`${balancer} .count`), / [1-9]\d* 5xx$/);
    }
    if (id === 'dynamic-ports') {
      assert.match(await page.textContent(`${balancer} .count`), /^[1-9]\d* requests · 0 5xx$/);
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

test('the forms: RunTask with a strategy and a constraint, StartTask on an instance, a DAEMON service, the circuit breaker', async () => {
  await page.selectOption('#live-cluster', 'default');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  await page.fill('#run-td', 'sleep360');
  await page.fill('#run-count', '2');
  await page.click('.forms details.more summary');
  await page.selectOption('#run-strategy', 'binpack-memory');
  await page.selectOption('#run-constraint', 'distinctInstance');
  await page.click('#run-task');
  // distinctInstance: one on each of the two instances, binpacked or not.
  await page.waitForFunction(() => [...document.querySelectorAll('.instance')].every((i) => i.querySelectorAll('.block').length === 1),
    null, { timeout: 15000 });
  // A memberOf expression that no instance meets: ECS's MemberOf failure.
  await page.selectOption('#run-constraint', 'memberOf');
  await page.fill('#run-expression', 'attribute:ecs.instance-type == m5.24xlarge');
  await page.fill('#run-count', '1');
  await page.click('#run-task');
  await page.waitForFunction(() => /^RunTask: 0 started, 2 failed: MemberOf placement constraint unsatisfied\. /.test(document.querySelector('#live-outcome')?.textContent), null, { timeout: 10000 })
    .catch(async () => { throw new Error(`outcome: ${await page.textContent('#live-outcome')}`); });
  // StartTask puts one on the instance picked, overrides and all.
  const target = await page.$eval('#start-on', (s) => s.options[1].value);
  await page.selectOption('#start-on', target);
  await page.fill('#run-overrides', '{"containerOverrides": [{"name": "sleep", "command": ["sleep", "30"]}]}');
  await page.click('#start-task');
  await page.waitForFunction((arn) => [...document.querySelectorAll('.instance')]
    .find((i) => arn.split('/').pop().startsWith(i.getAttribute('data-instance')))?.querySelectorAll('.block').length === 2, target, { timeout: 15000 })
    .catch(async () => { throw new Error(`outcome: ${await page.textContent('#live-outcome')}`); });
  await page.fill('#run-overrides', '{oops');
  await page.click('#start-task');
  await page.waitForFunction(() => /^The overrides are not JSON/.test(document.querySelector('#live-outcome')?.textContent));
  // A DAEMON service with the circuit breaker: a task on every instance.
  await page.fill('#svc-name', 'everywhere');
  await page.fill('#svc-td', 'sleep360');
  await page.click('.forms fieldset:nth-of-type(2) details.more summary');
  await page.check('#svc-daemon');
  await page.check('#svc-breaker');
  await page.click('#svc-create');
  await page.waitForFunction(() => /everywhere ACTIVE .* desired 2, running 2/.test(document.querySelector('.services')?.textContent),
    null, { timeout: 20000 })
    .catch(async () => { throw new Error(`outcome: ${await page.textContent('#live-outcome')}`); });
  await page.click('#export');
  await page.waitForSelector('#export-commands');
  const exported = await page.textContent('#export-commands');
  assert.match(exported, /"schedulingStrategy":"DAEMON"/);
  assert.match(exported, /"deploymentCircuitBreaker":\{"enable":true,"rollback":true\}/);
  await screenshot(page, 'page-forms');
  // An instance that runs tasks is not deregistered unless forced: ECS says so.
  await page.click('.instance:first-of-type button:has-text("Deregister")');
  await page.waitForSelector('#live-outcome.invalid');
  assert.equal(await page.textContent('#live-outcome'), 'InvalidParameterException: Found running tasks on the instance.');
  assert.equal(await page.$$eval('.instance', (els) => els.length), 2);
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

test('a full storage is said, not hidden: the session is not kept until there is room', async () => {
  // Fill this origin's localStorage to its quota, then change something.
  await page.evaluate(() => {
    let n = 0;
    for (const size of [65536, 4096, 256, 16, 1]) {
      const chunk = 'x'.repeat(size);
      for (let i = 0; i < 5000; i += 1) {
        try { localStorage.setItem(`filler-${n += 1}`, chunk); } catch { break; }
      }
    }
  });
  await page.click('#clock-1');
  await page.click('#lesson-first-cluster');
  await page.click('#lesson-do');
  await page.waitForSelector('#session-unsaved', { timeout: 10000 });
  await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('filler-')).forEach((k) => localStorage.removeItem(k)));
  await page.click('#clock-10');
  await page.waitForFunction(() => !document.querySelector('#session-unsaved'), null, { timeout: 10000 });
});

test('"Start over" forgets the session', async () => {
  await page.click('#start-over');
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#live-cluster option')].map((o) => o.value).join() === 'default');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  assert.deepEqual(errors, []);
});

test('two tabs share one session: a change in one shows in the other, and neither writes over it', async () => {
  const other = await browser.context.newPage();
  watchErrors(other, errors);
  await other.goto(page.url());
  await other.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  const hasCluster = () => [...document.querySelectorAll('#live-cluster option')].some((o) => o.value === 'lesson-first-cluster');
  assert.equal(await page.evaluate(hasCluster), false);
  // The idle tab reloads to take up what the other saved.
  const followed = page.waitForEvent('load', { timeout: 20000 });
  await other.click('#lesson-first-cluster');
  await other.click('#lesson-do');
  await other.waitForFunction(hasCluster, null, { timeout: 10000 });
  await followed;
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.waitForFunction(hasCluster, null, { timeout: 10000 });
  // This tab reads the clock and saves; the other tab's change is still what is kept.
  await page.click('#clock-10');
  await page.waitForSelector('#clock-10[aria-pressed="true"]');
  await other.reload();
  await other.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await other.waitForFunction(hasCluster, null, { timeout: 10000 });
  await other.close();
  assert.deepEqual(errors, []);
});
