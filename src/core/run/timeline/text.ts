import type { Timeline, TimelineTask } from "../protocol.js";
import { formatDuration, isBlockingStep, MAX_LANES } from "./timeline.js";

/** Columns of the lanes: fits a phone's code block next to the labels. */
const COLUMNS = 40;
const LABEL_WIDTH = 16;

/**
 * The timeline as a few lines of plain text, for clients without images (the console, screen readers):
 *
 *     main()          #--------------------------------------#
 *     work() Task-2    #-------------------------------------#
 *
 * "#" ran in that slice of time, "!" blocked the loop there, "-" waited, blank: not yet made or done.
 */
export function renderTimelineText(timeline: Timeline): string {
  const endMs = Math.max(timeline.wallMs, 1);
  const column = (ms: number) => Math.min(COLUMNS - 1, Math.floor((ms / endMs) * COLUMNS));
  const shown = timeline.tasks.slice(0, MAX_LANES);
  const lanes = shown.map((task) => `${label(task).padEnd(LABEL_WIDTH)} ${laneText(task, column)}`.trimEnd());
  const hidden = timeline.tasks.length - shown.length + timeline.droppedTasks;
  const count = timeline.tasks.length + timeline.droppedTasks;
  return [
    `${count} task${count === 1 ? "" : "s"} in ${formatDuration(timeline.wallMs)} (# running, ! blocking the loop, - waiting)`,
    ...lanes,
    ...(hidden > 0 ? [`… and ${hidden} more`] : []),
  ].join("\n");
}

function label(task: TimelineTask): string {
  const name = task.createdBy === "asyncio.run" ? `${task.coroutine}()` : `${task.coroutine}() ${task.name}`;
  return name.length <= LABEL_WIDTH ? name : `${name.slice(0, LABEL_WIDTH - 1)}…`;
}

function laneText(task: TimelineTask, column: (ms: number) => number): string {
  const cells = Array<string>(COLUMNS).fill(" ");
  // Waits first, so a step in the same column wins over them.
  for (const interval of [...task.intervals].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "waiting" ? -1 : 1))) {
    const mark = interval.kind === "waiting" ? "-" : isBlockingStep(interval) ? "!" : "#";
    for (let index = column(interval.startMs); index <= column(interval.endMs); index++) {
      if (cells[index] !== "!") cells[index] = mark;
    }
  }
  return cells.join("");
}
