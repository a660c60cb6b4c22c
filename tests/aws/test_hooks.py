"""AWS_LAMBDA lifecycle hooks with the real AWS CLI v1 against a `berth serve` of its own,
started with `--hook-endpoint` naming a local HTTP endpoint that stands in for the function
(Berth has no Lambda). The endpoint gets each invocation's event and answers as a function
would: IN_PROGRESS with a callBackDelay and hookDetails (ECS invokes it again with them), then
SUCCEEDED; a second deployment's endpoint answers HTTP 500, a failing function, and the
deployment rolls back. A function with no endpoint waits for an answer given through
/berth/fleet, listed by /berth/hooks. The clock runs at 10x."""

import http.server
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from test_elbv2 import free_port

BERTH = os.environ["BERTH"]
CHECK = "arn:aws:lambda:us-east-1:123456789012:function:check"
MANUAL = "arn:aws:lambda:us-east-1:123456789012:function:manual"


class Function(http.server.BaseHTTPRequestHandler):
    """The stand-in: records each event, answers with the next scripted (status, body)."""

    events = queue.Queue()
    answers = queue.Queue()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Function.events.put(json.loads(body))
        status, answer = Function.answers.get(timeout=30)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class LambdaHooks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.function = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Function)
        threading.Thread(target=cls.function.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{cls.function.server_address[1]}/check"
        cls.log = tempfile.TemporaryFile()
        cls.server = subprocess.Popen(
            [BERTH, "serve", "--addr", f"127.0.0.1:{free_port()}", "--web", "/nonexistent",
             "--hook-endpoint", f"check={url}"],
            stderr=cls.log)
        cls.endpoint = None
        for _ in range(100):
            cls.log.seek(0)
            text = cls.log.read().decode()
            if "serving" in text:
                cls.endpoint = "http://" + text.split("http://")[1].split()[0].rstrip("/")
                break
            time.sleep(0.1)
        assert cls.endpoint, "berth serve did not start"
        cls.berth("clock", {"speed": 10})
        cls.ecs("register-task-definition", "--family", "hooked", "--container-definitions",
                json.dumps([{"name": "web", "image": "nginx:1", "memory": 64}]))
        cls.ecs("register-task-definition", "--family", "hooked", "--container-definitions",
                json.dumps([{"name": "web", "image": "nginx:2", "memory": 64}]))
        cls.ecs("create-service", "--service-name", "hooked", "--task-definition", "hooked:1",
                "--desired-count", "1")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)
        cls.function.shutdown()

    @classmethod
    def run_aws(cls, *args):
        return subprocess.run(
            ["aws", "ecs", *args, "--endpoint-url", cls.endpoint, "--output", "json"],
            capture_output=True, text=True, timeout=120)

    @classmethod
    def ecs(cls, *args):
        result = cls.run_aws(*args)
        if result.returncode != 0:
            raise AssertionError(f"aws ecs {' '.join(args)} failed: {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip() else {}

    @classmethod
    def berth(cls, path, body):
        request = urllib.request.Request(
            f"{cls.endpoint}/berth/{path}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def deployment(self):
        arn = self.ecs("list-service-deployments", "--service", "hooked")[
            "serviceDeployments"][0]["serviceDeploymentArn"]
        return self.ecs("describe-service-deployments", "--service-deployment-arns", arn)[
            "serviceDeployments"][0]

    def wait_deployment(self, check, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.deployment()
            if check(found):
                return found
            time.sleep(0.3)
        raise AssertionError(f"{what}: {json.dumps(found, indent=1)}")

    def deploy(self, task_definition, hooks):
        self.ecs("update-service", "--service", "hooked", "--task-definition", task_definition,
                 "--deployment-configuration", json.dumps({
                     "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                     "lifecycleHooks": hooks}))

    def test_1_the_endpoint_answers_in_progress_then_succeeded(self):
        Function.answers.put((200, {"hookStatus": "IN_PROGRESS", "callBackDelay": 20,
                                    "hookDetails": {"checked": 1}}))
        Function.answers.put((200, {"hookStatus": "SUCCEEDED"}))
        self.deploy("hooked:2", [{
            "hookTargetArn": CHECK, "roleArn": "arn:aws:iam::123456789012:role/hooks",
            "lifecycleStages": ["POST_SCALE_UP"], "hookDetails": {"bucket": "approvals"}}])
        first = Function.events.get(timeout=60)
        self.assertEqual(first["lifecycleStage"], "POST_SCALE_UP")
        self.assertEqual(first["hookDetails"], {"bucket": "approvals"})
        deployment = self.deployment()
        self.assertEqual(first["resourceArn"], deployment["serviceDeploymentArn"])
        details = first["executionDetails"]
        self.assertEqual(details["targetServiceRevisionArn"],
                         deployment["targetServiceRevision"]["arn"])
        self.assertEqual(details["serviceArn"], deployment["serviceArn"])
        self.assertEqual((details["testTrafficWeights"], details["productionTrafficWeights"]),
                         ({}, {}))
        hook = deployment["lifecycleHookDetails"][0]
        self.assertEqual((hook["targetType"], hook["targetArn"], hook["status"]),
                         ("AWS_LAMBDA", CHECK, "IN_PROGRESS"))
        self.assertEqual(hook["hookId"], first["executionId"])
        # ECS invokes it again after the delay, with the details it returned merged in.
        again = Function.events.get(timeout=60)
        self.assertEqual(again["executionId"], first["executionId"])
        self.assertEqual(again["hookDetails"], {"bucket": "approvals", "checked": 1})
        done = self.wait_deployment(lambda d: d["status"] == "SUCCESSFUL",
                                    "the deployment did not succeed")
        self.assertEqual(done["lifecycleHookDetails"][0]["status"], "SUCCEEDED")

    def test_2_an_endpoint_that_fails_rolls_the_deployment_back(self):
        Function.answers.put((500, {"errorMessage": "boom"}))
        self.deploy("hooked:1", [{"hookTargetArn": CHECK, "lifecycleStages": ["PRE_SCALE_UP"]}])
        self.assertEqual(Function.events.get(timeout=60)["lifecycleStage"], "PRE_SCALE_UP")
        done = self.wait_deployment(lambda d: d["status"] == "ROLLBACK_SUCCESSFUL",
                                    "the deployment did not roll back")
        self.assertEqual(done["lifecycleHookDetails"][0]["status"], "FAILED")
        self.assertIn("a lifecycle hook at PRE_SCALE_UP failed", done["statusReason"])
        service = self.ecs("describe-services", "--services", "hooked")["services"][0]
        self.assertTrue(service["taskDefinition"].endswith("task-definition/hooked:2"), service)

    def test_3_a_function_without_an_endpoint_waits_for_an_answer_given_by_hand(self):
        self.deploy("hooked:1", [{"hookTargetArn": MANUAL, "lifecycleStages": ["PRE_SCALE_UP"]}])
        deadline = time.time() + 30
        while time.time() < deadline:
            status, listed = self.berth("hooks", {})
            self.assertEqual(status, 200, listed)
            if listed["invocations"]:
                break
            time.sleep(0.3)
        invocation = listed["invocations"][0]
        self.assertEqual((invocation["functionArn"], invocation["endpoint"]), (MANUAL, None))
        self.assertEqual(invocation["payload"]["lifecycleStage"], "PRE_SCALE_UP")
        # ContinueServiceDeployment is for PAUSE hooks.
        refused = self.run_aws("continue-service-deployment", "--service-deployment-arn",
                               invocation["payload"]["resourceArn"], "--hook-id",
                               invocation["executionId"])
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("is not awaiting action: its status is IN_PROGRESS", refused.stderr)
        answer = {"action": "hook-answer", "executionId": invocation["executionId"],
                  "attempt": invocation["attempt"],
                  "reply": {"returned": {"hookStatus": "SUCCEEDED"}}}
        self.assertEqual(self.berth("fleet", answer)[0], 200)
        stale = self.berth("fleet", answer)
        self.assertEqual(stale[0], 400, stale)
        self.assertIn("No lifecycle hook", json.dumps(stale[1]))
        done = self.wait_deployment(lambda d: d["status"] == "SUCCESSFUL",
                                    "the deployment did not succeed")
        self.assertEqual(done["lifecycleHookDetails"][0]["status"], "SUCCEEDED")

    def test_4_a_malformed_hook_endpoint_is_refused_at_start(self):
        result = subprocess.run([BERTH, "serve", "--addr", "127.0.0.1:0", "--hook-endpoint",
                                 "check=https://example.com/"], capture_output=True, text=True,
                                timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("the URL must be http://", result.stderr)


if __name__ == "__main__":
    unittest.main()
