import { describe, expect, it } from "vitest";
import { findHints } from "../../src/core/run/hints.js";
import type { SandboxOptions } from "../../src/sandbox/sandbox.js";
import type { InstalledPython } from "../../src/sandbox/userlands.js";
import { dedent, PYTHONS, run } from "./helpers.js";

/** Runs the program in the sandbox (on the Python given, or the default) and returns the hints for it, as /run would show them. */
async function hintsFor(code: string, on: InstalledPython | SandboxOptions = {}) {
  return findHints(await run(code, "interpreter" in on ? { python: on } : on), dedent(code));
}

/** Every code span closes: an even number of backticks on each line of a message. */
function spansClose(message: string): boolean {
  return message.split("\n").every((line) => (line.match(/`/g) ?? []).length % 2 === 0);
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
    expect(hints[0]!.message).toContain("`await greet()`");
    expect(hints[0]!.message).toContain("`asyncio.create_task(greet())`");
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

  it("the seed article's mistake, main() called at module level, is told asyncio.run(main()), not await", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def main():
          print("hi")

      main()
    `);
    expect(hints).toEqual([expect.objectContaining({ id: "never-awaited", line: 6, concept: "never-awaited" })]);
    expect(hints[0]!.message).toContain("write `asyncio.run(main())`");
    // Both of these fail at module level (SyntaxError; no running event loop): they must not be the advice.
    expect(hints[0]!.message).not.toMatch(/`await main|`asyncio\.create_task\(main/);
    expect(await hintsFor(`
      import asyncio

      async def main():
          print("hi")

      asyncio.run(main())
    `)).toEqual([]);
  });

  it("names the call as written on the line (asyncio.sleep), not the warning's bare name", async () => {
    const program = (call: string) => `
      import asyncio

      async def main():
          ${call}
          print("done")

      asyncio.run(main())
    `;
    const hints = await hintsFor(program("asyncio.sleep(0.2)"));
    expect(hints).toEqual([expect.objectContaining({ id: "never-awaited", line: 4 })]);
    expect(hints[0]!.message).toContain("`await asyncio.sleep(…)`");
    expect(hints[0]!.message).not.toMatch(/[^.]\bsleep\(/);
    expect(await hintsFor(program("await asyncio.sleep(0.2)"))).toEqual([]);
  });

  it("a coroutine called in a plain def: make that function async, not await where await is impossible", async () => {
    const program = (body: string) => `
      import asyncio

      class Bot:
          async def fetch(self, n):
              return n

          ${body}

      async def main():
          await Bot().caller()

      asyncio.run(main())
    `;
    for (const body of ["self.fetch(1)", "return self.fetch(1)"]) {
      // Returned, the coroutine is thrown away (and warned about) on main()'s line 11: the hint still finds the call.
      const hints = await hintsFor(program(`def caller(self):
              ${body}`).replace("await Bot().caller()", "Bot().caller()"));
      expect(hints).toEqual([expect.objectContaining({ id: "never-awaited", line: 8 })]);
      expect(hints[0]!.message).toMatch(/in `caller\(\)`, a plain `def`.*make it `async def` and write `await self\.fetch\(…\)`/);
    }
    expect(await hintsFor(program(`async def caller(self):
              return await self.fetch(1)`))).toEqual([]);
  });

  it("quotes a learner's names only in code spans they cannot break out of", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def greet():
          pass

      greet.__qualname__ = "x\`\` **bold** <@123> " + "y" * 100
      async def main():
          greet()

      asyncio.run(main())
    `);
    expect(hints).toEqual([expect.objectContaining({ id: "never-awaited", line: 8 })]);
    expect(spansClose(hints[0]!.message)).toBe(true);
    expect(hints[0]!.message).not.toContain("``");
    expect(hints[0]!.message.length).toBeLessThan(700);
  });

  it("asyncio.run(main), the function instead of a call of it", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def main():
          print("hi")

      asyncio.run(main)
    `);
    expect(hints).toEqual([expect.objectContaining({ id: "asyncio-run-function", line: 6, concept: "asyncio-run" })]);
    expect(hints[0]!.message).toContain("`asyncio.run(main())`");
    expect(await hintsFor(`
      import asyncio

      async def main():
          print("hi")

      asyncio.run(main())
    `)).toEqual([]);
  });

  it("asyncio.run(main) on Python 3.14 and later, where it is a TypeError", () => {
    // What Python 3.14.2 (Debian sid) printed for the program above, word for word.
    const stderr = [
      "Traceback (most recent call last):",
      '  File "/tmp/main.py", line 6, in <module>',
      "    asyncio.run(main)",
      "    ~~~~~~~~~~~^^^^^^",
      '  File "/usr/lib/python3.14/asyncio/runners.py", line 205, in run',
      "    return runner.run(main)",
      "           ~~~~~~~~~~^^^^^^",
      '  File "/usr/lib/python3.14/asyncio/runners.py", line 104, in run',
      "    raise TypeError('An asyncio.Future, a coroutine or an '",
      "                    'awaitable is required')",
      "TypeError: An asyncio.Future, a coroutine or an awaitable is required",
      "",
    ].join("\n");
    const code = 'import asyncio\n\nasync def main():\n    print("hi")\n\nasyncio.run(main)\n';
    const hints = findHints({ stderr, limit: null }, code);
    expect(hints).toEqual([expect.objectContaining({ id: "asyncio-run-function", line: 6 })]);
    expect(hints[0]!.message).toContain("`asyncio.run(main())`");
    // The same TypeError from ensure_future (not asyncio.run) is another mistake.
    const ensure = stderr.replace(/runners\.py/g, "tasks.py").replace("asyncio.run(main)\n    ~", "asyncio.ensure_future(5)\n    ~");
    expect(findHints({ stderr: ensure, limit: null }, code.replace("asyncio.run(main)", "asyncio.ensure_future(5)"))).toEqual([]);
  });

  it("loop.run_until_complete() inside a running loop", async () => {
    const hints = await hintsFor(`
      import asyncio

      async def work():
          return 1

      async def main():
          loop = asyncio.get_running_loop()
          loop.run_until_complete(work())

      asyncio.run(main())
    `);
    expect(hints).toEqual([expect.objectContaining({ id: "loop-already-running", line: 8, concept: "event-loop" })]);
    expect(hints[0]!.message).toContain("write `await work()` instead");
    expect(await hintsFor(`
      import asyncio

      async def work():
          return 1

      loop = asyncio.new_event_loop()
      print(loop.run_until_complete(work()))
      loop.close()
    `)).toEqual([]);
  });

  it("a spinner awaited from main() that never yields names the spinner and its line, not main's await", async () => {
    const program = (body: string) => `
      import asyncio

      async def spinner():
          i = 0
          while True:
              ${body}

      async def main():
          print("start")
          await spinner()

      asyncio.run(main())
    `;
    const hints = await hintsFor(program("i += 1"), { limits: { wallMs: 1500 } });
    expect(hints).toEqual([expect.objectContaining({ id: "blocking-the-loop", concept: "blocking-the-loop" })]);
    expect([5, 6]).toContain(hints[0]!.line);
    expect(hints[0]!.message).toMatch(/^`spinner\(\)` \(awaited in the task of `main\(\)`\) never gave the event loop back/);
    expect(await hintsFor(program("i += 1\n              if i == 1000:\n                  return"))).toEqual([]);
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
    expect(hints[0]!.message).toContain("`boom()` failed with `ValueError`");
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
    expect(hints[0]!.message).toMatch(/awaited 3 slow things one after another \(4\d\d ms in all\).*about 1[5-9]\d ms/);
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

  it("a third-party module: the standard library only, and what to use instead", async () => {
    const [hint, ...others] = await hintsFor(`
      import asyncio
      import aiohttp
    `);
    expect(others).toEqual([]);
    expect(hint).toMatchObject({ id: "third-party-module", line: 2, concept: "streams" });
    expect(hint!.message).toMatch(/^`aiohttp` is not installed here: code runs with Python's standard library only/);
    expect(hint!.message).toContain("asyncio.start_server");
    expect(await hintsFor("import numpy.linalg")).toEqual([expect.objectContaining({ id: "third-party-module", concept: undefined })]);
    expect(await hintsFor("import asyncio.queues")).toEqual([]);
  });

  it("the network: a name lookup, or a connection outside the sandbox", async () => {
    const lookup = await hintsFor(`
      import urllib.request
      urllib.request.urlopen("http://example.com")
    `);
    expect(lookup).toEqual([expect.objectContaining({ id: "no-network", line: 2, concept: "streams" })]);
    expect(lookup[0]!.message).toMatch(/^Code run here has no network/);
    const outside = await hintsFor(`
      import asyncio
      asyncio.run(asyncio.open_connection("93.184.216.34", 80))
    `);
    expect(outside.map((hint) => hint.id)).toEqual(["no-network"]);
    // Nothing listening on the sandbox's own loopback is a mistake of the program, not a missing network.
    expect(await hintsFor(`
      import asyncio
      asyncio.run(asyncio.open_connection("127.0.0.1", 9))
    `)).toEqual([]);
  });
});
