"""Calls per second of boto3 against `berth serve` (BERTH_ENDPOINT): RunTask with count 10,
DescribeTasks of 100 tasks, ListClusters. One line per operation:
`serve <operation> calls=<n> seconds=<s> calls_per_sec=<x>`. Bounded: a fixed number of calls."""

import os
import time

import boto3

ecs = boto3.client("ecs", endpoint_url=os.environ["BERTH_ENDPOINT"], region_name="us-east-1")
ecs.create_cluster(clusterName="bench")
for _ in range(20):
    ecs.register_container_instance(
        cluster="bench",
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1_000_000},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 1_000_000}])
ecs.register_task_definition(family="bench", containerDefinitions=[
    {"name": "a", "image": "busybox", "memory": 6, "cpu": 1, "command": ["sleep", "3600"]}])


def measure(name, calls, fn):
    fn()  # warm up
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    seconds = time.perf_counter() - started
    print(f"serve {name} calls={calls} seconds={seconds:.2f} calls_per_sec={calls / seconds:.0f}",
          flush=True)


measure("RunTask(count=10)", 300,
        lambda: ecs.run_task(cluster="bench", taskDefinition="bench", count=10))
arns = ecs.list_tasks(cluster="bench", maxResults=100)["taskArns"]
measure("DescribeTasks(100)", 200, lambda: ecs.describe_tasks(cluster="bench", tasks=arns))
measure("ListClusters", 1000, ecs.list_clusters)
