import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitOf } from "../../src/core/run/timeline/timeline.js";
import { parseRecording } from "../../src/sandbox/recording.js";
import type { TimelineTask } from "../../src/core/run/protocol.js";
import { systemPathArgs } from "../../src/sandbox/bwrap-args.js";
import { compareVersions } from "../../src/core/python-version.js";
import { dedent, PYTHONS, run, tasksOf } from "./helpers.js";

const runningTime = (task: TimelineTask) => task.intervals.filter((i) => i.kind === "running");
const waits = (task: TimelineTask) => task.intervals.filter((i) => i.kind === "waiting" && i.wait !== undefined);

describe.each(PYTHONS)("the task recorder, through the sandbox, on Python $version", (python) => {
  it("leaves out asyncio's own helper tasks: a subprocess is one lane, waiting on the call the learner made", async () => {
    const program = (communicate: string) => `
      import asyncio

      async def main():
          proc = await asyncio.create_subprocess_exec("/bin/echo", "hi", stdout=asyncio.subprocess.PIPE)
          ${communicate}
          await proc.wait()

      asyncio.run(main())
    `;
    const { timeline, stdout } = await run(program("print((await proc.communicate())[0].decode().strip())"), { python });
    expect(stdout).toBe("hi\n");
    expect(timeline.tasks.map((task) => task.coroutine)).toEqual(["main"]);
    // How often communicate() and wait() wait depends on when the pipes and the exit come in.
    const labels = waits(timeline.tasks[0]!).map((wait) => waitOf(timeline, wait)!.label);
    expect(labels[0]).toBe("create_subprocess_exec");
    expect(labels).toContain("Process.communicate");
    expect(labels.every((label) => ["create_subprocess_exec", "Process.communicate", "Process.wait"].includes(label))).toBe(true);
    // A task the learner makes of their own coroutine stays a lane, even when asyncio code makes it for them.
    const gathered = await run(program("await asyncio.gather(proc.wait(), asyncio.sleep(0))"), { python });
    expect(gathered.timeline.tasks.map((task) => [task.coroutine, task.createdBy])).toEqual([["main", "asyncio.run"], ["Process.wait", "gather"], ["sleep", "gather"]]);
  });

  it("keeps a short text of each task's first arguments: plain values only, cut short", async () => {
    const { timeline, stdout } = await run(`
      import asyncio

      class Shy:
          def __repr__(self):
              print("repr ran")
              return "Shy"

      async def job(n, label, thing, extra=None):
          await asyncio.sleep(0)

      class Worker:
          async def run(self, name):
              await asyncio.sleep(0)

      async def main():
          await asyncio.gather(job(1, "tea", Shy()), job(2, "x" * 100, None), Worker().run("w"), job(10**5000, b"z", 1.5))

      asyncio.run(main())
    `, { python });
    expect(stdout).toBe(""); // the program's own __repr__ is never called
    expect(timeline.tasks.map((task) => task.args ?? "")).toEqual(["", "1, 'tea', …, …", "2, 'xxxxxxxxxxxxxxxxxx…, None, …", "'w'", "…, b'z', 1.5, …"]);
  });

  it("records the main coroutine and the tasks gather makes, with their steps and waits", async () => {
    const { timeline } = await run(`
      import asyncio

      async def work(n):
          await asyncio.sleep(0.2)
          return n

      async def main():
          print(await asyncio.gather(work(1), work(2), work(3)))

      asyncio.run(main())
    `, { python });
    const [main, ...workers] = timeline.tasks;
    expect(main).toMatchObject({ coroutine: "main", createdBy: "asyncio.run", outcome: "result", name: "Task-1" });
    expect(workers.map((task) => [task.coroutine, task.createdBy, task.outcome])).toEqual([
      ["work", "gather", "result"],
      ["work", "gather", "result"],
      ["work", "gather", "result"],
    ]);
    expect(waits(main!).map((wait) => waitOf(timeline, wait))).toEqual([{ kind: "tasks", label: "gather", taskIds: [2, 3, 4] }]);
    for (const worker of workers) {
      expect(runningTime(worker)).toHaveLength(2); // up to the sleep, and after it
      const [sleep] = waits(worker);
      expect(waitOf(timeline, sleep!)).toEqual({ kind: "sleep", label: "asyncio.sleep" });
      expect(sleep!.endMs - sleep!.startMs).toBeGreaterThanOrEqual(195);
      expect(worker.finishedMs).toBe(worker.intervals.at(-1)!.endMs);
    }
    expect(timeline.wallMs).toBeGreaterThanOrEqual(main!.finishedMs!);
  });

  it("records tasks from create_task, ensure_future and TaskGroup, and what each awaited", async () => {
    const { timeline } = await run(`
      import asyncio, time

      async def child():
          await asyncio.sleep(0.01)

      async def main():
          task = asyncio.create_task(child(), name="named")
          await task
          await asyncio.ensure_future(child())
          async with asyncio.TaskGroup() as group:
              group.create_task(child())
              group.create_task(child())
          queue = asyncio.Queue()
          asyncio.get_running_loop().call_later(0.01, queue.put_nowait, 1)
          await queue.get()
          # Long enough to wait for: from 3.13 a thread done before the await does not suspend the task.
          await asyncio.to_thread(time.sleep, 0.02)

      asyncio.run(main())
    `, { python });
    // From 3.13 a task named at creation takes no number from the counter of unnamed ones.
    const numbered = compareVersions(python.version, "3.13") < 0 ? ["Task-3", "Task-4", "Task-5"] : ["Task-2", "Task-3", "Task-4"];
    expect(timeline.tasks.map((task) => [task.name, task.createdBy])).toEqual([
      ["Task-1", "asyncio.run"],
      ["named", "create_task"],
      [numbered[0], "ensure_future"],
      [numbered[1], "TaskGroup"],
      [numbered[2], "TaskGroup"],
    ]);
    expect(waits(timeline.tasks[0]!).map((wait) => waitOf(timeline, wait))).toEqual([
      { kind: "task", label: "named", taskIds: [2] },
      { kind: "task", label: numbered[0], taskIds: [3] },
      { kind: "tasks", label: "TaskGroup" },
      { kind: "sync", label: "Queue.get" },
      { kind: "thread", label: "to_thread" },
    ]);
  });

  it("records how each task ended: result, exception, cancelled, or still pending", async () => {
    const { timeline } = await run(`
      import asyncio

      async def fail():
          raise ValueError("no")

      async def forever():
          await asyncio.Event().wait()

      async def main():
          failing = asyncio.create_task(fail())
          waiting = asyncio.create_task(forever())
          await asyncio.sleep(0.01)
          waiting.cancel()
          await asyncio.gather(failing, waiting, return_exceptions=True)

      asyncio.run(main())
      loop = asyncio.new_event_loop()
      loop.create_task(forever())
      loop.run_until_complete(asyncio.sleep(0))
      loop.close()
    `, { python });
    expect(tasksOf(timeline, "fail")[0]).toMatchObject({ outcome: "exception", exception: "ValueError" });
    expect(tasksOf(timeline, "forever").map((task) => task.outcome)).toEqual(["cancelled", "pending"]);
    const pending = tasksOf(timeline, "forever")[1]!;
    expect(pending.finishedMs).toBeNull();
    expect(pending.intervals.at(-1)).toMatchObject({ kind: "waiting", endMs: timeline.wallMs });
    expect(waitOf(timeline, pending.intervals.at(-1)!)).toEqual({ kind: "sync", label: "Event.wait" });
  });

  it.runIf(compareVersions(python.version, "3.12") >= 0)("records eager tasks, whose first step runs inside create_task", async () => {
    const { timeline, stdout } = await run(`
      import asyncio, sys

      async def quick():
          return 1

      async def slow():
          await asyncio.sleep(0.01)

      async def main():
          asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
          done = asyncio.create_task(quick())
          print(done.done())
          await asyncio.gather(slow(), slow())
          if sys.version_info >= (3, 14):
              asyncio.get_running_loop().set_task_factory(None)
              await asyncio.create_task(slow(), eager_start=True, name="eager")

      asyncio.run(main())
    `, { python });
    expect(stdout).toBe("True\n");
    const [quick] = tasksOf(timeline, "quick");
    // (Not its name: 3.13's create_task renames a factory's task to "None", recorded as Python shows it.)
    expect(quick).toMatchObject({ outcome: "result", createdBy: "create_task" });
    expect(runningTime(quick!)).toHaveLength(1);
    const slow = tasksOf(timeline, "slow");
    expect(slow.map((task) => [task.createdBy, task.outcome])).toEqual([
      ["gather", "result"],
      ["gather", "result"],
      ...(compareVersions(python.version, "3.14") >= 0 ? [["create_task", "result"]] : []),
    ]);
    for (const task of slow) expect(waits(task).map((wait) => waitOf(timeline, wait))).toEqual([{ kind: "sleep", label: "asyncio.sleep" }]);
  });

  it("gives an empty timeline for a program without asyncio, and leaves out asyncio.run's own clean-up", async () => {
    expect((await run(`print("hi")`, { python })).timeline.tasks).toEqual([]);
    const { timeline } = await run(`
      import asyncio
      async def main():
          pass
      asyncio.run(main())
    `, { python });
    expect(timeline.tasks.map((task) => task.coroutine)).toEqual(["main"]);
  });

  it("keeps a busy program's recording small but keeps every step that blocked the loop", async () => {
    const { timeline } = await run(`
      import asyncio, time

      async def spin():
          for _ in range(3000):
              await asyncio.sleep(0)

      async def main():
          await asyncio.gather(*(spin() for _ in range(10)))
          time.sleep(0.15)

      asyncio.run(main())
    `, { python });
    expect(timeline.droppedSteps).toBeGreaterThan(0);
    const steps = timeline.tasks.reduce((sum, task) => sum + runningTime(task).length, 0);
    expect(steps).toBeLessThanOrEqual(20_000 + timeline.tasks.length);
    expect(runningTime(timeline.tasks[0]!).some((step) => step.endMs - step.startMs >= 150)).toBe(true);
  });
});

