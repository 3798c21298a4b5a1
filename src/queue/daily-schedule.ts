import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { DailySettings } from "../core/quiz/daily.js";
import { dailyPattern } from "../core/quiz/time.js";

/** The daily quiz's own queue, so a backlog of /run jobs never delays a post or a reveal. */
export const DAILY_QUEUE = "loopy-daily";

/** Jobs travel through Redis, written maybe by another process or version, so the worker parses them. */
export const dailyJobSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("post"), guildId: z.string() }),
  z.object({ kind: z.literal("reveal"), guildId: z.string(), date: z.string() }),
]);
export type DailyJob = z.infer<typeof dailyJobSchema>;

/** One scheduler per server; upserting it again (a new time or time zone) replaces it. */
export const schedulerId = (guildId: string) => `daily-${guildId}`;

/** The cron repeat of a server's daily post: its local time in its time zone, so 09:00 stays 09:00 across DST changes. */
export function dailyRepeat(settings: Pick<DailySettings, "time" | "timeZone">) {
  return { pattern: dailyPattern(settings.time), tz: settings.timeZone };
}

/** A failed post (Discord unreachable) is retried a few times within the hour; finished jobs are not kept. */
const jobOptions: JobsOptions = {
  attempts: 4,
  backoff: { type: "exponential", delay: 60_000 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

/** The BullMQ side of the daily quiz: per-server schedulers, catch-up posts and delayed reveals. */
export class DailySchedules {
  readonly queue: Queue<DailyJob>;

  constructor(
    readonly connection: Redis,
    readonly prefix = "loopy",
  ) {
    this.queue = new Queue<DailyJob>(DAILY_QUEUE, { connection, prefix });
  }

  async schedule(guildId: string, settings: Pick<DailySettings, "time" | "timeZone">): Promise<void> {
    await this.queue.upsertJobScheduler(schedulerId(guildId), dailyRepeat(settings), {
      name: "post",
      data: { kind: "post", guildId },
      opts: jobOptions,
    });
  }

  async unschedule(guildId: string): Promise<void> {
    await this.queue.removeJobScheduler(schedulerId(guildId));
  }

  /** A post owed since a downtime; the job id keeps two processes catching up from queueing it twice. */
  async catchUp(guildId: string, date: string): Promise<void> {
    await this.queue.add("post", { kind: "post", guildId }, { ...jobOptions, jobId: `catch-up-${guildId}-${date}` });
  }

  async revealLater(guildId: string, date: string, delayMs: number): Promise<void> {
    await this.queue.add("reveal", { kind: "reveal", guildId, date }, { ...jobOptions, jobId: `reveal-${guildId}-${date}`, delay: Math.max(0, delayMs) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
