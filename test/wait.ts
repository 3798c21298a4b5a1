import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/** Polls `condition` every `everyMs` until it holds; fails with `failure` once `timeoutMs` have passed. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; everyMs?: number; failure?: () => string } = {},
): Promise<void> {
  const { timeoutMs = 10_000, everyMs = 25, failure = () => `condition not met within ${timeoutMs} ms` } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(failure());
    await sleep(everyMs);
  }
}

/** The exit code of `child` once it has exited (null when a signal ended it). */
export function exitCodeOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => child.once("exit", (code) => done(code)));
}
