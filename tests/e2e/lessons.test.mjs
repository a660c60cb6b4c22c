// The lessons, played through in the page against a live `berth serve`, as a newcomer plays
// them: pick a lesson, press "Do it for me" at each step, speed the clock up where the step
// is waiting on time, and see every step ticked off from what ECS reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import path from 'node:path';
import {
  DIST, ROOT, LESSONS, launch, screenshot, screenshots, toggleLanguage, berthServe, ecsCall, playLesson, serve,
} from './harness.mjs';

let server, base, browser, page;
const errors = [];

before(async () => {
  const started = await berthServe(['--web', DIST, '--virtual-instances', '0']);
  server = started.process;
  base = `${started.url}/`;
  browser = await launch();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  // ECS's refusals are 4xx answers by design (the Fargate lesson provokes one); the browser
  // logs each as a failed load. Anything else is an error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
  });
  await page.goto(base);
  await page.waitForSelector('#live-status.valid', { timeout: 20000 });
  // Everything the lessons wait for happens in virtual seconds at 100×.
  await page.click('#clock-100');
  await page.waitForSelector('#clock-100[aria-pressed="true"]');
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** What the web service's stage machine shows: its lit stage, status, weights line, alarms. */
async function stageMachine() {
  return page.$eval('.service[data-service="web"] .shift', (e) => ({
    stage: e.dataset.stage,
    status: e.dataset.status,
    current: e.querySelector('.stages li.current')?.textContent ?? null,
    about: e.querySelector('p.muted').textContent,
    bar: e.querySelector('.weights .new')?.style.width ?? null,
    alarms: e.querySelector('.alarms')?.dataset.alarms ?? null,
    inAlarm: [...e.querySelectorAll('.alarm.in-alarm')].map((a) => a.textContent.trim()),
    hooks: e.querySelectorAll('.hook button.continue').length,
    lambda: e.querySelector('.hook.lambda')?.textContent ?? null,
  })).catch(() => null);
}

/** The alarm state changes and scaling activities listed under web's scaling plot. */
async function scalingMarks() {
  await page.waitForSelector('.plot.scaling[data-service="web"]', { timeout: 10000 });
  return page.$$eval('.plot.scaling[data-service="web"] .scaling-marks li', (els) => els.map((e) => e.textContent));
}

/** The stage machine each step of the traffic-shifting lessons leaves, as a check. */
const STAGES = {
  'blue-green': {
    5: (m) => m.stage === 'POST_TEST_TRAFFIC_SHIFT' && m.current === 'POST_TEST_TRAFFIC_SHIFT' && m.hooks === 1
      && m.bar === '0%' && /test 100%/.test(m.about),
    6: (m) => m.status === 'SUCCESSFUL' && m.stage === 'CLEAN_UP' && m.bar === '100%' && m.hooks === 0,
  },
  'lambda-hook': {
    4: (m) => m.stage === 'POST_TEST_TRAFFIC_SHIFT' && /invocation 1 waits/.test(m.lambda) && m.bar === '0%',
    5: (m) => /invocation 2 waits/.test(m.lambda),
    6: (m) => m.status === 'SUCCESSFUL' && m.stage === 'CLEAN_UP' && m.bar === '100%' && m.lambda === null,
  },
  'canary-alarm': {
    5: (m) => m.bar === '10%' && m.alarms === 'MONITORING',
    6: (m) => m.status === 'ROLLBACK_SUCCESSFUL' && m.alarms === 'TRIGGERED' && m.inAlarm.length === 1,
  },
  // A ROLLING deployment's own stages, no traffic bar.
  'rolling-hooks': {
    3: (m) => m.stage === 'PRE_SCALE_UP' && m.current === 'PRE_SCALE_UP' && m.hooks === 1 && m.bar === null
      && m.about === 'ROLLING · IN_PROGRESS',
    4: (m) => m.stage === 'POST_SCALE_UP' && m.current === 'POST_SCALE_UP' && m.hooks === 1,
    5: (m) => m.status === 'SUCCESSFUL' && m.stage === 'CLEAN_UP' && m.hooks === 0,
  },
  // At 100× a linear step lasts 0.6 s: the page may see any step after the first.
  linear: {
    4: (m) => ['25%', '50%', '75%', '100%'].includes(m.bar),
    5: (m) => m.bar === '100%',
    6: (m) => m.status === 'SUCCESSFUL' && m.stage === 'CLEAN_UP',
  },
};

