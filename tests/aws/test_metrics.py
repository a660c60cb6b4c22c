"""The virtual fleet's own CloudWatch metrics with the real AWS CLI v1 against `berth serve`
(tests/aws/run): a service behind a load balancer is offered load, and AWS/ECS
CPUUtilization and MemoryUtilization (per service and per cluster), CPUReservation and the
load balancer's TargetResponseTime follow the load model the README states; an alarm on the
service's CPU goes into ALARM. The clock is paused and stepped, so every minute is read."""

import datetime
import json
import unittest

from test_cloudwatch import alarm, clock, cloudwatch, step_to_alarm
from test_elbv2 import ecs, elbv2, free_port, wait_healthy
from test_rebalancing import fleet

CLUSTER = "metered"


def statistics(namespace, name, dimensions, statistics=("Average",)):
    """The datapoints of the last hour of virtual time, oldest first."""
    now = datetime.datetime.fromtimestamp(clock()["now"] / 1000, datetime.timezone.utc)
    found = cloudwatch("get-metric-statistics", "--namespace", namespace, "--metric-name", name,
                       "--dimensions", *[f"Name={k},Value={v}" for k, v in dimensions],
                       "--start-time", (now - datetime.timedelta(hours=1)).isoformat(),
                       "--end-time", now.isoformat(), "--period", "60",
                       "--statistics", *statistics)["Datapoints"]
    return sorted(found, key=lambda d: d["Timestamp"])


class FleetMetrics(unittest.TestCase):
    def test_utilisation_follows_the_offered_load(self):
        ecs("create-cluster", "--cluster-name", CLUSTER)
        fleet(action="launch", cluster=CLUSTER, instanceType="m5.large", zone="us-east-1a")
        lb = elbv2("create-load-balancer", "--name", "metered", "--subnets", "subnet-1",
                   "subnet-2")["LoadBalancers"][0]
        tg = elbv2("create-target-group", "--name", "metered", "--protocol", "HTTP", "--port",
                   "80", "--vpc-id", lb["VpcId"], "--health-check-interval-seconds", "5",
                   "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2")["TargetGroups"][0]["TargetGroupArn"]
        elbv2("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"], "--protocol",
              "HTTP", "--port", free_port(), "--default-actions",
              f"Type=forward,TargetGroupArn={tg}")
        ecs("register-task-definition", "--family", "metered", "--cpu", "256",
            "--container-definitions", json.dumps([{
                "name": "web", "image": "nginx", "memory": 512,
                "portMappings": [{"containerPort": 80, "hostPort": 0}]}]))
        ecs("create-service", "--cluster", CLUSTER, "--service-name", "web",
            "--task-definition", "metered", "--desired-count", "2", "--load-balancers",
            f"targetGroupArn={tg},containerName=web,containerPort=80")
        service = [("ClusterName", CLUSTER), ("ServiceName", "web")]
        cloudwatch("put-metric-alarm", "--alarm-name", "metered-cpu", "--namespace", "AWS/ECS",
                   "--metric-name", "CPUUtilization", "--dimensions",
                   *[f"Name={k},Value={v}" for k, v in service], "--statistic", "Average",
                   "--period", "60", "--evaluation-periods", "1", "--threshold", "20",
                   "--comparison-operator", "GreaterThanOrEqualToThreshold",
                   "--treat-missing-data", "notBreaching")
        clock(speed=100)
        try:
            wait_healthy(tg, 2)
            clock(speed=0)
            # Idle, a task uses 1 % of its 256 units.
            self.assertEqual(step_to_alarm("metered-cpu", "OK")["StateValue"], "OK")
            # 120 requests a second, 60 a task, each 1 ms of a vCPU: 2.56 + 61.44 = 64 units
            # of 256, 25 %.
            fleet(action="offered-load", loadBalancer="metered", requestsPerSecond=120)
            fired = step_to_alarm("metered-cpu", "ALARM")
            self.assertIn("Threshold Crossed", fired["StateReason"])
            for _ in range(70):
                if any(d["SampleCount"] == 2 and abs(d["Average"] - 25.0) < 1e-6
                       for d in statistics("AWS/ECS", "CPUUtilization", service,
                                           ("Average", "SampleCount"))):
                    break
                clock(step=True)
            cpu = statistics("AWS/ECS", "CPUUtilization", service,
                             ("Average", "Minimum", "Maximum", "SampleCount"))
            loaded = cpu[-1]
            self.assertEqual(loaded["Unit"], "Percent")
            self.assertEqual(loaded["SampleCount"], 2.0)
            for stat in ("Average", "Minimum", "Maximum"):
                self.assertAlmostEqual(loaded[stat], 25.0, places=6)
            self.assertTrue(any(abs(d["Average"] - 1.0) < 1e-6 for d in cpu), cpu)
            # A quarter of the 512 MiB at rest, and a little for the requests in flight.
            memory = statistics("AWS/ECS", "MemoryUtilization", service)[-1]["Average"]
            self.assertGreater(memory, 25.0)
            self.assertLess(memory, 25.2)
            # 4 ms on a quarter of a vCPU, queued at 25 %: 4 / 0.75 ms.
            lb_dimension = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
            latency = statistics("AWS/ApplicationELB", "TargetResponseTime",
                                 [("LoadBalancer", lb_dimension)])[-1]
            self.assertEqual(latency["Unit"], "Seconds")
            self.assertAlmostEqual(latency["Average"], 0.004 / 0.75, places=6)
            # The cluster: 2 × 256 of the m5.large's 2048 units reserved, 2 × 64 used.
            cluster = [("ClusterName", CLUSTER)]
            self.assertAlmostEqual(statistics("AWS/ECS", "CPUReservation", cluster)[-1][
                "Average"], 25.0, places=6)
            self.assertAlmostEqual(statistics("AWS/ECS", "CPUUtilization", cluster)[-1][
                "Average"], 6.25, places=6)
            listed = cloudwatch("list-metrics", "--namespace", "AWS/ECS", "--dimensions",
                                f"Name=ClusterName,Value={CLUSTER}")["Metrics"]
            self.assertEqual(
                sorted((m["MetricName"], len(m["Dimensions"])) for m in listed),
                [("CPUReservation", 1), ("CPUUtilization", 1), ("CPUUtilization", 2),
                 ("MemoryReservation", 1), ("MemoryUtilization", 1), ("MemoryUtilization", 2)])
        finally:
            fleet(action="offered-load", loadBalancer="metered", requestsPerSecond=0)
            clock(speed=1)
        self.assertEqual(alarm("metered-cpu")["StateValue"], "ALARM")
        cloudwatch("delete-alarms", "--alarm-names", "metered-cpu")
        ecs("update-service", "--cluster", CLUSTER, "--service", "web", "--desired-count", "0")
        ecs("delete-service", "--cluster", CLUSTER, "--service", "web")
