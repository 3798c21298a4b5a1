import { Worker } from "bullmq";
import type { Services } from "../core/services.js";
import { log } from "../log.js";
import { DailyQuiz } from "./daily-quiz.js";
import { DAILY_QUEUE, DailySchedules, dailyJobSchema, type DailyJob } from "./daily-schedule.js";

const workerLog = log.child({ module: "daily-worker" });

export interface DailyQuizOptions {
  /** BullMQ key prefix; tests give each file its own. */
  prefix?: string;
  now?: () => number;
  random?: () => number;
  /** False for processes that cannot post (one-shot command lines): they must not take the bot's jobs. */
  work?: boolean;
}

export interface RunningDailyQuiz {
  daily: DailyQuiz;
  stop(): Promise<void>;
}

/** The worker that posts and reveals, then the catch-up of posts missed while no process was running. */
async function startWorker(daily: DailyQuiz, schedules: DailySchedules): Promise<{ stop(): Promise<void> }> {
  // Its own connection: a worker blocks on it waiting for jobs.
  const connection = schedules.connection.duplicate();
  const worker = new Worker<DailyJob>(
    DAILY_QUEUE,
    async (job) => {
      const data = dailyJobSchema.parse(job.data);
      if (data.kind === "post") await daily.postIfOwed(data.guildId);
      else await daily.reveal(data.guildId, data.date);
    },
    { connection, prefix: schedules.prefix, concurrency: 5 },
  );
  worker.on("failed", (job, error) => workerLog.error({ err: error, job: job?.id, data: job?.data, attempts: job?.attemptsMade }, "daily job failed"));
  worker.on("error", (error) => workerLog.error({ err: error }, "daily worker error"));
  await daily.catchUp();
  return {
    async stop() {
      await worker.close();
      connection.disconnect();
    },
  };
}

/**
 * Starts the daily quiz of this process: the queue, a worker posting and revealing, and the catch-up
 * of posts missed while no process was running. Every bot process may start one.
 */
export async function startDailyQuiz(
  services: Pick<Services, "redis" | "content" | "poster">,
  options: DailyQuizOptions = {},
): Promise<RunningDailyQuiz> {
  const schedules = new DailySchedules(services.redis, options.prefix);
  const daily = new DailyQuiz({ ...services, schedules, now: options.now, random: options.random });
  const worker = options.work === false ? undefined : await startWorker(daily, schedules);
  return {
    daily,
    async stop() {
      await worker?.stop();
      await schedules.close();
    },
  };
}
