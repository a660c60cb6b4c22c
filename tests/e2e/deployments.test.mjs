// A blue/green deployment in the page, end to end: `berth serve` serving the built page, two
// target groups behind one listener, a service switched to BLUE_GREEN with a PAUSE hook after
// its test traffic shift. The service's panel draws the stage machine with the current stage
// lit, the new revision's share of production traffic as a bar, the hook awaiting action with
// Continue and Roll back, and, once continued, the bake's time left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ecsCall, elbCall, screenshots, servedPage, toggleLanguage } from './harness.mjs';

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

/** A load balancer NAME with target groups NAME-blue and NAME-green and a listener on a random
 * port forwarding all to blue: what a blue/green service needs. */
async function balancer(name) {
  const lb = await elb({ Action: 'CreateLoadBalancer', Name: name,
    'Subnets.member.1': 'subnet-1', 'Subnets.member.2': 'subnet-2' }, 'LoadBalancerArn');
  const groups = [];
  for (const colour of ['blue', 'green']) {
    groups.push(await elb({ Action: 'CreateTargetGroup', Name: `${name}-${colour}`, Protocol: 'HTTP',
      Port: '80', VpcId: 'vpc-1', HealthCheckIntervalSeconds: '5',
      HealthCheckTimeoutSeconds: '2', HealthyThresholdCount: '2' }, 'TargetGroupArn'));
  }
  const listener = await elb({ Action: 'CreateListener', LoadBalancerArn: lb, Protocol: 'HTTP',
    Port: String(20000 + Math.floor(Math.random() * 20000)), 'DefaultActions.member.1.Type': 'forward',
    'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn': groups[0],
    'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight': '100',
    'DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn': groups[1],
    'DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight': '0' }, 'ListenerArn');
  return { blue: groups[0], green: groups[1], listener };
}