describe.each(PYTHONS)("the recorded program behaves as without the recorder, on Python $version", (python) => {
  // Tracebacks, task reprs and asyncio's own error reports must read exactly as plain Python prints them.
  const programs = {
    "an exception out of asyncio.run": `
      import asyncio
      async def fail():
          await asyncio.sleep(0)
          raise KeyError("k")
      async def main():
          await asyncio.create_task(fail())
      asyncio.run(main())
    `,
    "task reprs, a never-retrieved exception and a destroyed task": `
      import asyncio, gc
      async def boom():
          raise ValueError("boom")
      async def forever():
          await asyncio.Event().wait()
      async def main():
          task = asyncio.create_task(boom())
          print(asyncio.current_task())
          print(task)
          await asyncio.sleep(0.01)
          print(task)
          del task
          gc.collect()
      asyncio.run(main())
      loop = asyncio.new_event_loop()
      loop.create_task(forever())
      loop.run_until_complete(asyncio.sleep(0))
      loop.close()
    `,
    "create_task given a function instead of a coroutine": `
      import asyncio
      async def work():
          return 1
      async def main():
          try:
              asyncio.create_task(work)
          except TypeError as error:
              print("TypeError:", error)
          print(await asyncio.create_task(work()))
      asyncio.run(main())
    `,
    // 3.13 and later count a task named at creation differently; eager tasks run their first step at once.
    "task names, a task factory of the program's own, and eager tasks": `
      import asyncio, sys
      async def work(label):
          print("start", label, asyncio.current_task().get_name())
          await asyncio.sleep(0)
          print("end", label)
          return label
      async def main():
          loop = asyncio.get_running_loop()
          await asyncio.create_task(work("named"), name="named")
          await asyncio.ensure_future(work("unnamed"))
          print(loop.get_task_factory())
          if sys.version_info >= (3, 12):
              loop.set_task_factory(asyncio.eager_task_factory)
              print(loop.get_task_factory() is asyncio.eager_task_factory)
              task = asyncio.create_task(work("eager"))
              print("created", task.done())
              print(await asyncio.gather(work("g1"), work("g2")))
              loop.set_task_factory(None)
          if sys.version_info >= (3, 14):
              task = asyncio.create_task(work("eager_start"), eager_start=True)
              print("created", task.done())
          await asyncio.sleep(0.01)
      asyncio.run(main())
    `,
    "cancellation and TaskGroup errors": `
      import asyncio
      async def slow():
          try:
              await asyncio.sleep(10)
          except asyncio.CancelledError:
              print("cancelled", asyncio.current_task().get_name())
              raise
      async def bad():
          raise RuntimeError("bad")
      async def main():
          async with asyncio.TaskGroup() as group:
              group.create_task(slow())
              group.create_task(bad())
      asyncio.run(main())
    `,
  };

  for (const [name, program] of Object.entries(programs)) {
    it(name, async () => {
      const recorded = await run(program, { python });
      const directory = mkdtempSync(join(tmpdir(), "loopy-timeline-"));
      try {
        writeFileSync(join(directory, "main.py"), dedent(program));
        // The same interpreter, in the same userland, without Loopy's runner and recorder.
        const bwrap = [...systemPathArgs(python.userland), "--proc", "/proc", "--dev", "/dev", "--bind", directory, "/tmp", "--chdir", "/tmp", "--unshare-all", "--clearenv", "--setenv", "LANG", "C.UTF-8"];
        const plain = spawnSync("bwrap", [...bwrap, "--", python.interpreter, "main.py"], { encoding: "utf8" });
        const asInSandbox = (text: string) => text.replaceAll('"main.py"', '"/tmp/main.py"').replace(/0x[0-9a-f]+/g, "0x…");
        expect(asInSandbox(recorded.stdout)).toBe(asInSandbox(plain.stdout));
        expect(asInSandbox(recorded.stderr)).toBe(asInSandbox(plain.stderr));
        expect(recorded.exitCode).toBe(plain.status);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  }
});

describe("parseRecording", () => {
  it("turns away what is not a recording: the learner's code can write frames too", () => {
    expect(parseRecording("")).toBeUndefined();
    expect(parseRecording("{not json")).toBeUndefined();
    expect(parseRecording(JSON.stringify({ version: 1, tasks: "many" }))).toBeUndefined();
    const empty = { version: 1, wallMs: 1, originMonotonicUs: 5, droppedSteps: 0, droppedTasks: 0, waits: [], tasks: [] };
    expect(parseRecording(JSON.stringify({ ...empty, version: 2 }))).toBeUndefined();
    expect(parseRecording(JSON.stringify(empty))).toEqual({
      tasks: [],
      waits: [],
      wallMs: 1,
      droppedSteps: 0,
      droppedTasks: 0,
    });
  });
});
