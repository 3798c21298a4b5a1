import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../../src/config.js";

describe("loadConfig", () => {
  it("has working defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config.DISCORD_TOKEN).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.LOOPY_PYTHONS_DIR).toBe("/var/lib/loopy/pythons");
    expect(config.LOOPY_PYTHONS).toBeUndefined();
    expect(config.RUN_WORKERS_IN_PROCESS).toBe(true);
    expect(config.WORKER_CONCURRENCY).toBe(2);
  });

  it("treats empty values as unset, as .env.example leaves them", () => {
    const config = loadConfig({ DISCORD_TOKEN: "", REDIS_URL: " ", HEALTH_PORT: "", SANDBOX_WALL_MS: "", WORKER_CONCURRENCY: "" });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.HEALTH_PORT).toBeUndefined();
    expect(config.SANDBOX_WALL_MS).toBeUndefined();
    expect(config.WORKER_CONCURRENCY).toBe(2);
  });

  it("accepts every variable exactly as .env.example writes it", () => {
    const example = Object.fromEntries(
      readFileSync(".env.example", "utf8")
        .split("\n")
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(Object.keys(example).length).toBeGreaterThan(15);
    expect(() => loadConfig(example)).not.toThrow();
  });

  it.each([
    ["REDIS_URL", "localhost:6379", /^REDIS_URL: expected a URL like redis:\/\/host:6379, got "localhost:6379"\.$/],
    ["SANDBOX_WALL_MS", "six", /^SANDBOX_WALL_MS: expected a whole number of milliseconds, got "six"\.$/],
    ["WORKER_CONCURRENCY", "-1", /^WORKER_CONCURRENCY: expected a whole number of parallel runs, got "-1"\.$/],
    ["DISCORD_TOKEN", "not a token", /^DISCORD_TOKEN: expected a bot token/],
    ["RUN_WORKERS_IN_PROCESS", "maybe", /^RUN_WORKERS_IN_PROCESS: expected true or false, got "maybe"\.$/],
    ["LOG_LEVEL", "loud", /^LOG_LEVEL: .*got "loud"\.$/],
    ["HEALTH_PORT", "99999", /^HEALTH_PORT: .*got "99999"\.$/],
  ])("names %s and what it expects when it is wrong", (variable, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it("documents every variable it reads in .env.example and the README", () => {
    const example = readFileSync(".env.example", "utf8");
    const readme = readFileSync("README.md", "utf8");
    for (const variable of CONFIG_VARIABLES) {
      expect(example, `.env.example lacks ${variable}`).toMatch(new RegExp(`^${variable}=`, "m"));
      expect(readme, `README.md lacks ${variable}`).toContain(`\`${variable}\``);
    }
  });
});
