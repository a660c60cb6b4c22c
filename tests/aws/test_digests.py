"""Image digests pinned per service deployment (versionConsistency) with the real AWS CLI v1
against `berth serve` (tests/aws/run): the first task's digest is the service revision's, a new
image pushed under the tag (the virtual registry, POST /berth/fleet) does not reach a
scale-out, and a forced new deployment resolves the tag again. The clock runs at 100x."""

import json
import unittest

from test_cloudwatch import clock
from test_elbv2 import ecs, wait_for
from test_rebalancing import fleet

CLUSTER = "digests"


def digests():
    """{task ARN: the web container's imageDigest} of the service's tasks that are to run."""
    arns = ecs("list-tasks", "--cluster", CLUSTER, "--service-name", "web")["taskArns"]
    tasks = ecs("describe-tasks", "--cluster", CLUSTER, "--tasks", *arns)["tasks"] if arns else []
    return {t["taskArn"]: t["containers"][0].get("imageDigest") for t in tasks
            if t["lastStatus"] == "RUNNING"}


def revision_images():
    arn = ecs("list-service-deployments", "--cluster", CLUSTER, "--service", "web")[
        "serviceDeployments"][0]["targetServiceRevisionArn"]
    return ecs("describe-service-revisions", "--service-revision-arns", arn)[
        "serviceRevisions"][0]["containerImages"]


class VersionConsistency(unittest.TestCase):
    def test_a_deployment_runs_the_digest_its_first_task_resolved(self):
        ecs("create-cluster", "--cluster-name", CLUSTER)
        fleet(action="launch", cluster=CLUSTER, instanceType="m5.large", zone="us-east-1a")
        image = "registry.example.com/digests:latest"
        ecs("register-task-definition", "--family", "digests-web", "--container-definitions",
            json.dumps([{"name": "web", "image": image, "memory": 128}]))
        ecs("create-service", "--cluster", CLUSTER, "--service-name", "web",
            "--task-definition", "digests-web", "--desired-count", "1")
        clock(speed=100)
        try:
            first = wait_for("the first task's digest", lambda: [
                d for d in digests().values() if d])[0]
            self.assertRegex(first, r"^sha256:[0-9a-f]{64}$")
            self.assertEqual(revision_images(), [
                {"containerName": "web", "image": image, "imageDigest": first}])

            fleet(action="push", image=image)
            ecs("update-service", "--cluster", CLUSTER, "--service", "web", "--desired-count", "3")
            pinned = wait_for("three tasks", lambda: len(digests()) == 3 and digests())
            self.assertEqual(set(pinned.values()), {first}, "the scale-out runs the pinned digest")

            ecs("update-service", "--cluster", CLUSTER, "--service", "web",
                "--force-new-deployment")
            again = wait_for("the new deployment's digest", lambda: (
                revision_images()[0].get("imageDigest") not in (None, first)
                and revision_images()[0]["imageDigest"]))
            self.assertRegex(again, r"^sha256:[0-9a-f]{64}$")
            wait_for("every task on the new digest", lambda: len(digests()) == 3
                     and set(digests().values()) == {again}, timeout=120)
        finally:
            clock(speed=1)
