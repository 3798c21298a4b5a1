import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";

/** A worker host whose sandbox cannot start (here: an interpreter that does not exist) is a set-up problem. */
let runs: RunService | undefined;
afterAll(() => runs?.close());

describe("a worker whose sandbox cannot start", () => {
  it("fails the run with a sentence that is not the learner's fault", { timeout: 30_000 }, async () => {
    const config = loadConfig({ LOOPY_PYTHON: "/usr/bin/no-such-python", SANDBOX_POOL_SIZE: "0", RUN_QUEUE_PREFIX: `test-unavailable-${process.pid}` });
    runs = await createRunService(config, process.env.REDIS_URL!);
    const admission = await runs.submit({ code: 'print("hi")', user: { id: "ada", name: "ada" }, origin: "command" });
    if (!admission.accepted) throw new Error(admission.problem);
    expect(await admission.outcome).toEqual({
      finished: false,
      jobId: admission.jobId,
      problem: "I can't run code right now: the sandbox on this Loopy server isn't working. The people who run it have been told.",
    });
  });
});
