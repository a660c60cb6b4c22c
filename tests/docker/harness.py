"""Starts and stops `berth agent` and `berth serve --agent` for the Docker tests."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import boto3

BERTH = os.environ["BERTH"]
IMAGE = os.environ.get("BERTH_TEST_IMAGE", "berth-test/busybox:latest")
TOKEN = "berth-docker-tests"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout=60.0, every=0.2):
    """Polls `check` until it returns something truthy; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def containers(all_states=True):
    """The agent's containers: (name, task ARN, container name, state)."""
    out = subprocess.run(
        ["docker", "ps", "--filter", "label=berth.instance-id", "--format",
         '{{.Names}}\t{{.Label "com.amazonaws.ecs.task-arn"}}\t'
         '{{.Label "com.amazonaws.ecs.container-name"}}\t{{.State}}']
        + (["-a"] if all_states else []),
        check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def remove_all_containers():
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", "label=berth.instance-id"],
                         check=True, capture_output=True, text=True).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], check=True, capture_output=True)


def page(binding):
    """The page a published port serves. A task is RUNNING once its container has started,
    as on ECS, which can be a moment before the server inside listens: connection errors are
    retried for up to 5 s."""
    url = f"http://{binding['bindIP']}:{binding['hostPort']}/"
    deadline = time.monotonic() + 5
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode().strip()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Fleet:
    """An agent with two instances and a server linked to it, in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="berth-docker-")
        self.agent_port = free_port()
        self.server_port = free_port()
        self.agent = None
        self.server = None

    def start_agent(self):
        with open(os.path.join(self.dir, "agent.log"), "a") as log:
            self.agent = subprocess.Popen(
                [BERTH, "agent", "--listen", f"127.0.0.1:{self.agent_port}", "--instances", "2",
                 "--token", TOKEN, "--cpu", "1024", "--memory", "2048"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for("the agent to listen", lambda: self._listening(self.agent_port))

    def start_server(self):
        with open(os.path.join(self.dir, "server.log"), "a") as log:
            self.server = subprocess.Popen(
                [BERTH, "serve", "--addr", f"127.0.0.1:{self.server_port}",
                 "--virtual-instances", "0", "--data", os.path.join(self.dir, "data"),
                 "--web", self.dir, "--agent", f"ws://127.0.0.1:{self.agent_port}",
                 "--agent-token", TOKEN],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for("the server to listen", lambda: self._listening(self.server_port))

    @staticmethod
    def _listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def ecs(self):
        return boto3.client("ecs", endpoint_url=f"http://127.0.0.1:{self.server_port}",
                            region_name="us-east-1")

    def elbv2(self):
        return boto3.client("elbv2", endpoint_url=f"http://127.0.0.1:{self.server_port}",
                            region_name="us-east-1")

    def logs(self):
        text = ""
        for name in ("agent.log", "server.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path) as log:
                    text += f"--- {name}\n" + log.read()[-4000:]
        return text

    def stop(self):
        for process in (self.server, self.agent):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def web_definition(family, text, host_port=0, **extra):
    """A busybox httpd serving `text` on container port 80."""
    container = {
        "name": "web", "image": IMAGE, "memory": 32, "essential": True,
        "portMappings": [{"containerPort": 80, "hostPort": host_port}],
        "command": ["sh", "-c",
                    f"mkdir -p /www && echo {text} > /www/index.html && exec httpd -f -p 80 -h /www"],
    }
    container.update(extra)
    return {"family": family, "containerDefinitions": [container]}


def running_tasks(ecs, service):
    arns = ecs.list_tasks(serviceName=service, desiredStatus="RUNNING")["taskArns"]
    if not arns:
        return []
    return [t for t in ecs.describe_tasks(tasks=arns)["tasks"] if t["lastStatus"] == "RUNNING"]


def settled(ecs, service, revision, count):
    """The service's running tasks when exactly `count` run, all of `revision`, and no other."""
    arns = ecs.list_tasks(serviceName=service)["taskArns"]
    tasks = ecs.describe_tasks(tasks=arns)["tasks"] if arns else []
    live = [t for t in tasks if t["lastStatus"] != "STOPPED"]
    if len(live) == count and all(t["lastStatus"] == "RUNNING" and
                                   t["taskDefinitionArn"].endswith(f":{revision}") for t in live):
        return live
    return None


class Requests:
    """GETs a URL every 20 ms on a thread until stopped: each answer's status and body, or
    the error a client saw."""

    def __init__(self, url):
        import threading
        self.url = url
        self.answers = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    self.answers.append((response.status, response.read().decode().strip()))
            except urllib.error.HTTPError as error:
                self.answers.append((error.code, error.read().decode().strip()))
            except OSError as error:
                self.answers.append((0, repr(error)))
            time.sleep(0.02)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=15)
        return self.answers
