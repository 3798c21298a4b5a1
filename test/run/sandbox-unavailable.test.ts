import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installedUserlands } from "../../src/sandbox/userlands.js";
import { loadConfig } from "../../src/config.js";
import type { RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";

/**
 * A worker host whose sandbox cannot start is a set-up problem. Here: a userland whose manifest promises
 * Pythons its empty usr/ does not have (as after a damaged install).
 */
let runs: RunService | undefined;
const broken = mkdtempSync(join(tmpdir(), "loopy-broken-pythons-"));
afterAll(async () => {
  await runs?.close();
  rmSync(broken, { recursive: true, force: true });
});

describe("a worker whose sandbox cannot start", () => {
  it("fails the run with a sentence that is not the learner's fault", { timeout: 30_000 }, async () => {
    const installed = loadConfig().LOOPY_PYTHONS_DIR;
    const userland = installedUserlands(installed)[0]!;
    mkdirSync(join(broken, userland.name, "usr"), { recursive: true });
    cpSync(join(userland.path, "loopy-userland.json"), join(broken, userland.name, "loopy-userland.json"));
    const config = loadConfig({ LOOPY_PYTHONS_DIR: broken, SANDBOX_POOL_SIZE: "0", RUN_QUEUE_PREFIX: `test-unavailable-${process.pid}` });
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