for (const id of LESSONS) {
  test(`lesson ${id} can be completed from the page`, async () => {
    const seen = [];
    await playLesson(page, id, async (step) => {
      if (id === 'service-auto-scaling' && step === 5) {
        // Both layers scaled out: six tasks of web, three instances from managed scaling.
        const running = await page.$$eval('.fleet .instance .block.running', (els) => els.length);
        const instances = await page.$$eval('.fleet .instance', (els) => els.length);
        assert.ok(running >= 6 && instances >= 3, `${running} running blocks on ${instances} instances`);
        await screenshots(page, 'lesson-service-auto-scaling', '.guide', toggleLanguage(page));
        await toggleLanguage(page)('en');
        await screenshots(page, 'lesson-service-auto-scaling-fleet', '.fleet', toggleLanguage(page));
        await toggleLanguage(page)('en');
        // The load balancer says which profile it follows, and the plot has drawn the spike:
        // AlarmHigh's state change and the policy's activities are marked on its time line.
        assert.match(await page.textContent('.balancer[data-load-balancer="lesson-scaling"] .load-following'), /spike: 200 peak 2700 after 1 min for 8 min/);
        const marks = await scalingMarks();
        assert.ok(marks.some((m) => /AlarmHigh → ALARM/.test(m)), JSON.stringify(marks));
        assert.ok(marks.some((m) => /Setting desired count to 6\./.test(m)), JSON.stringify(marks));
        const drawn = await page.$eval('.plot.scaling[data-service="web"]', (e) => ({
          requests: e.querySelector('.plot-requests').getAttribute('d').split('L').length,
          metric: e.querySelector('.plot-metric')?.getAttribute('d').split('L').length ?? 0,
          desired: e.querySelector('.plot-desired').getAttribute('d').split('L').length,
          marks: e.querySelectorAll('.plot-mark').length,
        }));
        assert.ok(drawn.requests > 5 && drawn.metric > 5 && drawn.desired > 5 && drawn.marks >= 3, JSON.stringify(drawn));
        await screenshots(page, 'lesson-service-auto-scaling-balancer', '.balancer[data-load-balancer="lesson-scaling"]', toggleLanguage(page));
        await toggleLanguage(page)('en');
        await screenshots(page, 'lesson-service-auto-scaling-plot', '.plot.scaling', toggleLanguage(page));
        await toggleLanguage(page)('en');
      }
      const check = STAGES[id]?.[step];
      if (!check) return;
      // The page looks every 2 s: the step's stage machine is drawn by the next look.
      await page.waitForFunction(() => document.querySelector('.service[data-service="web"] .shift'), null,
        { timeout: 10000 });
      let machine = await stageMachine();
      for (let i = 0; i < 20 && !check(machine); i += 1) {
        await page.waitForTimeout(500);
        machine = await stageMachine();
      }
      seen.push([step, machine]);
      assert.ok(check(machine), `${id} step ${step}: ${JSON.stringify(machine)}`);
      if (id === 'blue-green' && step === 5) {
        await screenshots(page, 'lesson-blue-green-paused', '.service[data-service="web"]', toggleLanguage(page));
        await toggleLanguage(page)('en');
      }
      if (id === 'rolling-hooks' && step === 4) {
        await screenshots(page, 'lesson-rolling-hooks-paused', '.service[data-service="web"]', toggleLanguage(page));
        await toggleLanguage(page)('en');
      }
      if (id === 'canary-alarm' && step === 6) {
        await screenshots(page, 'lesson-canary-rolled-back', '.service[data-service="web"]', toggleLanguage(page));
        await toggleLanguage(page)('en');
      }
    });
    if (STAGES[id]) assert.equal(seen.length, Object.keys(STAGES[id]).length, JSON.stringify(seen));
    if (id === 'service-auto-scaling') {
      // The scale-in is on the plot too: AlarmLow fired and the policy went back to 2.
      let marks = [];
      for (let i = 0; i < 10 && !marks.some((m) => /Setting desired count to 2\./.test(m)); i += 1) {
        await page.waitForTimeout(500);
        marks = await scalingMarks();
      }
      assert.ok(marks.some((m) => /AlarmLow → ALARM/.test(m)), JSON.stringify(marks));
      assert.ok(marks.some((m) => /Setting desired count to 2\./.test(m)), JSON.stringify(marks));
      await screenshots(page, 'lesson-service-auto-scaling-plot-after', '.plot.scaling', toggleLanguage(page));
      await toggleLanguage(page)('en');
    }
    if (id === 'rolling-2025') {
      // The old revision is back to two running tasks, on the instance left; the broken one
      // is still PRIMARY, failing its health checks.
      const rows = await page.$$eval('.service[data-service="web"] .deployments tbody tr',
        (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      const old = rows.find((r) => r[0] === 'ACTIVE');
      assert.equal(old?.[3], '2', JSON.stringify(rows));
      assert.match(await page.textContent('.services'), /failed container health checks/);
      await screenshots(page, 'lesson-rolling-2025', '.guide', toggleLanguage(page));
      await toggleLanguage(page)('en');
    }
    if (id === 'az-rebalancing') {
      // Two and two again, and ECS said how it got there in its own words.
      const events = await page.textContent('.services');
      assert.match(events, /is not AZ balanced with 4 tasks in us-east-1b, 0 tasks in us-east-1a/);
      assert.match(events, /due to AZ rebalancing/);
      // The fleet drawn by zone: two running blocks in each (the terminated instance's
      // stopped tasks may linger in the zone's old instance until it goes).
      const zones = await page.$$eval('.fleet .zone', (els) => Object.fromEntries(els.map((z) => [
        z.querySelector('h3').textContent, z.querySelectorAll('.instance .block.running').length])));
      assert.equal(zones['us-east-1a'], 2, JSON.stringify(zones));
      assert.equal(zones['us-east-1b'], 2, JSON.stringify(zones));
      await screenshots(page, 'lesson-az-rebalancing', '.guide', toggleLanguage(page));
      await toggleLanguage(page)('en');
    }
    const balancer = `.balancer[data-load-balancer="lesson-${id}"]`;
    if (id === 'port-stall') {
      // What the lesson is about, in ECS's words, on the service's event list.
      const events = await page.textContent('.services');
      assert.match(events, /already using a port required by your task/);
      // And in the load balancer's: the "fix" cost requests, each answered 503 by the ALB.
      assert.match(await page.textContent(`${balancer} .count`), /^[1-9]\d* requests · [1-9]\d* 5xx$/);
    }
    if (id === 'dynamic-ports') {
      const dynamic = await page.$$eval('.instance .port.dynamic', (els) => els.length);
      assert.ok(dynamic >= 3, `${dynamic} dynamic ports shown`);
      // Through a rolling update on one instance, not one request failed.
      assert.match(await page.textContent(`${balancer} .count`), /^[1-9]\d* requests · 0 5xx$/);
      assert.equal(await page.$$eval(`${balancer} .target.healthy`, (els) => els.length), 3);
      // berth serve listens on the listener's port for real; a virtual target answers.
      const listener = await page.textContent(`${balancer} .listeners li`);
      const port = Number(listener.match(/^HTTP :(\d+) /)[1]);
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 200, await response.text());
      // How it looks: the lesson beside the fleet, and the load balancer it built.
      await screenshots(page, 'lesson-dynamic-ports', '.guide', toggleLanguage(page));
      await screenshots(page, 'lesson-dynamic-ports-balancer', balancer, toggleLanguage(page));
      await toggleLanguage(page)('en');
    }
    await screenshot(page, `lesson-${id}`);
  });
}

test('failures injected from the page: a killed container, a terminated instance, a new one', async () => {
  // The draining lesson's cluster: two instances, one drained, the service's two tasks on the other.
  await page.selectOption('#live-cluster', 'lesson-draining');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  await page.waitForFunction(() => document.querySelectorAll('.instance.active .block').length === 2);
  await page.click('.instance.active .block');
  await page.click('button:has-text("Kill its essential container")');
  await page.waitForFunction(() => document.querySelector('#live-outcome')?.textContent === 'kill: done');
  // ECS sees the exit (137), stops the task, and the service starts another.
  await page.waitForFunction(() => document.querySelector('#task-stopped-reason')?.textContent
    === 'EssentialContainerExited: Essential container in task exited', null, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('.service')?.textContent.includes('running 2'), null, { timeout: 30000 });
  await page.click('.instance.draining button:has-text("Terminate")');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 1, null, { timeout: 15000 });
  await page.selectOption('#new-instance-type', 't3.large');
  await page.selectOption('#new-instance-zone', 'us-east-1b');
  await page.click('#new-instance');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2, null, { timeout: 15000 });
  assert.match(await page.textContent('.fleet'), /t3\.large/);
  // A new image pushed under a tag: a task run after it pulls another digest than one before.
  await ecsCall(base, 'RegisterTaskDefinition', { family: 'pushed', containerDefinitions: [
    { name: 'app', image: 'registry.example.com/pushed:latest', memory: 64, command: ['sleep', '3600'] }] });
  const digestOf = async () => {
    const run = await ecsCall(base, 'RunTask', { cluster: 'lesson-draining', taskDefinition: 'pushed' });
    const arn = run.tasks[0].taskArn;
    for (let i = 0; i < 50; i += 1) {
      const [task] = (await ecsCall(base, 'DescribeTasks', { cluster: 'lesson-draining', tasks: [arn] })).tasks;
      if (task.containers[0].imageDigest) return task.containers[0].imageDigest;
      await page.waitForTimeout(200);
    }
    throw new Error('no digest reported');
  };
  const before = await digestOf();
  await page.fill('#broken-image', 'registry.example.com/pushed:latest');
  await page.click('#push-image');
  await page.waitForFunction(() => document.querySelector('#live-outcome')?.textContent === 'push: done');
  const after = await digestOf();
  assert.match(after, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(after, before);
  await screenshot(page, 'fleet-failures');
});

