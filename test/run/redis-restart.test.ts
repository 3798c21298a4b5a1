import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "../../src/store/redis-server.js";

/** A Redis of this test's own, crashed and restarted on the same port without persistence, as a crashed server comes back. */
const dataDir = mkdtempSync(join(tmpdir(), "loopy-run-redis-"));
let server: EmbeddedRedis | undefined;
let runs: RunService | undefined;

afterAll(async () => {
  await runs?.close();
  await server?.stop("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a Redis restart", () => {
  it("tells the user their waiting run was lost, and the service works again afterwards", { timeout: 30_000 }, async () => {
    server = await startEmbeddedRedis({ dataDir, persistent: false });
    const port = Number(new URL(server.url).port);
    runs = await createRunService(loadConfig({ RUN_WORKERS_IN_PROCESS: "false" }), server.url);
    const admission = await runs.submit({ code: 'print("hi")', user: { id: "ada", name: "ada" }, origin: "command" });
    if (!admission.accepted) throw new Error(admission.problem);

    await server.stop("SIGKILL");
    server = await startEmbeddedRedis({ dataDir, persistent: false, port });

    expect(await admission.outcome).toEqual({
      finished: false,
      jobId: admission.jobId,
      problem: "Your run was lost: the run queue restarted before it finished. Please run it again.",
    });
    expect(await runs.submit({ code: 'print("again")', user: { id: "ada", name: "ada" }, origin: "command" })).toMatchObject({ accepted: true });
  });
});
