// The fleet switch to real containers, end to end: the page links a `berth agent` through its
// connect dialog (URL and token), and the Docker-backed instances, their tasks, the published
// ports (as links that answer) and the containers' logs show like virtual ones.
// Needs the Docker engine: scripts/docker-up starts it and builds the test image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT, DIST, launch, screenshot, ecsCall } from './harness.mjs';

const BERTH = path.join(ROOT, 'target', 'debug', 'berth');
const TOKEN = 'e2e-docker-token';
let image, agent, server, base, browser, page, agentPort;
const errors = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function started(child, pattern) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) resolve(match[0]);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
  });
}

function removeContainers() {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', 'label=berth.instance-id']).toString().split(/\s+/).filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids]);
}

before(async () => {
  image = execFileSync(path.join(ROOT, 'scripts', 'docker-up')).toString().trim().split('\n').pop();
  removeContainers();
  agentPort = await freePort();
  agent = spawn(BERTH, ['agent', '--listen', `127.0.0.1:${agentPort}`, '--instances', '2', '--token', TOKEN,
    '--cpu', '1024', '--memory', '1024'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await started(agent, /connect with/);
  server = spawn(BERTH, ['serve', '--addr', '127.0.0.1:0', '--web', DIST, '--virtual-instances', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  base = `${await started(server, /http:\/\/127\.0\.0\.1:\d+/)}/`;
  browser = await launch();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(base);
  await page.waitForSelector('#live-status.valid', { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  server?.kill();
  agent?.kill();
  removeContainers();
});

const ecs = (operation, body) => ecsCall(base, operation, body);

test('a wrong token is refused in the dialog, the right one links the agent', async () => {
  await page.fill('#agent-url', `ws://127.0.0.1:${agentPort}`);
  await page.fill('#agent-token', 'wrong');
  await page.click('#agent-connect');
  await page.waitForSelector('#live-outcome.invalid', { timeout: 10000 }).catch(async (e) => {
    throw new Error(`no refusal: ${await page.textContent('#live-outcome').catch(() => 'no outcome')}`);
  });
  assert.match(await page.textContent('#live-outcome'), /401/);
  await page.fill('#agent-token', TOKEN);
  await page.click('#agent-connect');
  await page.waitForSelector('#live-outcome.valid');
  // Two virtual instances and the agent's two Docker-backed ones.
  await page.waitForFunction(() => document.querySelectorAll('.instance').length === 4, null, { timeout: 10000 });
  const headers = await page.$$eval('.instance header', (els) => els.map((e) => e.textContent));
  assert.equal(headers.filter((h) => /berth\.docker/.test(h)).length, 2, headers.join(' | '));
});

test('the fleet switch drains the virtual instances, so tasks run on Docker', async () => {
  await page.click('#fleet-docker');
  await page.waitForFunction(() => document.querySelector('#fleet-docker')?.getAttribute('aria-pressed') === 'true',
    null, { timeout: 10000 });
  const states = await page.$$eval('.instance', (els) => els.map((e) => [
    /berth\.docker/.test(e.querySelector('header').textContent), e.classList.contains('draining')]));
  assert.deepEqual(states.filter(([docker]) => !docker).map(([, draining]) => draining), [true, true]);
  assert.deepEqual(states.filter(([docker]) => docker).map(([, draining]) => draining), [false, false]);
});

test("real containers' ports are links that answer, and their logs show", async () => {
  await ecs('RegisterTaskDefinition', { family: 'hello', containerDefinitions: [{
    name: 'web', image, memory: 32, portMappings: [{ containerPort: 80, hostPort: 0 }],
    command: ['sh', '-c', 'echo hello-from-a-real-container; mkdir -p /www && echo real-page > /www/index.html && exec httpd -f -p 80 -h /www'] }] });
  await page.fill('#svc-name', 'hello');
  await page.fill('#svc-td', 'hello:1');
  await page.fill('#svc-desired', '2');
  await page.click('#svc-create');
  await page.waitForFunction(() => document.querySelectorAll('.instance a.port.dynamic').length === 2, null, { timeout: 20000 });
  const links = await page.$$eval('.instance a.port.dynamic', (els) => els.map((e) => e.href));
  assert.equal(links.length, 2);
  for (const link of links) {
    assert.match(link, /^http:\/\/127\.0\.0\.[23]:\d+\/$/);
    assert.equal((await (await fetch(link)).text()).trim(), 'real-page');
  }
  await page.click('.instance .block.running');
  await page.waitForFunction(() => /hello-from-a-real-container/.test(document.querySelector('#task-logs')?.textContent ?? ''),
    null, { timeout: 15000 });
  await screenshot(page, 'fleet-docker-agent');
  assert.deepEqual(errors.filter((e) => !/401|502/.test(e)), []);
});
