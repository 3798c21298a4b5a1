import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_FRAMES_PER_RUN, resolveLimits, type RunLimits } from "../core/run/limits.js";
import type { LimitName, RunResult } from "../core/run/protocol.js";
import { log } from "../log.js";
import { BWRAP_TASKS, FRAMES_FD, REQUEST_FD, SECCOMP_FD, sandboxCommand } from "./bwrap-args.js";
import { createRunCgroup, type RunCgroup } from "./cgroup.js";
import { cgroupProblem } from "./cgroup-problem.js";
import { FrameReader, type Frame } from "./frames.js";
import { SandboxIds, type IdRange } from "./ids.js";
import { OutputCollector } from "./output.js";
import { MAX_RECORDING_BYTES, RecordingCollector } from "./recording.js";
import { createScratch, removeOrphanedScratch, unmountIdleScratch, type Scratch } from "./scratch.js";
import { seccompFilter } from "./seccomp.js";
import { configuredDefaultPython, type InstalledPython } from "./userlands.js";

const sandboxLog = log.child({ module: "sandbox" });

export interface SandboxOptions {
  /** The Python and its userland; unset, the configured default (LOOPY_DEFAULT_PYTHON or the newest stable one). */
  python?: InstalledPython;
  limits?: Partial<RunLimits>;
}

/** How often CPU time and cgroup limit events are checked during a run. */
const POLL_MS = 50;
/** A sandbox that is not ready by then is broken (a healthy one takes ~100 ms). */
const START_TIMEOUT_MS = 15_000;
/** After the run's processes are all killed their pipes close at once; this only guards against surprises. */
const CLOSE_TIMEOUT_MS = 2_000;
/** bwrap's error messages before the runner starts; more is never useful. */
const STARTUP_STDERR_BYTES = 4096;
/**
 * Frame bytes a run may send beyond its output: the recorder's snapshots (one a second at most, and one per step
 * that blocks the loop) stay far below this. Past it, or past MAX_FRAMES_PER_RUN frames, the run is stopped: reading
 * frames costs the worker, and a run must not make the worker pay more than a bounded amount for it.
 */
const REPORT_BYTES_PER_RUN = 16 * MAX_RECORDING_BYTES;

/** One per process: every sandbox alive at once has a host uid and gid of its own. */
let sandboxIds = new SandboxIds();
process.once("exit", () => sandboxIds.close());

/** Clean-ups of finished sandboxes still under way (unmounting their scratch, giving back their ids). */
const cleanups = new Set<Promise<void>>();

function trackCleanup(cleanup: Promise<void>): void {
  cleanups.add(cleanup);
  void cleanup.finally(() => cleanups.delete(cleanup));
}

/**
 * Resolves once every finished sandbox of this process is wholly cleaned up and the idle scratch file systems are
 * unmounted: for pool.close and commands that exit after their runs.
 */
export async function sandboxCleanups(): Promise<void> {
  while (cleanups.size > 0) await Promise.allSettled([...cleanups]);
  await unmountIdleScratch();
}

/** Uses another range of host ids for sandboxes (SANDBOX_IDS); call before the first sandbox starts. */
export function useSandboxIds(range: IdRange): void {
  sandboxIds.close();
  sandboxIds = new SandboxIds(range);
}
/** Scratch mounts of workers that died are removed once, before this process mounts its first. */
let orphansRemoved: Promise<void> | undefined;

/** The sandbox itself could not be started (missing bwrap, no user namespaces, no cgroup access, …). */
export class SandboxStartError extends Error {
  override name = "SandboxStartError";
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One started, single-use sandbox: the runner waits inside its own namespaces and cgroup for code.
 * `run` works once, and afterwards (or on `destroy`) everything the sandbox started is killed and removed.
 */
export class Sandbox {
  /** Python version, e.g. "3.11.2", as the runner reported it. */
  python = "";
  private readonly frames = new FrameReader();
  private readonly exited: Promise<Exit>;
  private readonly closed: Promise<void>;
  private collector: OutputCollector | null = null;
  private readonly recording = new RecordingCollector();
  private startupStderr = "";
  private framesRead = 0;
  private reportBytes = 0;
  private used = false;
  private destroyed: Promise<void> | null = null;
  private cgroupRemoved: Promise<void> | null = null;
  private markReady: () => void = () => {};
  /** Called once when the run's frames pass their budget. */
  private onFramesExceeded: () => void = () => {};

