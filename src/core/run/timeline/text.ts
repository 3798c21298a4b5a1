import { laneLabels, readySpan, shownSpan } from "./lanes.js";
import type { Timeline, TimelineTask } from "../protocol.js";
import { formatDuration, isBlockingStep, MAX_LANES } from "./timeline.js";

/** Columns of the lanes: fits a phone's code block next to the labels. */
const COLUMNS = 40;
const LABEL_WIDTH = 16;

const OUTCOME_MARKS = { result: "✓", exception: "✗", cancelled: "⊘", pending: "" } as const;

/** The summary line's legend, also the picture's alt text. */
const LEGEND = "# running, ! blocking the loop, - waiting, . ready but the loop busy; ✓ finished, ✗ raised, ⊘ cancelled";

/**
 * The timeline as a few lines of plain text, for clients without images (the console, screen readers):
 *
 *     main()           #--------------------------------------#✓
 *     job(1)            #.....--------------------------------#✓
 *
 * "#" ran in that slice of time, "!" blocked the loop there, "-" waited, "." was ready while another step
 * held the loop, blank: not yet made or done; then how it ended. Time starts with the first task.
 */
export function renderTimelineText(timeline: Timeline): string {
  const shown = timeline.tasks.slice(0, MAX_LANES);
  const { startMs, endMs } = shownSpan(timeline, shown, []);
  const column = (ms: number) => Math.min(COLUMNS - 1, Math.max(0, Math.floor(((ms - startMs) / (endMs - startMs)) * COLUMNS)));
  const labels = laneLabels(shown).map((label) => (label.length <= LABEL_WIDTH ? label : `${label.slice(0, LABEL_WIDTH - 1)}…`));
  const lanes = shown.map((task, index) => `${labels[index]!.padEnd(LABEL_WIDTH)} ${laneText(timeline, task, column)}`.trimEnd());
  const hidden = timeline.tasks.length - shown.length + timeline.droppedTasks;
  const count = timeline.tasks.length + timeline.droppedTasks;
  return [
    `${count} task${count === 1 ? "" : "s"} in ${formatDuration(endMs - startMs)} (${LEGEND})`,
    ...lanes,
    ...(hidden > 0 ? [`… and ${hidden} more`] : []),
  ].join("\n");
}

function laneText(timeline: Timeline, task: TimelineTask, column: (ms: number) => number): string {
  const cells = Array<string>(COLUMNS).fill(" ");
  const paint = (fromMs: number, toMs: number, mark: string) => {
    for (let index = column(fromMs); index <= column(toMs); index++) if (cells[index] !== "!") cells[index] = mark;
  };
  // Waits first, so a step in the same column wins over them.
  for (const interval of task.intervals.filter((i) => i.kind === "waiting")) {
    paint(interval.startMs, interval.endMs, "-");
    const ready = readySpan(timeline, task, interval);
    if (ready) paint(ready[0], ready[1], ".");
  }
  for (const interval of task.intervals.filter((i) => i.kind === "running")) paint(interval.startMs, interval.endMs, isBlockingStep(interval) ? "!" : "#");
  return `${cells.join("").trimEnd()}${OUTCOME_MARKS[task.outcome]}`;
}
