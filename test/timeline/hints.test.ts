import { describe, expect, it } from "vitest";
import { findHints } from "../../src/core/run/hints.js";
import type { InstalledPython } from "../../src/sandbox/userlands.js";
import { dedent, PYTHONS, run } from "./helpers.js";

/** Runs the program in the sandbox and returns the hints for it, as /run would show them. */
async function hintsFor(code: string, python: InstalledPython) {
  return findHints(await run(code, { python }), dedent(code));
}

describe.each(PYTHONS)("hints for asyncio mistakes: each found in a program that makes it, and not in a close one that does not, on Python $version", (python) => {
  it("a coroutine called but never awaited", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def greet():
          print("hi")

      async def main():
          greet()

      asyncio.run(main())
    `, python);
    expect(hints).toEqual([expect.objectContaining({ id: "never-awaited", line: 7, concept: "never-awaited" })]);
    expect(hints[0]!.message).toContain("await greet(…)");
    expect(await hintsFor(`
      import asyncio

      async def greet():
          print("hi")

      async def main():
          await greet()

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("await outside an async function, at the top level or in a plain def", async () => {
    expect(await hintsFor(`
      import asyncio

      await asyncio.sleep(0)
    `, python)).toEqual([expect.objectContaining({ id: "await-outside-function", line: 3, concept: "await-outside-function" })]);
    const inDef = await hintsFor(`
      import asyncio

      def main():
          await asyncio.sleep(0)
    `, python);
    expect(inDef).toEqual([expect.objectContaining({ id: "await-outside-function", line: 4 })]);
    expect(inDef[0]!.message).toContain("plain `def`");
    expect(await hintsFor(`
      import asyncio

      async def main():
          await asyncio.sleep(0)

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("asyncio.run() inside a running loop (and not also the never-awaited warning it causes)", async () => {
    expect(await hintsFor(`
      import asyncio

      async def other():
          return 1

      async def main():
          asyncio.run(other())

      asyncio.run(main())
    `, python)).toEqual([expect.objectContaining({ id: "asyncio-run-nested", line: 7, concept: "asyncio-run" })]);
    expect(await hintsFor(`
      import asyncio

      async def other():
          return 1

      async def main():
          await other()

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("a blocking call inside a coroutine holds the loop", async () => {
    const hints = await hintsFor(`
      import asyncio, time

      async def brew(name):
          time.sleep(0.15)

      async def main():
          await asyncio.gather(brew("tea"), brew("coffee"))

      asyncio.run(main())
    `, python);
    expect(hints).toEqual([expect.objectContaining({ id: "blocking-the-loop", line: 4, concept: "blocking-the-loop" })]);
    expect(hints[0]!.message).toMatch(/^`brew\(\)` held the event loop 2 times, 3\d\d ms in all .* while 2 other tasks could not run/);
    expect(await hintsFor(`
      import asyncio, time

      async def brew(name):
          await asyncio.sleep(0.15)

      async def main():
          await asyncio.gather(brew("tea"), brew("coffee"))

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("long CPU work in a coroutine holds the loop too, with to_thread as the way out", async () => {
    const hints = await hintsFor(`
      import asyncio, time

      async def main():
          # Busy for 0.2 s of CPU, like a long computation.
          deadline = time.perf_counter() + 0.2
          while time.perf_counter() < deadline:
              pass
          print("done")

      asyncio.run(main())
    `, python);
    expect(hints).toEqual([expect.objectContaining({ id: "blocking-the-loop" })]);
    expect(hints[0]!.line).toBeUndefined();
    expect(hints[0]!.message).toContain("asyncio.to_thread");
    expect(await hintsFor(`
      import asyncio

      async def main():
          print(sum(range(30_000)))

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("a task destroyed while pending when its loop closed", async () => {
    const program = (ending: string) => `
      import asyncio

      async def forever():
          await asyncio.sleep(0.05)

      loop = asyncio.new_event_loop()
      task = loop.create_task(forever())
      ${ending}
      loop.close()
    `;
    expect(await hintsFor(program("loop.run_until_complete(asyncio.sleep(0))"), python)).toEqual([
      expect.objectContaining({ id: "task-destroyed", concept: "task-references" }),
    ]);
    expect(await hintsFor(program("loop.run_until_complete(task)"), python)).toEqual([]);
  });

  it("tasks main() never waited for, cancelled by asyncio.run at the end", async () => {
    const program = (body: string) => `
      import asyncio

      async def tick():
          await asyncio.sleep(0.05)
          print("tick")

      async def main():
          ${body}

      asyncio.run(main())
    `;
    const hints = await hintsFor(program("asyncio.create_task(tick())"), python);
    expect(hints).toEqual([expect.objectContaining({ id: "task-cancelled-at-exit", line: 8, concept: "task-references" })]);
    expect(hints[0]!.message).toContain("`tick()` was still running");
    expect(await hintsFor(program("await asyncio.create_task(tick())"), python)).toEqual([]);
  });

  it("a task's exception never retrieved", async () => {
    const program = (body: string) => `
      import asyncio

      async def boom():
          raise ValueError("boom")

      async def main():
          task = asyncio.create_task(boom())
          ${body}

      asyncio.run(main())
    `;
    const hints = await hintsFor(program("await asyncio.sleep(0.01)"), python);
    expect(hints).toEqual([expect.objectContaining({ id: "task-exception-unretrieved", line: 4, concept: "tasks" })]);
    expect(hints[0]!.message).toContain("`boom()` failed with ValueError");
    expect(await hintsFor(program(`try:
              await task
          except ValueError:
              print("caught")`), python)).toEqual([]);
  });

  it("awaits in a row that could have run at the same time, as a gentle suggestion", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def main():
          await asyncio.sleep(0.15)
          await asyncio.sleep(0.15)
          await asyncio.sleep(0.15)

      asyncio.run(main())
    `, python);
    expect(hints).toEqual([expect.objectContaining({ id: "sequential-awaits", concept: "gather" })]);
    expect(hints[0]!.message).toMatch(/awaited 3 slow things one after another \(4\d\d ms in all\).*about 15\d ms/);
    expect(await hintsFor(`
      import asyncio

      async def main():
          await asyncio.gather(asyncio.sleep(0.15), asyncio.sleep(0.15), asyncio.sleep(0.15))

      asyncio.run(main())
    `, python)).toEqual([]);
  });

  it("input() with no stdin in the sandbox", async () => {
    expect(await hintsFor(`
      name = input("Name? ")
      print("Hello", name)
    `, python)).toEqual([expect.objectContaining({ id: "no-stdin", line: 1 })]);
    expect(await hintsFor(`
      name = "Ada"
      print("Hello", name)
    `, python)).toEqual([]);
  });
});
