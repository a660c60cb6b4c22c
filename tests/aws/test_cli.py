"""The seeds' walkthroughs with the real AWS CLI v1 against `berth serve` (tests/aws/run)."""

import json
import os
import subprocess
import tempfile
import time
import unittest

ENDPOINT = os.environ["BERTH_ENDPOINT"]


def aws(*args, check=True):
    """Runs `aws ecs ARGS --endpoint-url ...`; returns the parsed JSON output."""
    result = subprocess.run(
        ["aws", "ecs", *args, "--endpoint-url", ENDPOINT, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"aws ecs {' '.join(args)} failed: {result.stderr}")
    if not check:
        return result
    return json.loads(result.stdout) if result.stdout.strip() else {}


def wait_completed(cluster, service, timeout=120):
    """Polls until the PRIMARY deployment is COMPLETED (its tasks count as healthy once they
    have run 40 s, so this takes longer than `wait services-stable`)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = aws("describe-services", "--cluster", cluster, "--services", service)
        if found["services"][0]["deployments"][0]["rolloutState"] == "COMPLETED":
            return found["services"][0]
        time.sleep(2)
    raise AssertionError(f"{service} did not complete in {timeout} s")


class Seed000FirstCluster(unittest.TestCase):
    """Seed 000: a cluster, its instances, sleep360 run ten times, list and describe."""

    def test_walkthrough(self):
        cluster = aws("create-cluster", "--cluster-name", "MyCluster")["cluster"]
        self.assertEqual(cluster["status"], "ACTIVE")
        self.assertEqual(cluster["clusterArn"], "arn:aws:ecs:us-east-1:123456789012:cluster/MyCluster")
        # An agent of a 1024-CPU / 3768-MiB instance registers, as in the seed.
        for _ in range(2):
            registered = aws(
                "register-container-instance", "--cluster", "MyCluster",
                "--total-resources",
                '[{"name":"CPU","type":"INTEGER","integerValue":1024},'
                '{"name":"MEMORY","type":"INTEGER","integerValue":3768}]',
                "--instance-identity-document",
                '{"instanceType":"t2.medium","availabilityZone":"us-east-1a"}',
            )["containerInstance"]
            self.assertEqual(registered["status"], "ACTIVE")
        arns = aws("list-container-instances", "--cluster", "MyCluster")["containerInstanceArns"]
        self.assertEqual(len(arns), 2)
        described = aws("describe-container-instances", "--cluster", "MyCluster",
                        "--container-instances", *arns)["containerInstances"]
        registered = {r["name"]: r for r in described[0]["registeredResources"]}
        self.assertEqual(registered["CPU"]["integerValue"], 1024)
        self.assertEqual(registered["MEMORY"]["integerValue"], 3768)

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump([{"name": "sleep", "image": "busybox", "cpu": 10,
                        "command": ["sleep", "360"], "memory": 10, "essential": True}], f)
        td = aws("register-task-definition", "--family", "sleep360",
                 "--container-definitions", f"file://{f.name}")["taskDefinition"]
        os.unlink(f.name)
        self.assertEqual(td["revision"], 1)
        self.assertEqual(td["status"], "ACTIVE")

        run = aws("run-task", "--cluster", "MyCluster", "--task-definition", "sleep360:1",
                  "--count", "10")
        self.assertEqual(len(run["tasks"]), 10)
        self.assertEqual(run["failures"], [])
        tasks = aws("list-tasks", "--cluster", "MyCluster")["taskArns"]
        self.assertEqual(len(tasks), 10)
        aws("wait", "tasks-running", "--cluster", "MyCluster", "--tasks", *tasks)
        described = aws("describe-tasks", "--cluster", "MyCluster", "--tasks", *tasks)["tasks"]
        self.assertTrue(all(t["lastStatus"] == "RUNNING" for t in described))
        self.assertTrue(all(isinstance(t["createdAt"], (int, float)) for t in described))
        remaining = aws("describe-container-instances", "--cluster", "MyCluster",
                        "--container-instances", *arns)["containerInstances"]
        used = sum(1024 - {r["name"]: r for r in i["remainingResources"]}["CPU"]["integerValue"]
                   for i in remaining)
        self.assertEqual(used, 100, "ten tasks of 10 CPU units")

        stopped = aws("stop-task", "--cluster", "MyCluster", "--task", tasks[0],
                      "--reason", "done")["task"]
        self.assertEqual(stopped["desiredStatus"], "STOPPED")


class Seed002PortStall(unittest.TestCase):
    """Seed 002: one instance, host port 80, a new revision stalls with ECS's event."""

    def test_stall_and_way_out(self):
        aws("create-cluster", "--cluster-name", "stall")
        aws("register-container-instance", "--cluster", "stall",
            "--total-resources", '[{"name":"CPU","type":"INTEGER","integerValue":2048},'
                                 '{"name":"MEMORY","type":"INTEGER","integerValue":3768}]')
        definitions = ('[{"name":"web","image":"httpd:2.4","memory":256,'
                       '"portMappings":[{"containerPort":80,"hostPort":80}]}]')
        aws("register-task-definition", "--family", "httpd", "--container-definitions", definitions)
        aws("register-task-definition", "--family", "httpd", "--container-definitions",
            definitions.replace("httpd:2.4", "httpd:2.4.58"))
        aws("create-service", "--cluster", "stall", "--service-name", "web",
            "--task-definition", "httpd:1", "--desired-count", "1")
        wait_completed("stall", "web")
        aws("update-service", "--cluster", "stall", "--service", "web",
            "--task-definition", "httpd:2")
        service = aws("describe-services", "--cluster", "stall", "--services", "web")["services"][0]
        self.assertEqual(len(service["deployments"]), 2)
        messages = [e["message"] for e in service["events"]]
        self.assertTrue(any("is already using a port required by your task" in m for m in messages),
                        messages)
        # The documented way out: desired count 0, then back to 1.
        aws("update-service", "--cluster", "stall", "--service", "web", "--desired-count", "0")
        aws("update-service", "--cluster", "stall", "--service", "web", "--desired-count", "1")
        service = wait_completed("stall", "web")
        self.assertEqual(len(service["deployments"]), 1)
        self.assertTrue(service["taskDefinition"].endswith("httpd:2"))
        aws("delete-service", "--cluster", "stall", "--service", "web", "--force")


class Seed001Fargate(unittest.TestCase):
    """Seed 001: the Fargate task definition and the article's create-service, verbatim."""

    def test_fargate_service(self):
        root = os.path.dirname(os.path.abspath(__file__))
        fixture = os.path.join(root, "..", "fixtures", "valid", "seeds",
                               "001-fargate-task-definition.json")
        with open(fixture) as f:
            body = json.load(f)
        body["family"] = "sample-fargate"
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(body, f)
        aws("create-cluster", "--cluster-name", "fargate-cluster")
        # The console's wizard creates the awslogs group the definition names; from the CLI
        # it is created first, or every task stops with ResourceInitializationError.
        group = body["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"]
        created = subprocess.run(
            ["aws", "logs", "create-log-group", "--log-group-name", group,
             "--endpoint-url", ENDPOINT], capture_output=True, text=True, timeout=60)
        self.assertEqual(created.returncode, 0, created.stderr)
        td = aws("register-task-definition", "--cli-input-json", f"file://{f.name}")
        os.unlink(f.name)
        self.assertIn("FARGATE", td["taskDefinition"]["compatibilities"])
        service = aws("create-service", "--cluster", "fargate-cluster",
                      "--service-name", "fargate-service", "--task-definition", "sample-fargate:1",
                      "--desired-count", "1", "--launch-type", "FARGATE",
                      "--network-configuration",
                      "awsvpcConfiguration={subnets=[subnet-abcd1234],securityGroups=[sg-abcd1234]}",
                      "--enable-execute-command")["service"]
        self.assertEqual(service["launchType"], "FARGATE")
        aws("wait", "services-stable", "--cluster", "fargate-cluster",
            "--services", "fargate-service")
        tasks = aws("list-tasks", "--cluster", "fargate-cluster")["taskArns"]
        task = aws("describe-tasks", "--cluster", "fargate-cluster", "--tasks", *tasks)["tasks"][0]
        self.assertEqual(task["lastStatus"], "RUNNING")
        self.assertNotIn("containerInstanceArn", task)
        subnet = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}["subnetId"]
        self.assertEqual(subnet, "subnet-abcd1234")


