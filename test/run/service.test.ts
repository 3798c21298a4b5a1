import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RunRequest, RunService } from "../../src/core/run/request.js";
import { createRunService } from "../../src/queue/run-service.js";
import { RUN_QUEUE } from "../../src/queue/run-queue.js";

/** Services without workers: what happens to runs that nobody (or no longer anybody) works on. */
const prefix = `test-service-${process.pid}-${Date.now()}`;
const redisUrl = process.env.REDIS_URL!;
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue(RUN_QUEUE, { connection, prefix });
const services: RunService[] = [];

async function serviceWithoutWorkers(settings: Record<string, string>, name: string) {
  const config = loadConfig({ RUN_WORKERS_IN_PROCESS: "false", RUN_QUEUE_PREFIX: `${prefix}-${name}`, ...settings });
  const service = await createRunService(config, redisUrl);
  services.push(service);
  return { service, queue: new Queue(RUN_QUEUE, { connection, prefix: config.RUN_QUEUE_PREFIX }) };
}

const request = (user: string, code = 'print("hi")'): RunRequest => ({ code, user: { id: user, name: user }, origin: "command" });

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  await queue.close();
  connection.disconnect();
});

describe("the run service", () => {
  it("refuses bad input before queueing anything", async () => {
    const { service, queue } = await serviceWithoutWorkers({}, "input");
    expect(await service.submit(request("ada", ""))).toEqual({ accepted: false, problem: expect.stringMatching(/no code to run/) });
    expect(await service.submit(request("ada", "x".repeat(20_001)))).toEqual({ accepted: false, problem: expect.stringMatching(/limit is 20,000/) });
    expect(await service.submit(request("ada", "\u0000\u0001"))).toEqual({ accepted: false, problem: expect.stringMatching(/binary/) });
    expect(await queue.getWaitingCount()).toBe(0);
    await queue.close();
  });

  it("answers busy when RUN_QUEUE_LIMIT runs are waiting", async () => {
    const { service, queue } = await serviceWithoutWorkers({ RUN_QUEUE_LIMIT: "2" }, "full");
    expect((await service.submit(request("u1"))).accepted).toBe(true);
    expect((await service.submit(request("u2"))).accepted).toBe(true);
    expect(await service.submit(request("u3"))).toEqual({ accepted: false, problem: "Loopy is busy running other people's code right now. Please try again shortly." });
    expect(await queue.getWaitingCount()).toBe(2);
    await queue.close();
  });

  it("keeps one run in flight per user", async () => {
    const { service } = await serviceWithoutWorkers({}, "in-flight");
    expect((await service.submit(request("grace"))).accepted).toBe(true);
    expect(await service.submit(request("grace"))).toEqual({ accepted: false, problem: expect.stringMatching(/already have a run in progress/) });
    expect((await service.submit(request("alan"))).accepted).toBe(true);
  });

  it("gives up after RUN_WAIT_SECONDS, tells the user, frees their slot and withdraws the job", async () => {
    const { service, queue } = await serviceWithoutWorkers({ RUN_WAIT_SECONDS: "1" }, "late");
    const admission = await service.submit(request("linus"));
    if (!admission.accepted) throw new Error(admission.problem);
    expect(await admission.outcome).toEqual({
      finished: false,
      jobId: admission.jobId,
      problem: "No worker answered within 1 second, so I gave up on this run. Please try again in a while.",
    });
    expect(await Job.fromId(queue, admission.jobId)).toBeUndefined();
    expect((await service.submit(request("linus"))).accepted).toBe(true);
    await queue.close();
  });

  it("tells the user when their job vanished from Redis", async () => {
    const { service, queue } = await serviceWithoutWorkers({}, "vanished");
    const admission = await service.submit(request("barbara"));
    if (!admission.accepted) throw new Error(admission.problem);
    // What a Redis restart without persistence does to a waiting job.
    await queue.obliterate({ force: true });
    const outcome = await admission.outcome;
    expect(outcome).toEqual({ finished: false, jobId: admission.jobId, problem: "Your run was lost: the run queue restarted before it finished. Please run it again." });
    await queue.close();
  });

  it("keeps the program behind the buttons of its reply", async () => {
    const { service } = await serviceWithoutWorkers({}, "codes");
    const reply = await service.reply({ code: 'print("again", input())', stdin: "Ada" }, { finished: false, jobId: "j", problem: "Lost." });
    const action = reply.buttons![0]![0]!;
    const id = "action" in action ? action.action.split(":")[2]! : "";
    expect(await service.savedProgram(id)).toEqual({ code: 'print("again", input())', stdin: "Ada" });
  });
});
