"""Real containers (issue #6): `berth agent` runs tasks on Docker, `berth serve --agent` is
the control plane, boto3 drives it. Each test cleans up its services; the fleet is shared."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

from harness import (IMAGE, TOKEN, Fleet, Requests, containers, free_port, page,
                     remove_all_containers, running_tasks, settled, wait_for, web_definition)

FLEET = None
# A rolling update waits for tasks to count as healthy: without health checks, 40 s after each
# one started (ECS_REFERENCE §7.2), once for the old tasks and once for the new.
DEPLOYMENT = 150


def setUpModule():
    global FLEET
    remove_all_containers()
    FLEET = Fleet()
    FLEET.start_agent()
    FLEET.start_server()
    ecs = FLEET.ecs()
    wait_for("two Docker-backed instances",
             lambda: len(ecs.list_container_instances()["containerInstanceArns"]) == 2)


def tearDownModule():
    if os.environ.get("BERTH_TEST_LOGS"):
        print(FLEET.logs())
    FLEET.stop()
    # The agent's containers stay with their tasks; the fleet is gone, so they go too.
    remove_all_containers()


def berth(path, body):
    """POST a Berth endpoint of the server; its JSON answer."""
    connection = http.client.HTTPConnection("127.0.0.1", FLEET.server_port, timeout=10)
    connection.request("POST", path, body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer


def load_balancing(name):
    """Load balancer NAME as the page sees it (POST /berth/load-balancers)."""
    view = berth("/berth/load-balancers", {})
    return next(lb for lb in view["loadBalancers"] if lb["name"] == name)


class Agent(unittest.TestCase):
    def setUp(self):
        self.ecs = FLEET.ecs()

    def tearDown(self):
        if any(error for _, error in self._outcome.result.errors + self._outcome.result.failures
               if _ is self):
            print(FLEET.logs())

    def delete(self, service):
        self.ecs.update_service(service=service, desiredCount=0)
        self.ecs.delete_service(service=service, force=True)
        wait_for(f"{service}'s containers to go", lambda: not [
            c for c in containers() if c[1] in self._arns_of(service)], timeout=60)

    def _arns_of(self, service):
        arns = self.ecs.list_tasks(serviceName=service, desiredStatus="STOPPED")["taskArns"]
        return set(arns + self.ecs.list_tasks(serviceName=service)["taskArns"])

    def test_instances_are_registered_with_their_share(self):
        arns = self.ecs.list_container_instances()["containerInstanceArns"]
        described = self.ecs.describe_container_instances(containerInstances=arns)
        for instance in described["containerInstances"]:
            self.assertTrue(instance["agentConnected"])
            cpu = next(r for r in instance["registeredResources"] if r["name"] == "CPU")
            memory = next(r for r in instance["registeredResources"] if r["name"] == "MEMORY")
            self.assertEqual((cpu["integerValue"], memory["integerValue"]), (1024, 2048))
            self.assertTrue(instance["ec2InstanceId"].startswith("i-0b"))

    def web_service(self, name):
        """A 2-task service of NAME:1 (dynamic ports, 50/200) with NAME:2 registered too."""
        for version in (1, 2):
            self.ecs.register_task_definition(**web_definition(name, f"{name}-v{version}"))
        self.ecs.create_service(serviceName=name, taskDefinition=f"{name}:1", desiredCount=2,
                                deploymentConfiguration={"minimumHealthyPercent": 50,
                                                         "maximumPercent": 200})
        return wait_for(f"2 tasks of {name}:1", lambda: settled(self.ecs, name, 1, 2))

    def test_dynamic_ports_then_a_rolling_update(self):
        ecs = self.ecs
        tasks = self.web_service("dyn")
        bindings = [b for t in tasks for b in t["containers"][0]["networkBindings"]]
        self.assertEqual(len(bindings), 2)
        for binding in bindings:
            self.assertTrue(49153 <= binding["hostPort"] <= 65535, binding)
            self.assertTrue(binding["bindIP"].startswith("127.0.0."), binding)
            self.assertEqual(page(binding), "dyn-v1")
        # The containers are real, labelled as the ECS agent labels them.
        labelled = {c[1] for c in containers(all_states=False)}
        self.assertTrue({t["taskArn"] for t in tasks} <= labelled)

        ecs.update_service(service="dyn", taskDefinition="dyn:2")
        tasks = wait_for("2 tasks of dyn:2", lambda: settled(ecs, "dyn", 2, 2),
                         timeout=DEPLOYMENT)
        for binding in [b for t in tasks for b in t["containers"][0]["networkBindings"]]:
            self.assertEqual(page(binding), "dyn-v2")
        # The old tasks' containers were stopped and removed.
        old = wait_for("dyn:1's containers to go", lambda: not [
            c for c in containers() if "dyn-1-" in c[0]] or None, timeout=45)
        self.assertTrue(old)
        self.delete("dyn")

    def test_seed_002_static_port_stall(self):
        ecs = self.ecs
        ecs.register_task_definition(**web_definition("port80", "p80-v1", host_port=80))
        ecs.register_task_definition(**web_definition("port80", "p80-v2", host_port=80))
        ecs.create_service(serviceName="port80", taskDefinition="port80:1", desiredCount=2)
        tasks = wait_for("2 tasks of port80:1", lambda: settled(ecs, "port80", 1, 2))
        ips = sorted(b["bindIP"] for t in tasks for b in t["containers"][0]["networkBindings"])
        self.assertEqual(ips, ["127.0.0.2", "127.0.0.3"])  # One per instance: port 80 is taken.
        for ip in ips:
            self.assertEqual(page({"bindIP": ip, "hostPort": 80}), "p80-v1")

        # minimumHealthyPercent 100, maximumPercent 200: the new task needs port 80, which
        # both instances use, and no old task may stop first. The deployment is stuck.
        ecs.update_service(service="port80", taskDefinition="port80:2")

        def stuck():
            events = ecs.describe_services(services=["port80"])["services"][0]["events"]
            return [e["message"] for e in events
                    if "is already using a port required by your task" in e["message"]]
        message = wait_for("the port event", stuck, timeout=30)[0]
        self.assertIn("(service port80) was unable to place a task", message)
        for ip in ips:  # The old tasks still serve.
            self.assertEqual(page({"bindIP": ip, "hostPort": 80}), "p80-v1")

        # The seed's fix: let ECS stop an old task first.
        # (maximumPercent 100 leaves no room for AZ rebalancing, which ECS turns on by default.)
        ecs.update_service(service="port80", deploymentConfiguration={
            "minimumHealthyPercent": 50, "maximumPercent": 100},
            availabilityZoneRebalancing="DISABLED")
        tasks = wait_for("2 tasks of port80:2", lambda: settled(ecs, "port80", 2, 2),
                         timeout=DEPLOYMENT)
        for ip in sorted(b["bindIP"] for t in tasks for b in t["containers"][0]["networkBindings"]):
            self.assertEqual(page({"bindIP": ip, "hostPort": 80}), "p80-v2")
        self.delete("port80")

    def load_balancer(self, name, kind="application", protocol="HTTP"):
        """A load balancer (an ALB, or of KIND) listening on a free port with PROTOCOL,
        forwarding to a target group checked every 5 s (two passes to start, two failures to
        stop) that drains for 5 s: (its URL, the group)."""
        elb = FLEET.elbv2()
        lb = elb.create_load_balancer(Name=name, Type=kind, Subnets=["subnet-1", "subnet-2"])
        lb = lb["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elb.create_target_group(Name=name, Protocol=protocol, Port=80, VpcId="vpc-1",
                                     HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                     HealthyThresholdCount=2, UnhealthyThresholdCount=2)
        tg = tg["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
        port = free_port()
        elb.create_listener(LoadBalancerArn=lb, Protocol=protocol, Port=port,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        self.addCleanup(elb.delete_load_balancer, LoadBalancerArn=lb)
        return f"http://127.0.0.1:{port}/", tg

    def behind(self, name, tg, count, host_port):
        """A service of COUNT tasks of NAME:1 on the first instance, behind TG, with NAME:2
        registered too; returns once its targets are healthy."""
        for version in (1, 2):
            self.ecs.register_task_definition(
                **web_definition(name, f"{name}-v{version}", host_port=host_port))
        arns = self.ecs.list_container_instances()["containerInstanceArns"]
        first = self.ecs.describe_container_instances(
            containerInstances=arns)["containerInstances"][0]["ec2InstanceId"]
        self.ecs.create_service(
            serviceName=name, taskDefinition=f"{name}:1", desiredCount=count,
            placementConstraints=[{"type": "memberOf",
                                   "expression": f"ec2InstanceId == {first}"}],
            loadBalancers=[{"targetGroupArn": tg, "containerName": "web",
                            "containerPort": 80}])
        elb = FLEET.elbv2()

        def healthy():
            found = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            states = [t["TargetHealth"]["State"] for t in found]
            return found if states == ["healthy"] * count else None
        targets = wait_for(f"{count} healthy targets of {name}", healthy, timeout=90)
        tasks = running_tasks(self.ecs, name)
        ports = sorted(b["hostPort"] for t in tasks for b in t["containers"][0]["networkBindings"])
        self.assertEqual(sorted(t["Target"]["Port"] for t in targets), ports)
        self.assertEqual({t["Target"]["Id"] for t in targets}, {first})
        return first

    def test_an_alb_in_front_carries_a_rolling_update_without_a_failed_request(self):
        """Seed 003's fix, for real: two tasks on one instance on dynamic ports behind the
        listener. The new tasks start beside the old, take requests once their real health
        checks pass, and the old ones drain before they stop: not one request fails."""
        url, tg = self.load_balancer("alb")
        self.behind("alb", tg, 2, 0)
        requests = Requests(url)
        self.ecs.update_service(service="alb", taskDefinition="alb:2")
        wait_for("2 tasks of alb:2", lambda: settled(self.ecs, "alb", 2, 2), timeout=DEPLOYMENT)
        wait_for("the deployment to complete", lambda: self.ecs.describe_services(
            services=["alb"])["services"][0]["deployments"][0]["rolloutState"] == "COMPLETED",
            timeout=60)
        time.sleep(1)
        answers = requests.stop()
        failed = [a for a in answers if a[0] != 200]
        self.assertEqual(failed, [], f"{len(failed)} of {len(answers)} requests failed")
        bodies = [body for _, body in answers]
        self.assertGreater(len(answers), 100)
        self.assertEqual(set(bodies), {"alb-v1", "alb-v2"})
        self.assertEqual(set(bodies[-20:]), {"alb-v2"}, "only the new tasks serve at the end")
        # What the listener carried is counted where the page and a replay see it (one
        # request may have been in flight when the loop stopped).
        balancer = load_balancing("alb")
        self.assertIn(balancer["counts"]["requests"], (len(answers), len(answers) + 1))
        self.assertEqual(balancer["counts"]["target5xx"] + balancer["counts"]["elb5xx"], 0)
        served = [t["counts"]["requests"] for g in balancer["targetGroups"] for t in g["targets"]]
        self.assertTrue(served and all(n > 0 for n in served), served)
        self.delete("alb")

    def test_a_canary_splits_the_real_listener_by_its_weights(self):
        """A CANARY deployment behind a real listener: while the canary bakes, ECS has set the
        production rule's weights to 80/20 and the proxy berth serve runs sends about a fifth
        of the real requests to green's containers; none fails."""
        elb = FLEET.elbv2()
        lb = elb.create_load_balancer(Name="canary", Subnets=["subnet-1", "subnet-2"])
        lb = lb["LoadBalancers"][0]["LoadBalancerArn"]
        self.addCleanup(elb.delete_load_balancer, LoadBalancerArn=lb)
        groups = []
        for colour in ("blue", "green"):
            tg = elb.create_target_group(
                Name=f"canary-{colour}", Protocol="HTTP", Port=80, VpcId="vpc-1",
                HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                HealthyThresholdCount=2, UnhealthyThresholdCount=2)["TargetGroups"][0]
            elb.modify_target_group_attributes(
                TargetGroupArn=tg["TargetGroupArn"],
                Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
            groups.append(tg["TargetGroupArn"])
        blue, green = groups
        production, test = free_port(), free_port()
        listener = elb.create_listener(
            LoadBalancerArn=lb, Protocol="HTTP", Port=production,
            DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": blue, "Weight": 100},
                {"TargetGroupArn": green, "Weight": 0}]}}])["Listeners"][0]["ListenerArn"]
        tester = elb.create_listener(
            LoadBalancerArn=lb, Protocol="HTTP", Port=test,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": blue}])["Listeners"][0]
        rule = lambda arn: elb.describe_rules(ListenerArn=arn)["Rules"][0]["RuleArn"]
        for version in (1, 2):
            self.ecs.register_task_definition(**web_definition("canary", f"canary-v{version}"))
        canary = {"strategy": "CANARY", "bakeTimeInMinutes": 0,
                  "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 2}}
        self.ecs.create_service(
            serviceName="canary", taskDefinition="canary:1", desiredCount=2,
            deploymentConfiguration=canary,
            loadBalancers=[{"targetGroupArn": blue, "containerName": "web", "containerPort": 80,
                            "advancedConfiguration": {
                                "alternateTargetGroupArn": green,
                                "productionListenerRule": rule(listener),
                                "testListenerRule": rule(tester["ListenerArn"]),
                                "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole"}}])
        def newest():
            arn = self.ecs.list_service_deployments(service="canary")["serviceDeployments"][0][
                "serviceDeploymentArn"]
            return self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
                "serviceDeployments"][0]
        wait_for("canary:1 in service", lambda: newest()["status"] == "SUCCESSFUL", timeout=120)
        self.ecs.update_service(service="canary", taskDefinition="canary:2")
        wait_for("the canary's 20 %", lambda: newest()["targetServiceRevision"].get(
            "requestedProductionTrafficWeight") == 20.0, timeout=120)
        weights = {g["TargetGroupArn"]: g["Weight"] for g in elb.describe_listeners(
            ListenerArns=[listener])["Listeners"][0]["DefaultActions"][0]["ForwardConfig"][
            "TargetGroups"]}
        self.assertEqual(weights, {blue: 80, green: 20})
        requests = Requests(f"http://127.0.0.1:{production}/")
        time.sleep(8)
        answers = requests.stop()
        self.assertEqual(newest()["lifecycleStage"], "PRODUCTION_TRAFFIC_SHIFT",
                         "still baking the canary while the requests ran")
        failed = [a for a in answers if a[0] != 200]
        self.assertEqual(failed, [], f"{len(failed)} of {len(answers)} requests failed")
        share = sum(body == "canary-v2" for _, body in answers) / len(answers)
        self.assertGreater(len(answers), 100)
        self.assertTrue(0.15 <= share <= 0.25, f"{share:.3f} of {len(answers)} went to green")
        self.assertEqual({body for _, body in answers}, {"canary-v1", "canary-v2"})
        self.delete("canary")

    def test_a_network_load_balancer_passes_connections_to_the_container(self):
        """A Network Load Balancer's TCP listener in front of a real container: each
        connection is passed whole to the container's published port (here it speaks HTTP,
        as it might any protocol), after real TCP health checks."""
        url, tg = self.load_balancer("nlb", kind="network", protocol="TCP")
        self.behind("nlb", tg, 1, 0)
        with urllib.request.urlopen(url, timeout=10) as answer:
            self.assertEqual((answer.status, answer.read().decode().strip()), (200, "nlb-v1"))
        self.delete("nlb")

    def test_seed_002_stall_behind_the_listener(self):
        """Host port 80 on one instance behind the listener: the update stalls and the old
        task serves on, every request answered. The seed's fix (minimumHealthyPercent 0)
        goes through, but the old task must stop before the new one takes the port: for
        that gap the load balancer has no target and answers 503."""
        url, tg = self.load_balancer("p80lb")
        self.behind("p80lb", tg, 1, 80)
        requests = Requests(url)
        self.ecs.update_service(service="p80lb", taskDefinition="p80lb:2")

        def stuck():
            events = self.ecs.describe_services(services=["p80lb"])["services"][0]["events"]
            # The instance holding port 80 fails first (resources are checked before
            # constraints), so the closest match is the other one, outside the constraint.
            return [e for e in events if "was unable to place a task" in e["message"]]
        wait_for("the placement event", stuck, timeout=30)
        time.sleep(2)
        stalled = list(requests.answers)
        self.assertEqual({a for a in stalled}, {(200, "p80lb-v1")}, "the old task serves on")

        self.ecs.update_service(service="p80lb", deploymentConfiguration={
            "minimumHealthyPercent": 0, "maximumPercent": 100},
            availabilityZoneRebalancing="DISABLED")
        wait_for("1 task of p80lb:2", lambda: settled(self.ecs, "p80lb", 2, 1),
                 timeout=DEPLOYMENT)
        wait_for("p80lb-v2 through the listener",
                 lambda: requests.answers and requests.answers[-1] == (200, "p80lb-v2"),
                 timeout=30)
        answers = requests.stop()
        gap = [a for a in answers if a[0] == 503]
        self.assertTrue(gap, "no request met the gap")
        self.assertIn("503 Service Temporarily Unavailable", gap[0][1])
        self.assertEqual({a[0] for a in answers}, {200, 503}, "only the load balancer's 503s")
        # The page counts the gap as the load balancer's own 5xx, each of them.
        self.assertEqual(load_balancing("p80lb")["counts"]["elb5xx"], len(gap))
        self.delete("p80lb")

    def test_an_essential_container_exit_stops_the_task_with_its_code(self):
        ecs = self.ecs
        ecs.register_task_definition(family="exit3", containerDefinitions=[
            {"name": "main", "image": IMAGE, "memory": 16, "essential": True,
             "command": ["sh", "-c", "exit 3"]}])
        arn = ecs.run_task(taskDefinition="exit3")["tasks"][0]["taskArn"]
        task = wait_for("the task to stop", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=30)
        self.assertEqual(task["containers"][0]["exitCode"], 3)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        self.assertTrue(task["containers"][0]["runtimeId"])
        wait_for("its container to be removed",
                 lambda: not [c for c in containers() if c[1] == arn])

    def test_a_restart_policy_restarts_the_container_in_place(self):
        # The page holds the container's start time: a restart serves a new one, on the same
        # host port, in the same container, while the task stays RUNNING. A kill 60 s sooner
        # than restartAttemptPeriod after that restart is not restarted: the task stops.
        ecs = self.ecs
        ecs.register_task_definition(family="restarts", containerDefinitions=[
            {"name": "main", "image": IMAGE, "memory": 16,
             "portMappings": [{"containerPort": 80, "hostPort": 0}],
             "command": ["sh", "-c", "mkdir -p /www && date +%s%N > /www/index.html && "
                                     "httpd -p 80 -h /www && sleep 61; exit 5"],
             "restartPolicy": {"enabled": True, "restartAttemptPeriod": 60}}])
        arn = ecs.run_task(taskDefinition="restarts")["tasks"][0]["taskArn"]
        task = wait_for("RUNNING", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "RUNNING"),
            None))
        binding = task["containers"][0]["networkBindings"][0]
        first = page(binding)
        def changed():
            try:
                served = page(binding)
            except OSError:
                return None  # Between the exit and the restart.
            return served if served != first else None
        restarted = wait_for("the container to restart in place", changed, timeout=90, every=1)
        self.assertNotEqual(restarted, first)
        task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
        self.assertEqual((task["lastStatus"], task["desiredStatus"]), ("RUNNING", "RUNNING"))
        self.assertNotIn("stoppedReason", task)
        self.assertEqual(task["containers"][0]["networkBindings"][0], binding)
        # The agent reports the restart count; Berth's fleet summary (the page) shows it.
        self.assertIn([arn, "main", 1], berth("/berth/summary", {})["restarts"])
        runtime_id = task["containers"][0]["runtimeId"]
        self.assertEqual([c for c in containers() if c[1] == arn][0][3], "running")
        subprocess.run(["docker", "kill", runtime_id], check=True, capture_output=True)
        task = wait_for("the task to stop", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=30)
        self.assertEqual(task["containers"][0]["exitCode"], 137)
        self.assertEqual(task["containers"][0]["runtimeId"], runtime_id)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")

    def test_a_service_deployment_pins_its_image_digest(self):
        # versionConsistency: the deployment's first task resolves berth-test/vc:latest to its
        # image; a new image under the same tag does not reach the scale-out, whose task runs
        # the pinned one, until a new deployment resolves the tag again.
        def build(version):
            base = subprocess.run(["docker", "create", IMAGE], check=True, capture_output=True,
                                  text=True).stdout.strip()
            try:
                subprocess.run(["docker", "commit", "--change", f"ENV BERTH_VERSION={version}",
                                base, "berth-test/vc:latest"], check=True, capture_output=True)
            finally:
                subprocess.run(["docker", "rm", base], check=True, capture_output=True)
            return subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}",
                                   "berth-test/vc:latest"], check=True, capture_output=True,
                                  text=True).stdout.strip()
        ecs = self.ecs
        first = build(1)
        ecs.register_task_definition(family="vc", containerDefinitions=[
            {"name": "main", "image": "berth-test/vc:latest", "memory": 16,
             "portMappings": [{"containerPort": 80, "hostPort": 0}],
             "command": ["sh", "-c", "mkdir -p /www && echo v$BERTH_VERSION > /www/index.html "
                                     "&& httpd -f -p 80 -h /www"]}])
        ecs.create_service(serviceName="vc", taskDefinition="vc:1", desiredCount=1)
        tasks = wait_for("vc's first task", lambda: settled(ecs, "vc", 1, 1))
        self.assertEqual(tasks[0]["containers"][0]["imageDigest"], first)
        self.assertEqual(page(tasks[0]["containers"][0]["networkBindings"][0]), "v1")
        def revision():
            arn = ecs.list_service_deployments(service="vc")["serviceDeployments"][0][
                "targetServiceRevisionArn"]
            return ecs.describe_service_revisions(serviceRevisionArns=[arn])[
                "serviceRevisions"][0]["containerImages"][0]
        self.assertEqual(revision(), {"containerName": "main", "image": "berth-test/vc:latest",
                                      "imageDigest": first})
        second = build(2)
        self.assertNotEqual(second, first)
        ecs.update_service(service="vc", desiredCount=2)
        tasks = wait_for("vc's scale-out", lambda: settled(ecs, "vc", 1, 2))
        for task in tasks:
            container = task["containers"][0]
            self.assertEqual(container["imageDigest"], first)
            self.assertEqual(page(container["networkBindings"][0]), "v1")
            image = subprocess.run(["docker", "inspect", "-f", "{{.Image}}",
                                    container["runtimeId"]], check=True, capture_output=True,
                                   text=True).stdout.strip()
            self.assertEqual(image, first)
        # A new deployment resolves the tag again.
        ecs.update_service(service="vc", forceNewDeployment=True)
        wait_for("the new deployment's digest",
                 lambda: revision().get("imageDigest") == second, timeout=60)
        self.delete("vc")

    def test_stop_task_sends_sigterm_through_init(self):
        ecs = self.ecs
        ecs.register_task_definition(family="sleeper", containerDefinitions=[
            {"name": "main", "image": IMAGE, "memory": 16, "command": ["sleep", "3600"],
             "stopTimeout": 20}])
        arn = ecs.run_task(taskDefinition="sleeper")["tasks"][0]["taskArn"]
        wait_for("RUNNING", lambda: ecs.describe_tasks(tasks=[arn])["tasks"][0]["lastStatus"]
                 == "RUNNING")
        started = time.monotonic()
        ecs.stop_task(task=arn, reason="done")
        task = wait_for("STOPPED", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=30)
        # SIGTERM ended `sleep` at once (143), well before the 20 s SIGKILL.
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(task["containers"][0]["exitCode"], 143)
        self.assertEqual(task["stoppedReason"], "done")

    def test_links_between_containers_in_bridge_mode(self):
        # Seed 004's shape (wordpress linked to mysql), with busybox: `app` reaches `db` by the
        # link's alias and serves what it got.
        ecs = self.ecs
        ecs.register_task_definition(family="linked", containerDefinitions=[
            {"name": "db", "image": IMAGE, "memory": 16, "essential": True,
             "command": ["sh", "-c", "mkdir -p /www && echo from-db > /www/index.html && "
                                     "exec httpd -f -p 80 -h /www"]},
            {"name": "app", "image": IMAGE, "memory": 16, "essential": True, "links": ["db:database"],
             "portMappings": [{"containerPort": 8080, "hostPort": 0}],
             "command": ["sh", "-c", "mkdir -p /www; for i in 1 2 3 4 5 6 7 8 9 10; do "
                                     "wget -qO /www/index.html http://database/ && break; sleep 0.3; done; "
                                     "exec httpd -f -p 8080 -h /www"]}])
        arn = ecs.run_task(taskDefinition="linked")["tasks"][0]["taskArn"]
        task = wait_for("RUNNING", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "RUNNING"),
            None))
        app = next(c for c in task["containers"] if c["name"] == "app")
        self.assertEqual(wait_for("the app's page", lambda: self._try_page(
            app["networkBindings"][0])), "from-db")
        ecs.stop_task(task=arn)

    @staticmethod
    def _try_page(binding):
        try:
            return page(binding)
        except OSError:
            return None

    def test_health_checks_are_docker_health_checks(self):
        ecs = self.ecs
        for family, test in (("healthy", "true"), ("sick", "false")):
            ecs.register_task_definition(family=family, containerDefinitions=[
                {"name": "main", "image": IMAGE, "memory": 16, "command": ["sleep", "3600"],
                 "healthCheck": {"command": ["CMD-SHELL", test], "interval": 5, "timeout": 2,
                                 "retries": 1}}])
        healthy = ecs.run_task(taskDefinition="healthy")["tasks"][0]["taskArn"]
        sick = ecs.run_task(taskDefinition="sick")["tasks"][0]["taskArn"]

        def health():
            tasks = ecs.describe_tasks(tasks=[healthy, sick])["tasks"]
            by_arn = {t["taskArn"]: t["containers"][0].get("healthStatus") for t in tasks}
            return by_arn[healthy] == "HEALTHY" and by_arn[sick] == "UNHEALTHY" and by_arn
        wait_for("HEALTHY and UNHEALTHY", health, timeout=30)
        for arn in (healthy, sick):
            ecs.stop_task(task=arn)

    def test_task_volumes_are_mounted_and_removed_with_the_task(self):
        ecs = self.ecs
        ecs.register_task_definition(
            family="vols", volumes=[{"name": "data"}],
            containerDefinitions=[
                {"name": "writer", "image": IMAGE, "memory": 16, "essential": False,
                 "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}],
                 "command": ["sh", "-c", "echo shared > /data/note"]},
                {"name": "reader", "image": IMAGE, "memory": 16,
                 "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": True}],
                 "portMappings": [{"containerPort": 80, "hostPort": 0}],
                 "command": ["sh", "-c", "sleep 1; mkdir -p /www; cp /data/note /www/index.html; "
                                         "exec httpd -f -p 80 -h /www"]}])
        arn = ecs.run_task(taskDefinition="vols")["tasks"][0]["taskArn"]
        task = wait_for("RUNNING", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "RUNNING"),
            None))
        reader = next(c for c in task["containers"] if c["name"] == "reader")
        self.assertEqual(wait_for("the shared file", lambda: self._try_page(
            reader["networkBindings"][0])), "shared")
        volume = f"ecs-{arn.rsplit('/', 1)[1]}-data"

        def volumes():
            return subprocess.run(["docker", "volume", "ls", "-q"], check=True,
                                  capture_output=True, text=True).stdout.split()
        self.assertIn(volume, volumes())
        ecs.stop_task(task=arn)
        wait_for("the task's volume to be removed", lambda: volume not in volumes(), timeout=30)

    def test_unsafe_containers_are_refused(self):
        ecs = self.ecs
        main = {"name": "main", "image": IMAGE, "memory": 16, "command": ["sleep", "60"]}
        cases = {
            "privileged containers": dict(family="unsafe-priv",
                                          containerDefinitions=[dict(main, privileged=True)]),
            "the host network mode": dict(family="unsafe-net", networkMode="host",
                                          containerDefinitions=[main]),
            "the host PID mode": dict(family="unsafe-pid", pidMode="host",
                                      containerDefinitions=[main]),
            "bind mounts of host paths": dict(
                family="unsafe-bind", volumes=[{"name": "etc", "host": {"sourcePath": "/etc"}}],
                containerDefinitions=[dict(main, mountPoints=[
                    {"sourceVolume": "etc", "containerPath": "/host-etc"}])]),
        }
        for what, definition in cases.items():
            with self.subTest(what):
                ecs.register_task_definition(**definition)
                arn = ecs.run_task(taskDefinition=definition["family"])["tasks"][0]["taskArn"]
                task = wait_for("the task to stop", lambda: next(
                    (t for t in ecs.describe_tasks(tasks=[arn])["tasks"]
                     if t["lastStatus"] == "STOPPED"), None), timeout=30)
                self.assertEqual(task["stopCode"], "TaskFailedToStart")
                self.assertIn(f"refuses {what}", task["stoppedReason"])
                self.assertFalse([c for c in containers() if c[1] == arn])

    def test_an_unpullable_image_stops_the_task(self):
        ecs = self.ecs
        ecs.register_task_definition(family="nopull", containerDefinitions=[
            {"name": "main", "image": "berth-test/missing:1", "memory": 16}])
        arn = ecs.run_task(taskDefinition="nopull")["tasks"][0]["taskArn"]
        task = wait_for("the task to stop", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=60)
        self.assertTrue(task["stoppedReason"].startswith("CannotPullContainerError"),
                        task["stoppedReason"])

    def test_awslogs_ships_a_real_containers_output_to_cloudwatch_logs(self):
        # Seed 003: logs go to CloudWatch Logs. The real AWS CLI reads what the container wrote.
        ecs = self.ecs
        marker = f"hello-cloudwatch-{time.time_ns()}"
        options = {"awslogs-group": "/ecs/shipped", "awslogs-region": "us-east-1",
                   "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}
        ecs.register_task_definition(family="shipped", containerDefinitions=[
            {"name": "app", "image": IMAGE, "memory": 16, "essential": True,
             "command": ["sh", "-c", f"echo {marker}; echo second line; sleep 1"],
             "logConfiguration": {"logDriver": "awslogs", "options": options}}])
        arn = ecs.run_task(taskDefinition="shipped")["tasks"][0]["taskArn"]
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        wait_for("the task to stop", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=60)

        def logs(*args):
            result = subprocess.run(
                ["aws", "logs", *args, "--endpoint-url", f"http://127.0.0.1:{FLEET.server_port}",
                 "--output", "json"], capture_output=True, text=True, timeout=60,
                env={**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"})
            self.assertEqual(result.returncode, 0, result.stderr)
            return json.loads(result.stdout)
        events = wait_for("the container's lines in its stream", lambda: logs(
            "get-log-events", "--log-group-name", "/ecs/shipped", "--log-stream-name", stream,
            "--start-from-head")["events"] or None, timeout=30)
        self.assertEqual([e["message"] for e in events[:2]], [marker, "second line"])
        found = logs("filter-log-events", "--log-group-name", "/ecs/shipped",
                     "--filter-pattern", f"\"{marker}\"")["events"]
        self.assertEqual([(e["logStreamName"], e["message"]) for e in found], [(stream, marker)])

    def test_a_missing_log_group_stops_the_task_before_it_starts(self):
        ecs = self.ecs
        ecs.register_task_definition(family="nogroup", containerDefinitions=[
            {"name": "app", "image": IMAGE, "memory": 16, "command": ["sleep", "30"],
             "logConfiguration": {"logDriver": "awslogs", "options": {
                 "awslogs-group": "/ecs/never-created", "awslogs-region": "us-east-1",
                 "awslogs-stream-prefix": "ecs"}}}])
        arn = ecs.run_task(taskDefinition="nogroup")["tasks"][0]["taskArn"]
        task = wait_for("the task to stop", lambda: next(
            (t for t in ecs.describe_tasks(tasks=[arn])["tasks"] if t["lastStatus"] == "STOPPED"),
            None), timeout=30)
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertEqual(task["stoppedReason"],
                         "CannotStartContainerError: Error response from daemon: failed to "
                         "initialize logging driver: failed to create Cloudwatch log stream: "
                         "ResourceNotFoundException: The specified log group does not exist.")
        self.assertFalse([c for c in containers() if c[1] == arn])

    def test_connections_need_the_token_and_a_local_origin(self):
        def upgrade(path, origin=None):
            connection = http.client.HTTPConnection("127.0.0.1", FLEET.agent_port, timeout=5)
            headers = {"Connection": "Upgrade", "Upgrade": "websocket",
                       "Sec-WebSocket-Version": "13",
                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
            if origin:
                headers["Origin"] = origin
            connection.request("GET", path, headers=headers)
            status = connection.getresponse().status
            connection.close()
            return status
        self.assertEqual(upgrade("/"), 401)
        self.assertEqual(upgrade("/?token=wrong"), 401)
        self.assertEqual(upgrade(f"/?token={TOKEN}", origin="http://evil.example"), 403)
        # The right token from the playground's origin passes both checks, but the server is
        # linked already: an agent serves one control plane at a time.
        self.assertEqual(upgrade(f"/?token={TOKEN}", origin="http://127.0.0.1:8080"), 409)

    def test_zx_docker_daemon_restart_stops_and_replaces_the_tasks(self):
        # Without live-restore, a daemon restart kills every container: the agent notices when
        # its event stream comes back, reports the exits and the service replaces the tasks.
        ecs = self.ecs
        before = {t["taskArn"] for t in self.web_service("phoenix")}
        subprocess.run("pkill -x dockerd; while pgrep -x dockerd >/dev/null; do sleep 0.2; done",
                       shell=True, check=True)
        repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        subprocess.run([os.path.join(repo, "scripts", "docker-up")], check=True,
                       capture_output=True)

        def replaced():
            tasks = settled(ecs, "phoenix", 1, 2)
            return tasks and before.isdisjoint(t["taskArn"] for t in tasks) and tasks
        tasks = wait_for("2 replacement tasks", replaced, timeout=120)
        for binding in [b for t in tasks for b in t["containers"][0]["networkBindings"]]:
            self.assertEqual(page(binding), "phoenix-v1")
        for task in ecs.describe_tasks(tasks=sorted(before))["tasks"]:
            self.assertEqual(task["lastStatus"], "STOPPED")
            self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        self.delete("phoenix")

    def test_zy_server_killed_and_restarted_keeps_the_containers(self):
        ecs = self.ecs
        tasks = self.web_service("durable")
        before = sorted(t["taskArn"] for t in tasks)
        FLEET.server.send_signal(signal.SIGKILL)
        FLEET.server.wait()
        FLEET.start_server()  # Same --data: the journal replays, the agent is linked again.
        ecs = FLEET.ecs()
        tasks = wait_for("the same 2 tasks, running", lambda: settled(ecs, "durable", 1, 2))
        self.assertEqual(sorted(t["taskArn"] for t in tasks), before)
        for binding in [b for t in tasks for b in t["containers"][0]["networkBindings"]]:
            self.assertEqual(page(binding), "durable-v1")
        self.assertEqual(len([c for c in containers() if c[1] in before]), 2)
        # And the control plane drives the agent again.
        ecs.update_service(service="durable", taskDefinition="durable:2")
        tasks = wait_for("2 tasks of durable:2", lambda: settled(ecs, "durable", 2, 2),
                         timeout=DEPLOYMENT)
        for binding in [b for t in tasks for b in t["containers"][0]["networkBindings"]]:
            self.assertEqual(page(binding), "durable-v2")
        self.ecs = ecs
        self.delete("durable")

    def test_zz_agent_killed_mid_deployment_leaves_no_orphans(self):
        ecs = self.ecs
        self.web_service("survivor")
        ecs.update_service(service="survivor", taskDefinition="survivor:2")
        # Mid-deployment: as soon as a new task has a container.
        wait_for("a survivor:2 container", lambda: [c for c in containers() if "survivor-2-" in c[0]],
                 every=0.02)
        FLEET.agent.send_signal(signal.SIGKILL)
        FLEET.agent.wait()

        def disconnected():
            arns = ecs.list_container_instances()["containerInstanceArns"]
            return all(not i["agentConnected"] for i in
                       ecs.describe_container_instances(containerInstances=arns)["containerInstances"])
        wait_for("the instances to show disconnected", disconnected, timeout=15)
        FLEET.start_agent()
        tasks = wait_for("2 tasks of survivor:2", lambda: settled(ecs, "survivor", 2, 2),
                         timeout=DEPLOYMENT)
        for binding in [b for t in tasks for b in t["containers"][0]["networkBindings"]]:
            self.assertEqual(page(binding), "survivor-v2")

        def consistent():
            # Every running container belongs to a task the control plane has running, once.
            running = [c for c in containers() if c[3] == "running"]
            arns = ecs.list_tasks()["taskArns"]
            live = {t["taskArn"] for t in ecs.describe_tasks(tasks=arns)["tasks"]
                    if t["lastStatus"] == "RUNNING"} if arns else set()
            keys = [(c[1], c[2]) for c in running]
            everything = containers()
            return (len(keys) == len(set(keys)) and {c[1] for c in running} == live
                    and len(everything) == len(running)) and (keys, live)
        wait_for("no orphaned, duplicated or leftover container", consistent, timeout=45)
        self.delete("survivor")


if __name__ == "__main__":
    unittest.main()
