import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { BWRAP_TASKS, SECCOMP_FD, sandboxCommand } from "./bwrap-args.js";
import { createRunCgroup, type RunCgroup } from "./cgroup.js";
import { RecordingCollector } from "../core/run/timeline/timeline.js";
import { FrameReader, type Frame } from "./frames.js";
import { resolveLimits, type RunLimits } from "../core/run/limits.js";
import { OutputCollector } from "./output.js";
import type { LimitName, RunResult } from "../core/run/protocol.js";
import { seccompFilter } from "./seccomp.js";
import { configuredDefaultPython, type InstalledPython } from "./userlands.js";

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

/** The sandbox itself could not be started (missing bwrap, no user namespaces, no cgroup access, …). */
export class SandboxStartError extends Error {
  override name = "SandboxStartError";
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** bwrap reports a child killed by signal N as exit status 128 + N, as shells do. */
function decodeExit({ code, signal }: Exit): { exitCode: number | null; signal: string | null } {
  if (signal) return { exitCode: null, signal };
  const name = code !== null && code > 128 ? signalNames.get(code - 128) : undefined;
  return name ? { exitCode: null, signal: name } : { exitCode: code, signal: null };
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
  private diskFull = false;
  private used = false;
  private destroyed: Promise<void> | null = null;
  private markReady: () => void = () => {};

  private constructor(
    private readonly child: ChildProcess,
    private readonly cgroup: RunCgroup,
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
    // Writing the request to a sandbox that died fails with EPIPE; the exit already tells the story.
    (child.stdio[3] as Writable).on("error", () => {});
    (child.stdio[4] as Readable).on("data", (data: Buffer) => this.frames.push(data).forEach((frame) => this.onFrame(frame)));
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
      throw new SandboxStartError(
        `Cannot create a control group for the run (${(error as NodeJS.ErrnoException).code ?? String(error)}): ` +
          "Loopy's workers must run as root, or with a delegated cgroup v2 subtree. `npx loopy doctor` checks the machine.",
      );
    }
    let sandbox: Sandbox | undefined;
    try {
      cgroup.setLimits(limits.memoryBytes, limits.processes + BWRAP_TASKS);
      const python = options.python ?? configuredDefaultPython();
      const { command, args } = sandboxCommand({
        python: python.interpreter,
        userland: python.userland,
        procsFiles: cgroup.procsFiles,
        tmpBytes: limits.tmpBytes,
      });
      const child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", "pipe"],
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        // Not the bot's folder: sh would export it as PWD, readable in /proc/1/environ inside.
        cwd: "/",
      });
      sandbox = new Sandbox(child, cgroup, limits.tmpBytes);
      // Node's types know five stdio streams; bwrap reads the filter to its end before it starts Python.
      const filterPipe = (child.stdio as unknown as Writable[])[SECCOMP_FD]!;
      filterPipe.on("error", () => {}); // bwrap died first: its exit says why
      filterPipe.end(filter);
      await sandbox.waitUntilReady();
      return sandbox;
    } catch (error) {
      await (sandbox ? sandbox.destroy() : cgroup.destroy());
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

  /** Runs code once. Limits may differ from those the sandbox started with, except tmpBytes. */
  async run(code: string, overrides: Partial<RunLimits> = {}): Promise<RunResult> {
    if (this.used) throw new Error("a sandbox runs code only once");
    this.used = true;
    const limits = resolveLimits({ ...overrides, tmpBytes: this.tmpBytes });
    try {
      return await this.runOnce(code, limits);
    } finally {
      await this.destroy();
    }
  }

  private async runOnce(code: string, limits: RunLimits): Promise<RunResult> {
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

    const request = {
      code,
      limits: {
        // A backstop: the cgroup's CPU time, polled, normally stops the run first.
        cpuSeconds: Math.ceil(limits.cpuMs / 1000) + 1,
        fileSizeBytes: limits.fileSizeBytes,
        openFiles: limits.openFiles,
      },
      timeline: true,
    };
    (this.child.stdio[3] as Writable).end(JSON.stringify(request));
    const wallTimer = setTimeout(() => stop("time"), limits.wallMs);
    const poll = setInterval(() => {
      const events = this.cgroup.limitEvents();
      // A fork bomb also runs out of memory; the process limit is the better explanation.
      if (events.processes) stop("processes");
      else if (events.memory) stop("memory");
      else if (this.cgroup.cpuUsageMs() - cpuBefore > limits.cpuMs) stop("cpu");
    }, POLL_MS);

    const exit = await this.exited;
    const wallMs = Math.round(performance.now() - startedAt);
    clearTimeout(wallTimer);
    clearInterval(poll);
    await this.cgroup.killAll(); // daemons and orphans die with the run
    await Promise.race([this.closed, sleep(CLOSE_TIMEOUT_MS, undefined, { ref: false })]);

    const { exitCode, signal } = decodeExit(exit);
    const events = this.cgroup.limitEvents();
    const limit: LimitName | null =
      stoppedBy ??
      (events.processes ? "processes"
        : events.memory ? "memory"
        : this.diskFull || signal === "SIGXFSZ" ? "disk"
        : signal === "SIGXCPU" ? "cpu"
        : null);
    const output = this.collector.finish();
    return {
      outcome: limit ? "limit" : exitCode === 0 ? "ok" : "error",
      limit,
      exitCode,
      signal,
      ...output,
      wallMs,
      cpuMs: Math.round(this.cgroup.cpuUsageMs() - cpuBefore),
      truncated: this.collector.truncated,
      python: this.python,
      timeline: this.recording.timeline(startedAt, limit ? wallMs : undefined),
    };
  }

  /** Kills everything the sandbox started and removes its cgroup; safe to call more than once. */
  destroy(): Promise<void> {
    this.destroyed ??= this.cgroup.destroy().finally(() => {
      for (const stream of this.child.stdio) stream?.destroy();
    });
    return this.destroyed;
  }

  private onFrame(frame: Frame): void {
    if (frame.kind === "ready") {
      this.python ||= frame.python;
      this.markReady();
    } else if (frame.kind === "disk-full") {
      this.diskFull = true;
    } else if (frame.kind === "timeline") {
      this.recording.add(frame.data);
    } else if (frame.kind === "timeline-snapshot") {
      this.recording.addSnapshotPiece(frame.data);
    } else {
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
export async function runInSandbox(code: string, options: SandboxOptions = {}): Promise<RunResult> {
  const sandbox = await Sandbox.start(options);
  return sandbox.run(code, options.limits);
}
