"""Elastic Load Balancing v2 with the real AWS CLI v1 against `berth serve` (tests/aws/run):
the Query protocol (form bodies in, XML out), load balancers, target groups and their
attributes, listeners and rules, targets and their health checks on the virtual fleet."""

import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

ENDPOINT = os.environ["BERTH_ENDPOINT"]


def free_port():
    """A port nothing listens on now: berth serve serves each listener on 127.0.0.1:PORT."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def get(port, path="/"):
    """GET http://127.0.0.1:PORT/PATH through a listener: (status, headers, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def run(service, *args):
    return subprocess.run(
        ["aws", service, *args, "--endpoint-url", ENDPOINT, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def elbv2(*args):
    """`aws elbv2 ARGS`; the parsed output, or AssertionError with the CLI's complaint."""
    result = run("elbv2", *args)
    if result.returncode != 0:
        raise AssertionError(f"aws elbv2 {' '.join(args)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def refused(*args):
    """`aws elbv2 ARGS` that must fail: its stderr (the error code and message)."""
    result = run("elbv2", *args)
    if result.returncode == 0:
        raise AssertionError(f"aws elbv2 {' '.join(args)} succeeded: {result.stdout}")
    return result.stderr


def ecs(*args):
    result = run("ecs", *args)
    if result.returncode != 0:
        raise AssertionError(f"aws ecs {' '.join(args)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def health(tg, *targets):
    args = ["describe-target-health", "--target-group-arn", tg]
    if targets:
        args += ["--targets", *targets]
    return elbv2(*args)["TargetHealthDescriptions"]


def wait_for(what, check, timeout=60, about=lambda: ""):
    """CHECK()'s first truthy answer within TIMEOUT seconds; on a timeout, fails saying WHAT
    was awaited and ABOUT()."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {about()}")


def wait_state(tg, target, state, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = health(tg, target)
        if found[0]["TargetHealth"]["State"] == state:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"{target} did not become {state}: {found}")


def wait_healthy(tg, count, timeout=90):
    """Waits until TG has COUNT targets, all healthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = health(tg)
        if len(found) == count and all(t["TargetHealth"]["State"] == "healthy" for t in found):
            return found
        time.sleep(1)
    raise AssertionError(f"the targets did not become healthy: {health(tg)}")


def register_dynamic(family, container, image):
    """Registers FAMILY: one CONTAINER of IMAGE publishing port 80 on a dynamic host port."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"name": container, "image": image, "memory": 64, "essential": True,
                    "portMappings": [{"containerPort": 80, "hostPort": 0}]}], f)
    ecs("register-task-definition", "--family", family,
        "--container-definitions", f"file://{f.name}")
    os.unlink(f.name)


class LoadBalancerApi(unittest.TestCase):
    """The ELBv2 operations a service behind an ALB needs, with ELB's shapes and errors."""

    def test_load_balancers_target_groups_listeners_rules(self):
        lb = elbv2("create-load-balancer", "--name", "web", "--subnets", "subnet-1", "subnet-2",
                   "--tags", "Key=team,Value=berth")["LoadBalancers"][0]
        self.assertRegex(lb["LoadBalancerArn"],
                         r"^arn:aws:elasticloadbalancing:us-east-1:\d{12}:loadbalancer/app/web/[0-9a-f]{16}$")
        self.assertRegex(lb["DNSName"], r"^web-\d{10}\.us-east-1\.elb\.amazonaws\.com$")
        self.assertEqual(lb["State"]["Code"], "active")
        self.assertEqual(lb["Type"], "application")
        self.assertEqual(lb["Scheme"], "internet-facing")
        self.assertEqual(lb["CanonicalHostedZoneId"], "Z35SXDOTRQ7X7K")
        self.assertEqual(len({z["ZoneName"] for z in lb["AvailabilityZones"]}), 2)
        # The same request again is the same load balancer; other settings are a duplicate.
        again = elbv2("create-load-balancer", "--name", "web", "--subnets", "subnet-1", "subnet-2")
        self.assertEqual(again["LoadBalancers"][0]["LoadBalancerArn"], lb["LoadBalancerArn"])
        self.assertIn("DuplicateLoadBalancerName",
                      refused("create-load-balancer", "--name", "web", "--scheme", "internal",
                              "--subnets", "subnet-1", "subnet-2"))
        self.assertIn("At least two subnets in two different Availability Zones",
                      refused("create-load-balancer", "--name", "one", "--subnets", "subnet-1"))
        self.assertIn("cannot be longer than '32' characters",
                      refused("create-load-balancer", "--name", "x" * 33,
                              "--subnets", "subnet-1", "subnet-2"))

        vpc = lb["VpcId"]
        tg = elbv2("create-target-group", "--name", "web-tg", "--protocol", "HTTP", "--port", "80",
                   "--vpc-id", vpc, "--health-check-interval-seconds", "5",
                   "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2",
                   "--unhealthy-threshold-count", "2")["TargetGroups"][0]
        self.assertRegex(tg["TargetGroupArn"], r":targetgroup/web-tg/[0-9a-f]{16}$")
        self.assertEqual(tg["TargetType"], "instance")
        self.assertEqual(tg["HealthCheckPath"], "/")
        self.assertEqual(tg["HealthCheckPort"], "traffic-port")
        self.assertEqual(tg["Matcher"], {"HttpCode": "200"})
        self.assertEqual(tg["LoadBalancerArns"], [])
        self.assertIn("DuplicateTargetGroupName",
                      refused("create-target-group", "--name", "web-tg", "--protocol", "HTTP",
                              "--port", "8080", "--vpc-id", vpc))
        self.assertIn("A VPC ID must be specified",
                      refused("create-target-group", "--name", "novpc", "--protocol", "HTTP",
                              "--port", "80"))
        self.assertIn("Member must have value less than or equal to 300",
                      refused("create-target-group", "--name", "slow", "--protocol", "HTTP",
                              "--port", "80", "--vpc-id", vpc,
                              "--health-check-interval-seconds", "301"))
        attributes = elbv2("describe-target-group-attributes", "--target-group-arn",
                           tg["TargetGroupArn"])["Attributes"]
        self.assertIn({"Key": "deregistration_delay.timeout_seconds", "Value": "300"}, attributes)
        elbv2("modify-target-group-attributes", "--target-group-arn", tg["TargetGroupArn"],
              "--attributes", "Key=deregistration_delay.timeout_seconds,Value=3")
        self.assertIn("must be between '0-3600' inclusive",
                      refused("modify-target-group-attributes", "--target-group-arn",
                              tg["TargetGroupArn"], "--attributes",
                              "Key=deregistration_delay.timeout_seconds,Value=4000"))

        # A target on a virtual instance: unused until a listener forwards to its group.
        instances = ecs("list-container-instances", "--cluster", "default")["containerInstanceArns"]
        described = ecs("describe-container-instances", "--cluster", "default",
                        "--container-instances", instances[0])["containerInstances"][0]
        ec2 = described["ec2InstanceId"]
        self.assertIn("InvalidTarget",
                      refused("register-targets", "--target-group-arn", tg["TargetGroupArn"],
                              "--targets", "Id=i-0000000000000dead"))
        elbv2("register-targets", "--target-group-arn", tg["TargetGroupArn"],
              "--targets", f"Id={ec2},Port=8081")
        unused = health(tg["TargetGroupArn"])[0]
        self.assertEqual(unused["TargetHealth"]["State"], "unused")
        self.assertEqual(unused["TargetHealth"]["Reason"], "Target.NotInUse")

        port = free_port()
        self.assertIn("TargetGroupNotFound",
                      refused("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"],
                              "--protocol", "HTTP", "--port", port, "--default-actions",
                              "Type=forward,TargetGroupArn=" + tg["TargetGroupArn"] + "x"))
        # A port this machine will not give Berth (its own) is refused in ELB's shape.
        taken = ENDPOINT.rsplit(":", 1)[1].strip("/")
        complaint = refused("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"],
                            "--protocol", "HTTP", "--port", taken, "--default-actions",
                            "Type=forward,TargetGroupArn=" + tg["TargetGroupArn"])
        self.assertIn("ValidationError", complaint)
        self.assertIn("cannot listen there", complaint)
        listener = elbv2("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"],
                         "--protocol", "HTTP", "--port", port, "--default-actions",
                         "Type=forward,TargetGroupArn=" + tg["TargetGroupArn"])["Listeners"][0]
        self.assertRegex(listener["ListenerArn"], r":listener/app/web/[0-9a-f]{16}/[0-9a-f]{16}$")
        forward = listener["DefaultActions"][0]
        self.assertEqual(forward["ForwardConfig"]["TargetGroups"],
                         [{"TargetGroupArn": tg["TargetGroupArn"], "Weight": 1}])
        # Served on 127.0.0.1: a target still in registration takes no requests, so the
        # load balancer answers 503 itself.
        status, headers, body = get(port)
        self.assertEqual((status, headers.get("Server")), (503, "awselb/2.0"))
        self.assertIn("503 Service Temporarily Unavailable", body)
        self.assertIn("DuplicateListener",
                      refused("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"],
                              "--protocol", "HTTP", "--port", port, "--default-actions",
                              "Type=fixed-response,FixedResponseConfig={StatusCode=404}"))
        described = elbv2("describe-target-groups", "--names", "web-tg")["TargetGroups"][0]
        self.assertEqual(described["LoadBalancerArns"], [lb["LoadBalancerArn"]])

        # Nothing listens on 8081: the checks are refused, and two failures make it unhealthy.
        initial = health(tg["TargetGroupArn"])[0]["TargetHealth"]
        self.assertEqual(initial, {"State": "initial", "Reason": "Elb.RegistrationInProgress",
                                   "Description": "Target registration is in progress"})
        unhealthy = wait_state(tg["TargetGroupArn"], f"Id={ec2},Port=8081", "unhealthy")
        self.assertEqual(unhealthy["TargetHealth"]["Reason"], "Target.FailedHealthChecks")
        self.assertEqual(unhealthy["TargetHealth"]["Description"], "Health checks failed")

        # A container that publishes the port answers 200: one check makes its target healthy.
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump([{"name": "web", "image": "nginx", "memory": 64, "essential": True,
                        "portMappings": [{"containerPort": 80, "hostPort": 8082}]}], f)
        ecs("register-task-definition", "--family", "elb-web",
            "--container-definitions", f"file://{f.name}")
        os.unlink(f.name)
        ecs("start-task", "--cluster", "default", "--task-definition", "elb-web",
            "--container-instances", instances[0])
        elbv2("register-targets", "--target-group-arn", tg["TargetGroupArn"],
              "--targets", f"Id={ec2},Port=8082")
        wait_state(tg["TargetGroupArn"], f"Id={ec2},Port=8082", "healthy")
        self.assertNotIn("Reason", health(tg["TargetGroupArn"], f"Id={ec2},Port=8082")[0]["TargetHealth"])

        # Deregistered, a target drains for the group's delay (3 s here), then is gone.
        elbv2("deregister-targets", "--target-group-arn", tg["TargetGroupArn"],
              "--targets", f"Id={ec2},Port=8082")
        draining = health(tg["TargetGroupArn"], f"Id={ec2},Port=8082")[0]["TargetHealth"]
        self.assertEqual(draining["State"], "draining")
        self.assertEqual(draining["Reason"], "Target.DeregistrationInProgress")
        gone = wait_state(tg["TargetGroupArn"], f"Id={ec2},Port=8082", "unused", timeout=30)
        self.assertEqual(gone["TargetHealth"]["Reason"], "Target.NotRegistered")
        self.assertEqual(len(health(tg["TargetGroupArn"])), 1)

        # Rules: priorities are unique per listener, the default rule comes last.
        path = elbv2("create-rule", "--listener-arn", listener["ListenerArn"], "--priority", "10",
                     "--conditions", "Field=path-pattern,Values=/api/*",
                     "--actions", "Type=fixed-response,FixedResponseConfig={StatusCode=503}")["Rules"][0]
        self.assertEqual(path["Conditions"][0]["PathPatternConfig"], {"Values": ["/api/*"]})
        self.assertIn("PriorityInUse",
                      refused("create-rule", "--listener-arn", listener["ListenerArn"],
                              "--priority", "10", "--conditions", "Field=host-header,Values=a.example.com",
                              "--actions", "Type=forward,TargetGroupArn=" + tg["TargetGroupArn"]))
        host = elbv2("create-rule", "--listener-arn", listener["ListenerArn"], "--priority", "20",
                     "--conditions", "Field=host-header,Values=a.example.com",
                     "--actions", "Type=forward,TargetGroupArn=" + tg["TargetGroupArn"])["Rules"][0]
        elbv2("set-rule-priorities", "--rule-priorities",
              f"RuleArn={path['RuleArn']},Priority=20", f"RuleArn={host['RuleArn']},Priority=10")
        rules = elbv2("describe-rules", "--listener-arn", listener["ListenerArn"])["Rules"]
        self.assertEqual([r["Priority"] for r in rules], ["10", "20", "default"])
        self.assertEqual(rules[0]["RuleArn"], host["RuleArn"])
        self.assertTrue(rules[2]["IsDefault"])
        self.assertIn("OperationNotPermitted",
                      refused("delete-rule", "--rule-arn", rules[2]["RuleArn"]))

        # Tags, and what may not be deleted while in use.
        elbv2("add-tags", "--resource-arns", tg["TargetGroupArn"], "--tags", "Key=app,Value=web")
        tags = elbv2("describe-tags", "--resource-arns", lb["LoadBalancerArn"], tg["TargetGroupArn"])
        self.assertEqual([d["Tags"] for d in tags["TagDescriptions"]],
                         [[{"Key": "team", "Value": "berth"}], [{"Key": "app", "Value": "web"}]])
        self.assertIn("ResourceInUse",
                      refused("delete-target-group", "--target-group-arn", tg["TargetGroupArn"]))
        elbv2("delete-load-balancer", "--load-balancer-arn", lb["LoadBalancerArn"])
        self.assertIn("ListenerNotFound",
                      refused("describe-listeners", "--listener-arns", listener["ListenerArn"]))
        elbv2("delete-target-group", "--target-group-arn", tg["TargetGroupArn"])
        self.assertIn("TargetGroupNotFound",
                      refused("describe-target-groups", "--target-group-arns", tg["TargetGroupArn"]))


