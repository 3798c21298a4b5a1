import { resolveLimits, type RunLimits } from "../core/run/limits.js";
import type { RunResult } from "../core/run/protocol.js";
import { Sandbox, sandboxCleanups, type SandboxOptions } from "./sandbox.js";

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
  /** Runs waiting for a sandbox that is already starting, first come first served. */
  private readonly waiting: ((sandbox: Promise<Sandbox>) => void)[] = [];
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

  /**
   * Runs code in a pooled sandbox, `stdin` on its standard input. When none is ready but one is starting, the run waits for it rather than
   * starting another: under load a cold start beside the refills would double the start-up work per run.
   * A cold sandbox is started when none is on its way, or when /tmp must have another size.
   */
  async run(code: string, limits: Partial<RunLimits> = {}, stdin = ""): Promise<RunResult> {
    if (this.closed) throw new Error("the sandbox pool is closed");
    const runLimits = { ...this.options.limits, ...limits };
    const fits = resolveLimits(runLimits).tmpBytes === this.tmpBytes;
    const ready = fits ? this.takeReady() : undefined;
    this.refill();
    const start = ready
      ? Promise.resolve(ready)
      : fits && this.starting > this.waiting.length
        ? new Promise<Promise<Sandbox>>((take) => this.waiting.push(take)).then((sandbox) => sandbox)
        : Sandbox.start({ python: this.options.python, limits: runLimits });
    return this.track(start.then((chosen) => chosen.run(code, runLimits, stdin)));
  }

  /** Destroys the waiting sandboxes and waits for runs in progress; nothing the pool started is left. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ready.splice(0).map((sandbox) => sandbox.destroy()));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await sandboxCleanups();
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
          this.starting--;
          const waiter = this.waiting.shift();
          if (waiter) {
            waiter(Promise.resolve(sandbox));
            this.refill(); // it left the pool at once: start its replacement
          } else if (this.closed) {
            await sandbox.destroy();
          } else {
            this.ready.push(sandbox);
          }
        },
        // Not retried here, so a broken host does not spin; a run waiting for it starts one itself and reports why.
        () => {
          this.starting--;
          this.waiting.shift()?.(Sandbox.start({ python: this.options.python, limits: this.options.limits }));
        },
      );
      void this.track(started);
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
