import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RunAllowance } from "../../src/queue/allowance.js";
import { CodeStore } from "../../src/queue/code-store.js";

const redis = new Redis(process.env.REDIS_URL!);
/** The connection of a second bot process. */
const otherRedis = new Redis(process.env.REDIS_URL!);
const prefix = `test-allowance-${process.pid}-${Date.now()}`;
afterAll(() => {
  redis.disconnect();
  otherRedis.disconnect();
});

describe("a user's run allowance", () => {
  it("allows one run in flight per user, and another after release", async () => {
    const allowance = new RunAllowance(redis, prefix, 100, 60_000);
    expect(await allowance.take("ada", "run-1")).toBeUndefined();
    expect(await allowance.take("ada", "run-2")).toBe("You already have a run in progress. Please wait for its answer before starting another.");
    expect(await allowance.take("grace", "run-3")).toBeUndefined();
    await allowance.release("ada", "run-1");
    expect(await allowance.take("ada", "run-4")).toBeUndefined();
  });

  it("does not free a slot that belongs to a later run", async () => {
    const allowance = new RunAllowance(redis, prefix, 100, 60_000);
    expect(await allowance.take("linus", "current")).toBeUndefined();
    await allowance.release("linus", "stale");
    expect(await allowance.take("linus", "next")).toMatch(/already have a run/);
  });

  it("limits runs per minute, says when to come back, and shares the count between processes", async () => {
    const first = new RunAllowance(redis, prefix, 2, 60_000);
    const secondProcess = new RunAllowance(otherRedis, prefix, 2, 60_000);
    for (const token of ["a", "b"]) {
      expect(await first.take("barbara", token)).toBeUndefined();
      await first.release("barbara", token);
    }
    expect(await secondProcess.take("barbara", "c")).toMatch(/^You have used your 2 runs for this minute\. Please try again in \d+ seconds?\.$/);
    // A refused run does not count, nor hold the in-flight slot.
    expect(await redis.get(`${prefix}:run:in-flight:barbara`)).toBeNull();
    expect(await redis.get(`${prefix}:run:per-minute:barbara`)).toBe("2");
  });
});

describe("the code store behind Run again / Edit and run", () => {
  it("keeps a program (code and input) under a short id that fits a custom_id, with an expiry", async () => {
    const codes = new CodeStore(redis, prefix);
    const code = 'print("hi")\n'.repeat(1000);
    const id = await codes.save({ code, stdin: "Ada\n" });
    expect(`run:again:${id}`.length).toBeLessThanOrEqual(100);
    expect(await codes.load(id)).toEqual({ code, stdin: "Ada\n" });
    // The same code with another input is another program.
    expect(await codes.save({ code, stdin: "" })).not.toBe(id);
    expect(await redis.ttl(`${prefix}:run:code:${id}`)).toBeGreaterThan(60 * 60);
    expect(await codes.load("nothing-here")).toBeUndefined();
  });
});
