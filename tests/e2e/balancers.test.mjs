// Load balancers in the page, end to end: `berth serve` serving the built page, an ALB made
// through ELB's own Query API (as `aws elbv2` sends it), a service on dynamic host ports
// behind it, and the page drawing the listener's rule, the targets on their tasks with their
// health, and the traffic the page's offered-load control sends through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ecsCall, elbCall, screenshots, servedPage } from './harness.mjs';

let server, base, browser, page, errors;

before(async () => {
  ({ server, base, browser, page, errors } = await servedPage());
});

after(async () => {
  await browser?.close();
  server?.kill();
});

const ecs = (operation, body) => ecsCall(base, operation, body);

const elb = (params, tag) => elbCall(base, params, tag);

test('a service behind an ALB: its targets on their tasks, their health and their traffic', async () => {
  const lb = await elb({ Action: 'CreateLoadBalancer', Name: 'web',
    'Subnets.member.1': 'subnet-1', 'Subnets.member.2': 'subnet-2' }, 'LoadBalancerArn');
  const tg = await elb({ Action: 'CreateTargetGroup', Name: 'web', Protocol: 'HTTP', Port: '80',
    VpcId: 'vpc-1', HealthCheckIntervalSeconds: '5', HealthCheckTimeoutSeconds: '2',
    HealthyThresholdCount: '2' }, 'TargetGroupArn');
  const port = 20000 + Math.floor(Math.random() * 20000);
  await elb({ Action: 'CreateListener', LoadBalancerArn: lb, Protocol: 'HTTP', Port: String(port),
    'DefaultActions.member.1.Type': 'forward', 'DefaultActions.member.1.TargetGroupArn': tg });
  await ecs('RegisterTaskDefinition', { family: 'web', containerDefinitions: [{ name: 'web',
    image: 'nginx', memory: 128, portMappings: [{ containerPort: 80, hostPort: 0 }] }] });
  await ecs('CreateService', { serviceName: 'web', taskDefinition: 'web', desiredCount: 2,
    loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 80 }] });

  await page.goto(base);
  await page.waitForSelector('.balancer[data-load-balancer="web"]', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll('.target.healthy').length === 2,
    null, { timeout: 30000 });
  const listener = await page.textContent('.balancer .listeners li');
  assert.equal(listener, `HTTP :${port} — default → web`);
  // Each target is a task's dynamic host port on its instance.
  const targets = await page.$$eval('.target code', (els) => els.map((e) => e.textContent));
  const tasks = await ecs('DescribeTasks', { tasks: (await ecs('ListTasks', {})).taskArns });
  const ports = tasks.tasks.map((t) => t.containers[0].networkBindings[0].hostPort).sort();
  assert.deepEqual(targets.map((t) => Number(t.split(':')[1])).sort(), ports);

  // The offered load goes through the listener round robin; none fails.
  await page.fill('.balancer input.load', '100');
  await page.click('.balancer button:has-text("Offer")');
  await page.waitForFunction(() => /^[1-9]\d* requests · 0 5xx$/.test(
    document.querySelector('.balancer .count')?.textContent ?? ''), null, { timeout: 20000 });
  const counted = await page.$$eval('.target', (els) => els.map((e) => e.textContent));
  assert.ok(counted.every((t) => !/ 0 requests/.test(t)), counted.join('\n'));

  // A task's button opens the task.
  const shown = await page.textContent('.target button.link');
  await page.click('.target button.link');
  await page.waitForFunction((id) => document.querySelector('.inspector').textContent.includes(id),
    shown, { timeout: 10000 });

  // Draining shows its time left.
  await ecs('UpdateService', { service: 'web', desiredCount: 1 });
  await page.waitForSelector('.target.draining', { timeout: 20000 });
  assert.match(await page.textContent('.target.draining'), /draining \d+ s left/);

  await screenshots(page, 'balancers', '.balancers', async (lang) => {
    await page.evaluate((l) => localStorage.setItem('berth.lang', l), lang);
    await page.reload();
    await page.waitForSelector('.balancer .target', { timeout: 20000 });
  });
  const heading = await page.textContent('.balancers h2');
  assert.equal(heading, 'ロードバランサー');
  assert.deepEqual(errors, []);
});