  private constructor(
    private readonly child: ChildProcess,
    private readonly cgroup: RunCgroup,
    private readonly scratch: Scratch,
    private readonly id: number,
    /** /tmp's size is fixed when the sandbox starts. */
    readonly tmpBytes: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => {
        this.startupStderr += String(error);
        resolve({ code: null, signal: null });
      });
    });
    this.closed = new Promise((resolve) => child.once("close", () => resolve()));
    // Writing to a sandbox that died fails with EPIPE; the exit already tells the story.
    for (const stream of child.stdio.slice(REQUEST_FD)) stream?.on("error", () => {});
    (child.stdio[FRAMES_FD] as Readable).on("data", (data: Buffer) => this.onFrameBytes(data));
    (child.stdio[1] as Readable).on("data", (data: Buffer) => this.onRawOutput("stdout", data));
    (child.stdio[2] as Readable).on("data", (data: Buffer) => this.onRawOutput("stderr", data));
  }

  /** Starts a sandbox and waits until its runner is ready for code. */
  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const limits = resolveLimits(options.limits);
    const filter = await seccompFilter().catch((error: unknown) => {
      throw new SandboxStartError(error instanceof Error ? error.message : String(error));
    });
    let cgroup: RunCgroup;
    try {
      cgroup = createRunCgroup();
    } catch (error) {
      throw new SandboxStartError(`${cgroupProblem(error)} \`npx loopy doctor\` checks the machine.`);
    }
    orphansRemoved ??= removeOrphanedScratch();
    await orphansRemoved;
    const id = sandboxIds.take();
    let scratch: Scratch | undefined;
    let sandbox: Sandbox | undefined;
    try {
      scratch = await createScratch(limits.tmpBytes, id, id).catch((error: unknown) => {
        throw new SandboxStartError(error instanceof Error ? error.message : String(error));
      });
      cgroup.setLimits(limits.memoryBytes, limits.processes + BWRAP_TASKS);
      const python = options.python ?? configuredDefaultPython();
      const { command, args, inputs, fdCount } = sandboxCommand({
        python: python.interpreter,
        userland: python.userland,
        procsFiles: cgroup.procsFiles,
        uid: id,
        gid: id,
        tmpDir: scratch.tmpDir,
        shmDir: scratch.shmDir,
      });
      const child = spawn(command, args, {
        stdio: ["ignore", ...Array<"pipe">(fdCount - 1).fill("pipe")],
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        // Not the bot's folder: sh would export it as PWD, readable in /proc/1/environ inside.
        cwd: "/",
      });
      sandbox = new Sandbox(child, cgroup, scratch, id, limits.tmpBytes);
      // Node's types know five stdio streams; bwrap reads the filter, its arguments and the files it copies in.
      const pipes = child.stdio as unknown as (Writable | null)[];
      pipes[SECCOMP_FD]!.end(filter);
      for (const [fd, data] of inputs) pipes[fd]!.end(data);
      await sandbox.waitUntilReady();
      return sandbox;
    } catch (error) {
      if (sandbox) await sandbox.destroy();
      else await Promise.all([cgroup.destroy(), scratch?.release()]).finally(() => sandboxIds.release(id));
      throw error;
    }
  }

  private async waitUntilReady(): Promise<void> {
    const ready = new Promise<"ready">((resolve) => (this.markReady = () => resolve("ready")));
    const timeout = sleep(START_TIMEOUT_MS, "timeout" as const, { ref: false });
    const outcome = await Promise.race([ready, this.exited, timeout]);
    if (outcome === "ready") return;
    const why = outcome === "timeout" ? `not ready after ${START_TIMEOUT_MS} ms` : `exited (${JSON.stringify(outcome)})`;
    throw new SandboxStartError(`sandbox ${why}: ${this.startupStderr.trim() || "no error output"}`);
  }

  /** False once the sandbox's processes are gone (killed from outside while waiting in a pool). */
  get isAlive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs code once, `stdin` on its standard input. Limits may differ from those the sandbox started with, except tmpBytes. */
  async run(code: string, overrides: Partial<RunLimits> = {}, stdin = ""): Promise<RunResult> {
    if (this.used) throw new Error("a sandbox runs code only once");
    this.used = true;
    const limits = resolveLimits({ ...overrides, tmpBytes: this.tmpBytes });
    try {
      return await this.runOnce(code, limits, stdin);
    } finally {
      // Nothing of the run is left once its cgroup is gone; emptying its scratch (up to 8,192 files) and giving
      // back its uid need not delay the answer. `sandboxCleanups()` waits for them.
      await this.removeCgroup().catch(() => {}); // destroy() reports the failure
      trackCleanup(this.destroy());
    }
  }

  private async runOnce(code: string, limits: RunLimits, stdin: string): Promise<RunResult> {
    this.cgroup.setLimits(limits.memoryBytes, limits.processes + BWRAP_TASKS);
    const cpuBefore = this.cgroup.cpuUsageMs();
    const startedAt = performance.now();
    let stoppedBy: LimitName | null = null;
    const stop = (limit: LimitName) => {
      if (stoppedBy) return;
      stoppedBy = limit;
      this.cgroup.killAll().catch(() => {}); // destroy() kills again and reports failures
    };
    this.collector = new OutputCollector(limits.outputBytes, startedAt, () => stop("output"));
    this.onFramesExceeded = () => stop("frames");

    const request = {
      code,
      stdin,
      limits: {
        // A backstop: the cgroup's CPU time, polled, normally stops the run first.
        cpuSeconds: Math.ceil(limits.cpuMs / 1000) + 1,
        fileSizeBytes: limits.fileSizeBytes,
        openFiles: limits.openFiles,
      },
      timeline: true,
    };
    (this.child.stdio[REQUEST_FD] as Writable).end(JSON.stringify(request));
    const wallTimer = setTimeout(() => stop("time"), limits.wallMs);
    const cpuUsed = () => this.cgroup.cpuUsageMs() - cpuBefore;
    const poll = setInterval(() => {
      const events = this.cgroup.limitEvents();
      // A fork bomb also runs out of memory; the process limit is the better explanation.
      if (events.processes) stop("processes");
      else if (events.memory) stop("memory");
      else if (cpuUsed() > limits.cpuMs) stop("cpu");
    }, POLL_MS);

    const exit = await this.exited;
    const wallMs = Math.round(performance.now() - startedAt);
    clearTimeout(wallTimer);
    clearInterval(poll);
    await this.cgroup.killAll(); // daemons and orphans die with the run
    await Promise.race([this.closed, sleep(CLOSE_TIMEOUT_MS, undefined, { ref: false })]);

    // Only what the run cannot forge decides the limit: Loopy's own stops, the cgroup's counters, and the scratch
    // file system measured from outside. An exit status over 128 is only a number (sys.exit(152) looks like SIGXCPU).
    const events = this.cgroup.limitEvents();
    const cpuMs = Math.round(cpuUsed());
    const limit: LimitName | null =
      stoppedBy ??
      (events.processes ? "processes"
        : events.memory ? "memory"
        : cpuMs > limits.cpuMs ? "cpu"
        : this.scratch.isFull() ? "disk"
        : null);
    const output = this.collector.finish();
    const capped = this.collector.orderCapped ? ["the order of stdout and stderr is kept for the first pieces of output only"] : [];
    return {
      outcome: limit ? "limit" : exit.code === 0 ? "ok" : "error",
      limit,
      exitCode: exit.code,
      signal: exit.signal,
      ...output,
      wallMs,
      cpuMs,
      truncated: this.collector.truncated,
      python: this.python,
      timeline: this.recording.timeline(startedAt, limit ? wallMs : undefined),
      capped,
    };
  }

  /** Kills everything the sandbox started and removes its cgroup, once however often it is asked. */
  private removeCgroup(): Promise<void> {
    this.cgroupRemoved ??= this.cgroup.destroy();
    return this.cgroupRemoved;
  }

  /** Kills everything the sandbox started, removes its cgroup and releases its scratch; safe to call more than once. */
  destroy(): Promise<void> {
    this.destroyed ??= this.removeCgroup()
      .then(() => this.scratch.release())
      .then(
        () => sandboxIds.release(this.id),
        // Its id is not handed out again: something of the run may still hold it.
        (error: unknown) => sandboxLog.error({ err: error, uid: this.id }, "could not clean up after a sandbox"),
      )
      .finally(() => {
        for (const stream of this.child.stdio) stream?.destroy();
      });
    return this.destroyed;
  }

  /** Every frame is charged to the run: past its budget the run is stopped, and no more frames are read. */
  private onFrameBytes(data: Buffer): void {
    if (this.overFrameBudget()) return;
    for (const frame of this.frames.push(data)) {
      this.framesRead++;
      if (frame.kind === "timeline" || frame.kind === "timeline-snapshot") this.reportBytes += frame.data.length;
      if (this.overFrameBudget()) {
        this.onFramesExceeded();
        return;
      }
      this.onFrame(frame);
    }
  }

  private overFrameBudget(): boolean {
    return this.framesRead > MAX_FRAMES_PER_RUN || this.reportBytes > REPORT_BYTES_PER_RUN;
  }

  private onFrame(frame: Frame): void {
    if (frame.kind === "ready") {
      this.python ||= frame.python;
      this.markReady();
    } else if (frame.kind === "timeline") {
      this.recording.add(frame.data);
    } else if (frame.kind === "timeline-snapshot") {
      this.recording.addSnapshotPiece(frame.data);
    } else if (frame.kind !== "ignored") {
      this.collector?.add(frame.stream, "frames", frame.data);
    }
  }

  private onRawOutput(stream: "stdout" | "stderr", data: Buffer): void {
    if (this.collector) this.collector.add(stream, "fd", data);
    else if (stream === "stderr") this.startupStderr = (this.startupStderr + data.toString()).slice(-STARTUP_STDERR_BYTES);
  }
}

/**
 * Runs a learner's code in a fresh sandbox and returns what happened. Throws SandboxStartError only when
 * the sandbox itself is broken; whatever the code does ends up in the result.
 */
export async function runInSandbox(code: string, options: SandboxOptions = {}, stdin = ""): Promise<RunResult> {
  const sandbox = await Sandbox.start(options);
  return sandbox.run(code, options.limits, stdin);
}
