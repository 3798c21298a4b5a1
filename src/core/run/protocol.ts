import { z } from "zod";

/**
 * The run protocol: what a finished run is, in one schema that the sandbox produces, the worker bounds and stores,
 * and the bot reads back. Everything in it came from learner code (output, names, times, even the recording's
 * shape), so every crossing bounds it (see RESULT_BOUNDS) and `parseRunResult` validates it again where it is read.
 */

export type LimitName = "time" | "cpu" | "memory" | "processes" | "output" | "disk" | "frames";
export const LIMIT_NAMES = ["time", "cpu", "memory", "processes", "output", "disk", "frames"] as const satisfies readonly LimitName[];

export type Stream = "stdout" | "stderr";

/**
 * A piece of output in the order written: `length` characters (UTF-16 units) of `stream`'s text, continuing where
 * that stream's previous piece ended. Offsets instead of copies keep the output in the result once.
 */
export interface OutputChunk {
  stream: Stream;
  length: number;
  /** Milliseconds since the code was handed to the sandbox. */
  atMs: number;
}

/** A piece of output with its text, as `orderedOutput` hands them out. */
export interface OutputPiece {
  stream: Stream;
  text: string;
  atMs: number;
}

export type TaskOutcome = "result" | "exception" | "cancelled" | "pending";
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
  /** Index into the timeline's `waits`: what a wait after a step waited on (unknown before the first step). */
  wait?: number;
}