test('a container restarted in place by its restart policy: the task runs on, the inspector counts it', async () => {
  const fleet = (action) => fetch(`${base}berth/fleet`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(action),
  }).then((r) => r.json());
  await ecsCall(base, 'CreateCluster', { clusterName: 'restarts' });
  await fleet({ action: 'launch', cluster: 'restarts', instanceType: 't3.medium', zone: 'us-east-1a' });
  await ecsCall(base, 'RegisterTaskDefinition', { family: 'restarting', containerDefinitions: [
    { name: 'app', image: 'busybox', memory: 64, command: ['sleep', '86400'],
      restartPolicy: { enabled: true, restartAttemptPeriod: 60 } }] });
  const [task] = (await ecsCall(base, 'RunTask', { cluster: 'restarts', taskDefinition: 'restarting' })).tasks;
  await page.waitForFunction(() => [...document.querySelectorAll('#live-cluster option')].some((o) => o.value === 'restarts'),
    null, { timeout: 10000 });
  await page.selectOption('#live-cluster', 'restarts');
  await page.waitForFunction(() => document.querySelectorAll('.instance .block').length === 1, null, { timeout: 15000 });
  // A restart needs the container to have run its 60 s attempt period: 0.6 s at 100×.
  await page.waitForTimeout(1500);
  await page.click('.instance .block');
  assert.equal(await page.$('#task-restarts'), null, 'not restarted yet');
  await page.click('button:has-text("Kill its essential container")');
  await page.waitForFunction(() => document.querySelector('#live-outcome')?.textContent.startsWith('kill:'));
  await page.waitForFunction(() => document.querySelector('#task-restarts')?.textContent.endsWith('app\u00a0×1'),
    null, { timeout: 15000 });
  const [after] = (await ecsCall(base, 'DescribeTasks', { cluster: 'restarts', tasks: [task.taskArn] })).tasks;
  assert.equal(after.lastStatus, 'RUNNING', 'restarted in place, not stopped');
  assert.equal(await page.$('#task-stopped-reason'), null);
  await screenshots(page, 'task-restarts', '.inspector', toggleLanguage(page));
  await toggleLanguage(page)('en');
  await page.click('.inspector button:has-text("Close")');
  await page.evaluate(() => window.scrollTo(0, 0));
});

