"""Service Auto Scaling with the real AWS CLI v1 (`aws application-autoscaling`, JSON 1.1 on
AnyScaleFrontendService) against `berth serve` (tests/aws/run), seed 003's second half: a
target tracking policy on the service's CPU and a capacity provider with managed scaling.
A spike on the load balancer (the fleet's load control) fires the policy's AlarmHigh alarm,
desiredCount rises, the tasks that do not fit wait in PROVISIONING, managed scaling adds an
instance; when the spike is over the AlarmLow alarm scales in. The clock is paused and
stepped, and the counts are read with boto3 between steps (an AWS CLI process a step would
take minutes), so every minute is seen."""

import json
import unittest

import boto3

from test_cloudwatch import clock, cloudwatch
from test_elbv2 import ENDPOINT, ecs, elbv2, free_port, run
from test_rebalancing import fleet

CLUSTER = "scaled"
RESOURCE = f"service/{CLUSTER}/web"
GROUP = ("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:"
         "0f3c7e2a-1111-2222-3333-444455556666:autoScalingGroupName/asg-scaled")


def aas(*args):
    """`aws application-autoscaling ARGS`: the parsed output, or AssertionError."""
    result = run("application-autoscaling", *args)
    if result.returncode != 0:
        raise AssertionError(f"aws application-autoscaling {' '.join(args)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def refused(*args):
    """`aws application-autoscaling ARGS` that must fail: its stderr."""
    result = run("application-autoscaling", *args)
    if result.returncode == 0:
        raise AssertionError(f"aws application-autoscaling {' '.join(args)} succeeded")
    return result.stderr


TARGET = ["--service-namespace", "ecs", "--resource-id", RESOURCE,
          "--scalable-dimension", "ecs:service:DesiredCount"]


class ServiceAutoScaling(unittest.TestCase):
    def setUp(self):
        self.ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name="us-east-1")

    def tearDown(self):
        # The tests after this one share the server: its clock runs again.
        clock(speed=1)

    def service(self):
        return self.ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]

    def instances(self):
        return self.ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0][
            "registeredContainerInstancesCount"]

    def step_until(self, check, what, steps=6000):
        for _ in range(steps):
            if check():
                return
            clock(step=True)
        raise AssertionError(f"{what}: {json.dumps(self.service(), default=str)[:2000]}")

    def test_a_spike_scales_the_service_and_the_cluster_out_and_back(self):
        clock(speed=0)
        ecs("create-capacity-provider", "--name", "cp-scaled", "--auto-scaling-group-provider",
            f"autoScalingGroupArn={GROUP},managedScaling={{status=ENABLED,targetCapacity=100}},"
            "managedTerminationProtection=ENABLED")
        ecs("create-cluster", "--cluster-name", CLUSTER, "--capacity-providers", "cp-scaled",
            "--default-capacity-provider-strategy", "capacityProvider=cp-scaled,weight=1",
            "--settings", "name=containerInsights,value=enabled")
        ecs("register-task-definition", "--family", "scaled", "--cpu", "1024",
            "--container-definitions", json.dumps([{
                "name": "web", "image": "nginx", "memory": 512,
                "portMappings": [{"containerPort": 80, "hostPort": 0}]}]))
        lb = elbv2("create-load-balancer", "--name", "scaled", "--subnets", "subnet-1",
                   "subnet-2")["LoadBalancers"][0]
        tg = elbv2("create-target-group", "--name", "scaled", "--protocol", "HTTP", "--port",
                   "80", "--vpc-id", lb["VpcId"], "--health-check-interval-seconds", "10",
                   "--healthy-threshold-count", "2")["TargetGroups"][0]["TargetGroupArn"]
        elbv2("create-listener", "--load-balancer-arn", lb["LoadBalancerArn"], "--protocol",
              "HTTP", "--port", free_port(), "--default-actions",
              f"Type=forward,TargetGroupArn={tg}")
        ecs("create-service", "--cluster", CLUSTER, "--service-name", "web",
            "--task-definition", "scaled", "--desired-count", "2", "--load-balancers",
            f"targetGroupArn={tg},containerName=web,containerPort=80")

        # Bad input first: the service's own errors, a non-zero exit, nothing stored.
        self.assertIn("ObjectNotFoundException", refused(
            "put-scaling-policy", "--policy-name", "cpu50", "--policy-type",
            "TargetTrackingScaling", *TARGET, "--target-tracking-scaling-policy-configuration",
            json.dumps({"TargetValue": 50})))
        self.assertIn("ECS service doesn't exist", refused(
            "register-scalable-target", "--service-namespace", "ecs", "--resource-id",
            f"service/{CLUSTER}/nope", "--scalable-dimension", "ecs:service:DesiredCount",
            "--min-capacity", "1", "--max-capacity", "2"))
        self.assertIn("ValidationException", refused(
            "register-scalable-target", *TARGET, "--min-capacity", "5", "--max-capacity", "2"))

        arn = aas("register-scalable-target", *TARGET, "--min-capacity", "2",
                  "--max-capacity", "6")["ScalableTargetARN"]
        self.assertRegex(arn, r"^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/[0-9a-f]{36}$")
        put = aas("put-scaling-policy", "--policy-name", "cpu50", "--policy-type",
                  "TargetTrackingScaling", *TARGET, "--target-tracking-scaling-policy-configuration",
                  json.dumps({"TargetValue": 50, "ScaleOutCooldown": 60, "ScaleInCooldown": 300,
                              "PredefinedMetricSpecification": {
                                  "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}))
        self.assertRegex(put["PolicyARN"], r"^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]{36}:resource/ecs/service/scaled/web:policyName/cpu50$")
        names = [a["AlarmName"] for a in put["Alarms"]]
        self.assertEqual(len(names), 2)
        high = next(n for n in names if "-AlarmHigh-" in n)
        low = next(n for n in names if "-AlarmLow-" in n)
        self.assertTrue(high.startswith(f"TargetTracking-{RESOURCE}-AlarmHigh-"))
        alarms = {a["AlarmName"]: a for a in cloudwatch(
            "describe-alarms", "--alarm-name-prefix", f"TargetTracking-{RESOURCE}")["MetricAlarms"]}
        self.assertEqual((alarms[high]["Threshold"], alarms[high]["EvaluationPeriods"],
                          alarms[high]["ComparisonOperator"]), (50.0, 3, "GreaterThanThreshold"))
        self.assertEqual((alarms[low]["Threshold"], alarms[low]["EvaluationPeriods"],
                          alarms[low]["ComparisonOperator"]), (45.0, 15, "LessThanThreshold"))
        self.assertEqual(alarms[high]["MetricName"], "CPUUtilization")
        self.assertEqual({d["Name"]: d["Value"] for d in alarms[high]["Dimensions"]},
                         {"ClusterName": CLUSTER, "ServiceName": "web"})
        described = aas("describe-scaling-policies", "--service-namespace", "ecs",
                        "--resource-id", RESOURCE)["ScalingPolicies"]
        self.assertEqual([p["PolicyName"] for p in described], ["cpu50"])

        # Managed scaling brings the first instance; the two tasks run.
        self.step_until(lambda: self.service()["runningCount"] == 2, "two tasks running")
        before = self.instances()
        # The spike: 1350 requests a second a task want more than their vCPU.
        fleet(action="offered-load", loadBalancer="scaled", requestsPerSecond=2700)
        self.step_until(lambda: self.service()["desiredCount"] == 4, "scaled out to 4")
        self.step_until(lambda: self.service()["desiredCount"] == 6, "scaled out to 6")
        self.step_until(lambda: any(
            t["lastStatus"] == "PROVISIONING" for t in self.ecs.describe_tasks(
                cluster=CLUSTER, tasks=self.ecs.list_tasks(cluster=CLUSTER)["taskArns"])["tasks"]),
            "tasks waiting for capacity")
        self.step_until(lambda: self.instances() > before, "managed scaling adding an instance")
        self.step_until(lambda: self.service()["runningCount"] == 6, "six tasks running")
        self.assertEqual(cloudwatch("describe-alarms", "--alarm-names", high)["MetricAlarms"][0]["StateValue"], "ALARM")
        self.step_until(lambda: boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1")
                        .describe_alarms(AlarmNames=[high])["MetricAlarms"][0]["StateValue"] == "OK",
                        "the high alarm back to OK")

        # The spike is over: fifteen minutes under 45 %, then in to the minimum.
        fleet(action="offered-load", loadBalancer="scaled", requestsPerSecond=200)
        self.step_until(lambda: self.service()["desiredCount"] == 2, "scaled in to 2")
        peak = self.instances()
        self.step_until(lambda: self.instances() < peak, "the empty instance leaving")

        activities = aas("describe-scaling-activities", "--service-namespace", "ecs",
                         "--resource-id", RESOURCE)["ScalingActivities"]
        self.assertEqual([a["Description"] for a in activities],
                         ["Setting desired count to 2.", "Setting desired count to 6.",
                          "Setting desired count to 4."])
        self.assertEqual(activities[0]["Cause"], f"monitor alarm {low} in state ALARM triggered policy cpu50")
        self.assertEqual(activities[2]["Cause"], f"monitor alarm {high} in state ALARM triggered policy cpu50")
        self.assertEqual({a["StatusCode"] for a in activities}, {"Successful"})
        self.assertEqual(activities[1]["StatusMessage"],
                         "Successfully set desired count to 6. Change successfully fulfilled by ecs.")

        # What the policy tracked, as GetMetricData reads it: the spike's saturated minutes
        # (100 %) among the quiet ones (about 11 % on two tasks, 5 % on six).
        now = clock()["now"] // 1000
        data = cloudwatch("get-metric-data", "--start-time", str(now - 3 * 3600), "--end-time",
                          str(now), "--metric-data-queries", json.dumps([{
                              "Id": "cpu", "MetricStat": {"Metric": {
                                  "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                                  "Dimensions": [{"Name": "ClusterName", "Value": CLUSTER},
                                                 {"Name": "ServiceName", "Value": "web"}]},
                                  "Period": 60, "Stat": "Maximum"}}]))["MetricDataResults"][0]
        self.assertEqual(data["StatusCode"], "Complete")
        self.assertEqual(len(data["Values"]), len(data["Timestamps"]))
        self.assertGreater(len(data["Values"]), 30)
        self.assertEqual(max(data["Values"]), 100.0)
        self.assertLess(min(data["Values"]), 15.0)
        self.assertEqual(data["Timestamps"], sorted(data["Timestamps"], reverse=True))

        # Container Insights counted both layers minute by minute: desired tasks went 2, 4, 6
        # and back to 2; the cluster's instances rose from none to the peak managed scaling
        # reached.
        def counts(name, dimensions):
            answer = cloudwatch("get-metric-statistics", "--namespace", "ECS/ContainerInsights",
                                "--metric-name", name, "--dimensions", *dimensions,
                                "--start-time", str(now - 3 * 3600), "--end-time", str(now),
                                "--period", "60", "--statistics", "Maximum")
            points = sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])
            values = [int(p["Maximum"]) for p in points]
            return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]
        service = [f"Name=ClusterName,Value={CLUSTER}", "Name=ServiceName,Value=web"]
        self.assertEqual(counts("DesiredTaskCount", service), [2, 4, 6, 2])
        instances = counts("ContainerInstanceCount", [f"Name=ClusterName,Value={CLUSTER}"])
        self.assertEqual((instances[0], max(instances)), (0, peak), instances)
        self.assertEqual(instances, sorted(instances[:instances.index(peak) + 1]) + instances[instances.index(peak) + 1:])

        # Deregistering takes the policy and its alarms with it.
        aas("deregister-scalable-target", *TARGET)
        self.assertEqual(cloudwatch("describe-alarms", "--alarm-name-prefix",
                                    f"TargetTracking-{RESOURCE}")["MetricAlarms"], [])
        self.assertIn("ObjectNotFoundException", refused("deregister-scalable-target", *TARGET))


if __name__ == "__main__":
    unittest.main()
