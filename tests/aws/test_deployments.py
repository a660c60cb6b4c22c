"""ECS's deployment strategies of 2025-26 with the real AWS CLI v1 against `berth serve`
(tests/aws/run): BLUE_GREEN, LINEAR and CANARY behind an ALB on the virtual fleet, their
lifecycle stages and PAUSE hooks (continue-service-deployment), the listener rules' weights
really moving (requests through the production listener name the task that serves them),
and a rollback by stop-service-deployment. Bake times are 0 so a run takes seconds. Then a
ROLLING service's PAUSE hooks at PRE_SCALE_UP and POST_SCALE_UP, on a paused clock stepped
from one thing that happens to the next."""

import json
import time
import unittest

from test_cloudwatch import clock
from test_elbv2 import ecs, elbv2, free_port, get, register_dynamic, run, wait_healthy


def deployment(service):
    """The service's newest service deployment, as describe-service-deployments shows it."""
    arn = ecs("list-service-deployments", "--service", service)["serviceDeployments"][0][
        "serviceDeploymentArn"]
    return ecs("describe-service-deployments", "--service-deployment-arns", arn)[
        "serviceDeployments"][0]


def wait_deployment(service, check, what, timeout=90):
    """Waits until CHECK(deployment) holds; the deployment then."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = deployment(service)
        if check(found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: {json.dumps(found, indent=1)}")


def served_by(port, count=4):
    """The task ARNs the production listener says would serve COUNT requests."""
    tasks = set()
    for _ in range(count):
        status, _, body = get(port, "/")
        assert status == 200, body
        tasks.add(body.split("would be served by task ")[1].split(",")[0])
    return tasks


def task_arns(service, family):
    arns = ecs("list-tasks", "--service-name", service)["taskArns"]
    tasks = ecs("describe-tasks", "--tasks", *arns)["tasks"] if arns else []
    return {t["taskArn"] for t in tasks if f"task-definition/{family}" in t["taskDefinitionArn"]}


class TrafficShiftingDeployments(unittest.TestCase):
    """One ALB, two target groups, a production listener and a test listener; a service
    that starts ROLLING and then deploys with each strategy."""

    @classmethod
    def setUpClass(cls):
        lb = elbv2("create-load-balancer", "--name", "shift", "--subnets", "subnet-1",
                   "subnet-2")["LoadBalancers"][0]
        groups = []
        for name in ("shift-blue", "shift-green"):
            tg = elbv2("create-target-group", "--name", name, "--protocol", "HTTP", "--port",
                       "80", "--vpc-id", lb["VpcId"], "--health-check-interval-seconds", "5",
                       "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2")
            arn = tg["TargetGroups"][0]["TargetGroupArn"]
            elbv2("modify-target-group-attributes", "--target-group-arn", arn,
                  "--attributes", "Key=deregistration_delay.timeout_seconds,Value=2")
            groups.append(arn)
        cls.blue, cls.green = groups
        cls.port, cls.test_port = free_port(), free_port()
        forward = json.dumps([{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": cls.blue, "Weight": 100},
            {"TargetGroupArn": cls.green, "Weight": 0}]}}])
        listeners = []
        for port in (cls.port, cls.test_port):
            listeners.append(elbv2("create-listener", "--load-balancer-arn",
                                   lb["LoadBalancerArn"], "--protocol", "HTTP", "--port", port,
                                   "--default-actions", forward)["Listeners"][0]["ListenerArn"])
        rules = [elbv2("describe-rules", "--listener-arn", arn)["Rules"][0]["RuleArn"]
                 for arn in listeners]
        cls.production_rule, cls.test_rule = rules
        register_dynamic("shift-web", "web", "nginx:1")
        register_dynamic("shift-web", "web", "nginx:2")
        register_dynamic("shift-web", "web", "nginx:3")
        cls.load_balancers = json.dumps([{
            "targetGroupArn": cls.blue, "containerName": "web", "containerPort": 80,
            "advancedConfiguration": {
                "alternateTargetGroupArn": cls.green,
                "productionListenerRule": cls.production_rule,
                "testListenerRule": cls.test_rule,
                "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole"}}])
        ecs("create-service", "--service-name", "shift", "--task-definition", "shift-web:1",
            "--desired-count", "2", "--load-balancers", cls.load_balancers)
        wait_healthy(cls.blue, 2)

    def weights(self, rule):
        found = elbv2("describe-rules", "--rule-arns", rule)["Rules"][0]["Actions"][0]
        return {t["TargetGroupArn"]: t["Weight"] for t in found["ForwardConfig"]["TargetGroups"]}

    def wait_weights(self, rule, expected, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline and self.weights(rule) != expected:
            time.sleep(0.2)
        self.assertEqual(self.weights(rule), expected)

    def test_1_blue_green_pauses_after_test_traffic_then_shifts_production(self):
        config = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [
            {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]}
        # ECS's checks: BLUE_GREEN needs its bake time; PAUSE is refused where only Lambda runs.
        bad = run("ecs", "update-service", "--service", "shift", "--deployment-configuration",
                  json.dumps({"strategy": "BLUE_GREEN"}))
        self.assertIn("bakeTimeInMinutes must be specified", bad.stderr)
        self.assertNotEqual(bad.returncode, 0)
        bad = run("ecs", "update-service", "--service", "shift", "--deployment-configuration",
                  json.dumps({**config, "lifecycleHooks": [
                      {"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}]}))
        self.assertIn("PAUSE hooks cannot be configured at the TEST_TRAFFIC_SHIFT stage.",
                      bad.stderr)
        blue_tasks = task_arns("shift", "shift-web:1")
        self.assertEqual(served_by(self.port), blue_tasks)
        ecs("update-service", "--service", "shift", "--task-definition", "shift-web:2",
            "--deployment-configuration", json.dumps(config))
        paused = wait_deployment(
            "shift", lambda d: d.get("lifecycleStage") == "POST_TEST_TRAFFIC_SHIFT"
            and d.get("lifecycleHookDetails"), "no pause after the test traffic shift")
        hook = paused["lifecycleHookDetails"][0]
        self.assertEqual(hook["status"], "AWAITING_ACTION")
        self.assertEqual(hook["targetType"], "PAUSE")
        self.assertTrue(hook["hookId"].startswith("ecs-pause-"), hook)
        self.assertEqual(paused["status"], "IN_PROGRESS")
        self.assertEqual(paused["targetServiceRevision"]["requestedTestTrafficWeight"], 100.0)
        self.assertEqual(paused["targetServiceRevision"]["requestedProductionTrafficWeight"], 0.0)
        # Green runs in the green target group and takes the test listener; production stays
        # on blue.
        wait_healthy(self.green, 2)
        green_tasks = task_arns("shift", "shift-web:2")
        self.assertEqual(len(green_tasks), 2)
        self.assertEqual(served_by(self.test_port), green_tasks)
        self.assertEqual(served_by(self.port), blue_tasks)
        self.assertEqual(self.weights(self.production_rule), {self.blue: 100, self.green: 0})

        answer = ecs("continue-service-deployment", "--service-deployment-arn",
                     paused["serviceDeploymentArn"], "--hook-id", hook["hookId"])
        self.assertEqual(answer["serviceDeploymentArn"], paused["serviceDeploymentArn"])
        done = wait_deployment("shift", lambda d: d["status"] == "SUCCESSFUL",
                               "the deployment did not succeed")
        self.assertEqual(done["lifecycleStage"], "CLEAN_UP")
        self.assertEqual(done["lifecycleHookDetails"][0]["status"], "SUCCEEDED")
        self.assertEqual(self.weights(self.production_rule), {self.blue: 0, self.green: 100})
        self.assertEqual(served_by(self.port), green_tasks)
        again = run("ecs", "continue-service-deployment", "--service-deployment-arn",
                    paused["serviceDeploymentArn"], "--hook-id", hook["hookId"])
        self.assertIn("is not awaiting action", again.stderr)
        service = ecs("describe-services", "--services", "shift")["services"][0]
        self.assertEqual(service["deploymentConfiguration"]["strategy"], "BLUE_GREEN")
        self.assertEqual(len(service["deployments"]), 1)

    def test_2_canary_paused_before_its_second_step_rolls_back_when_stopped(self):
        # Production is on green now: the next revision goes to blue's target group.
        config = {"strategy": "CANARY", "bakeTimeInMinutes": 0,
                  "canaryConfiguration": {"canaryPercent": 25.0, "canaryBakeTimeInMinutes": 0},
                  "lifecycleHooks": [{"targetType": "PAUSE",
                                      "lifecycleStages": ["PRE_PRODUCTION_TRAFFIC_SHIFT"]}]}
        ecs("update-service", "--service", "shift", "--task-definition", "shift-web:3",
            "--deployment-configuration", json.dumps(config))
        first = wait_deployment("shift", lambda d: d.get("lifecycleHookDetails"),
                                "no pause before the canary step")
        ecs("continue-service-deployment", "--service-deployment-arn",
            first["serviceDeploymentArn"], "--hook-id", first["lifecycleHookDetails"][0]["hookId"])
        canary = wait_deployment(
            "shift", lambda d: len(d.get("lifecycleHookDetails", [])) == 2,
            "no pause before the second production step")
        self.assertEqual(canary["lifecycleStage"], "PRODUCTION_TRAFFIC_SHIFT")
        self.assertEqual(canary["targetServiceRevision"]["requestedProductionTrafficWeight"], 25.0)
        self.assertEqual(canary["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"],
                         75.0)
        self.assertEqual(self.weights(self.production_rule), {self.green: 75, self.blue: 25})

        ecs("stop-service-deployment", "--service-deployment-arn",
            canary["serviceDeploymentArn"], "--stop-type", "ROLLBACK")
        self.wait_weights(self.production_rule, {self.green: 100, self.blue: 0})
        back = wait_deployment("shift", lambda d: d["status"] == "ROLLBACK_SUCCESSFUL",
                               "the rollback did not finish")
        self.assertIn("stopped by StopServiceDeployment", back["rollback"]["reason"])
        service = ecs("describe-services", "--services", "shift")["services"][0]
        self.assertTrue(service["taskDefinition"].endswith("shift-web:2"), service)
        self.assertEqual(task_arns("shift", "shift-web:3"), set())
        messages = [e["message"] for e in service["events"]]
        self.assertTrue(any("deployment failed: it was stopped by StopServiceDeployment." in m
                            for m in messages), messages)

    def test_3_linear_steps_to_all_production(self):
        config = {"strategy": "LINEAR", "bakeTimeInMinutes": 0,
                  "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 0}}
        bad = run("ecs", "update-service", "--service", "shift", "--deployment-configuration",
                  json.dumps({**config, "linearConfiguration": {"stepPercent": 2.0}}))
        self.assertIn("stepPercent must be a multiple of 0.1 from 3.0 to 100.0", bad.stderr)
        ecs("update-service", "--service", "shift", "--task-definition", "shift-web:3",
            "--deployment-configuration", json.dumps(config))
        done = wait_deployment("shift", lambda d: d["status"] == "SUCCESSFUL",
                               "the linear deployment did not succeed")
        self.assertEqual(done["targetServiceRevision"]["requestedProductionTrafficWeight"], 100.0)
        self.assertEqual(self.weights(self.production_rule), {self.green: 0, self.blue: 100})
        self.assertEqual(served_by(self.port), task_arns("shift", "shift-web:3"))
        ecs("update-service", "--service", "shift", "--desired-count", "0")
        ecs("delete-service", "--service", "shift", "--force")


def step_until(service, check, what, steps=60):
    """With the clock paused, steps it to the next thing that happens until CHECK(deployment)
    holds. (A pause waits for its 24-hour timeout: each step stops at the first check that
    holds, before the clock could reach it.)"""
    found = None
    for _ in range(steps):
        found = deployment(service)
        if check(found):
            return found
        clock(step=True)
    raise AssertionError(f"{what}: {json.dumps(found, indent=1)}")


def running_counts(service):
    """Each deployment's runningCount, newest first."""
    service = ecs("describe-services", "--services", service)["services"][0]
    return [d["runningCount"] for d in service["deployments"]]


