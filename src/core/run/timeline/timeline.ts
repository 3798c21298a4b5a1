import { z } from "zod";

/**
 * The picture of a run's event loop: every asyncio task, when it ran and what it waited on. Built from
 * the JSON that src/sandbox/recorder.py writes inside the sandbox (see its docstring for the format).
 * Times are milliseconds since the learner's code was handed to the sandbox, like the output's atMs.
 */
export interface Timeline {
  tasks: TimelineTask[];
  wallMs: number;
  /** Steps and tasks the recorder left out of a very busy program (it keeps the start and every long step). */
  droppedSteps: number;
  droppedTasks: number;
  /**
   * Set when a limit stopped the run while a task's step still held the loop: that step runs to the stop
   * (the timeline's end). `line` is the line of the task's coroutine it was at, when known.
   */
  heldAtStop?: { taskId: number; line?: number };
  /**
   * Python 3.14+ for a run stopped by a limit or ending with tasks pending: where each pending task was
   * waiting, as asyncio.format_call_graph prints it. Written by the program's process: untrusted text.
   */
  callGraph?: string;
}

export type TaskOutcome = "result" | "exception" | "cancelled" | "pending";

export interface TimelineTask {
  id: number;
  /** The task's name, "Task-3" unless the program named it. */
  name: string;
  /** The coroutine function's qualified name, e.g. "main" or "Crawler.fetch". */
  coroutine: string;
  /** What made it: "asyncio.run", "create_task", "gather", "TaskGroup", "ensure_future", … */
  createdBy: string;
  createdMs: number;
  /** null while pending at exit (the loop never finished it). */
  finishedMs: number | null;
  outcome: TaskOutcome;
  /** The exception's class name when outcome is "exception". */
  exception?: string;
  intervals: Interval[];
}

export type WaitKind = "sleep" | "task" | "tasks" | "io" | "sync" | "thread" | "yield" | "future";

export interface WaitingOn {
  kind: WaitKind;
  /** For people: "asyncio.sleep", "Queue.get", "Task-2", "gather". */
  label: string;
  /** The tasks waited for, when kind is "task" or "tasks". */
  taskIds?: number[];
}

export interface Interval {
  kind: "running" | "waiting";
  startMs: number;
  endMs: number;
  /** Known for waits after a step: not for the wait between creation and the first step. */
  waitingOn?: WaitingOn;
}

/** A line the program printed and when it reached Loopy. */
export interface OutputLine {
  text: string;
  stream: "stdout" | "stderr";
  atMs: number;
}

/** A step that held the loop this long blocked every other task: asyncio debug mode's slow_callback_duration. */
export const BLOCKING_STEP_MS = 100;

/** Beyond this many tasks lanes stop being readable; pictures count the rest. */
export const MAX_LANES = 14;

/** The recording is written by code the learner can imitate, so everything is checked and bounded. */
const milliseconds = z.number().finite().min(0).max(24 * 3600 * 1000);
/** The recorder sends at most 3,000 characters of call graph; more is not a real recording. */
const MAX_CALL_GRAPH_CHARS = 4000;

const recordingSchema = z.object({
  version: z.literal(1),
  wallMs: milliseconds,
  originMonotonicUs: z.number().int().min(0),
  droppedSteps: z.number().int().min(0),
  droppedTasks: z.number().int().min(0),
  waits: z
    .array(
      z.object({
        kind: z.enum(["sleep", "task", "tasks", "io", "sync", "thread", "yield", "future"]),
        label: z.string().max(200),
        tasks: z.array(z.number().int()).max(10_000).optional(),
      }),
    )
    .max(100_000),
  tasks: z
    .array(
      z.object({
        id: z.number().int().min(1),
        name: z.string().max(200),
        coro: z.string().max(200),
        createdBy: z.string().max(200),
        createdMs: milliseconds,
        steps: z.array(z.tuple([milliseconds, milliseconds, z.number().int().min(-1)])).max(100_000),
        finishedMs: milliseconds.nullable(),
        outcome: z.enum(["result", "exception", "cancelled", "pending"]),
        exception: z.string().max(200).optional(),
      }),
    )
    .max(10_000),
  callGraph: z.string().max(MAX_CALL_GRAPH_CHARS).optional(),
  // Only in the snapshots sent while the program runs: the step holding the loop at that moment.
  running: z
    .object({ task: z.number().int().min(1), startedMs: milliseconds, line: z.number().int().min(1).nullable() })
    .nullable()
    .optional(),
});

