import { Redis } from "ioredis";
import type { Config } from "./config.js";
import { loadCommands } from "./commands.js";
import { loadContent } from "./core/content/load.js";
import { ConceptIndex } from "./core/content/search.js";
import type { Services } from "./core/services.js";
import { log } from "./log.js";
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
 * run queue with in-process workers when the config asks for them.
 */
export async function startApp(config: Config, redisUrl: string): Promise<App> {
  const content = loadContent(config.LOOPY_CONTENT_DIR);
  log.info({ concepts: content.concepts.size, questions: content.questions.length }, "content loaded");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const runs = await createRunService(config, redisUrl);
  const services: Services = { config, content, concepts: new ConceptIndex(content.concepts), redis, runs };
  const router = new Router(await loadCommands());
  return {
    services,
    router,
    async stop() {
      await runs.close();
      redis.disconnect();
    },
  };
}
