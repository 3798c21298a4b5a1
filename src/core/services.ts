import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import type { Content } from "./content/load.js";
import type { ConceptIndex } from "./content/search.js";
import type { DailyQuizService } from "./quiz/daily.js";
import type { ChannelPoster } from "./quiz/poster.js";
import type { RunService } from "./run/request.js";

/** What command handlers may use; built once at start-up by src/app.ts. */
export interface Services {
  config: Config;
  content: Content;
  concepts: ConceptIndex;
  redis: Redis;
  runs: RunService;
  /** Posts to a server's channel outside of an interaction (provided by the adapter). */
  poster: ChannelPoster;
  daily: DailyQuizService;
}
