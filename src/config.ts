import { existsSync } from "node:fs";
import { config as loadDotenv } from "dotenv";
import { z } from "zod";

/** Raised when the environment is wrong: its message is one sentence naming the variable. */
export class ConfigError extends Error {}

const wholeNumber = (what: string) =>
  z.coerce.number({ error: `expected ${what}` }).int(`expected ${what}`).positive(`expected ${what}`);

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

/**
 * Every environment variable Loopy reads, with its default. `.env.example` documents each one;
 * this schema is the only reader of process.env.
 */
const environmentSchema = z.object({
  DISCORD_TOKEN: optionalText.refine((token) => token === undefined || /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token), {
    error: "expected a bot token of three dot-separated parts, as the Developer Portal shows it",
  }),
  DISCORD_APPLICATION_ID: optionalText.refine((id) => id === undefined || /^\d{17,20}$/.test(id), {
    error: "expected the numeric application id from the Developer Portal",
  }),
  DISCORD_API_URL: optionalText.pipe(z.url({ error: "expected an http(s) URL" }).optional()),
  REDIS_URL: optionalText.pipe(
    z.string().regex(/^rediss?:\/\//, "expected a URL like redis://host:6379").optional(),
  ),
  LOOPY_DATA_DIR: z.string().default(".data"),
  LOOPY_CONTENT_DIR: z.string().default("content"),
  // Unset: "info" for the bot and workers, "warn" for one-shot command lines.
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  // The userlands `npx loopy pythons install` builds (src/sandbox/userlands.ts), which versions of them /run
  // offers (empty: all installed) and which a run gets when it names none (empty: the newest stable one).
  LOOPY_PYTHONS_DIR: z.string().default("/var/lib/loopy/pythons"),
  LOOPY_PYTHONS: optionalText.pipe(
    z
      .string()
      .regex(/^3\.\d+(\s*,\s*3\.\d+)*$/, 'expected versions separated by commas, like "3.13,3.14"')
      .transform((list) => [...new Set(list.split(",").map((version) => version.trim()))])
      .optional(),
  ),
  LOOPY_DEFAULT_PYTHON: optionalText.pipe(z.string().regex(/^3\.\d+$/, 'expected a version like "3.14"').optional()),
  SANDBOX_POOL_SIZE: z.coerce.number({ error: "expected a whole number" }).int().min(0).max(32).default(2),
  SANDBOX_WALL_MS: wholeNumber("a whole number of milliseconds").optional(),
  SANDBOX_CPU_MS: wholeNumber("a whole number of milliseconds").optional(),
  SANDBOX_MEMORY_MB: wholeNumber("a whole number of MiB").optional(),
  SANDBOX_PROCESSES: wholeNumber("a whole number of processes").optional(),
  SANDBOX_OUTPUT_KB: wholeNumber("a whole number of KiB").optional(),
  // Host uids and gids for sandboxes, one each while alive (src/sandbox/ids.ts): a range nobody else on the host uses.
  SANDBOX_IDS: optionalText.pipe(
    z
      .string()
      .regex(/^\d+-\d+$/, "expected a range of ids like 900000000-900065535")
      .transform((range) => {
        const [first, last] = range.split("-").map(Number) as [number, number];
        return { first, count: last - first + 1 };
      })
      .refine(({ first, count }) => first >= 100_000 && first + count - 1 <= 4_294_967_294, "expected ids from 100000 up to 4294967294, clear of the host's own users")
      .refine(({ count }) => count >= 64, "expected at least 64 ids (one block)")
      .optional(),
  ),
  WORKER_CONCURRENCY: wholeNumber("a whole number of parallel runs").default(2),
  RUN_WORKERS_IN_PROCESS: booleanFlag.default(true),
  RUNS_PER_MINUTE: wholeNumber("a whole number of runs").default(10),
  RUN_QUEUE_LIMIT: wholeNumber("a whole number of waiting runs").default(200),
  // Seconds a /run waits for its result before telling the user; Discord's interaction tokens live
  // 15 minutes, so the answer must come well before that.
  RUN_WAIT_SECONDS: wholeNumber("a whole number of seconds").max(600, "expected at most 600 seconds").default(300),
  // Prefix of the run queue's Redis keys, so several Loopy deployments (or test files) can share one Redis.
  RUN_QUEUE_PREFIX: z.string().regex(/^[\w.-]+$/, "expected letters, digits, dots or dashes").default("loopy"),
  HEALTH_PORT: z.coerce.number({ error: "expected a port number (0: any free port)" }).int().min(0).max(65535).optional(),
});

export type Config = z.infer<typeof environmentSchema>;

/** The names of every variable Loopy reads; the tests check each is documented. */
export const CONFIG_VARIABLES = Object.keys(environmentSchema.shape) as (keyof Config)[];

function describeValue(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

/** Reads `.env` (if present) under the real environment, validates, and returns the config. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, dotenvPath = ".env"): Config {
  const merged: Record<string, string | undefined> = { ...environment };
  if (environment === process.env && existsSync(dotenvPath)) {
    loadDotenv({ path: dotenvPath, processEnv: merged, quiet: true });
  }
  // `.env.example` leaves optional variables empty ("HEALTH_PORT="): empty means unset, i.e. the default.
  for (const [name, value] of Object.entries(merged)) if (value?.trim() === "") delete merged[name];
  const parsed = environmentSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0]);
  throw new ConfigError(
    `${variable}: ${issue.message.replace(/^Invalid input: /, "")}, got ${describeValue(merged[variable])}.`,
  );
}
