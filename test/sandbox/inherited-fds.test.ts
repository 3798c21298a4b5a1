import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * A worker may inherit descriptors it never asked for (a supervisor's pipe, a leaked socket) without
 * close-on-exec. Here a worker process is started by a shell that leaves fd 77 open; the learner's code must not see it.
 */
const listOpenDescriptors = `
import { runInSandbox } from "./src/sandbox/sandbox.ts";
const result = await runInSandbox("import os\\nprint(sorted(int(fd) for fd in os.listdir('/proc/self/fd')))");
process.stdout.write(result.stdout);
`;

describe("descriptors the worker inherited", () => {
  it("are closed before the learner's code runs", async () => {
    const worker = spawn("bash", ["-c", 'exec 77</dev/null; exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, listOpenDescriptors], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    worker.stdout!.on("data", (data: Buffer) => (output += data.toString()));
    const code = await new Promise((done) => worker.once("exit", done));
    expect(code).toBe(0);
    // 0-2 stdio, 3 the directory listdir opened, 4 the runner's frames pipe: nothing else.
    expect(JSON.parse(output.trim())).toEqual([0, 1, 2, 3, 4]);
  }, 30_000);
});
