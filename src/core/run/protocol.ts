import type { Timeline } from "./timeline/timeline.js";
import type { RunLimits } from "./limits.js";

export type LimitName = "time" | "cpu" | "memory" | "processes" | "output" | "disk";

export interface OutputChunk {
  stream: "stdout" | "stderr";
  text: string;
  /** Milliseconds since the code was handed to the sandbox. */
  atMs: number;
}

export interface RunResult {
  /** "error": non-zero exit or uncaught exception; "limit": the run hit `limit` (and was usually stopped). */
  outcome: "ok" | "error" | "limit";
  limit: LimitName | null;
  exitCode: number | null;
  /** Set when the program died by a signal (e.g. "SIGKILL" when it was stopped at a limit). */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr in the order written. */
  chunks: OutputChunk[];
  wallMs: number;
  cpuMs: number;
  /** Output was cut at the output limit. */
  truncated: boolean;
  /** Python version, e.g. "3.11.2". */
  python: string;
  /**
   * Every asyncio task and its steps. When a limit stopped the run: what the recorder had sent by then, up
   * to the stop. Missing when the program ended otherwise before a normal exit (os._exit, a signal).
   */
  timeline?: Timeline;
}

function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** A sentence for the learner saying which limit stopped the program. */
export function describeLimit(limit: LimitName, limits: RunLimits): string {
  const reason: Record<LimitName, string> = {
    time: `it ran for more than ${formatSeconds(limits.wallMs)}`,
    cpu: `it used more than ${formatSeconds(limits.cpuMs)} of CPU time`,
    memory: `it used more than ${formatBytes(limits.memoryBytes)} of memory`,
    processes: `it tried to run more than ${limits.processes} processes and threads at once`,
    output: `it printed more than ${formatBytes(limits.outputBytes)}`,
    disk: `it wrote more than ${formatBytes(limits.tmpBytes)} of files (at most ${formatBytes(limits.fileSizeBytes)} per file)`,
  };
  return `Your program was stopped: ${reason[limit]}.`;
}
