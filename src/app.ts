import { Redis } from "ioredis";
import type { Config } from "./config.js";
import { loadCommands } from "./commands.js";
import { loadContent } from "./core/content/load.js";
import { ConceptIndex } from "./core/content/search.js";
import { noChannelPoster, type ChannelPoster } from "./core/quiz/poster.js";
import type { Services } from "./core/services.js";
import { log } from "./log.js";
import { startDailyQuiz } from "./queue/daily-worker.js";
import { createRunService } from "./queue/run-service.js";
import { Router } from "./router.js";

/** Everything the adapters (Discord, console, `loopy ask`) drive: the services and the command router. */
export interface App {
  services: Services;
  router: Router;
  stop(): Promise<void>;
}

/**
 * Loads and validates the content (a broken file stops start-up), connects to Redis, and starts the
 * run queue with in-process workers when the config asks for them, and the daily quiz. `adapter.poster`
 * posts to channels for the daily quiz (Discord, the console); without one, /daily setup is refused.
 */
export async function startApp(config: Config, redisUrl: string, adapter: { poster?: ChannelPoster } = {}): Promise<App> {
  const content = loadContent(config.LOOPY_CONTENT_DIR);
  log.info({ concepts: content.concepts.size, questions: content.questions.length }, "content loaded");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const runs = await createRunService(config, redisUrl);
  const poster = adapter.poster ?? noChannelPoster;
  // Only a front end that can post works the daily queue: a one-shot command line must not take the bot's jobs.
  const dailyQuiz = await startDailyQuiz({ redis, content, poster }, { work: adapter.poster !== undefined });
  const services: Services = { config, content, concepts: new ConceptIndex(content.concepts), redis, runs, poster, daily: dailyQuiz.daily };
  const router = new Router(await loadCommands());
  return {
    services,
    router,
    async stop() {
      await runs.close();
      await dailyQuiz.stop();
      redis.disconnect();
    },
  };
}