test('a cluster of 150 instances is drawn on a canvas, instance by instance under the pointer', async () => {
  await ecsCall(base, 'CreateCluster', { clusterName: 'big' });
  for (let i = 0; i < 150; i += 1) {
    await ecsCall(base, 'RegisterContainerInstance', { cluster: 'big', totalResources: [
      { name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 3904 }] });
  }
  await ecsCall(base, 'RegisterTaskDefinition', { family: 'tiny', containerDefinitions: [
    { name: 'app', image: 'busybox', memory: 512, command: ['sleep', '86400'] }] });
  await ecsCall(base, 'RunTask', { cluster: 'big', taskDefinition: 'tiny', count: 10 });
  await page.waitForFunction(() => [...document.querySelectorAll('#live-cluster option')].some((o) => o.value === 'big'),
    null, { timeout: 10000 });
  await page.selectOption('#live-cluster', 'big');
  await page.waitForSelector('#fleet-canvas', { timeout: 10000 });
  await page.waitForFunction(() => /^150 instances, 10 tasks/.test(document.querySelector('#fleet-canvas-about')?.textContent));
  assert.equal(await page.$$eval('.instance', (els) => els.length), 0);
  const box = await page.$eval('#fleet-canvas', (c) => [c.width, c.height]);
  assert.ok(box[0] > 0 && box[1] > 0, `canvas ${box}`);
  await page.$eval('#fleet-canvas', (c) => c.scrollIntoView());
  await page.mouse.move(...(await page.$eval('#fleet-canvas', (c) => { const r = c.getBoundingClientRect(); return [r.x + 5, r.y + 5]; })));
  await page.waitForFunction(() => / ACTIVE: \d+ tasks, memory \d+\/3904 MiB/.test(document.querySelector('#fleet-canvas-about').textContent));
  // The keyboard walks the tiles too.
  await page.focus('#fleet-canvas');
  await page.keyboard.press('Home');
  const first = await page.textContent('#fleet-canvas-about');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((was) => document.querySelector('#fleet-canvas-about').textContent !== was, first);
  assert.match(await page.textContent('#fleet-canvas-about'), / ACTIVE: \d+ tasks/);
  await screenshot(page, 'fleet-canvas');
});