class TaskDefinitionLifecycle(unittest.TestCase):
    """--cli-input-json, deregister, delete, and errors in ECS's words."""

    def test_lifecycle(self):
        body = {"family": "cli-json", "containerDefinitions": [
            {"name": "app", "image": "nginx", "memory": 64, "portMappings": [{"containerPort": 80}]}]}
        td = aws("register-task-definition", "--cli-input-json", json.dumps(body))["taskDefinition"]
        arn = td["taskDefinitionArn"]
        aws("deregister-task-definition", "--task-definition", arn)
        deleted = aws("delete-task-definitions", "--task-definitions", arn)
        self.assertEqual(deleted["taskDefinitions"][0]["status"], "DELETE_IN_PROGRESS")
        result = aws("describe-services", "--cluster", "nope", "--services", "x", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ClusterNotFoundException", result.stderr)
        self.assertIn("Cluster not found.", result.stderr)


class AutoScalingGroupCapacityProvider(unittest.TestCase):
    """create-capacity-provider for an Auto Scaling group with managed scaling: tasks run with
    it wait in PROVISIONING for the group's instances (the fleet-sim tests follow the group
    growing, which takes minutes of real time here); the agent's endpoint. (`aws ecs
    execute-command` needs the Session Manager plugin before it calls ECS: test_boto3 checks
    ExecuteCommand.)"""

    def test_capacity_provider(self):
        created = aws(
            "create-capacity-provider", "--name", "cli-asg",
            "--auto-scaling-group-provider",
            "autoScalingGroupArn=cli-asg-group,"
            "managedScaling={status=ENABLED,targetCapacity=90},managedTerminationProtection=ENABLED",
        )["capacityProvider"]
        self.assertEqual(created["status"], "ACTIVE")
        group = created["autoScalingGroupProvider"]
        self.assertRegex(group["autoScalingGroupArn"],
                         r"^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}"
                         r":autoScalingGroupName/cli-asg-group$")
        self.assertEqual(group["managedScaling"]["targetCapacity"], 90)
        aws("create-cluster", "--cluster-name", "cli-scaling", "--capacity-providers", "cli-asg",
            "--default-capacity-provider-strategy", "capacityProvider=cli-asg,weight=1")
        aws("register-task-definition", "--family", "cli-asg-web", "--container-definitions",
            '[{"name":"web","image":"nginx","memory":256}]')
        run = aws("run-task", "--cluster", "cli-scaling", "--task-definition", "cli-asg-web",
                  "--count", "3")
        self.assertEqual(run["failures"], [])
        self.assertEqual({t["lastStatus"] for t in run["tasks"]}, {"PROVISIONING"})
        self.assertEqual({t["capacityProviderName"] for t in run["tasks"]}, {"cli-asg"})
        names = [p["name"] for p in aws("describe-capacity-providers")["capacityProviders"]]
        self.assertIn("cli-asg", names)
        busy = aws("delete-capacity-provider", "--capacity-provider", "cli-asg", check=False)
        self.assertNotEqual(busy.returncode, 0)
        self.assertIn("ClientException", busy.stderr)

    def test_discover_poll_endpoint(self):
        aws("create-cluster", "--cluster-name", "cli-exec")
        instance = aws(
            "register-container-instance", "--cluster", "cli-exec", "--total-resources",
            '[{"name":"CPU","type":"INTEGER","integerValue":1024},'
            '{"name":"MEMORY","type":"INTEGER","integerValue":2048}]',
        )["containerInstance"]["containerInstanceArn"]
        endpoint = aws("discover-poll-endpoint", "--cluster", "cli-exec",
                       "--container-instance", instance)
        self.assertEqual(endpoint["endpoint"].rstrip("/"), ENDPOINT.rstrip("/"))


if __name__ == "__main__":
    unittest.main()
