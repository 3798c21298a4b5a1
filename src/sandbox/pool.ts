import { resolveLimits, type RunLimits } from "./limits.js";
import type { RunResult } from "./result.js";
import { Sandbox, type SandboxOptions } from "./sandbox.js";

export interface SandboxPoolOptions extends SandboxOptions {
  /** Sandboxes kept started and waiting for code; 0 starts every run cold. */
  size: number;
}

/**
 * Pre-started, single-use sandboxes: a run takes one that is already waiting (a few ms instead of ~100 ms
 * to start bwrap and Python), and the pool starts a replacement in the background. A sandbox never runs
 * twice, so nothing of one run can reach the next.
 */
export class SandboxPool {
  private readonly ready: Sandbox[] = [];
  private starting = 0;
  /** Starts and runs in flight, so close() can wait for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly tmpBytes: number;
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {
    this.tmpBytes = resolveLimits(options.limits).tmpBytes;
    this.refill();
  }

  /** Sandboxes waiting for code right now. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** Runs code in a pooled sandbox (or a cold one when none is ready, or /tmp must have another size). */
  async run(code: string, limits: Partial<RunLimits> = {}): Promise<RunResult> {
    if (this.closed) throw new Error("the sandbox pool is closed");
    const runLimits = { ...this.options.limits, ...limits };
    const sandbox = resolveLimits(runLimits).tmpBytes === this.tmpBytes ? this.takeReady() : undefined;
    this.refill();
    const start = sandbox ? Promise.resolve(sandbox) : Sandbox.start({ python: this.options.python, limits: runLimits });
    return this.track(start.then((chosen) => chosen.run(code, runLimits)));
  }

  /** Destroys the waiting sandboxes and waits for runs in progress; nothing the pool started is left. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ready.splice(0).map((sandbox) => sandbox.destroy()));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private takeReady(): Sandbox | undefined {
    let sandbox: Sandbox | undefined;
    while ((sandbox = this.ready.shift())) {
      if (sandbox.isAlive) return sandbox;
      void sandbox.destroy(); // died while waiting (killed from outside)
    }
    return undefined;
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.starting < this.options.size) {
      this.starting++;
      const started = Sandbox.start({ python: this.options.python, limits: this.options.limits }).then(
        async (sandbox) => {
          if (this.closed) await sandbox.destroy();
          else this.ready.push(sandbox);
        },
        // Not retried here, so a broken host does not spin: the next run starts one cold and reports why.
        () => {},
      );
      void this.track(started.finally(() => this.starting--));
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