test('a cluster shared as a link is rebuilt elsewhere, its load balancer too', async () => {
  await page.selectOption('#live-cluster', 'lesson-port-stall');
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 1);
  await page.click('#export');
  await page.waitForSelector('#export-commands');
  const exported = await page.textContent('#export-commands');
  const link = exported.split('\n').find((l) => l.startsWith('http'));
  // The commands for a real account run as they are with the AWS CLI (in bash: each new ARN
  // kept in a variable for the commands after it), here against a second berth serve; only
  // the listener's port moves, since this one holds it on this machine.
  const free = 20000 + Math.floor(Math.random() * 20000);
  const script = exported.split('\n').filter((l) => /^(aws |[A-Z0-9_]+=\$\(aws )/.test(l))
    .map((l) => (l.includes('elbv2 create-listener') ? l.replace(/"Port":\d+/, `"Port":${free}`) : l));
  assert.ok(script.some((l) => l.startsWith('TG_LESSON_PORT_STALL=$(aws elbv2 create-target-group')), exported);
  const replay = await berthServe();
  try {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'berth', AWS_SECRET_ACCESS_KEY: 'berth',
      AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
      AWS: path.join(ROOT, 'tests', 'aws', '.venv', 'bin', 'aws'), ENDPOINT: replay.url };
    const run = (commands) => execSync(`set -e\naws() { "$AWS" "$@" --endpoint-url "$ENDPOINT"; }\n${commands}`,
      { env, shell: '/bin/bash', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    run(script.join('\n'));
    const groups = JSON.parse(run('aws elbv2 describe-target-groups --names lesson-port-stall'));
    const arn = groups.TargetGroups[0].TargetGroupArn;
    assert.equal(groups.TargetGroups[0].HealthCheckIntervalSeconds, 10);
    const attributes = JSON.parse(run(`aws elbv2 describe-target-group-attributes --target-group-arn ${arn}`));
    assert.ok(attributes.Attributes.some((a) => a.Key === 'deregistration_delay.timeout_seconds' && a.Value === '30'));
    const services = JSON.parse(run('aws ecs describe-services --cluster lesson-port-stall --services web'));
    assert.equal(services.services[0].loadBalancers[0].targetGroupArn, arn);
  } finally {
    replay.process.kill();
  }
  assert.ok(link && link.includes('#session='), link);
  // Elsewhere: the page alone (this berth serve holds the listener's port on this machine).
  const other = await serve();
  const elsewhere = await browser.context.newPage();
  try {
    await elsewhere.goto(`${other.url}${link.slice(link.indexOf('#'))}`);
    await elsewhere.waitForSelector('#shared-rebuild', { timeout: 20000 });
    assert.match(await elsewhere.textContent('#shared-session'), /lesson-port-stall \(\d+ AWS calls\)/);
    await elsewhere.click('#shared-rebuild');
    await elsewhere.waitForFunction(() => /^Rebuilt cluster lesson-port-stall: \d+ calls\.$/
      .test(document.querySelector('#live-outcome')?.textContent), null, { timeout: 20000 });
    await elsewhere.waitForFunction(() => document.querySelectorAll('.instance').length === 1
      && document.querySelector('.service')?.textContent.includes('desired 1'), null, { timeout: 20000 });
    const balancer = '.balancer[data-load-balancer="lesson-port-stall"]';
    await elsewhere.waitForSelector(balancer, { timeout: 20000 });
    assert.match(await elsewhere.textContent(`${balancer} .listeners li`), /^HTTP :\d+ — default → lesson-port-stall$/);
    assert.match(await elsewhere.textContent(`${balancer} .target-group h3`), /drains for 30 s/);
    await screenshot(elsewhere, 'shared-session');
  } finally {
    await elsewhere.close();
    await other.close();
  }
});

test('the clock: paused, rewound, and in Japanese', async () => {
  await page.click('#clock-pause');
  await page.waitForSelector('#clock-pause[aria-pressed="true"]');
  const before = await page.textContent('#clock-now');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await page.textContent('#clock-now'), before);
  // Scrub back a minute: the server forgets what came after and replays its journal.
  const [min, max] = await page.$eval('#clock-rewind', (e) => [Number(e.min), Number(e.max)]);
  assert.ok(max - min > 60000, `${min}..${max}`);
  await page.$eval('#clock-rewind', (e, to) => {
    e.value = String(to);
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, max - 60000);
  await page.waitForFunction(() => document.querySelector('.events, #events, body').textContent
    .includes('the fleet went back to this time'), null, { timeout: 10000 });
  await page.waitForFunction((was) => document.querySelector('#clock-now').textContent < was, before);
  await page.click('#lang-toggle');
  await page.waitForSelector('main[lang="ja"]');
  assert.match(await page.textContent('.guide h2'), /レッスン/);
  assert.match(await page.textContent('#lesson-steps'), /クラスター|インスタンス|タスク/);
  await page.click('#lang-toggle');
  await page.click('#clock-1');
  assert.deepEqual(errors, []);
});
