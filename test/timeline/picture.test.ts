import { describe, expect, it } from "vitest";
import { timelineAttachments, TIMELINE_PICTURE } from "../../src/core/run/timeline/attachments.js";
import { renderTimelinePng, renderTimelineSvg } from "../../src/core/run/timeline/picture.js";
import { renderTimelineText } from "../../src/core/run/timeline/text.js";
import { MAX_LANES, outputLines } from "../../src/core/run/timeline/timeline.js";
import { outputFromPieces, type Timeline, type TimelineTask } from "../../src/core/run/protocol.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function task(id: number, coroutine: string, intervals: [kind: "running" | "waiting", startMs: number, endMs: number][]): TimelineTask {
  return {
    id,
    name: `Task-${id}`,
    coroutine,
    createdBy: id === 1 ? "asyncio.run" : "gather",
    createdMs: intervals[0]![1],
    finishedMs: intervals.at(-1)![2],
    outcome: "result",
    intervals: intervals.map(([kind, startMs, endMs]) => ({ kind, startMs, endMs, ...(kind === "waiting" ? { wait: 0 } : {}) })),
  };
}

const gathered: Timeline = {
  waits: [{ kind: "sleep", label: "asyncio.sleep" }],
  wallMs: 1010,
  droppedSteps: 0,
  droppedTasks: 0,
  tasks: [
    task(1, "main", [["running", 0, 1], ["waiting", 1, 1004], ["running", 1004, 1005]]),
    ...[2, 3, 4].map((id) => task(id, "brew", [["running", 1, 2], ["waiting", 2, 1002], ["running", 1002, 1003]])),
  ],
};

