import type { Interval, Timeline, TimelineTask } from "../protocol.js";
import { waitOf, type OutputLine } from "./timeline.js";

/** A task's call as the learner wrote it: `job(1)`, `fetch('https://…')`, `main()`. */
export function callOf(task: TimelineTask): string {
  return `${task.coroutine}(${task.args ?? ""})`;
}

/** asyncio's default task names, "Task-3": they tell a learner nothing the call does not. */
const DEFAULT_NAME = /^Task-\d+$/;

/**
 * A label per task that tells its lane apart: its call, with the task's name when the program named it or
 * when another task has the same call (`job() Task-3`, `job() Task-4`).
 */
export function laneLabels(tasks: readonly TimelineTask[]): string[] {
  const calls = tasks.map(callOf);
  const count = new Map<string, number>();
  for (const call of calls) count.set(call, (count.get(call) ?? 0) + 1);
  return tasks.map((task, index) => {
    const call = calls[index]!;
    return !DEFAULT_NAME.test(task.name) || count.get(call)! > 1 ? `${call} ${task.name}` : call;
  });
}

/**
 * When the task became ready to run again during a wait, if the recording tells: a new task is ready at once
 * (until its first step it only waits its turn), as after a bare yield (`sleep(0)`); a wait on tasks is over
 * when the last of them finished. Otherwise (a sleep, I/O) it is unknown and the wait is drawn as waiting.
 * From then to the wait's end the task was "ready, waiting for the loop": some other step held the loop.
 */
export function readyFrom(timeline: Timeline, task: TimelineTask, interval: Interval): number | undefined {
  if (interval.kind !== "waiting") return undefined;
  if (interval.startMs === task.createdMs && task.intervals[0] === interval) return interval.startMs;
  const wait = waitOf(timeline, interval);
  if (wait?.kind === "yield") return interval.startMs;
  if ((wait?.kind === "task" || wait?.kind === "tasks") && wait.taskIds && wait.taskIds.length > 0) {
    const finished = wait.taskIds.map((id) => timeline.tasks.find((other) => other.id === id)?.finishedMs);
    if (finished.some((ms) => ms === undefined || ms === null)) return undefined;
    return Math.max(interval.startMs, ...(finished as number[]));
  }
  return undefined;
}

/** Ready time shorter than this is the loop's own turn-around, not worth drawing. */
export const READY_MIN_MS = 1;

/** The ready stretch at the end of a wait, if long enough to show: [from, to]. */
export function readySpan(timeline: Timeline, task: TimelineTask, interval: Interval): [number, number] | undefined {
  const from = readyFrom(timeline, task, interval);
  return from !== undefined && interval.endMs - from >= READY_MIN_MS ? [from, interval.endMs] : undefined;
}

/**
 * The stretch of time a picture shows: from the program's first task or printed line (the interpreter's
 * start before that is no part of the program's story) to the last thing that happened.
 */
export function shownSpan(timeline: Timeline, tasks: readonly TimelineTask[], lines: readonly OutputLine[]): { startMs: number; endMs: number } {
  // Loops, not Math.max(...spread): a spread of 200,000 printed lines overflows the call stack.
  let endMs = timeline.wallMs;
  let startMs = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    endMs = Math.max(endMs, line.atMs);
    startMs = Math.min(startMs, line.atMs);
  }
  for (const task of tasks) {
    startMs = Math.min(startMs, task.createdMs);
    for (const interval of task.intervals) endMs = Math.max(endMs, interval.endMs);
  }
  startMs = Math.min(startMs, endMs);
  return { startMs, endMs: Math.max(endMs, startMs + 1) };
}
