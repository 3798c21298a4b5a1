import { z } from "zod";
import type { LimitName } from "./protocol.js";

const MiB = 1024 * 1024;

/** What one run may use. Memory, processes and CPU count the whole run: every process and thread it starts. */
export interface RunLimits {
  /** Wall-clock time from handing over the code to the end of the run. */
  wallMs: number;
  /** CPU time of all the run's processes and threads together (two busy threads spend it twice as fast). */
  cpuMs: number;
  /** Memory of the whole run, including files in /tmp (tmpfs pages are charged to the run). */
  memoryBytes: number;
  /** Processes plus threads of the learner's program, the main Python process included. */
  processes: number;
  /** Bytes of stdout plus stderr; the run is stopped past this. */
  outputBytes: number;
  /** Largest single file the program may write. */
  fileSizeBytes: number;
  /** Size of the private /tmp (the working directory): the run's whole disk. */
  tmpBytes: number;
  /** Open file descriptors per process (sockets and pipes included). */
  openFiles: number;
}

/**
 * Defaults, in line with snekbox (6 s wall, 70 MiB, 15 processes, 1 MB output, no network) but sized so
 * that the programs we teach run. Measured on Debian 12, Python 3.11.2 (2 cores), with a program using
 * asyncio.to_thread, a 2-worker ProcessPoolExecutor and create_subprocess_exec(sys.executable) at once.
 */
export const DEFAULT_LIMITS: Readonly<RunLimits> = Object.freeze({
  // snekbox's 6 s: long enough for sleep-based asyncio demos (they rarely wait more than a few seconds).
  wallMs: 6_000,
  // Below the wall time, so a busy loop is named as CPU use, and threads burning both cores stop
  // after ~2.5 s of wall time. Teaching programs measured use well under 0.5 s.
  cpuMs: 5_000,
  // The teaching program above runs even at 32 MiB (forked workers share pages with the parent), but
  // /tmp's 16 MiB is charged here too and lessons on performance build lists of millions of ints.
  // 100 MiB leaves that room while several runs at once still cannot starve the host.
  memoryBytes: 100 * MiB,
  // The teaching program needs 13 on 2 cores: main, 6 threads of to_thread's default executor
  // (os.cpu_count() + 4, so more on bigger hosts), 2 pool workers and the pool's manager thread, the
  // child and its watcher thread. 32 leaves room for 8-core hosts and still stops a fork bomb at once.
  processes: 32,
  // snekbox's 1 MB, as MiB: far more than Discord shows, enough for the content checks that compare it all.
  outputBytes: 1 * MiB,
  // Half of /tmp, so one runaway file is named before the disk is full.
  fileSizeBytes: 8 * MiB,
  // Room for the files a lesson writes; kept well below memoryBytes so a filled /tmp reads as "disk".
  tmpBytes: 16 * MiB,
  // asyncio needs a handful; servers with many connections in lessons stay far below 256.
  openFiles: 256,
});

const positiveWhole = z.number().int().positive();

/** Validates limit overrides from config, e.g. `runLimitsSchema.partial().parse(overrides)`. */
export const runLimitsSchema = z.object({
  wallMs: positiveWhole,
  cpuMs: positiveWhole,
  // Python and the runner alone need ~15 MiB; anything lower cannot start a run.
  memoryBytes: positiveWhole.min(32 * MiB),
  processes: positiveWhole,
  outputBytes: positiveWhole,
  fileSizeBytes: positiveWhole,
  // main.py itself lives in /tmp.
  tmpBytes: positiveWhole.min(1 * MiB),
  // Python's start-up and the runner's pipes need a few descriptors.
  openFiles: positiveWhole.min(16),
});

/** Defaults with the given overrides, validated. */
export function resolveLimits(overrides: Partial<RunLimits> = {}): RunLimits {
  return runLimitsSchema.parse({ ...DEFAULT_LIMITS, ...overrides });
}

/** Frames the sandbox may send per run, whatever they carry: decoding each costs the worker, not the run. */
export const MAX_FRAMES_PER_RUN = 400_000;

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
    disk: `it wrote more than ${formatBytes(limits.tmpBytes)} of files`,
    frames: `it wrote its output in more than ${MAX_FRAMES_PER_RUN.toLocaleString("en")} separate pieces (print larger pieces, less often)`,
  };
  return `Your program was stopped: ${reason[limit]}.`;
}