export interface TimelineTask {
  id: number;
  /** The task's name, "Task-3" unless the program named it. */
  name: string;
  /** The coroutine function's qualified name, e.g. "main" or "Crawler.fetch". */
  coroutine: string;
  /** Its first arguments, short, e.g. "1, 'tea'" ("…" for values that are not plain); missing when none. */
  args?: string;
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

/**
 * The picture of a run's event loop: every asyncio task, when it ran and what it waited on. Times are milliseconds
 * since the learner's code was handed to the sandbox, like the output's atMs.
 */
export interface Timeline {
  tasks: TimelineTask[];
  /** Each distinct thing waited on, once; intervals point here by index. */
  waits: WaitingOn[];
  wallMs: number;
  /** Steps and tasks the recorder, or the result's bounds, left out (the start and every long step are kept). */
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

export interface RunResult {
  /** "error": non-zero exit or uncaught exception; "limit": the run hit `limit` (and was usually stopped). */
  outcome: "ok" | "error" | "limit";
  limit: LimitName | null;
  exitCode: number | null;
  /** Set when the sandbox itself was killed by a signal (it is, whenever a limit stopped the run). */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** How stdout and stderr interleaved: offsets into them, in the order written. */
  chunks: OutputChunk[];
  wallMs: number;
  cpuMs: number;
  /** Output was cut at the output limit. */
  truncated: boolean;
  /** Python version, e.g. "3.11.2", as the runner reported it (bounded and checked, but the program could lie). */
  python: string;
  /** Every asyncio task and its steps, within RESULT_BOUNDS; missing when nothing usable was recorded. */
  timeline?: Timeline;
  /** Bounds the result hit on its way (in plain words for the learner), e.g. "the picture shows the first 2,000 steps". */
  capped: string[];
}

/**
 * How big a result may grow, whatever the program did. The worker enforces these before it stores anything
 * (src/sandbox/result-bounds.ts), and `parseRunResult` refuses anything larger where the bot reads it back.
 */
export const RESULT_BOUNDS = Object.freeze({
  /** Ordered pieces of output kept; past it, the rest of each stream follows as one piece (order between them lost). */
  chunks: 2_000,
  /** Tasks in the timeline (the picture draws 14 lanes; hints need the rest only as counts). */
  tasks: 200,
  /** Running and waiting intervals, all tasks together. */
  intervals: 4_000,
  /** Distinct things waited on. */
  waits: 500,
  /** Task ids in one wait (a gather of many). */
  waitTasks: 50,
  /** Characters of a task name, coroutine name, exception name or wait label. */
  label: 80,
  /** Characters of the call graph (3.14+). */
  callGraph: 3_000,
  /** Characters of the version string. */
  python: 20,
  /** The whole result as JSON: the output limit (1 MiB by default, up to 6 bytes a character escaped) and the rest. */
  jsonBytes: 8 * 1024 * 1024,
});

const milliseconds = z.number().finite().min(0).max(24 * 3600 * 1000);
const label = z.string().max(RESULT_BOUNDS.label);

const intervalSchema = z.object({
  kind: z.enum(["running", "waiting"]),
  startMs: milliseconds,
  endMs: milliseconds,
  wait: z.number().int().min(0).max(RESULT_BOUNDS.waits).optional(),
});

const timelineSchema = z
  .object({
    tasks: z
      .array(
        z.object({
          id: z.number().int().min(1),
          name: label,
          coroutine: label,
          args: label.optional(),
          createdBy: label,
          createdMs: milliseconds,
          finishedMs: milliseconds.nullable(),
          outcome: z.enum(["result", "exception", "cancelled", "pending"]),
          exception: label.optional(),
          intervals: z.array(intervalSchema).max(RESULT_BOUNDS.intervals),
        }),
      )
      .max(RESULT_BOUNDS.tasks),
    waits: z
      .array(
        z.object({
          kind: z.enum(["sleep", "task", "tasks", "io", "sync", "thread", "yield", "future"]),
          label,
          taskIds: z.array(z.number().int().min(1)).max(RESULT_BOUNDS.waitTasks).optional(),
        }),
      )
      .max(RESULT_BOUNDS.waits),
    wallMs: milliseconds,
    droppedSteps: z.number().int().min(0),
    droppedTasks: z.number().int().min(0),
    heldAtStop: z.object({ taskId: z.number().int().min(1), line: z.number().int().min(1).optional() }).optional(),
    callGraph: z.string().max(RESULT_BOUNDS.callGraph).optional(),
  })
  .refine((timeline) => timeline.tasks.reduce((sum, task) => sum + task.intervals.length, 0) <= RESULT_BOUNDS.intervals, "too many intervals")
  .refine((timeline) => timeline.tasks.every((task) => task.intervals.every((interval) => interval.wait === undefined || interval.wait < timeline.waits.length)), "an interval points past the waits");

export const runResultSchema = z
  .object({
    outcome: z.enum(["ok", "error", "limit"]),
    limit: z.enum(LIMIT_NAMES).nullable(),
    exitCode: z.number().int().min(0).max(255).nullable(),
    signal: z.string().max(20).nullable(),
    stdout: z.string(),
    stderr: z.string(),
    chunks: z.array(z.object({ stream: z.enum(["stdout", "stderr"]), length: z.number().int().min(0), atMs: milliseconds })).max(RESULT_BOUNDS.chunks + 2),
    wallMs: milliseconds,
    cpuMs: milliseconds,
    truncated: z.boolean(),
    python: z.string().max(RESULT_BOUNDS.python),
    timeline: timelineSchema.optional(),
    capped: z.array(z.string().max(200)).max(20),
  })
  .refine((result) => chunkLengths(result, "stdout") === result.stdout.length && chunkLengths(result, "stderr") === result.stderr.length, "the output pieces do not add up to the output");

function chunkLengths(result: Pick<RunResult, "chunks">, stream: Stream): number {
  let total = 0;
  for (const chunk of result.chunks) if (chunk.stream === stream) total += chunk.length;
  return total;
}

/** A stored result, checked against the protocol; undefined when it is not one (another version wrote it, or worse). */
export function parseRunResult(data: unknown): RunResult | undefined {
  const parsed = runResultSchema.safeParse(data);
  return parsed.success ? (parsed.data as RunResult) : undefined;
}

/** The output in the order it was written, each piece with its text (linear in the output). */
export function orderedOutput(result: Pick<RunResult, "stdout" | "stderr" | "chunks">): OutputPiece[] {
  const offsets = { stdout: 0, stderr: 0 };
  return result.chunks.map((chunk) => {
    const start = offsets[chunk.stream];
    offsets[chunk.stream] = start + chunk.length;
    return { stream: chunk.stream, text: result[chunk.stream].slice(start, start + chunk.length), atMs: chunk.atMs };
  });
}

/** stdout and stderr interleaved as the program wrote them. */
export function interleavedOutput(result: Pick<RunResult, "stdout" | "stderr" | "chunks">): string {
  return orderedOutput(result)
    .map((piece) => piece.text)
    .join("");
}

/** The protocol's form of output given as pieces in order (the inverse of `orderedOutput`). */
export function outputFromPieces(pieces: readonly OutputPiece[]): Pick<RunResult, "stdout" | "stderr" | "chunks"> {
  const text = { stdout: [] as string[], stderr: [] as string[] };
  const chunks = pieces.map((piece): OutputChunk => {
    text[piece.stream].push(piece.text);
    return { stream: piece.stream, length: piece.text.length, atMs: piece.atMs };
  });
  return { stdout: text.stdout.join(""), stderr: text.stderr.join(""), chunks };
}
