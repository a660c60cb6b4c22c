"""CloudWatch alarms and metrics with the real AWS CLI v1 and boto3 against `berth serve`
(tests/aws/run), and ECS's deployment alarms on them.

botocore 1.44 speaks JSON 1.0 to CloudWatch (X-Amz-Target GraniteServiceVersion20100801.*):
it ranks json above smithy-rpc-v2-cbor whatever order the model lists them in. The CBOR path
(POST /service/GraniteServiceVersion20100801/operation/<Op>) is driven by boto3 with a copy of
its own model that lists smithy-rpc-v2-cbor alone, so both wires are the real client's."""

import datetime
import gzip
import json
import os
import pathlib
import tempfile
import time
import unittest
import urllib.request

import boto3
import botocore
import botocore.session
from botocore.config import Config

from test_elbv2 import ENDPOINT, ecs, run


def cloudwatch(*args):
    """`aws cloudwatch ARGS`; the parsed output, or AssertionError with the CLI's complaint."""
    result = run("cloudwatch", *args)
    if result.returncode != 0:
        raise AssertionError(f"aws cloudwatch {' '.join(args)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def refused(*args):
    """`aws cloudwatch ARGS` that must fail: its stderr (the error code and message)."""
    result = run("cloudwatch", *args)
    if result.returncode == 0:
        raise AssertionError(f"aws cloudwatch {' '.join(args)} succeeded: {result.stdout}")
    return result.stderr


def clock(**change):
    """POST /berth/clock: the world's clock document (its virtual `now` in epoch ms)."""
    request = urllib.request.Request(
        f"{ENDPOINT}/berth/clock", data=json.dumps(change).encode(),
        headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def alarm(name):
    found = cloudwatch("describe-alarms", "--alarm-names", name)["MetricAlarms"]
    assert len(found) == 1, found
    return found[0]


def step_to_alarm(name, state, steps=40):
    """With the clock paused, steps it to the next thing that happens until alarm NAME is in
    STATE: a state that lasts one virtual minute cannot slip between two reads."""
    found = None
    for _ in range(steps):
        found = alarm(name)
        if found["StateValue"] == state:
            return found
        clock(step=True)
    raise AssertionError(f"{name} did not go into {state}: {found}")


def cbor_client():
    """boto3's CloudWatch client on Smithy RPC v2 CBOR: botocore's own model, with the other
    protocols taken out, loaded before the packaged one."""
    data = pathlib.Path(botocore.__file__).parent / "data" / "cloudwatch" / "2010-08-01"
    model = json.loads(gzip.decompress((data / "service-2.json.gz").read_bytes()))
    model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    root = tempfile.mkdtemp()
    target = pathlib.Path(root) / "cloudwatch" / "2010-08-01"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.insert(0, root)
    return boto3.Session(botocore_session=session).client(
        "cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}))


class Alarms(unittest.TestCase):
    """The alarm calls a user needs to rehearse deployment alarms, with CloudWatch's shapes,
    states, history and errors."""

    def test_alarm_lifecycle_over_the_cli(self):
        cloudwatch("put-metric-alarm", "--alarm-name", "cli-cpu", "--namespace", "AWS/ECS",
                   "--metric-name", "CPUUtilization", "--statistic", "Average", "--period",
                   "60", "--evaluation-periods", "3", "--threshold", "80",
                   "--comparison-operator", "GreaterThanThreshold", "--dimensions",
                   "Name=ClusterName,Value=default", "Name=ServiceName,Value=web")
        found = alarm("cli-cpu")
        self.assertEqual(found["StateValue"], "INSUFFICIENT_DATA")
        self.assertEqual(found["StateReason"], "Unchecked: Initial alarm creation")
        self.assertEqual(found["AlarmArn"],
                         "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cli-cpu")
        self.assertEqual(found["Dimensions"], [{"Name": "ClusterName", "Value": "default"},
                                               {"Name": "ServiceName", "Value": "web"}])
        self.assertTrue(found["ActionsEnabled"])
        self.assertEqual(found["Threshold"], 80.0)

        cloudwatch("set-alarm-state", "--alarm-name", "cli-cpu", "--state-value", "ALARM",
                   "--state-reason", "rehearsing")
        found = alarm("cli-cpu")
        self.assertEqual((found["StateValue"], found["StateReason"]), ("ALARM", "rehearsing"))
        in_alarm = cloudwatch("describe-alarms", "--state-value", "ALARM")["MetricAlarms"]
        self.assertIn("cli-cpu", [a["AlarmName"] for a in in_alarm])
        history = cloudwatch("describe-alarm-history", "--alarm-name", "cli-cpu",
                             "--history-item-type", "StateUpdate")["AlarmHistoryItems"]
        self.assertEqual(history[0]["HistorySummary"],
                         "Alarm updated from INSUFFICIENT_DATA to ALARM")

        cloudwatch("disable-alarm-actions", "--alarm-names", "cli-cpu")
        self.assertFalse(alarm("cli-cpu")["ActionsEnabled"])
        cloudwatch("delete-alarms", "--alarm-names", "cli-cpu")
        self.assertEqual(
            cloudwatch("describe-alarms", "--alarm-names", "cli-cpu")["MetricAlarms"], [])

    def test_bad_input_gets_cloudwatch_errors(self):
        err = refused("set-alarm-state", "--alarm-name", "nobody", "--state-value", "OK",
                      "--state-reason", "x")
        self.assertIn("(ResourceNotFound)", err)
        self.assertIn("Alarm nobody not found", err)
        err = refused("put-metric-alarm", "--alarm-name", "bad", "--namespace", "App",
                      "--metric-name", "Errors", "--statistic", "Sum", "--period", "45",
                      "--evaluation-periods", "1", "--threshold", "1",
                      "--comparison-operator", "GreaterThanThreshold")
        self.assertIn("(InvalidParameterValue", err)
        self.assertIn("must be 10, 20, 30 or a multiple of 60", err)
        err = refused("put-metric-alarm", "--alarm-name", "bad", "--namespace", "App",
                      "--metric-name", "Errors", "--period", "60", "--evaluation-periods", "1",
                      "--threshold", "1", "--comparison-operator", "GreaterThanThreshold")
        self.assertIn("Exactly one of the parameters Statistic and ExtendedStatistic", err)
        err = refused("delete-alarms", "--alarm-names", "nobody")
        self.assertIn("(ResourceNotFound)", err)
        err = refused("set-alarm-state", "--alarm-name", "nobody", "--state-value", "OK",
                      "--state-reason", "x", "--state-reason-data", "{not json")
        self.assertNotEqual(err, "")
        # Nothing was stored by the refused calls.
        self.assertEqual(
            cloudwatch("describe-alarms", "--alarm-names", "bad")["MetricAlarms"], [])

    def test_boto3_raises_cloudwatch_exceptions(self):
        client = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1")
        with self.assertRaises(client.exceptions.ResourceNotFound):
            client.set_alarm_state(AlarmName="nobody", StateValue="OK", StateReason="x")

    def test_metrics_put_and_read_back(self):
        now = datetime.datetime.fromtimestamp(clock()["now"] / 1000, datetime.timezone.utc)
        minute = now.replace(second=0, microsecond=0)
        cloudwatch("put-metric-data", "--namespace", "CliApp", "--metric-data", json.dumps([
            {"MetricName": "Latency", "Value": v, "Unit": "Milliseconds",
             "Timestamp": minute.isoformat(), "Dimensions": [{"Name": "Api", "Value": "a"}]}
            for v in (10, 20, 60)]))
        stats = cloudwatch("get-metric-statistics", "--namespace", "CliApp", "--metric-name",
                           "Latency", "--dimensions", "Name=Api,Value=a", "--start-time",
                           (minute - datetime.timedelta(minutes=5)).isoformat(),
                           "--end-time", (minute + datetime.timedelta(minutes=5)).isoformat(),
                           "--period", "60", "--statistics", "Average", "Maximum",
                           "SampleCount")["Datapoints"]
        self.assertEqual(len(stats), 1, stats)
        self.assertEqual((stats[0]["Average"], stats[0]["Maximum"], stats[0]["SampleCount"]),
                         (30.0, 60.0, 3.0))
        self.assertEqual(stats[0]["Unit"], "Milliseconds")
        listed = cloudwatch("list-metrics", "--namespace", "CliApp", "--metric-name", "Latency")[
            "Metrics"]
        self.assertEqual(listed, [{"Namespace": "CliApp", "MetricName": "Latency",
                                   "Dimensions": [{"Name": "Api", "Value": "a"}]}])

    def test_an_alarm_fires_from_data_on_the_virtual_clock(self):
        cloudwatch("put-metric-alarm", "--alarm-name", "cli-errors", "--namespace", "CliApp",
                   "--metric-name", "Errors", "--statistic", "Sum", "--period", "60",
                   "--evaluation-periods", "1", "--threshold", "5",
                   "--comparison-operator", "GreaterThanOrEqualToThreshold",
                   "--treat-missing-data", "notBreaching")
        clock(speed=0)
        try:
            step_to_alarm("cli-errors", "OK")
            cloudwatch("put-metric-data", "--namespace", "CliApp", "--metric-name", "Errors",
                       "--value", "9")
            fired = step_to_alarm("cli-errors", "ALARM")
            self.assertTrue(fired["StateReason"].startswith("Threshold Crossed: 1 datapoint [9.0"),
                            fired["StateReason"])
            data = json.loads(fired["StateReasonData"])
            self.assertEqual((data["threshold"], data["recentDatapoints"]), (5.0, [9.0]))
            step_to_alarm("cli-errors", "OK")
        finally:
            clock(speed=1)
        summaries = [h["HistorySummary"] for h in cloudwatch(
            "describe-alarm-history", "--alarm-name", "cli-errors")["AlarmHistoryItems"]]
        self.assertIn("Alarm updated from OK to ALARM", summaries)
        self.assertIn("Alarm updated from ALARM to OK", summaries)
        cloudwatch("delete-alarms", "--alarm-names", "cli-errors")


class Cbor(unittest.TestCase):
    """The same service on Smithy RPC v2 CBOR, as the CloudWatch model's first protocol."""

    def test_boto3_on_cbor(self):
        client = cbor_client()
        self.assertEqual(client.meta.service_model.protocol, "smithy-rpc-v2-cbor")
        client.put_metric_alarm(AlarmName="cbor-alarm", Namespace="CborApp",
                                MetricName="Errors", Statistic="Sum", Period=60,
                                EvaluationPeriods=2, Threshold=3.5,
                                ComparisonOperator="GreaterThanThreshold")
        found = client.describe_alarms(AlarmNames=["cbor-alarm"])["MetricAlarms"][0]
        self.assertEqual(found["Threshold"], 3.5)
        self.assertEqual(found["StateValue"], "INSUFFICIENT_DATA")
        # Timestamps travel as CBOR tag 1 and come back as datetimes.
        self.assertIsInstance(found["StateUpdatedTimestamp"], datetime.datetime)
        client.set_alarm_state(AlarmName="cbor-alarm", StateValue="ALARM", StateReason="cbor")
        self.assertEqual(
            client.describe_alarms(StateValue="ALARM", AlarmNamePrefix="cbor-")
            ["MetricAlarms"][0]["StateReason"], "cbor")
        client.put_metric_data(Namespace="CborApp", MetricData=[
            {"MetricName": "Errors", "Value": 2.0, "Unit": "Count"}])
        self.assertEqual(client.list_metrics(Namespace="CborApp")["Metrics"][0]["MetricName"],
                         "Errors")
        with self.assertRaises(client.exceptions.ResourceNotFound):
            client.set_alarm_state(AlarmName="nobody", StateValue="OK", StateReason="x")
        with self.assertRaises(client.exceptions.InvalidParameterValueException):
            client.put_metric_alarm(AlarmName="cbor-bad", Namespace="CborApp",
                                    MetricName="Errors", Statistic="Sum", Period=7,
                                    EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanThreshold")
        client.delete_alarms(AlarmNames=["cbor-alarm"])
        self.assertEqual(client.describe_alarms(AlarmNames=["cbor-alarm"])["MetricAlarms"], [])


class DeploymentAlarms(unittest.TestCase):
    """`deploymentConfiguration.alarms` on a ROLLING service: an alarm that goes into ALARM
    while the deployment bakes fails it, and ECS rolls back to the last completed revision."""

    def test_alarm_rolls_a_rolling_deployment_back(self):
        for image in ("nginx:1", "nginx:2"):
            ecs("register-task-definition", "--family", "alarmed", "--container-definitions",
                json.dumps([{"name": "web", "image": image, "memory": 64}]))
        cloudwatch("put-metric-alarm", "--alarm-name", "alarmed-errors", "--namespace",
                   "AlarmedApp", "--metric-name", "Errors", "--statistic", "Sum", "--period",
                   "60", "--evaluation-periods", "5", "--threshold", "1",
                   "--comparison-operator", "GreaterThanOrEqualToThreshold",
                   "--treat-missing-data", "notBreaching")
        refused_config = run("ecs", "create-service", "--service-name", "alarmed",
                             "--task-definition", "alarmed:1", "--desired-count", "1",
                             "--deployment-configuration",
                             json.dumps({"alarms": {"alarmNames": [], "enable": True,
                                                    "rollback": True}}))
        self.assertNotEqual(refused_config.returncode, 0)
        self.assertIn("InvalidParameterException", refused_config.stderr)
        config = json.dumps({"alarms": {"alarmNames": ["alarmed-errors"], "enable": True,
                                        "rollback": True}})
        ecs("create-service", "--service-name", "alarmed", "--task-definition", "alarmed:1",
            "--desired-count", "2", "--deployment-configuration", config)
        clock(speed=100)
        try:
            first = self.wait(lambda d: d["status"] == "SUCCESSFUL", "the first deployment")
            self.assertEqual(first["alarms"]["status"], "MONITORING_COMPLETE")
            self.assertEqual(first["alarms"]["alarmNames"], ["alarmed-errors"])
            clock(speed=1)
            ecs("update-service", "--service", "alarmed", "--task-definition", "alarmed:2")
            watching = self.wait(lambda d: d["status"] == "IN_PROGRESS"
                                 and d["targetServiceRevision"]["arn"] != first[
                                     "targetServiceRevision"]["arn"], "the second deployment")
            self.assertEqual(watching["alarms"]["status"], "MONITORING")
            cloudwatch("set-alarm-state", "--alarm-name", "alarmed-errors", "--state-value",
                       "ALARM", "--state-reason", "errors in the new revision")
            failed = self.wait(lambda d: d["serviceDeploymentArn"] == watching[
                "serviceDeploymentArn"] and d["status"] in ("ROLLBACK_IN_PROGRESS",
                                                            "ROLLBACK_SUCCESSFUL"),
                "the alarm's rollback", newest=False, arn=watching["serviceDeploymentArn"])
            self.assertEqual(failed["alarms"]["status"], "TRIGGERED")
            self.assertEqual(failed["alarms"]["triggeredAlarmNames"], ["alarmed-errors"])
            clock(speed=100)
            back = self.wait(lambda d: d["status"] == "ROLLBACK_SUCCESSFUL", "the rollback",
                             newest=False, arn=watching["serviceDeploymentArn"])
        finally:
            clock(speed=1)
        self.assertIn("alarm", back["rollback"]["reason"])
        service = ecs("describe-services", "--services", "alarmed")["services"][0]
        self.assertTrue(service["taskDefinition"].endswith("alarmed:1"), service)
        messages = [e["message"] for e in service["events"]]
        self.assertTrue(any("deployment failed: the CloudWatch alarm(s) alarmed-errors went "
                            "into ALARM." in m for m in messages), messages)
        ecs("update-service", "--service", "alarmed", "--desired-count", "0")
        ecs("delete-service", "--service", "alarmed")
        cloudwatch("delete-alarms", "--alarm-names", "alarmed-errors")

    def wait(self, check, what, timeout=60, newest=True, arn=None):
        """Waits until CHECK holds for the newest service deployment (or deployment ARN)."""
        deadline = time.time() + timeout
        found = None
        while time.time() < deadline:
            if newest or arn is None:
                arn_now = ecs("list-service-deployments", "--service", "alarmed")[
                    "serviceDeployments"][0]["serviceDeploymentArn"]
            else:
                arn_now = arn
            found = ecs("describe-service-deployments", "--service-deployment-arns",
                        arn_now)["serviceDeployments"][0]
            if check(found):
                return found
            time.sleep(0.3)
        raise AssertionError(f"{what}: {json.dumps(found, indent=1, default=str)}")


if __name__ == "__main__":
    unittest.main()
