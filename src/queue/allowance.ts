import type { Redis } from "ioredis";

/**
 * Checks and takes, in one step, a user's run slot: no run already in flight, and fewer than
 * `perMinute` runs in the current minute (counted from the first). Atomic, so several bot processes
 * sharing Redis agree. Returns [0] when taken, [1, ms] when a run is in flight, [2, ms until the minute ends].
 */
const TAKE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, redis.call('PTTL', KEYS[1])} end
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used >= tonumber(ARGV[3]) then return {2, redis.call('PTTL', KEYS[2])} end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], 60000) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {0, 0}`;

/** Frees the in-flight slot only if it is still ours (it may have expired and been taken by a later run). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** One run in flight per user and at most `perMinute` runs a minute, kept in Redis. */
export class RunAllowance {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perMinute: number,
    /** How long a slot is held at most, so a bot process that dies mid-wait cannot block a user for good. */
    private readonly holdMs: number,
  ) {}

  private keys(userId: string): [string, string] {
    return [`${this.prefix}:run:in-flight:${userId}`, `${this.prefix}:run:per-minute:${userId}`];
  }

  /** Takes the slot for the run `token`; returns why not as a sentence for the user, or undefined. */
  async take(userId: string, token: string): Promise<string | undefined> {
    const [verdict, waitMs] = (await this.redis.eval(TAKE, 2, ...this.keys(userId), token, this.holdMs, this.perMinute)) as [number, number];
    if (verdict === 1) return "You already have a run in progress. Please wait for its answer before starting another.";
    if (verdict === 2) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      return `You have used your ${this.perMinute} runs for this minute. Please try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
    }
    return undefined;
  }

  async release(userId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys(userId)[0], token);
  }
}
