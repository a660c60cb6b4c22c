// The task-definition editor, end to end: the built site in Chromium, an invalid and then a
// valid task definition pasted, and what the page shows checked against ECS's words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, screenshot, watchErrors } from './harness.mjs';

let site, browser, page;
const errors = [];

before(async () => {
  site = await serve();
  browser = await launch();
  page = await browser.context.newPage();
  watchErrors(page, errors);
  await page.goto(site.url);
  // Plain files, no server: the page runs its own control plane and opens on the fleet.
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.click('#tab-editor');
  await page.waitForSelector('#td-text');
});

after(async () => {
  await browser?.close();
  await site?.close();
});

const INVALID = JSON.stringify({
  family: 'web',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '4 GB',
  containerDefinitions: [
    { name: 'web', image: 'nginx', portMappings: [{ containerPort: 80, hostPort: 8080 }], memroy: 64 },
  ],
}, null, 2);

const VALID = JSON.stringify({
  family: 'hello_world',
  containerDefinitions: [
    { name: 'wordpress', links: ['mysql'], image: 'wordpress', essential: true,
      portMappings: [{ containerPort: 80, hostPort: 80 }], memory: 500, cpu: 10 },
    { environment: [{ name: 'MYSQL_ROOT_PASSWORD', value: 'password' }],
      name: 'mysql', image: 'mysql', cpu: 10, memory: 500, essential: true },
  ],
}, null, 2);

test('an invalid task definition shows every problem with its path, in ECS words', async () => {
  await page.fill('#td-text', INVALID);
  await page.waitForSelector('#problems');
  const status = await page.textContent('#status');
  assert.match(status, /ECS would refuse this task definition: \d+ problems/);
  const problems = await page.$$eval('#problems li', (items) => items.map((li) => ({
    path: li.querySelector('.path').textContent,
    exception: li.querySelector('.exception').textContent,
    message: li.querySelector('.message').textContent,
  })));
  assert.deepEqual(problems[0], {
    path: 'containerDefinitions[0].memroy',
    exception: 'InvalidParameterException',
    message: problems[0].message,
  });
  assert.match(problems[0].message, /^Unknown parameter in containerDefinitions\[0\]: "memroy", must be one of: name, image/);
  const messages = problems.map((p) => `${p.exception}: ${p.message} (at ${p.path})`);
  assert.ok(messages.includes('ClientException: Fargate only supports network mode ‘awsvpc’. (at networkMode)'), messages.join('\n'));
  assert.ok(messages.includes('ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values. (at cpu)'), messages.join('\n'));
  // Each problem whose member is in the text links to its line; clicking selects it.
  const lines = await page.$$eval('#problems li', (items) => items.map((li) => li.querySelector('.line')?.textContent ?? null));
  assert.equal(lines[0], 'line 18');
  await page.click('#problems li:first-child .line');
  const selected = await page.$eval('#td-text', (t) => t.value.slice(t.selectionStart, t.selectionStart + 8));
  assert.equal(selected, '"memroy"');
  await screenshot(page, 'editor-invalid');
});

test('malformed JSON shows its line and column', async () => {
  await page.fill('#td-text', '{\n  "family": "web",\n  oops\n}');
  await page.waitForSelector('.status.malformed');
  assert.match(await page.textContent('#status'), /^Malformed JSON at line 3, column 3: /);
});

test('a valid task definition shows the registered document', async () => {
  await page.fill('#td-text', VALID);
  await page.waitForSelector('#registered');
  assert.equal(
    await page.textContent('#status'),
    'Valid: ECS would register it as hello_world:1. This is what describe-task-definition would show:',
  );
  const document = JSON.parse(await page.textContent('#registered'));
  const td = document.taskDefinition;
  assert.equal(td.taskDefinitionArn, 'arn:aws:ecs:us-east-1:123456789012:task-definition/hello_world:1');
  assert.equal(td.status, 'ACTIVE');
  assert.deepEqual(td.compatibilities, ['EXTERNAL', 'EC2']);
  assert.equal(td.containerDefinitions[0].portMappings[0].protocol, 'tcp');
  assert.equal(td.containerDefinitions[1].portMappings.length, 0);
  await screenshot(page, 'editor-valid');
});

test('each seed sample is one click away and registers', async () => {
  const expected = {
    'fargate-httpd': 'fargate-task-definition:1',
    'wordpress-mysql': 'hello_world:1',
    sleep360: 'sleep360:1',
  };
  for (const [id, familyRevision] of Object.entries(expected)) {
    await page.click(`button[data-sample="${id}"]`);
    await page.waitForSelector('.status.valid');
    assert.equal(
      await page.textContent('#status'),
      `Valid: ECS would register it as ${familyRevision}. This is what describe-task-definition would show:`,
    );
  }
  await screenshot(page, 'editor-sample-sleep360');
  assert.deepEqual(errors, []);
});

test('what is in the editor survives a reload', async () => {
  const text = JSON.stringify({ family: 'kept', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 8 }] });
  await page.fill('#td-text', text);
  await page.reload();
  await page.waitForSelector('#live-status[data-engine="page"]', { timeout: 20000 });
  await page.click('#tab-editor');
  await page.waitForSelector('#td-text');
  await page.waitForFunction((expected) => document.querySelector('#td-text').value === expected, text);
  await page.waitForSelector('#status.valid');
  assert.match(await page.textContent('#status'), /kept:1/);
});
