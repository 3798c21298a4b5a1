import { Redis } from "ioredis";
import { noChannelPoster } from "../src/core/quiz/poster.js";
import { DailyQuiz } from "../src/queue/daily-quiz.js";
import { DailySchedules } from "../src/queue/daily-schedule.js";
import { startScratchRedis } from "../src/store/redis-server.js";
import { formatMs, percentile } from "./stats.js";

const SERVERS = 10_000;
/** Set-ups in flight at once, as many servers configuring at the same time would be. */
const PARALLEL = 50;
const zones = ["Europe/Madrid", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC", "America/Sao_Paulo"];

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
}

/**
 * Registers 10,000 servers' daily quizzes (settings plus a BullMQ job scheduler each, as /daily setup does)
 * on a private redis-server, and reports the time it takes, the Redis memory they hold, and what the
 * start-up catch-up costs when it has to look at all of them.
 */
export async function runBench(): Promise<void> {
  const server = await startScratchRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const schedules = new DailySchedules(redis, "bench");
  const daily = new DailyQuiz({ redis, content: { concepts: new Map(), questions: [] }, poster: noChannelPoster, schedules });
  try {
    await schedules.queue.waitUntilReady();
    const memoryBefore = await usedMemory(redis);
    const samples: number[] = [];
    const started = performance.now();
    for (let first = 0; first < SERVERS; first += PARALLEL) {
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL, SERVERS - first) }, async (_, offset) => {
          const index = first + offset;
          const begin = performance.now();
          await daily.setup(`${100_000_000_000_000_000n + BigInt(index)}`, {
            channelId: "200000000000000000",
            time: `${String(index % 24).padStart(2, "0")}:${String(index % 60).padStart(2, "0")}`,
            timeZone: zones[index % zones.length]!,
            revealAfterMinutes: 720,
          });
          samples.push(performance.now() - begin);
        }),
      );
    }
    const total = performance.now() - started;
    const memory = (await usedMemory(redis)) - memoryBefore;
    const registered = await schedules.queue.getJobSchedulersCount();
    const delayed = await schedules.queue.getDelayedCount();
    const catchUpStart = performance.now();
    await daily.catchUp();
    const catchUp = performance.now() - catchUpStart;

    console.log(`\n## Daily quiz (${SERVERS.toLocaleString("en")} servers, ${PARALLEL} set-ups in flight)`);
    console.log(`register: ${(total / 1000).toFixed(1)} s in all (${Math.round(SERVERS / (total / 1000))} servers/s); per /daily setup p50 ${formatMs(percentile(samples, 50))}, p99 ${formatMs(percentile(samples, 99))}`);
    console.log(`held: ${registered} job schedulers, ${delayed} delayed next-post jobs`);
    console.log(`Redis memory: ${(memory / 1024 / 1024).toFixed(1)} MiB (${Math.round(memory / SERVERS)} bytes a server)`);
    console.log(`start-up catch-up scan over all servers: ${formatMs(catchUp)}`);
  } finally {
    await schedules.close();
    redis.disconnect();
    await server.stop();
  }
}