test('a blue/green deployment is drawn as its stage machine, paused at a hook, then continued', async () => {
  const { blue, green, listener } = await balancer('bg');
  for (const image of ['nginx:1', 'nginx:2']) {
    await ecs('RegisterTaskDefinition', { family: 'bg', containerDefinitions: [{ name: 'web',
      image, memory: 128, portMappings: [{ containerPort: 80, hostPort: 0 }] }] });
  }
  await ecs('CreateService', { serviceName: 'bg', taskDefinition: 'bg:1', desiredCount: 2,
    loadBalancers: [{ targetGroupArn: blue, containerName: 'web', containerPort: 80,
      advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: listener,
        roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole' } }] });

  await page.goto(base);
  await page.waitForSelector('.service[data-service="bg"]', { timeout: 20000 });
  assert.equal(await page.$('.shift'), null, 'a rolling deployment has no stages to draw');
  const updated = await ecs('UpdateService', { service: 'bg', taskDefinition: 'bg:2',
    deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [
      { targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }] } });
  assert.equal(updated.service.deploymentConfiguration.strategy, 'BLUE_GREEN');

  // Green scales up, then the deployment waits at its hook: POST_SCALE_UP lit, nothing shifted.
  await page.waitForSelector('.shift[data-stage="POST_SCALE_UP"] .hook button.continue',
    { timeout: 40000 });
  assert.equal(await page.textContent('.stages li.current'), 'POST_SCALE_UP');
  assert.deepEqual(await page.$$eval('.stages li.done', (els) => els.map((e) => e.textContent)),
    ['PRE_SCALE_UP', 'SCALE_UP']);
  assert.equal(await page.$eval('.weights .new', (e) => e.style.width), '0%');
  assert.match(await page.textContent('.shift .muted'), /^BLUE_GREEN · IN_PROGRESS · production 0% · test 0%/);
  await screenshots(page, 'deployment-paused', '.service[data-service="bg"]', toggleLanguage(page));
  await toggleLanguage(page)('en');

  // Continue: production moves to green at once, and both revisions bake for a minute.
  await page.click('.hook button.continue');
  await page.waitForSelector('.shift[data-stage="BAKE_TIME"]', { timeout: 20000 });
  assert.equal(await page.$eval('.weights .new', (e) => e.style.width), '100%');
  assert.equal(await page.$('.hook'), null);
  await page.waitForFunction(() => /bake time left 0:[0-5]\d$/.test(
    document.querySelector('.shift .muted')?.textContent ?? ''), null, { timeout: 10000 });
  await screenshots(page, 'deployment-baking', '.service[data-service="bg"]', toggleLanguage(page));
  await toggleLanguage(page)('en');
  const described = await ecs('DescribeServiceDeployments', { serviceDeploymentArns:
    [(await ecs('DescribeServices', { services: ['bg'] })).services[0].currentServiceDeployment] });
  const deployment = described.serviceDeployments[0];
  assert.equal(deployment.lifecycleHookDetails[0].status, 'SUCCEEDED');
  assert.equal(deployment.targetServiceRevision.requestedProductionTrafficWeight, 100);
  assert.deepEqual(errors, []);
});

test('the page stands in for a Lambda hook\'s function: the event ECS sent, then IN_PROGRESS, then FAILED', async () => {
  // Another service on the first test's target groups is not allowed; this one has its own.
  const { blue, green, listener } = await balancer('lh');
  await ecs('CreateService', { serviceName: 'lh', taskDefinition: 'bg:1', desiredCount: 1,
    loadBalancers: [{ targetGroupArn: blue, containerName: 'web', containerPort: 80,
      advancedConfiguration: { alternateTargetGroupArn: green, productionListenerRule: listener,
        roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole' } }] });
  // Ten times faster, so the 30-second call-back delay passes in 3 s.
  const clock = await fetch(`${base}berth/clock`, { method: 'POST', body: JSON.stringify({ speed: 10 }),
    headers: { 'Content-Type': 'application/json' } });
  assert.equal(clock.status, 200);
  const update = await ecs('UpdateService', { service: 'lh', taskDefinition: 'bg:2',
    deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [{ targetType: 'AWS_LAMBDA',
      hookTargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke', lifecycleStages: ['POST_SCALE_UP'],
      roleArn: 'arn:aws:iam::123456789012:role/ecsLambdaInvokeRole', hookDetails: { path: '/health' } }] } });
  assert.equal(update.service?.deploymentConfiguration.lifecycleHooks[0].targetType, 'AWS_LAMBDA',
    JSON.stringify(update));

  const hook = '.service[data-service="lh"] .hook.lambda';
  await page.waitForSelector(`${hook} button.in-progress`, { timeout: 40000 });
  assert.match(await page.textContent(hook), /smoke.*invocation 1 waits for its answer/);
  await page.click(`${hook} summary`);
  const event = JSON.parse(await page.textContent(`${hook} pre`));
  assert.equal(event.lifecycleStage, 'POST_SCALE_UP');
  assert.deepEqual(event.hookDetails, { path: '/health' });
  assert.match(event.executionDetails.targetServiceRevisionArn, /:service-revision\/default\/lh\//);
  await screenshots(page, 'deployment-lambda-hook', '.service[data-service="lh"]', toggleLanguage(page));
  await toggleLanguage(page)('en');

  // IN_PROGRESS: the hook waits out its call-back delay, then ECS invokes the function again.
  await page.click(`${hook} button.in-progress`);
  await page.waitForFunction((h) => /invokes it again/.test(document.querySelector(h)?.textContent ?? ''),
    hook, { timeout: 10000 });
  await page.waitForFunction((h) => /invocation 2 waits/.test(document.querySelector(h)?.textContent ?? ''),
    hook, { timeout: 20000 });

  // FAILED: the hook fails and the deployment rolls back to blue.
  await page.click(`${hook} button.failed`);
  await page.waitForSelector('.service[data-service="lh"] .shift[data-status^="ROLLBACK"]', { timeout: 20000 });
  assert.equal(await page.$(hook), null);
  const arn = (await ecs('DescribeServices', { services: ['lh'] })).services[0].currentServiceDeployment;
  const [deployment] = (await ecs('DescribeServiceDeployments', { serviceDeploymentArns: [arn] })).serviceDeployments;
  assert.equal(deployment.lifecycleHookDetails[0].status, 'FAILED');
  assert.match(deployment.status, /^ROLLBACK_/);
  assert.deepEqual(errors, []);
});
