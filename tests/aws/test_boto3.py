"""boto3 against `berth serve` (tests/aws/run): services, waiters, pagination, tags."""

import os
import time
import unittest

import boto3
import botocore

ENDPOINT = os.environ["BERTH_ENDPOINT"]


def client():
    return boto3.client("ecs", endpoint_url=ENDPOINT, region_name="us-east-1")


class Services(unittest.TestCase):
    def test_rolling_update_on_the_virtual_fleet(self):
        ecs = client()
        # The default cluster holds the server's virtual instances.
        self.assertGreaterEqual(len(ecs.list_container_instances()["containerInstanceArns"]), 1)
        for image in ("nginx:1.26", "nginx:1.27"):
            ecs.register_task_definition(family="boto-web", containerDefinitions=[
                {"name": "web", "image": image, "memory": 64,
                 "portMappings": [{"containerPort": 80, "hostPort": 0}]}])
        ecs.create_service(serviceName="boto-web", taskDefinition="boto-web:1", desiredCount=2,
                           deploymentConfiguration={"minimumHealthyPercent": 50,
                                                    "maximumPercent": 200})
        ecs.get_waiter("services_stable").wait(services=["boto-web"],
                                               WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        ecs.update_service(service="boto-web", taskDefinition="boto-web:2")
        ecs.get_waiter("services_stable").wait(services=["boto-web"],
                                               WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        # COMPLETED once the new tasks have run 40 s (no health checks): poll for it.
        for _ in range(60):
            service = ecs.describe_services(services=["boto-web"])["services"][0]
            if service["deployments"][0]["rolloutState"] == "COMPLETED":
                break
            time.sleep(2)
        self.assertEqual(service["runningCount"], 2)
        self.assertTrue(service["taskDefinition"].endswith("boto-web:2"))
        self.assertEqual(service["deployments"][0]["rolloutState"], "COMPLETED")
        # Dynamic host ports show in networkBindings.
        arns = ecs.list_tasks(serviceName="boto-web")["taskArns"]
        tasks = ecs.describe_tasks(tasks=arns)["tasks"]
        ports = [b["hostPort"] for t in tasks for c in t["containers"] for b in c["networkBindings"]]
        self.assertTrue(ports and all(49153 <= p <= 65535 for p in ports), ports)
        # Timestamps parse as datetimes (epoch seconds on the wire).
        self.assertEqual(type(service["createdAt"]).__name__, "datetime")
        ecs.delete_service(service="boto-web", force=True)

    def test_pagination_and_tags(self):
        ecs = client()
        for i in range(12):
            ecs.register_task_definition(family=f"page-{i:02}", containerDefinitions=[
                {"name": "a", "image": "busybox", "memory": 8}])
        families = [f for page in ecs.get_paginator("list_task_definition_families").paginate(
            familyPrefix="page-", PaginationConfig={"PageSize": 5}) for f in page["families"]]
        self.assertEqual(families, [f"page-{i:02}" for i in range(12)])
        arn = ecs.describe_clusters(clusters=["default"])["clusters"][0]["clusterArn"]
        ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "berth"}])
        self.assertEqual(ecs.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"key": "team", "value": "berth"}])

    def test_fargate_capacity_providers(self):
        ecs = client()
        ecs.create_cluster(clusterName="cp", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                           defaultCapacityProviderStrategy=[
                               {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                               {"capacityProvider": "FARGATE_SPOT", "weight": 1}])
        ecs.register_task_definition(
            family="cp-app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "nginx", "essential": True}])
        tasks = ecs.run_task(cluster="cp", taskDefinition="cp-app", count=3,
                             networkConfiguration={"awsvpcConfiguration": {
                                 "subnets": ["subnet-a", "subnet-b"]}})["tasks"]
        self.assertEqual([t["capacityProviderName"] for t in tasks],
                         ["FARGATE", "FARGATE", "FARGATE_SPOT"])
        names = [p["name"] for p in ecs.describe_capacity_providers()["capacityProviders"]]
        # The two built-in providers first; other tests' own providers (the account is shared)
        # follow.
        self.assertEqual(names[:2], ["FARGATE", "FARGATE_SPOT"])

    def test_errors(self):
        ecs = client()
        with self.assertRaises(ecs.exceptions.ClusterNotFoundException) as caught:
            ecs.list_services(cluster="missing")
        self.assertEqual(caught.exception.response["Error"]["Message"], "Cluster not found.")
        with self.assertRaises(ecs.exceptions.ServiceNotFoundException):
            ecs.update_service(service="ghost", desiredCount=1)
        with self.assertRaises(botocore.exceptions.ParamValidationError):
            ecs.run_task(count=1)  # botocore checks required members itself
        with self.assertRaises(ecs.exceptions.ClientException) as caught:
            ecs.register_task_definition(family="bad", containerDefinitions=[
                {"name": "a", "image": "busybox"}])
        self.assertIn("memory", caught.exception.response["Error"]["Message"])

    def test_execute_command_checks(self):
        ecs = client()
        ecs.create_cluster(clusterName="boto-exec")
        ecs.register_container_instance(cluster="boto-exec", totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}])
        ecs.register_task_definition(family="boto-exec", containerDefinitions=[
            {"name": "app", "image": "nginx", "memory": 128}])
        plain = ecs.run_task(cluster="boto-exec", taskDefinition="boto-exec")["tasks"][0]
        with self.assertRaises(ecs.exceptions.InvalidParameterException) as caught:
            ecs.execute_command(cluster="boto-exec", task=plain["taskArn"], command="sh",
                                interactive=True)
        self.assertIn("execute command was not enabled when the task was run",
                      caught.exception.response["Error"]["Message"])
        enabled = ecs.run_task(cluster="boto-exec", taskDefinition="boto-exec",
                               enableExecuteCommand=True)["tasks"][0]
        self.assertTrue(enabled["enableExecuteCommand"])
        ecs.get_waiter("tasks_running").wait(cluster="boto-exec", tasks=[enabled["taskArn"]],
                                             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        # Berth's fleet has no Session Manager agent: ECS's answer when it cannot be reached.
        with self.assertRaises(ecs.exceptions.TargetNotConnectedException):
            ecs.execute_command(cluster="boto-exec", task=enabled["taskArn"], command="sh",
                                interactive=True)


if __name__ == "__main__":
    unittest.main()
