"""RunTask → RUNNING on a Docker agent, against `docker run -d` of the same container.

Prints both latencies (median of N interleaved runs) and their ratio (goal: ≤ 1.10). Berth's
time runs from the RunTask call until DescribeTasks shows RUNNING (polled every 2 ms); Docker's
is the `docker run -d` command, which returns once the container has started.
"""

import statistics
import subprocess
import sys
import time

from harness import IMAGE, Fleet, remove_all_containers, wait_for

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15


def berth_once(ecs):
    started = time.perf_counter()
    arn = ecs.run_task(taskDefinition="bench")["tasks"][0]["taskArn"]
    while ecs.describe_tasks(tasks=[arn])["tasks"][0]["lastStatus"] != "RUNNING":
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    ecs.stop_task(task=arn)
    return elapsed


def docker_once(i):
    name = f"berth-bench-{i}"
    started = time.perf_counter()
    subprocess.run(["docker", "run", "-d", "--init", "--name", name, "--memory", "16m",
                    "--cpu-shares", "2", "--label", "berth.bench=1", IMAGE, "sleep", "3600"],
                   check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    subprocess.run(["docker", "rm", "-f", name], check=True, capture_output=True)
    return elapsed


def main():
    remove_all_containers()
    fleet = Fleet()
    try:
        fleet.start_agent()
        fleet.start_server()
        ecs = fleet.ecs()
        wait_for("the agent's instances",
                 lambda: len(ecs.list_container_instances()["containerInstanceArns"]) == 2)
        ecs.register_task_definition(family="bench", containerDefinitions=[
            {"name": "main", "image": IMAGE, "memory": 16, "command": ["sleep", "3600"],
             "stopTimeout": 2}])
        berth, docker = [], []
        for i in range(RUNS + 2):  # Two warm-up rounds, not counted.
            b, d = berth_once(ecs), docker_once(i)
            if i >= 2:
                berth.append(b)
                docker.append(d)
        b, d = statistics.median(berth), statistics.median(docker)
        print(f"RunTask -> RUNNING on berth agent: median {b * 1000:.0f} ms "
              f"(min {min(berth) * 1000:.0f}, max {max(berth) * 1000:.0f}, n={RUNS})")
        print(f"docker run -d:                     median {d * 1000:.0f} ms "
              f"(min {min(docker) * 1000:.0f}, max {max(docker) * 1000:.0f}, n={RUNS})")
        print(f"ratio: {b / d:.2f} (goal <= 1.10)")
    finally:
        fleet.stop()
        remove_all_containers()


if __name__ == "__main__":
    main()