class ServiceBehindALoadBalancer(unittest.TestCase):
    """Seed 003's fix: a service on dynamic host ports behind an ALB. Each task's host port is
    its target's port; a task counts once its target is healthy; a stopped task drains for
    the target group's deregistration delay, DEACTIVATING, before it stops."""

    def test_dynamic_ports_registration_health_and_draining(self):
        lb = elbv2("create-load-balancer", "--name", "svc", "--subnets", "subnet-1",
                   "subnet-2")["LoadBalancers"][0]
        tg = elbv2("create-target-group", "--name", "svc", "--protocol", "HTTP", "--port", "80",
                   "--vpc-id", lb["VpcId"], "--health-check-interval-seconds", "5",
                   "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2")
        tg = tg["TargetGroups"][0]["TargetGroupArn"]
        elbv2("modify-target-group-attributes", "--target-group-arn", tg,
              "--attributes", "Key=deregistration_delay.timeout_seconds,Value=6")
        register_dynamic("svc-web", "web", "nginx")
        lbs = f"targetGroupArn={tg},containerName=web,containerPort=80"
        # Without a listener the target group has no load balancer: ECS refuses it.
        bad = run("ecs", "create-service", "--service-name", "svc", "--task-definition", "svc-web",
                  "--desired-count", "2", "--load-balancers", lbs)
        self.assertIn("does not have an associated load balancer", bad.stderr)
        port = free_port()
        elbv2("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"], "--protocol", "HTTP",
              "--port", port, "--default-actions", f"Type=forward,TargetGroupArn={tg}")
        bad = run("ecs", "create-service", "--service-name", "svc", "--task-definition", "svc-web",
                  "--desired-count", "2", "--load-balancers",
                  f"targetGroupArn={tg},containerName=web,containerPort=8080")
        self.assertIn("The container web did not have a container port 8080 defined.", bad.stderr)
        service = ecs("create-service", "--service-name", "svc", "--task-definition", "svc-web",
                      "--desired-count", "2", "--load-balancers", lbs)["service"]
        self.assertEqual(service["loadBalancers"],
                         [{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}])

        wait_healthy(tg, 2)
        arns = ecs("list-tasks", "--service-name", "svc")["taskArns"]
        tasks = ecs("describe-tasks", "--tasks", *arns)["tasks"]
        ports = sorted(t["containers"][0]["networkBindings"][0]["hostPort"] for t in tasks)
        self.assertEqual(sorted(t["Target"]["Port"] for t in health(tg)), ports)
        self.assertTrue(all(p >= 32768 for p in ports), ports)
        messages = [e["message"] for e in ecs("describe-services", "--services", "svc")["services"][0]["events"]]
        self.assertIn(f"(service svc) registered 2 targets in (target-group {tg})", messages)
        # The listener, on the virtual fleet, says which task would serve each request: round
        # robin, so two requests name both tasks.
        served = set()
        for _ in range(2):
            status, _, body = get(port, "/hello")
            self.assertEqual(status, 200, body)
            self.assertIn("GET /hello would be served by task", body)
            served |= {arn for arn in arns if arn in body}
        self.assertEqual(served, set(arns))

        # Scale in: one task drains for 6 s, DEACTIVATING, then stops.
        ecs("update-service", "--service", "svc", "--desired-count", "1")
        deadline = time.time() + 30
        while time.time() < deadline:
            states = [t["TargetHealth"]["State"] for t in health(tg)]
            if "draining" in states:
                break
            time.sleep(0.3)
        else:
            raise AssertionError(f"no target drained: {health(tg)}")
        began = time.time()
        stopping = ecs("list-tasks", "--service-name", "svc", "--desired-status", "STOPPED")["taskArns"]
        self.assertEqual(len(stopping), 1)
        status = ecs("describe-tasks", "--tasks", *stopping)["tasks"][0]["lastStatus"]
        self.assertEqual(status, "DEACTIVATING")
        while time.time() < began + 30:
            task = ecs("describe-tasks", "--tasks", *stopping)["tasks"][0]
            if task["lastStatus"] == "STOPPED":
                break
            time.sleep(0.3)
        drained = time.time() - began
        self.assertEqual(task["lastStatus"], "STOPPED")
        self.assertGreaterEqual(drained, 4.0, "the task stopped before the deregistration delay")
        self.assertEqual(len(health(tg)), 1)
        messages = [e["message"] for e in ecs("describe-services", "--services", "svc")["services"][0]["events"]]
        self.assertIn("(service svc) has begun draining connections on 1 tasks.", messages)
        self.assertIn(f"(service svc) deregistered 1 targets in (target-group {tg})", messages)
        ecs("update-service", "--service", "svc", "--desired-count", "0")
        ecs("delete-service", "--service", "svc", "--force")


    def test_a_network_load_balancer_passes_connections_whole(self):
        """A TCP listener of a Network Load Balancer is served too: each connection goes to a
        healthy target in turn (on the virtual fleet the listener says which task would take
        it), counted as one of the load balancer's requests."""
        lb = elbv2("create-load-balancer", "--name", "flows", "--type", "network", "--subnets",
                   "subnet-1", "subnet-2")["LoadBalancers"][0]
        tg = elbv2("create-target-group", "--name", "flows", "--protocol", "TCP", "--port", "80",
                   "--vpc-id", lb["VpcId"], "--health-check-interval-seconds", "10",
                   "--healthy-threshold-count", "2")["TargetGroups"][0]["TargetGroupArn"]
        port = free_port()
        elbv2("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"], "--protocol", "TCP",
              "--port", port, "--default-actions", f"Type=forward,TargetGroupArn={tg}")
        register_dynamic("flows", "db", "postgres")
        ecs("create-service", "--service-name", "flows", "--task-definition", "flows",
            "--desired-count", "2", "--load-balancers",
            f"targetGroupArn={tg},containerName=db,containerPort=80")
        wait_healthy(tg, 2)
        arns = ecs("list-tasks", "--service-name", "flows")["taskArns"]
        served = set()
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as connection:
                said = connection.makefile().readline()
            self.assertIn("this connection would be served by task", said)
            served |= {arn for arn in arns if arn in said}
        self.assertEqual(served, set(arns))
        request = urllib.request.Request(f"{ENDPOINT}/berth/load-balancers", data=b"{}",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            view = json.loads(r.read())
        counts = next(b for b in view["loadBalancers"] if b["name"] == "flows")["counts"]
        self.assertEqual(counts["requests"], 2)
        ecs("update-service", "--service", "flows", "--desired-count", "0")
        ecs("delete-service", "--service", "flows", "--force")
        elbv2("delete-load-balancer", "--load-balancer-arn", lb["LoadBalancerArn"])


if __name__ == "__main__":
    unittest.main()
