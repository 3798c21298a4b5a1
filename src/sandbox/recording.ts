import { z } from "zod";
import { RESULT_BOUNDS, type Interval, type Timeline, type TimelineTask, type WaitingOn } from "../core/run/protocol.js";
import { BLOCKING_STEP_MS } from "../core/run/timeline/timeline.js";

/**
 * The task recorder's JSON (src/sandbox/recorder.py, see its docstring) turned into the protocol's Timeline, within
 * RESULT_BOUNDS. The recording is written by code the learner can imitate, so it is checked, cut and never trusted:
 * a forged one can only spoil the picture of its own run, in bounded time and size.
 */

/** The largest recording read: the recorder's own caps (1,000 tasks, 20,000 steps) keep real ones well under it. */
export const MAX_RECORDING_BYTES = 2 * 1024 * 1024;
/** Steps kept past the interval budget when they held the loop: the blocking hint needs every one of them. */
const LONG_STEP_RESERVE = 400;

/** The recorder sends at most 3,000 characters of call graph; more is not a real recording. */
const MAX_CALL_GRAPH_CHARS = 4000;
const milliseconds = z.number().finite().min(0).max(24 * 3600 * 1000);
const anyLabel = z.string().max(1000);
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
        label: anyLabel,
        tasks: z.array(z.number().int()).max(10_000).optional(),
      }),
    )
    .max(100_000),
  tasks: z
    .array(
      z.object({
        id: z.number().int().min(1),
        name: anyLabel,
        coro: anyLabel,
        args: anyLabel.optional(),
        createdBy: anyLabel,
        createdMs: milliseconds,
        steps: z.array(z.tuple([milliseconds, milliseconds, z.number().int().min(-1)])).max(200_000),
        finishedMs: milliseconds.nullable(),
        outcome: z.enum(["result", "exception", "cancelled", "pending"]),
        exception: anyLabel.optional(),
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
type Step = readonly [number, number, number];

/** Cut to the protocol's label length, control characters dropped (they mean nothing in a label). */
export function boundedLabel(text: string): string {
  // eslint-disable-next-line no-control-regex
  return cutTo(text.replace(/[\u0000-\u001f\u007f]/g, ""), RESULT_BOUNDS.label);
}

/** Text cut to `max` characters, with an ellipsis when something was left out. */
function cutTo(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

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

/** The recorder's waits renumbered into the timeline's own table, each copied once, at most RESULT_BOUNDS.waits. */
class WaitTable {
  readonly entries: WaitingOn[] = [];
  private readonly indexes = new Map<number, number | undefined>();

  constructor(private readonly recorded: Recording["waits"]) {}

  index(recordedIndex: number): number | undefined {
    if (this.indexes.has(recordedIndex)) return this.indexes.get(recordedIndex);
    const wait = this.recorded[recordedIndex];
    let index: number | undefined;
    if (wait && this.entries.length < RESULT_BOUNDS.waits) {
      index = this.entries.length;
      const taskIds = wait.tasks?.filter((id) => id >= 1).slice(0, RESULT_BOUNDS.waitTasks);
      this.entries.push({ kind: wait.kind, label: boundedLabel(wait.label), ...(taskIds ? { taskIds } : {}) });
    }
    this.indexes.set(recordedIndex, index);
    return index;
  }
}

/** A task's steps in time order: real recordings already are, so sorting is only paid for forged ones. */
function inOrder(steps: Step[]): Step[] {
  for (let index = 1; index < steps.length; index++) if (steps[index]![0] < steps[index - 1]![0]) return steps.sort((a, b) => a[0] - b[0]);
  return steps;
}

function timelineFrom(recording: Recording, shiftMs: number, stoppedAtMs?: number): Timeline {
  const at = (ms: number) => Math.round((ms + shiftMs) * 1000) / 1000;
  const wallMs = Math.max(at(recording.wallMs), stoppedAtMs ?? 0);
  const held = stoppedAtMs === undefined ? undefined : recording.running ?? undefined;
  const waits = new WaitTable(recording.waits);
  const kept = recording.tasks.slice(0, RESULT_BOUNDS.tasks);
  let intervalsLeft = RESULT_BOUNDS.intervals;
  let droppedSteps = recording.droppedSteps;
  const tasks = kept.map((task): TimelineTask => {
    const steps: Step[] = task.steps.map(([startMs, endMs, wait]) => [at(startMs), at(Math.max(startMs, endMs)), wait] as const);
    if (task.id === held?.task) steps.push([Math.min(at(held.startedMs), wallMs), wallMs, -1]);
    const intervals: Interval[] = [];
    let waitStart = at(task.createdMs);
    let wait: number | undefined;
    let contiguous = true;
    for (const [startMs, endMs, recordedWait] of inOrder(steps)) {
      const long = endMs - startMs >= BLOCKING_STEP_MS;
      if (intervalsLeft < 2 || (intervalsLeft <= LONG_STEP_RESERVE && !long)) {
        droppedSteps++;
        contiguous = false;
        continue;
      }
      // A wait is drawn only between steps that were both kept: across a gap it would claim a wait that was not one.
      if (contiguous && startMs > waitStart) {
        intervals.push({ kind: "waiting", startMs: waitStart, endMs: startMs, ...(wait === undefined ? {} : { wait }) });
        intervalsLeft--;
      }
      intervals.push({ kind: "running", startMs, endMs });
      intervalsLeft--;
      waitStart = endMs;
      wait = recordedWait >= 0 ? waits.index(recordedWait) : undefined;
      contiguous = true;
    }
    // Still waiting when the program ended: draw the wait to the end.
    if (contiguous && task.finishedMs === null && wallMs > waitStart && intervalsLeft > 0) {
      intervals.push({ kind: "waiting", startMs: waitStart, endMs: wallMs, ...(wait === undefined ? {} : { wait }) });
      intervalsLeft--;
    }
    return {
      id: task.id,
      name: boundedLabel(task.name),
      coroutine: boundedLabel(task.coro),
      ...(task.args ? { args: boundedLabel(task.args) } : {}),
      createdBy: boundedLabel(task.createdBy),
      createdMs: at(task.createdMs),
      finishedMs: task.finishedMs === null ? null : at(task.finishedMs),
      outcome: task.outcome,
      ...(task.exception ? { exception: boundedLabel(task.exception) } : {}),
      intervals,
    };
  });
  const heldAtStop = held && tasks.some((task) => task.id === held.task) ? { taskId: held.task, ...(held.line === null ? {} : { line: held.line }) } : undefined;
  const pending = recording.tasks.some((task) => task.outcome === "pending");
  const graph = recording.callGraph && (stoppedAtMs !== undefined || pending) ? boundedText(recording.callGraph, RESULT_BOUNDS.callGraph) : undefined;
  return {
    tasks,
    waits: waits.entries,
    wallMs,
    droppedSteps,
    droppedTasks: recording.droppedTasks + recording.tasks.length - kept.length,
    ...(heldAtStop ? { heldAtStop } : {}),
    ...(graph ? { callGraph: graph } : {}),
  };
}

/** Cut to `max` characters, control characters other than line breaks dropped. */
function boundedText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return cutTo(text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ""), max);
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
    const whole = this.bytes <= MAX_RECORDING_BYTES ? Buffer.concat(this.pieces) : Buffer.alloc(0);
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