type Recording = z.infer<typeof recordingSchema>;

/** The largest recording accepted: the recorder's own caps keep real ones near 1 MB at most. */
export const MAX_RECORDING_BYTES = 4 * 1024 * 1024;

/**
 * The timeline in the recorder's JSON, or undefined when it is missing, too large or not a recording.
 * `startedAt` (a performance.now() reading) is when the parent handed the code over: the recorder starts
 * its clock a few milliseconds later, and times are moved onto the parent's clock, like the output's atMs.
 * `stoppedAtMs` (on that clock) is given for a snapshot of a run a limit stopped: the timeline ends there,
 * with what was waiting still waiting and the step that was running still running.
 */
export function parseRecording(json: string | Buffer, startedAt?: number, stoppedAtMs?: number): Timeline | undefined {
  if (json.length === 0 || json.length > MAX_RECORDING_BYTES) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(json.toString());
  } catch {
    return undefined;
  }
  const parsed = recordingSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return timelineFrom(parsed.data, startedAt === undefined ? 0 : parentClockShiftMs(parsed.data.originMonotonicUs, startedAt), stoppedAtMs);
}

/** How far the recorder's clock started after `startedAt`. Node's hrtime and Python's monotonic are one clock. */
function parentClockShiftMs(originMonotonicUs: number, startedAt: number): number {
  const startedAtUs = Number(process.hrtime.bigint() / 1000n) - (performance.now() - startedAt) * 1000;
  // A recording forged by the program could claim anything; a real shift is milliseconds.
  return Math.min(Math.max((originMonotonicUs - startedAtUs) / 1000, 0), 1000);
}

function timelineFrom(recording: Recording, shiftMs: number, stoppedAtMs?: number): Timeline {
  const at = (ms: number) => Math.round((ms + shiftMs) * 1000) / 1000;
  const wallMs = Math.max(at(recording.wallMs), stoppedAtMs ?? 0);
  const held = stoppedAtMs === undefined ? undefined : recording.running ?? undefined;
  const waitingOn = (index: number): WaitingOn | undefined => {
    const wait = recording.waits[index];
    if (!wait) return undefined;
    return { kind: wait.kind, label: wait.label, ...(wait.tasks ? { taskIds: wait.tasks } : {}) };
  };
  const tasks = recording.tasks.map((task): TimelineTask => {
    const steps: (readonly [number, number, number])[] = task.steps.map(([startMs, endMs, wait]) => [at(startMs), at(Math.max(startMs, endMs)), wait] as const);
    if (task.id === held?.task) steps.push([Math.min(at(held.startedMs), wallMs), wallMs, -1]);
    steps.sort((a, b) => a[0] - b[0]);
    const intervals: Interval[] = [];
    let waitStart = at(task.createdMs);
    let waitFor: WaitingOn | undefined;
    for (const [startMs, endMs, wait] of steps) {
      if (startMs > waitStart) intervals.push({ kind: "waiting", startMs: waitStart, endMs: startMs, ...(waitFor ? { waitingOn: waitFor } : {}) });
      intervals.push({ kind: "running", startMs, endMs });
      waitStart = endMs;
      waitFor = waitingOn(wait);
    }
    // Still waiting when the program ended: draw the wait to the end.
    if (task.finishedMs === null && wallMs > waitStart) {
      intervals.push({ kind: "waiting", startMs: waitStart, endMs: wallMs, ...(waitFor ? { waitingOn: waitFor } : {}) });
    }
    return {
      id: task.id,
      name: task.name,
      coroutine: task.coro,
      createdBy: task.createdBy,
      createdMs: at(task.createdMs),
      finishedMs: task.finishedMs === null ? null : at(task.finishedMs),
      outcome: task.outcome,
      ...(task.exception ? { exception: task.exception } : {}),
      intervals,
    };
  });
  const heldAtStop = held && tasks.some((task) => task.id === held.task) ? { taskId: held.task, ...(held.line === null ? {} : { line: held.line }) } : undefined;
  const pending = tasks.some((task) => task.outcome === "pending");
  const callGraph = recording.callGraph && (stoppedAtMs !== undefined || pending) ? { callGraph: recording.callGraph } : {};
  return { tasks, wallMs, droppedSteps: recording.droppedSteps, droppedTasks: recording.droppedTasks, ...(heldAtStop ? { heldAtStop } : {}), ...callGraph };
}

