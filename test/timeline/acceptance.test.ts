import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findHints } from "../../src/core/run/hints.js";
import { renderTimelinePng } from "../../src/core/run/timeline/picture.js";
import { outputLines, waitOf } from "../../src/core/run/timeline/timeline.js";
import { orderedOutput, type Interval, type Timeline } from "../../src/core/run/protocol.js";
import { run } from "./helpers.js";

/** The README's pictures: `LOOPY_UPDATE_DOCS=1 npx vitest run test/timeline/acceptance.test.ts` redraws them. */
const UPDATE_DOCS = process.env.LOOPY_UPDATE_DOCS === "1";

const program = (wait: string) => `
  import asyncio
  import time

  async def brew(drink):
      print(f"{drink}: start")
      ${wait}
      print(f"{drink}: done")

  async def main():
      await asyncio.gather(brew("tea"), brew("coffee"), brew("cocoa"))

  asyncio.run(main())
`;

const span = (intervals: Interval[]) => ({ startMs: intervals[0]!.startMs, endMs: intervals.at(-1)!.endMs });
const brews = (timeline: Timeline) => timeline.tasks.filter((task) => task.coroutine === "brew");

describe("acceptance: three one-second waits under gather", () => {
  it("with asyncio.sleep: three overlapping lanes, about 1 s, no hint", async () => {
    const result = await run(program("await asyncio.sleep(1)"));
    const lanes = brews(result.timeline);
    expect(lanes).toHaveLength(3);
    const sleeps = lanes.map((task) => span(task.intervals.filter((i) => i.kind === "waiting" && waitOf(result.timeline, i)?.kind === "sleep")));
    // Every sleep overlaps every other: all start before any ends.
    expect(Math.max(...sleeps.map((s) => s.startMs))).toBeLessThan(Math.min(...sleeps.map((s) => s.endMs)));
    expect(result.timeline.wallMs).toBeGreaterThan(990);
    expect(result.timeline.wallMs).toBeLessThan(1400);
    expect(findHints(result)).toEqual([]);
    if (UPDATE_DOCS) writeFileSync("docs/timeline-gather.png", renderTimelinePng(result.timeline, outputLines(orderedOutput(result))));
  });

  it("with time.sleep: one after another, about 3 s, and the blocking hint", async () => {
    const result = await run(program("time.sleep(1)"));
    const lanes = brews(result.timeline);
    expect(lanes).toHaveLength(3);
    const running = lanes.map((task) => span(task.intervals.filter((i) => i.kind === "running")));
    for (const [earlier, later] of [[running[0]!, running[1]!], [running[1]!, running[2]!]]) {
      expect(later!.startMs).toBeGreaterThanOrEqual(earlier!.endMs);
    }
    expect(result.timeline.wallMs).toBeGreaterThan(2990);
    expect(result.timeline.wallMs).toBeLessThan(3500);
    expect(findHints(result, program("time.sleep(1)")).map((hint) => hint.id)).toEqual(["blocking-the-loop"]);
    if (UPDATE_DOCS) writeFileSync("docs/timeline-time-sleep.png", renderTimelinePng(result.timeline, outputLines(orderedOutput(result))));
  });
});
