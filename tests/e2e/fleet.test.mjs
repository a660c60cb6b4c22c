// The live fleet, end to end: `berth serve` serving the built page, Chromium driving it. The
// page registers a task definition from the editor, runs tasks, and replays seed 002's story
// (a static host port on every instance stalls a rolling update); the AWS CLI's view and the
// page's must agree, so the page is checked against ECS's own words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, screenshot, ecsCall, berthServe, servedPage } from './harness.mjs';

let server, base, browser, page, errors;

before(async () => {
  ({ server, base, browser, page, errors } = await servedPage());
  await page.goto(base);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** A web server on static host port 80 whose health check passes. */
function web(image) {
  return { family: 'web', containerDefinitions: [{ name: 'web', image, memory: 256,
    portMappings: [{ containerPort: 80, hostPort: 80 }],
    healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 5 } }] };
}

const ecs = (operation, body) => ecsCall(base, operation, body);

test('served by berth serve, the page opens on the live fleet', async () => {
  await page.waitForSelector('#live-status.valid', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 2);
  const status = await page.textContent('#live-status');
  assert.match(status, /cluster default .*2 instances/);
  const bars = await page.$$eval('.instance .bar-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(bars, ['CPU 0/2048', 'Memory 0/3994', 'CPU 0/2048', 'Memory 0/3994']);
});

test('a task definition registered from the editor runs from the fleet view', async () => {
  await page.click('#tab-editor');
  await page.fill('#td-text', JSON.stringify(web('httpd:2.4')));
  await page.click('#td-register');
  await page.waitForSelector('#td-registered.valid');
  assert.equal(await page.textContent('#td-registered'), 'Registered as web:1.');
  await page.click('#tab-fleet');
  await page.fill('#run-td', 'web');
  await page.fill('#run-count', '3');
  await page.click('#run-task');
  // Two instances, one port 80 each: two tasks start; the third gets ECS's RESOURCE:PORTS.
  await page.waitForSelector('#live-outcome');
  await page.waitForFunction(() => document.querySelectorAll('.instance .block').length === 2, null, { timeout: 15000 })
    .catch(async () => {
      const arns = (await ecs('ListTasks', {})).taskArns;
      const stopped = (await ecs('ListTasks', { desiredStatus: 'STOPPED' })).taskArns;
      const tasks = arns.length + stopped.length ? (await ecs('DescribeTasks', { tasks: [...arns, ...stopped] })).tasks : [];
      const seen = tasks.map((t) => `${t.lastStatus}/${t.desiredStatus}@${(t.containerInstanceArn ?? '').slice(-6)} ${t.stoppedReason ?? ''}`);
      const cards = await page.$$eval('.instance', (els) => els.map((e) => e.getAttribute('data-instance')));
      throw new Error(`no 2 tasks: outcome ${await page.textContent('#live-outcome')}, count field ${await page.inputValue('#run-count')}, blocks ${await page.$$eval('.instance .block', (b) => b.length)}, cards ${cards}, server: ${seen.join('; ')}`);
    });
  await page.waitForFunction(() => [...document.querySelectorAll('.instance .block small')]
    .every((e) => e.textContent === 'RUNNING'), null, { timeout: 15000 });
  await page.waitForFunction(() => document.querySelectorAll('.instance .port.static').length === 2);
  const ports = await page.$$eval('.instance .port.static', (els) => els.map((e) => e.textContent));
  assert.deepEqual(ports, ['80', '80']);
  await screenshot(page, 'fleet-static-ports');
});

test("seed 002: the rolling update stalls on port 80, and the service's events say why", async () => {
  const tasks = (await ecs('ListTasks', {})).taskArns;
  for (const task of tasks) await ecs('StopTask', { task });
  // Wait until the stopped tasks have left their instances (their port 80 is free again).
  await page.waitForFunction(() => document.querySelectorAll('.instance .block').length === 0,
    null, { timeout: 15000 });
  await page.fill('#svc-name', 'web');
  await page.fill('#svc-td', 'web:1');
  await page.fill('#svc-desired', '2');
  await page.click('#svc-create');
  await page.waitForFunction(() => /desired 2, running 2/.test(
    document.querySelector('[data-service="web"]')?.textContent ?? ''), null, { timeout: 20000 });
  // The old tasks count toward minimumHealthyPercent once their health checks pass.
  for (let i = 0; ; i++) {
    const arns = (await ecs('ListTasks', { serviceName: 'web' })).taskArns;
    const tasks = arns.length ? (await ecs('DescribeTasks', { tasks: arns })).tasks : [];
    if (tasks.length === 2 && tasks.every((t) => t.healthStatus === 'HEALTHY')) break;
    assert.ok(i < 100, 'the service tasks never became HEALTHY');
    await new Promise((r) => setTimeout(r, 200));
  }
  await ecs('RegisterTaskDefinition', web('httpd:2.5'));
  await page.fill('#svc-td', 'web:2');
  await page.click('#svc-update');
  await page.waitForFunction(() => document.querySelector('#live-outcome')?.textContent === 'UpdateService: done',
    null, { timeout: 5000 }).catch(async () => {
    throw new Error(`UpdateService: ${await page.textContent('#live-outcome')}`);
  });
  await page.waitForFunction(() => /is already using a port required by your task/.test(
    document.querySelector('[data-service="web"] .service-events')?.textContent ?? ''), null, { timeout: 20000 });
  const rows = await page.$$eval('[data-service="web"] .deployments tbody tr',
    (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => [r[0], r[1], r[3]]), [['PRIMARY', 'web:2', '0'], ['ACTIVE', 'web:1', '2']]);
  // Why: the explainer gives every instance's verdict for the next task.
  await page.click('[data-service="web"] button.explain');
  await page.waitForSelector('#explain-closest');
  assert.match(await page.textContent('#explain-closest'), /is already using a port required by your task\.$/);
  const verdicts = await page.$$eval('#explain tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].slice(2, 4).map((td) => td.textContent)));
  assert.deepEqual(verdicts, [['exhausted', 'RESOURCE:PORTS (port 80 in use)'],
    ['exhausted', 'RESOURCE:PORTS (port 80 in use)']]);
  // The reservation plot has followed the cluster since the page opened.
  const plot = await page.getAttribute('#reservation-plot', 'aria-label');
  assert.match(plot, /^CPU 0% and memory 6% reserved now$/);
  await screenshot(page, 'fleet-seed-002-stall');
});

test('a task opens in the inspector with its bindings and can be stopped', async () => {
  await page.click('.instance .block.running');
  await page.waitForSelector('#task-document');
  const bindings = await page.textContent('#task-bindings');
  assert.match(bindings, /web: 0\.0\.0\.0:80 → 80\/tcp/);
  const document = JSON.parse(await page.textContent('#task-document'));
  assert.equal(document.lastStatus, 'RUNNING');
  await page.click('#task-stop');
  await page.waitForSelector('#task-stopped-reason', { timeout: 15000 });
  assert.match(await page.textContent('#task-stopped-reason'), /UserInitiated: Stopped from the Berth playground/);
  await screenshot(page, 'fleet-inspector');
  assert.deepEqual(errors, []);
});

test('what was built exports as aws ecs commands that run as they are', async () => {
  await page.click('#export');
  await page.waitForSelector('#export-commands');
  const text = await page.textContent('#export-commands');
  const commands = text.split('\n').filter((l) => l.startsWith('aws '));
  assert.equal(commands.length, 3, text);
  assert.match(commands[0], /^aws ecs register-task-definition --cli-input-json '\{"containerDefinitions"/);
  assert.equal(commands[1], 'aws ecs create-cluster --cluster-name default');
  assert.match(commands[2], /^aws ecs create-service --cli-input-json '.*"serviceName":"web"/);
  // Replay them with the real AWS CLI against a second, empty berth serve.
  const aws = path.join(ROOT, 'tests', 'aws', '.venv', 'bin', 'aws');
  const { process: other, url: endpoint } = await berthServe();
  try {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'berth', AWS_SECRET_ACCESS_KEY: 'berth',
      AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    for (const command of commands) {
      execSync(`${command.replace(/^aws /, `${aws} `)} --endpoint-url ${endpoint}`, { env, stdio: 'pipe', shell: '/bin/sh' });
    }
    const described = JSON.parse(execSync(`${aws} ecs describe-services --services web --endpoint-url ${endpoint}`,
      { env }).toString());
    assert.equal(described.services[0].desiredCount, 2);
    assert.match(described.services[0].taskDefinition, /task-definition\/web:1$/);
  } finally {
    other.kill();
  }
});

test('the page switches to Japanese and back, and remembers it', async () => {
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.querySelector('#tab-fleet')?.textContent === 'フリート');
  assert.equal(await page.textContent('#run-task'), 'タスクを実行');
  assert.match(await page.textContent('#live-status'), /^ライブ: クラスター default/);
  await screenshot(page, 'fleet-japanese');
  await page.reload();
  await page.waitForSelector('#live-status.valid', { timeout: 20000 });
  assert.equal(await page.textContent('#tab-fleet'), 'フリート');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.querySelector('#tab-fleet')?.textContent === 'Fleet');
  assert.deepEqual(errors, []);
});

test("an awslogs task's inspector reads its CloudWatch Logs stream", async () => {
  const options = { 'awslogs-group': '/ecs/inspected', 'awslogs-region': 'us-east-1',
    'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' };
  await ecs('RegisterTaskDefinition', { family: 'inspected', containerDefinitions: [{ name: 'web',
    image: 'nginx', memory: 64, logConfiguration: { logDriver: 'awslogs', options } }] });
  const arn = (await ecs('RunTask', { taskDefinition: 'inspected' })).tasks[0].taskArn;
  const id = arn.split('/').pop();
  const block = `.instance .block.running[data-task="${id.slice(0, 8)}"]`;
  await page.waitForSelector(block, { timeout: 20000 });
  await page.click(block);
  await page.waitForFunction(() => /ready for start up/.test(document.querySelector('#task-logs')?.textContent ?? ''),
    null, { timeout: 15000 });
  const logs = await page.textContent('#task-logs');
  assert.match(logs, new RegExp(`web: CloudWatch Logs /ecs/inspected › ecs/web/${id}`));
  await screenshot(page, 'fleet-inspector-awslogs');
  await ecs('StopTask', { task: arn });
  assert.deepEqual(errors, []);
});
