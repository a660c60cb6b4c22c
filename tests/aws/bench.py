"""Calls per second of boto3 against `berth serve` (BERTH_ENDPOINT): RunTask with count 10,
DescribeTasks of 10 and of 100 tasks, ListClusters. One line per operation:
`serve <operation> calls=<n> seconds=<s> calls_per_sec=<x>`. Bounded: a fixed number of calls.
The script runs unchanged against moto's server (`moto_server`), for the comparison."""

import json
import os
import time

import boto3

ENDPOINT = os.environ["BERTH_ENDPOINT"]
ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name="us-east-1")
ecs.create_cluster(clusterName="bench")


def instance_ids(count):
    """moto registers only instances its EC2 knows; Berth has no EC2 API and takes any id."""
    try:
        ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name="us-east-1")
        started = ec2.run_instances(ImageId="ami-12345678", MinCount=count, MaxCount=count,
                                    InstanceType="t3.medium")
        return [i["InstanceId"] for i in started["Instances"]]
    except Exception:  # noqa: BLE001 - Berth answers EC2 calls with an error
        return [f"i-{n:017x}" for n in range(count)]


for instance_id in instance_ids(20):
    ecs.register_container_instance(
        cluster="bench",
        instanceIdentityDocument=json.dumps({
            "instanceId": instance_id, "instanceType": "t3.medium",
            "availabilityZone": "us-east-1a", "region": "us-east-1"}),
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1_000_000},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 1_000_000}])
ecs.register_task_definition(family="bench", containerDefinitions=[
    {"name": "a", "image": "busybox", "memory": 6, "cpu": 1, "command": ["sleep", "3600"]}])


def measure(name, calls, fn, limit_seconds=20):
    """`calls` calls, or as many as `limit_seconds` allow (moto needs seconds per call)."""
    fn()  # warm up
    started = time.perf_counter()
    done = 0
    while done < calls and time.perf_counter() - started < limit_seconds:
        fn()
        done += 1
    calls = done
    seconds = time.perf_counter() - started
    print(f"serve {name} calls={calls} seconds={seconds:.2f} calls_per_sec={calls / seconds:.0f}",
          flush=True)


measure("RunTask(count=10)", 300,
        lambda: ecs.run_task(cluster="bench", taskDefinition="bench", count=10))
arns = ecs.list_tasks(cluster="bench", maxResults=100)["taskArns"]
measure("DescribeTasks(10)", 300, lambda: ecs.describe_tasks(cluster="bench", tasks=arns[:10]))
measure("DescribeTasks(100)", 200, lambda: ecs.describe_tasks(cluster="bench", tasks=arns))
measure("ListClusters", 1000, ecs.list_clusters)
