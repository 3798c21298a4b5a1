import type { Interval, OutputPiece, Timeline, TimelineTask, WaitingOn } from "../protocol.js";

/** A line the program printed and when it reached Loopy. */
export type OutputLine = OutputPiece;

/** A step that held the loop this long blocked every other task: asyncio debug mode's slow_callback_duration. */
export const BLOCKING_STEP_MS = 100;

/** Beyond this many tasks lanes stop being readable; pictures count the rest. */
export const MAX_LANES = 14;

/** What a wait interval waited on, when known. */
export function waitOf(timeline: Pick<Timeline, "waits">, interval: Interval): WaitingOn | undefined {
  return interval.wait === undefined ? undefined : timeline.waits[interval.wait];
}

/**
 * The output as lines, each at the time its last piece arrived (a line may be printed in parts): at most `max`
 * of them, the first ones. Linear in the output: a long line written a character at a time is joined once.
 */
export function outputLines(pieces: readonly OutputPiece[], max = Number.POSITIVE_INFINITY): OutputLine[] {
  const lines: OutputLine[] = [];
  const unfinished = { stdout: [] as string[], stderr: [] as string[] };
  const lastAt = { stdout: 0, stderr: 0 };
  for (const piece of pieces) {
    if (lines.length >= max) break;
    const parts = unfinished[piece.stream];
    lastAt[piece.stream] = piece.atMs;
    let start = 0;
    for (let newline = piece.text.indexOf("\n"); newline !== -1 && lines.length < max; newline = piece.text.indexOf("\n", start)) {
      parts.push(piece.text.slice(start, newline));
      lines.push({ text: parts.join(""), stream: piece.stream, atMs: piece.atMs });
      parts.length = 0;
      start = newline + 1;
    }
    if (start < piece.text.length) parts.push(piece.text.slice(start));
  }
  for (const stream of ["stdout", "stderr"] as const) {
    const text = unfinished[stream].join("");
    if (text !== "" && lines.length < max) lines.push({ text, stream, atMs: lastAt[stream] });
  }
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