describe("the timeline picture", () => {
  it("is a PNG at twice the SVG's size", () => {
    const png = renderTimelinePng(gathered, []);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const svg = renderTimelineSvg(gathered, []);
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    expect(pngSize(png)).toEqual({ width: width! * 2, height: height! * 2 });
  });

  it("draws one lane per task, a label per printed line, the total time, and grows with the lanes", () => {
    const lines = [
      { text: "tea: done", stream: "stdout" as const, atMs: 1002 },
      { text: "<oops> & \u0007", stream: "stderr" as const, atMs: 1003 },
    ];
    const svg = renderTimelineSvg(gathered, lines);
    // Three lanes of the same call are told apart by their task names.
    expect(svg.match(/>brew\(\) Task-[234]</g)).toHaveLength(3);
    expect(svg.match(/>main\(\)</g)).toHaveLength(1);
    expect(svg).toContain(">tea: done<");
    expect(svg).toContain("&lt;oops&gt; &amp; <"); // escaped, control character dropped
    expect(svg).toContain("4 tasks · 1.01 s in all");
    const oneLane = renderTimelinePng({ ...gathered, tasks: gathered.tasks.slice(0, 1) }, lines);
    expect(pngSize(renderTimelinePng(gathered, lines)).height).toBeGreaterThan(pngSize(oneLane).height);
  });

  it("shows at most MAX_LANES lanes and counts the rest", () => {
    const many: Timeline = { ...gathered, droppedTasks: 5, tasks: Array.from({ length: 20 }, (_, index) => task(index + 1, "worker", [["running", 0, 10]])) };
    const svg = renderTimelineSvg(many, []);
    expect(svg.match(/>worker\(\) Task-\d+</g)).toHaveLength(MAX_LANES);
    expect(svg).toContain(`${20 - MAX_LANES + 5} more tasks not shown.`);
    expect(renderTimelinePng(many, []).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it("marks a step that held the loop past 100 ms as blocking", () => {
    const blocked: Timeline = { ...gathered, tasks: [task(1, "main", [["running", 0, 500]])], wallMs: 500 };
    expect(renderTimelineSvg(blocked, [])).toContain(">blocked 500 ms<");
    expect(renderTimelineText(blocked).split("\n")[1]).toMatch(/^main\(\) +!{40}✓$/);
  });

  it("has a complete legend: running, waiting, ready, blocking, printed, and the ✓ ✗ ⊘ of how tasks ended", () => {
    const svg = renderTimelineSvg(gathered, []);
    for (const entry of ["running", "waiting on something", "ready, waiting for the loop", "blocking the loop", "a line printed", "✓", "finished", "✗", "raised", "⊘", "cancelled"]) {
      expect(svg).toContain(`>${entry}`);
    }
  });

  it("labels lanes with their call and arguments, and adds task names only where they tell lanes apart", () => {
    const jobs: Timeline = {
      ...gathered,
      tasks: [
        task(1, "main", [["running", 0, 1], ["waiting", 1, 1004], ["running", 1004, 1005]]),
        { ...task(2, "job", [["running", 1, 2]]), args: "1" },
        { ...task(3, "job", [["running", 1, 2]]), args: "2" },
        { ...task(4, "job", [["running", 1, 2]]), args: "2", name: "second-two" },
      ],
    };
    const svg = renderTimelineSvg(jobs, []);
    expect(svg).toContain(">job(1)<");
    expect(svg).toContain(">job(2) Task-3<");
    expect(svg).toContain(">job(2) second-two<");
    expect(renderTimelineText(jobs).split("\n").slice(1).map((lane) => lane.slice(0, 16).trim())).toEqual(["main()", "job(1)", "job(2) Task-3", "job(2) second-t…"]);
  });

  it("draws a task that was ready but stuck behind another's step apart from one waiting on something", () => {
    const stuck: Timeline = {
      ...gathered,
      wallMs: 302,
      tasks: [
        task(1, "main", [["running", 0, 1], ["waiting", 1, 301], ["running", 301, 302]]),
        { ...task(2, "brew", [["running", 1, 151]]), createdMs: 1 },
        // Made at 1 ms, ready at once, but brew(1) held the loop until 151 ms.
        { ...task(3, "brew", [["waiting", 1, 151], ["running", 151, 301]]), createdMs: 1 },
      ],
    };
    const [, main, first, second] = renderTimelineText(stuck).split("\n");
    expect(main).toMatch(/^main\(\) +#-+#✓$/); // waits on asyncio.sleep: waiting on something
    expect(first).toMatch(/^brew\(\) Task-2 +!+✓$/);
    expect(second).toMatch(/^brew\(\) Task-3 +\.{18,21}!+✓$/);
    expect(renderTimelineSvg(stuck, []).match(/stroke="#c4b5fd"/g)).toHaveLength(2); // the legend's and brew Task-3's
  });

  it("starts the axis with the program's first task, not with the interpreter's start", () => {
    const late: Timeline = { ...gathered, wallMs: 250, tasks: [task(1, "main", [["running", 50, 250]])] };
    expect(renderTimelineText(late).split("\n")).toEqual([expect.stringMatching(/^1 task in 200 ms /), "main()           !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!✓"]);
    const svg = renderTimelineSvg(late, []);
    expect(svg).toContain("1 task · 200 ms in all");
    // The bar begins where the axis does (PLOT_LEFT, 172), at the tick "0", and spans the whole plot (508 wide).
    expect(svg).toMatch(/<rect x="172" y="[\d.]+" width="508" height="14" rx="2" fill="#f87171"\/>/);
  });
});

describe("the timeline as text", () => {
  it("has a summary line and one lane per task", () => {
    const text = renderTimelineText(gathered);
    const [summary, ...lanes] = text.split("\n");
    expect(summary).toBe("4 tasks in 1.01 s (# running, ! blocking the loop, - waiting, . ready but the loop busy; ✓ finished, ✗ raised, ⊘ cancelled)");
    expect(lanes).toHaveLength(4);
    expect(lanes[0]).toMatch(/^main\(\) +#-+#✓$/);
    expect(lanes[1]).toMatch(/^brew\(\) Task-2 +#-+#✓$/);
  });
});

describe("timelineAttachments", () => {
  it("gives the picture and its text for a program with tasks, nothing for one without", () => {
    const output = outputFromPieces([{ stream: "stdout" as const, text: "a\nb", atMs: 3 }, { stream: "stdout" as const, text: "c\n", atMs: 9 }]);
    const shown = timelineAttachments({ timeline: gathered, ...output })!;
    expect(shown.attachment.name).toBe(TIMELINE_PICTURE);
    expect(shown.attachment.data.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(shown.attachment.description).toBe(renderTimelineText(gathered).split("\n")[0]);
    expect(shown.text).toBe(renderTimelineText(gathered));
    expect(timelineAttachments({ timeline: { ...gathered, tasks: [] }, ...output })).toBeUndefined();
    expect(timelineAttachments(output)).toBeUndefined();
  });

  it("times each printed line by the chunk that finished it", () => {
    const chunks = [
      { stream: "stdout" as const, text: "a\nb", atMs: 3 },
      { stream: "stderr" as const, text: "oops\n", atMs: 5 },
      { stream: "stdout" as const, text: "c\nd", atMs: 9 },
    ];
    expect(outputLines(chunks)).toEqual([
      { text: "a", stream: "stdout", atMs: 3 },
      { text: "oops", stream: "stderr", atMs: 5 },
      { text: "bc", stream: "stdout", atMs: 9 },
      { text: "d", stream: "stdout", atMs: 9 },
    ]);
  });
});
