import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createRunCgroup } from "./cgroup.js";
import { cgroupProblem } from "./cgroup-problem.js";
import { runInSandbox } from "./sandbox.js";
import type { InstalledPython } from "./userlands.js";
import { buildSeccompFilter } from "./seccomp.js";

/** The test run prints 42 and its seccomp mode from /proc: 2 is "filtered". */
const TEST_RUN = 'import re\nprint(6 * 7, re.search(r"Seccomp:\\s+(\\d)", open("/proc/self/status").read())[1])';

/**
 * For `loopy doctor` and the sandbox tests: can this machine run learners' code safely? Each problem is
 * a sentence an operator can act on.
 */
export async function checkSandbox(
  options: { pythons: InstalledPython[]; seccompPython?: string },
): Promise<{ ok: boolean; problems: string[] }> {
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
  for (const python of options.pythons) {
    try {
      accessSync(`${python.userland}${python.interpreter}`, constants.X_OK);
    } catch {
      problems.push(`Python ${python.version} is missing from ${python.userland}: run \`npx loopy pythons install --refresh\`.`);
    }
  }
  if (problems.length === 0) {
    for (const python of options.pythons) {
      try {
        const result = await runInSandbox(TEST_RUN, { python });
        if (result.stdout !== "42 2\n") {
          problems.push(`A test run on Python ${python.version} printed ${JSON.stringify(result.stdout + result.stderr)} instead of "42 2" (2: under the seccomp filter).`);
        }
      } catch (error) {
        problems.push(`A test run on Python ${python.version} failed, often because user namespaces are disabled: ${String(error)}`);
      }
    }
  }
  return { ok: problems.length === 0, problems };
}