class RollingDeploymentHooks(unittest.TestCase):
    """A ROLLING service of two tasks whose deployments pause at PRE_SCALE_UP and
    POST_SCALE_UP (Berth's reading of which stages a rolling deployment walks)."""

    HOOKS = [{"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP", "POST_SCALE_UP"]}]

    @classmethod
    def setUpClass(cls):
        clock(speed=0)
        for image in ("nginx:1", "nginx:2", "nginx:3"):
            ecs("register-task-definition", "--family", "rolled", "--container-definitions",
                json.dumps([{"name": "web", "image": image, "memory": 64}]))
        ecs("create-service", "--service-name", "rolled", "--task-definition", "rolled:1",
            "--desired-count", "2")
        step_until("rolled", lambda d: d["status"] == "SUCCESSFUL", "rolled:1 did not start")

    @classmethod
    def tearDownClass(cls):
        clock(speed=1)
        ecs("update-service", "--service", "rolled", "--desired-count", "0")
        ecs("delete-service", "--service", "rolled", "--force")

    def deploy(self, task_definition):
        ecs("update-service", "--service", "rolled", "--task-definition", task_definition,
            "--deployment-configuration", json.dumps({
                "maximumPercent": 200, "minimumHealthyPercent": 100,
                "lifecycleHooks": self.HOOKS}))

    def awaiting(self, stage):
        return step_until(
            "rolled", lambda d: d.get("lifecycleStage") == stage and any(
                h["status"] == "AWAITING_ACTION" for h in d.get("lifecycleHookDetails", [])),
            f"no pause at {stage}")

    def continue_(self, paused, action):
        hook = [h for h in paused["lifecycleHookDetails"] if h["status"] == "AWAITING_ACTION"]
        self.assertEqual(len(hook), 1, paused)
        answer = ecs("continue-service-deployment", "--service-deployment-arn",
                     paused["serviceDeploymentArn"], "--hook-id", hook[0]["hookId"],
                     "--action", action)
        self.assertEqual(answer["serviceDeploymentArn"], paused["serviceDeploymentArn"])

    def test_1_a_traffic_stage_is_refused(self):
        bad = run("ecs", "update-service", "--service", "rolled", "--deployment-configuration",
                  json.dumps({"lifecycleHooks": [
                      {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]}))
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("The POST_TEST_TRAFFIC_SHIFT lifecycle stage is only valid when the "
                      "deployment strategy is BLUE_GREEN, LINEAR or CANARY", bad.stderr)

    def test_2_pauses_before_and_after_scaling_up_then_cleans_up(self):
        self.deploy("rolled:2")
        before = self.awaiting("PRE_SCALE_UP")
        self.assertEqual(before["status"], "IN_PROGRESS")
        self.assertTrue(before["lifecycleHookDetails"][0]["hookId"].startswith("ecs-pause-"))
        self.assertEqual(running_counts("rolled"), [0, 2])
        self.assertEqual(task_arns("rolled", "rolled:2"), set())
        self.continue_(before, "CONTINUE")
        after = self.awaiting("POST_SCALE_UP")
        # Both revisions run their two tasks until the hook lets the deployment on.
        self.assertEqual(running_counts("rolled"), [2, 2])
        self.assertEqual(after["lifecycleHookDetails"][0]["status"], "SUCCEEDED")
        self.continue_(after, "CONTINUE")
        done = step_until("rolled", lambda d: d["status"] == "SUCCESSFUL",
                          "the rolling deployment did not succeed")
        self.assertEqual(done["lifecycleStage"], "CLEAN_UP")
        self.assertEqual([h["status"] for h in done["lifecycleHookDetails"]],
                         ["SUCCEEDED", "SUCCEEDED"])
        step_until("rolled", lambda d: running_counts("rolled") == [2], "rolled:1 did not stop")
        self.assertEqual(len(task_arns("rolled", "rolled:2")), 2)

    def test_3_rolled_back_at_post_scale_up_by_continue_service_deployment(self):
        self.deploy("rolled:3")
        self.continue_(self.awaiting("PRE_SCALE_UP"), "CONTINUE")
        self.continue_(self.awaiting("POST_SCALE_UP"), "ROLLBACK")
        back = step_until("rolled", lambda d: d["status"] == "ROLLBACK_SUCCESSFUL",
                          "the deployment did not roll back")
        self.assertEqual(back["lifecycleHookDetails"][1]["status"], "FAILED")
        self.assertIn("a lifecycle hook at POST_SCALE_UP failed", back["statusReason"])
        service = ecs("describe-services", "--services", "rolled")["services"][0]
        self.assertTrue(service["taskDefinition"].endswith("task-definition/rolled:2"))
        events = [e["message"] for e in service["events"]]
        self.assertTrue(any("deployment failed: a lifecycle hook at POST_SCALE_UP failed" in m
                            for m in events), events[:5])
        step_until("rolled", lambda d: task_arns("rolled", "rolled:3") == set(),
                   "rolled:3's tasks did not stop")


if __name__ == "__main__":
    unittest.main()
