"""Availability Zone rebalancing with the real AWS CLI v1 against `berth serve` (tests/aws/run):
a zone's only instance is terminated under a service, its tasks come back in the other zone,
an instance joins the zone again and ECS evens the tasks out with its events; ENABLED refuses
maximumPercent 100 as ECS does, and DISABLED allows it. The virtual clock runs at 100x."""

import json
import unittest
import urllib.request

from test_cloudwatch import clock
from test_elbv2 import ENDPOINT, ecs, run
from test_elbv2 import wait_for as waiting

CLUSTER = "rebalance"


def fleet(**action):
    """POST /berth/fleet: an action on the virtual fleet."""
    request = urllib.request.Request(
        f"{ENDPOINT}/berth/fleet", data=json.dumps(action).encode(),
        headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def service():
    return ecs("describe-services", "--cluster", CLUSTER, "--services", "web")["services"][0]


def instances_by_zone():
    """{zone: [(container instance ARN, runningTasksCount)]} of the cluster's ACTIVE instances."""
    arns = ecs("list-container-instances", "--cluster", CLUSTER)["containerInstanceArns"]
    found = ecs("describe-container-instances", "--cluster", CLUSTER,
                "--container-instances", *arns)["containerInstances"] if arns else []
    zones = {}
    for i in found:
        zone = next(a["value"] for a in i["attributes"] if a["name"] == "ecs.availability-zone")
        zones.setdefault(zone, []).append((i["containerInstanceArn"], i["runningTasksCount"]))
    return zones


def wait_for(what, check, timeout=60):
    return waiting(what, check, timeout, about=lambda: json.dumps(service(), default=str)[:3000])


class Rebalancing(unittest.TestCase):
    def test_a_zone_lost_and_back_is_evened_out_with_ecs_events(self):
        ecs("create-cluster", "--cluster-name", CLUSTER)
        for zone in ("us-east-1a", "us-east-1b"):
            fleet(action="launch", cluster=CLUSTER, instanceType="m5.large", zone=zone)
        ecs("register-task-definition", "--family", "rebalance-web", "--container-definitions",
            json.dumps([{"name": "web", "image": "nginx", "memory": 256}]))
        created = ecs("create-service", "--cluster", CLUSTER, "--service-name", "web",
                      "--task-definition", "rebalance-web", "--desired-count", "4")["service"]
        self.assertEqual(created["availabilityZoneRebalancing"], "ENABLED")
        clock(speed=100)
        try:
            wait_for("steady", lambda: service()["runningCount"] == 4
                     and service()["deployments"][0]["rolloutState"] == "COMPLETED")

            # ENABLED needs room above the desired count; DISABLED does not.
            refused = run("ecs", "update-service", "--cluster", CLUSTER, "--service", "web",
                          "--deployment-configuration", "maximumPercent=100,minimumHealthyPercent=0")
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("InvalidParameterException", refused.stderr)
            self.assertIn("Availability Zone Rebalancing does not support maximumPercent <= 100 %",
                          refused.stderr)

            (lost, _), = instances_by_zone()["us-east-1a"]
            fleet(action="terminate", containerInstance=lost)
            wait_for("4 tasks in us-east-1b", lambda: service()["runningCount"] == 4
                     and instances_by_zone().get("us-east-1b", [(None, 0)])[0][1] == 4)
            fleet(action="launch", cluster=CLUSTER, instanceType="m5.large", zone="us-east-1a")

            def messages():
                return [e["message"] for e in service()["events"]]
            balanced = ("(service web) is AZ balanced with 2 tasks in us-east-1a, "
                        "2 tasks in us-east-1b.")
            wait_for("the balanced event", lambda: balanced in messages())
            said = messages()
            self.assertIn("(service web) is not AZ balanced with 4 tasks in us-east-1b, "
                          "0 tasks in us-east-1a. AZ Rebalancing in progress.", said)
            self.assertTrue(any("tasks in us-east-1a to AZ Rebalance: (task " in m for m in said))
            self.assertTrue(any("running tasks in us-east-1b due to AZ rebalancing: (task " in m
                                for m in said))
            counts = sorted(n for _, n in sum(instances_by_zone().values(), []))
            self.assertEqual(counts, [2, 2])
            stopped = ecs("list-tasks", "--cluster", CLUSTER, "--desired-status", "STOPPED")
            reasons = {t["stoppedReason"] for t in ecs(
                "describe-tasks", "--cluster", CLUSTER, "--tasks", *stopped["taskArns"])["tasks"]}
            self.assertTrue(any(r.startswith("Availability-zone rebalancing initiated by "
                                             "(deployment ecs-svc/") for r in reasons), reasons)

            updated = ecs("update-service", "--cluster", CLUSTER, "--service", "web",
                          "--availability-zone-rebalancing", "DISABLED",
                          "--deployment-configuration",
                          "maximumPercent=100,minimumHealthyPercent=0")["service"]
            self.assertEqual(updated["availabilityZoneRebalancing"], "DISABLED")
            self.assertEqual(updated["deploymentConfiguration"]["maximumPercent"], 100)
        finally:
            clock(speed=1)


if __name__ == "__main__":
    unittest.main()