/** The output as lines, each at the time its last piece arrived (a line may be printed in parts). */
export function outputLines(chunks: readonly OutputLine[]): OutputLine[] {
  const lines: OutputLine[] = [];
  const unfinished = new Map<OutputLine["stream"], OutputLine>();
  for (const chunk of chunks) {
    const pieces = ((unfinished.get(chunk.stream)?.text ?? "") + chunk.text).split("\n");
    unfinished.set(chunk.stream, { text: pieces.pop()!, stream: chunk.stream, atMs: chunk.atMs });
    for (const text of pieces) lines.push({ text, stream: chunk.stream, atMs: chunk.atMs });
  }
  for (const line of unfinished.values()) if (line.text !== "") lines.push(line);
  return lines.sort((a, b) => a.atMs - b.atMs);
}

/** "0.5 ms", "250 ms", "1.00 s". */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${+ms.toFixed(2)} ms`;
  if (ms < 1000) return `${+ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A running interval long enough to have blocked every other task. */
export function isBlockingStep(interval: Interval): boolean {
  return interval.kind === "running" && interval.endMs - interval.startMs >= BLOCKING_STEP_MS;
}

export function blockingSteps(task: TimelineTask): Interval[] {
  return task.intervals.filter(isBlockingStep);
}

/** A recording's pieces in order; past MAX_RECORDING_BYTES it is given up. */
class Pieces {
  private pieces: Buffer[] = [];
  private bytes = 0;

  add(piece: Buffer): void {
    this.bytes += piece.length;
    if (this.bytes <= MAX_RECORDING_BYTES) this.pieces.push(piece);
    else this.pieces.length = 0;
  }

  /** The whole so far (empty when given up), and a fresh start. */
  take(): Buffer {
    const whole = Buffer.concat(this.pieces);
    this.pieces = [];
    this.bytes = 0;
    return whole;
  }
}

/** Gathers the recorder's frames: the recording sent at exit (T) and the latest whole snapshot (P). */
export class RecordingCollector {
  private readonly final = new Pieces();
  private readonly snapshotPieces = new Pieces();
  private snapshot: Buffer | undefined;

  add(piece: Buffer): void {
    this.final.add(piece);
  }

  /** An empty piece ends a snapshot; a snapshot given up for its size leaves the previous one. */
  addSnapshotPiece(piece: Buffer): void {
    if (piece.length > 0) return this.snapshotPieces.add(piece);
    const whole = this.snapshotPieces.take();
    if (whole.length > 0) this.snapshot = whole;
  }

  /**
   * `startedAt`: the performance.now() reading taken when the code was handed over. `stoppedAtMs`: when a
   * limit stopped the run, which then, lacking the exit's recording, gets the latest snapshot up to then.
   */
  timeline(startedAt: number, stoppedAtMs?: number): Timeline | undefined {
    const final = parseRecording(this.final.take(), startedAt);
    if (final || stoppedAtMs === undefined || !this.snapshot) return final;
    return parseRecording(this.snapshot, startedAt, stoppedAtMs);
  }
}
