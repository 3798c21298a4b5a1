import type { RunResult } from "../../src/core/run/protocol.js";
import { runInSandbox, type SandboxOptions } from "../../src/sandbox/sandbox.js";
import type { Timeline, TimelineTask } from "../../src/core/run/protocol.js";
import { loadConfig } from "../../src/config.js";
import { offeredPythons } from "../../src/sandbox/userlands.js";

/** Every Python this machine offers: the recorder's tests run on each (describe.each). */
export const PYTHONS = offeredPythons(loadConfig()).pythons;

/** Programs in tests are indented with the test; Python wants them flush left. */
export function dedent(code: string): string {
  const lines = code.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join("\n");
}

/** Runs a program the way /run does: in the sandbox, with the task recorder loaded by the runner. */
export async function run(code: string, options?: SandboxOptions): Promise<RunResult & { timeline: Timeline }> {
  const result = await runInSandbox(dedent(code), options);
  if (!result.timeline) throw new Error(`no timeline recorded; stderr:\n${result.stderr}`);
  return { ...result, timeline: result.timeline };
}

export function tasksOf(timeline: Timeline, coroutine: string): TimelineTask[] {
  return timeline.tasks.filter((task) => task.coroutine === coroutine);
}
