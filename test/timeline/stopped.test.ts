import { renderTimelineSvg } from "../../src/core/run/timeline/picture.js";
import { describe, expect, it } from "vitest";
import { findHints } from "../../src/core/run/hints.js";
import { isBlockingStep, waitOf } from "../../src/core/run/timeline/timeline.js";
import { parseRecording } from "../../src/sandbox/recording.js";
import { compareVersions } from "../../src/core/python-version.js";
import type { InstalledPython } from "../../src/sandbox/userlands.js";
import { dedent, PYTHONS, run, tasksOf } from "./helpers.js";

/** Short limits keep these quick; the recorder's snapshots come within 0.2 s of what they show. */
const limits = { wallMs: 1500 };

async function stopped(code: string, python: InstalledPython) {
  const result = await run(code, { limits, python });
  return { result, hints: findHints(result, dedent(code)) };
}

describe.each(PYTHONS)("a run stopped by a limit still shows what the event loop was doing, on Python $version", (python) => {
  it("a coroutine spinning in `while True: pass` holds the loop until the stop, and the hint says so", async () => {
    const { result, hints } = await stopped(`
      import asyncio

      async def tick():
          while True:
              await asyncio.sleep(0.05)

      async def spin():
          await asyncio.sleep(0.2)
          while True:
              pass

      async def main():
          await asyncio.gather(tick(), spin())

      asyncio.run(main())
    `, python);
    expect(["time", "cpu"]).toContain(result.limit);
    const { timeline } = result;
    const [spin] = tasksOf(timeline, "spin");
    const last = spin!.intervals.at(-1)!;
    expect(last).toMatchObject({ kind: "running", endMs: timeline.wallMs });
    expect(last.startMs).toBeGreaterThanOrEqual(200);
    expect(isBlockingStep(last)).toBe(true);
    expect(timeline.heldAtStop?.taskId).toBe(spin!.id);
    // The other tasks wait until the stop: the loop never came back to them.
    for (const task of [...tasksOf(timeline, "main"), ...tasksOf(timeline, "tick")]) {
      expect(task.intervals.at(-1)).toMatchObject({ kind: "waiting", endMs: timeline.wallMs });
    }
    // The line the coroutine was at when the recorder looked: the loop's `while True:`, or from 3.14 its `pass`
    // (where 3.14's compiler puts the jump back).
    const line = compareVersions(python.version, "3.14") < 0 ? 9 : 10;
    expect(hints).toEqual([expect.objectContaining({ id: "blocking-the-loop", line, concept: "blocking-the-loop" })]);
    expect(hints[0]!.message).toMatch(/^`spin\(\)` never gave the event loop back: it ran for 1\.\d\d s without reaching an `await`, so the run was stopped, while 2 other tasks could not run\./);
    expect(hints[0]!.message).toContain("asyncio.to_thread");
  });

  it("time.sleep(5) in a task holds the loop until the stop", async () => {
    const { result, hints } = await stopped(`
      import asyncio, time

      async def nap():
          time.sleep(5)

      async def main():
          await asyncio.create_task(nap())

      asyncio.run(main())
    `, python);
    expect(result.limit).toBe("time");
    const [nap] = tasksOf(result.timeline, "nap");
    expect(nap!.intervals.at(-1)).toMatchObject({ kind: "running", endMs: result.timeline.wallMs });
    expect(hints).toEqual([expect.objectContaining({ id: "blocking-the-loop", line: 4, concept: "blocking-the-loop" })]);
    expect(hints[0]!.message).toMatch(/^`nap\(\)` never gave the event loop back: .* so the run was stopped, while 1 other task could not run\. `time\.sleep\(\)` stops the whole thread/);
  });

  it("a task waiting in `await asyncio.sleep(10)` is drawn waiting until the stop, with no blocking hint", async () => {
    const { result, hints } = await stopped(`
      import asyncio

      async def main():
          print("waiting")
          await asyncio.sleep(10)

      asyncio.run(main())
    `, python);
    expect(result.limit).toBe("time");
    const [main] = result.timeline.tasks;
    expect(main).toMatchObject({ coroutine: "main", outcome: "pending", finishedMs: null });
    expect(main!.intervals.at(-1)).toMatchObject({ kind: "waiting", endMs: result.timeline.wallMs });
    expect(waitOf(result.timeline, main!.intervals.at(-1)!)).toMatchObject({ kind: "sleep" });
    expect(result.timeline.wallMs).toBeGreaterThanOrEqual(1500);
    expect(result.timeline.heldAtStop).toBeUndefined();
    expect(hints).toEqual([]);
  });
});

describe.each(PYTHONS)("where the pending tasks were waiting, on Python $version", (python) => {
  const program = `
    import asyncio

    async def worker(queue):
        await queue.get()

    async def main():
        queue = asyncio.Queue()
        async with asyncio.TaskGroup() as group:
            group.create_task(worker(queue))
            group.create_task(asyncio.sleep(100))

    asyncio.run(main())
  `;

  it.runIf(compareVersions(python.version, "3.14") >= 0)("comes with a run stopped by a limit, from asyncio.format_call_graph", async () => {
    const { result } = await stopped(program, python);
    expect(result.limit).toBe("time");
    const graph = result.timeline.callGraph!;
    // The two leaves, each with the task that awaits it: nothing is shown twice as a tree of its own.
    expect(graph.match(/^\* Task\(name='Task-\d'/gm)).toHaveLength(2);
    expect(graph).toContain("line 4, in async worker()");
    expect(graph).toContain("in async sleep()");
    expect(graph).toContain("line 8, in async main()");
    expect(graph.length).toBeLessThanOrEqual(3000);
    // The picture shows it too, under the lanes.
    const svg = renderTimelineSvg(result.timeline, []);
    expect(svg).toContain("Where pending tasks were waiting");
    expect(svg).toContain("in async worker()");
  });

  it.runIf(compareVersions(python.version, "3.14") < 0)("is not there before 3.14, which has no call graphs", async () => {
    const { result } = await stopped(program, python);
    expect(result.timeline.callGraph).toBeUndefined();
  });

  it("is not there for a run whose tasks all finished", async () => {
    const result = await run("import asyncio\nasync def main():\n    await asyncio.sleep(0)\nasyncio.run(main())\n", { python });
    expect(result.timeline.callGraph).toBeUndefined();
  });
});

describe("parseRecording of a snapshot", () => {
  const snapshot = {
    version: 1,
    wallMs: 300,
    originMonotonicUs: 0,
    droppedSteps: 0,
    droppedTasks: 0,
    waits: [],
    tasks: [{ id: 1, name: "Task-1", coro: "main", createdBy: "asyncio.run", createdMs: 1, steps: [[1, 2, -1]], finishedMs: null, outcome: "pending" }],
    running: { task: 1, startedMs: 100, line: 7 },
  };

  it("runs the step that was running up to the stop, only when the run was stopped", () => {
    const timeline = parseRecording(JSON.stringify(snapshot), undefined, 2000)!;
    expect(timeline.wallMs).toBe(2000);
    expect(timeline.heldAtStop).toEqual({ taskId: 1, line: 7 });
    expect(timeline.tasks[0]!.intervals.at(-1)).toEqual({ kind: "running", startMs: 100, endMs: 2000 });
    expect(parseRecording(JSON.stringify(snapshot))!.heldAtStop).toBeUndefined();
  });
});
