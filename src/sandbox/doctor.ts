import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createRunCgroup } from "./cgroup.js";
import { cgroupProblem } from "./cgroup-problem.js";
import { DEFAULT_PYTHON, runInSandbox } from "./sandbox.js";
import { buildSeccompFilter } from "./seccomp.js";

/** The test run prints 42 and its seccomp mode from /proc: 2 is "filtered". */
const TEST_RUN = 'import re\nprint(6 * 7, re.search(r"Seccomp:\\s+(\\d)", open("/proc/self/status").read())[1])';

/**
 * For `loopy doctor` and the sandbox tests: can this machine run learners' code safely? Each problem is
 * a sentence an operator can act on.
 */
export async function checkSandbox(
  options: { python?: string; seccompPython?: string } = {},
): Promise<{ ok: boolean; problems: string[] }> {
  const python = options.python ?? DEFAULT_PYTHON;
  const problems: string[] = [];
  for (const tool of ["bwrap", "setpriv"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) problems.push(`${tool} is missing (Debian packages: bubblewrap, util-linux).`);
  }
  if (process.getuid?.() !== 0) problems.push("The sandbox needs root to create control groups, mount each run's scratch and drop to an unprivileged uid.");
  else {
    try {
      await createRunCgroup().destroy();
    } catch (error) {
      problems.push(cgroupProblem(error));
    }
  }
  try {
    await buildSeccompFilter(options.seccompPython);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  try {
    accessSync(python, constants.X_OK);
    if (!python.startsWith("/usr/")) problems.push(`Python ${python} is outside /usr, so the sandbox cannot see it.`);
  } catch {
    problems.push(`Python ${python} is missing or not executable.`);
  }
  if (problems.length === 0) {
    try {
      const result = await runInSandbox(TEST_RUN, { python });
      if (result.stdout !== "42 2\n") {
        problems.push(`A test run printed ${JSON.stringify(result.stdout + result.stderr)} instead of "42 2" (2: under the seccomp filter).`);
      }
    } catch (error) {
      problems.push(`A test run failed, often because user namespaces are disabled: ${String(error)}`);
    }
  }
  return { ok: problems.length === 0, problems };
}
