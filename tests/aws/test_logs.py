"""CloudWatch Logs with the real AWS CLI v1 (`aws logs`, JSON 1.1 on Logs_20140328) and boto3
against `berth serve` (tests/aws/run): groups, streams, events written and read both ways,
FilterLogEvents as `aws logs tail` calls it, AWS's errors, and the awslogs driver of a virtual
nginx task (the Docker agent's real output is tests/docker's)."""

import json
import time
import unittest

import boto3

from test_elbv2 import ENDPOINT, ecs, run
from test_rebalancing import fleet

GROUP = "/berth/test-logs"


def logs(*args):
    """`aws logs ARGS`: the parsed output, or AssertionError."""
    result = run("logs", *args)
    if result.returncode != 0:
        raise AssertionError(f"aws logs {' '.join(args)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else {}


def refused(*args):
    """`aws logs ARGS` that must fail: its stderr."""
    result = run("logs", *args)
    if result.returncode == 0:
        raise AssertionError(f"aws logs {' '.join(args)} succeeded")
    return result.stderr


class Logs(unittest.TestCase):
    def setUp(self):
        self.logs = boto3.client("logs", endpoint_url=ENDPOINT, region_name="us-east-1")

    def test_groups_streams_and_events_with_the_cli(self):
        logs("create-log-group", "--log-group-name", GROUP, "--tags", "team=berth")
        self.assertIn("The specified log group already exists",
                      refused("create-log-group", "--log-group-name", GROUP))
        self.assertIn("ResourceAlreadyExistsException",
                      refused("create-log-group", "--log-group-name", GROUP))
        logs("create-log-stream", "--log-group-name", GROUP, "--log-stream-name", "app/1")
        group = logs("describe-log-groups", "--log-group-name-prefix", GROUP)["logGroups"][0]
        self.assertEqual(group["arn"], f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}:*")
        self.assertEqual(group["logGroupArn"], group["arn"][:-2])
        now = int(time.time() * 1000)
        events = json.dumps([{"timestamp": now + i, "message": f"event {i}"} for i in range(5)])
        put = logs("put-log-events", "--log-group-name", GROUP, "--log-stream-name", "app/1",
                   "--log-events", events)
        self.assertNotIn("rejectedLogEventsInfo", put)
        # From the tail by default; the forward token at the end comes back unchanged.
        tail = logs("get-log-events", "--log-group-name", GROUP, "--log-stream-name", "app/1",
                    "--limit", "2")
        self.assertEqual([e["message"] for e in tail["events"]], ["event 3", "event 4"])
        again = logs("get-log-events", "--log-group-name", GROUP, "--log-stream-name", "app/1",
                     "--next-token", tail["nextForwardToken"], "--start-from-head")
        self.assertEqual(again["events"], [])
        self.assertEqual(again["nextForwardToken"], tail["nextForwardToken"])
        head = logs("get-log-events", "--log-group-name", GROUP, "--log-stream-name", "app/1",
                    "--start-from-head", "--limit", "1")
        self.assertEqual(head["events"][0]["message"], "event 0")
        # The CLI pages filter-log-events itself until no nextToken comes.
        found = logs("filter-log-events", "--log-group-name", GROUP, "--filter-pattern",
                     "?\"event 1\" ?\"event 3\"", "--page-size", "1")["events"]
        self.assertEqual([e["message"] for e in found], ["event 1", "event 3"])
        logs("put-retention-policy", "--log-group-name", GROUP, "--retention-in-days", "14")
        self.assertEqual(logs("describe-log-groups", "--log-group-name-prefix",
                              GROUP)["logGroups"][0]["retentionInDays"], 14)
        self.assertIn("InvalidParameterException", refused(
            "put-retention-policy", "--log-group-name", GROUP, "--retention-in-days", "2"))
        self.assertEqual(logs("list-tags-log-group", "--log-group-name", GROUP)["tags"],
                         {"team": "berth"})
        self.assertIn("The specified log stream does not exist.", refused(
            "get-log-events", "--log-group-name", GROUP, "--log-stream-name", "nope"))
        self.assertIn("The specified log group does not exist.", refused(
            "describe-log-streams", "--log-group-name", "/berth/never"))
        unordered = json.dumps([{"timestamp": now, "message": "b"},
                                {"timestamp": now - 1, "message": "a"}])
        self.assertIn("must be in chronological order", refused(
            "put-log-events", "--log-group-name", GROUP, "--log-stream-name", "app/1",
            "--log-events", unordered))
        logs("delete-log-group", "--log-group-name", GROUP)
        self.assertEqual(logs("describe-log-groups", "--log-group-name-prefix",
                              GROUP)["logGroups"], [])

    def test_tail_follow_reads_each_event_once(self):
        # `aws logs tail --follow` (AWS CLI v2) calls FilterLogEvents with interleaved and a
        # start time, then again from the newest timestamp it saw, skipping the ids it printed.
        group = "/berth/tail"
        self.logs.create_log_group(logGroupName=group)
        self.logs.create_log_stream(logGroupName=group, logStreamName="s")
        start = int(time.time() * 1000) - 60_000
        printed, seen = [], set()

        def poll(since):
            newest = since
            for page in self.logs.get_paginator("filter_log_events").paginate(
                    logGroupName=group, startTime=since, interleaved=True):
                for event in page["events"]:
                    if event["eventId"] not in seen:
                        seen.add(event["eventId"])
                        printed.append(event["message"])
                    newest = max(newest, event["timestamp"])
            return newest

        base = int(time.time() * 1000)
        self.logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": base, "message": "one"}, {"timestamp": base, "message": "two"}])
        since = poll(start)
        self.logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": base, "message": "three"}, {"timestamp": base + 1, "message": "four"}])
        poll(since)
        self.assertEqual(printed, ["one", "two", "three", "four"])
        self.logs.delete_log_group(logGroupName=group)

    def test_an_nginx_tasks_stream_holds_its_first_lines(self):
        cluster = "logged"
        ecs("create-cluster", "--cluster-name", cluster)
        fleet(action="launch", cluster=cluster, instanceType="t3.medium", zone="us-east-1a")
        options = {"awslogs-group": "/ecs/logged-web", "awslogs-region": "us-east-1",
                   "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}
        ecs("register-task-definition", "--family", "logged-web", "--container-definitions",
            json.dumps([{"name": "web", "image": "nginx", "memory": 128,
                         "logConfiguration": {"logDriver": "awslogs", "options": options}}]))
        task = ecs("run-task", "--cluster", cluster, "--task-definition", "logged-web")["tasks"][0]
        stream = f"ecs/web/{task['taskArn'].rsplit('/', 1)[1]}"
        deadline = time.time() + 60
        events = []
        while time.time() < deadline and not events:
            events = logs("get-log-events", "--log-group-name", "/ecs/logged-web",
                          "--log-stream-name", stream, "--start-from-head")["events"]
            time.sleep(1)
        messages = [e["message"] for e in events]
        self.assertIn("/docker-entrypoint.sh: Configuration complete; ready for start up",
                      messages)
        ecs("stop-task", "--cluster", cluster, "--task", task["taskArn"])

    def test_bad_requests_get_logs_errors(self):
        with self.assertRaises(self.logs.exceptions.InvalidParameterException) as caught:
            self.logs.describe_log_groups(limit=51)
        self.assertIn("less than or equal to 50", str(caught.exception))
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.get_log_events(logGroupName="/berth/none", logStreamName="x")
        with self.assertRaises(self.logs.exceptions.InvalidParameterException) as caught:
            self.logs.filter_log_events(logGroupName="/berth/none", filterPattern="{ $.x = 1 }")
        self.assertIn("not supported", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
