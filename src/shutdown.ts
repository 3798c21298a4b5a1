import { log } from "./log.js";

const shutdownLog = log.child({ module: "shutdown" });

/**
 * How long a process may take to stop after SIGTERM. Below docker-compose.yml's stop_grace_period (30 s),
 * after which Docker sends SIGKILL; above the default wall-time limit of a run (6 s), so a run in progress
 * normally finishes.
 */
export const SHUTDOWN_GRACE_MS = 25_000;

export interface ShutdownStep {
  /** Logged before and after the step. */
  name: string;
  run(): Promise<void> | void;
}

/**
 * Runs the steps in order, each logged. A failed step is logged and the next still runs, so the embedded
 * Redis (the last step) stops even when something before it broke. Resolves whether all went well.
 */
async function runShutdownSteps(steps: ShutdownStep[]): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    const started = Date.now();
    shutdownLog.info({ step: step.name }, "stopping");
    try {
      await step.run();
      shutdownLog.info({ step: step.name, ms: Date.now() - started }, "stopped");
    } catch (error) {
      clean = false;
      shutdownLog.error({ err: error, step: step.name }, "did not stop cleanly");
    }
  }
  return clean;
}

/**
 * On SIGTERM or SIGINT: runs the steps and exits (0 when all went well). Past `graceMs`, or at a second
 * signal, it exits at once with 1: runs still in progress then stall and their users are told.
 * Returns the same shutdown for other reasons (the console was closed).
 */
export function shutDownOnSignals(steps: ShutdownStep[], graceMs = SHUTDOWN_GRACE_MS): (reason: string) => void {
  let stopping = false;
  const shutDown = (reason: string) => {
    if (stopping) {
      shutdownLog.warn({ reason }, "asked again while stopping: exiting now");
      process.exit(1);
    }
    stopping = true;
    shutdownLog.info({ reason, graceMs }, "shutting down");
    setTimeout(() => {
      shutdownLog.error({ graceMs }, "grace period over: exiting with work unfinished");
      process.exit(1);
    }, graceMs);
    void runShutdownSteps(steps).then((clean) => {
      shutdownLog.info({ clean }, "shut down");
      process.exit(clean ? 0 : 1);
    });
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => shutDown(signal));
  return shutDown;
}
