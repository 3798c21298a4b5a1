import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offeredPythons } from "../../src/sandbox/userlands.js";
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

describe("offeredPythons: LOOPY_PYTHONS and LOOPY_DEFAULT_PYTHON against what is installed", () => {
  const dir = mkdtempSync(join(tmpdir(), "loopy-pythons-config-"));
  const manifest = (pythons: [string, string, boolean][]) =>
    JSON.stringify({ suite: "x", builtAt: "2026-12-01T00:00:00Z", buildSeconds: 1, bytes: 1, pythons: pythons.map(([version, release, stable]) => ({ version, release, stable, interpreter: `/usr/bin/python${version}` })) });
  mkdirSync(join(dir, "bookworm"));
  mkdirSync(join(dir, "sid"));
  writeFileSync(join(dir, "bookworm", "loopy-userland.json"), manifest([["3.11", "3.11.2", true]]));
  writeFileSync(join(dir, "sid", "loopy-userland.json"), manifest([["3.13", "3.13.18", true], ["3.14", "3.14.10", true], ["3.16", "3.16.0a1", false]]));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const offer = (variables: Record<string, string>) => offeredPythons(loadConfig({ LOOPY_PYTHONS_DIR: dir, ...variables }));

  it("offers every installed version, oldest first, and defaults to the newest stable one", () => {
    const offered = offer({});
    expect(offered.pythons.map((python) => python.version)).toEqual(["3.11", "3.13", "3.14", "3.16"]);
    expect(offered.default).toMatchObject({ version: "3.14", userland: join(dir, "sid") });
  });

  it("takes the variables when they name installed versions", () => {
    const offered = offer({ LOOPY_PYTHONS: "3.14, 3.11", LOOPY_DEFAULT_PYTHON: "3.11" });
    expect(offered.pythons.map((python) => python.version)).toEqual(["3.11", "3.14"]);
    expect(offered.default.version).toBe("3.11");
  });

  it("names the variable and what is installed when a version is not", () => {
    expect(() => offer({ LOOPY_PYTHONS: "3.12" })).toThrow(new ConfigError(`LOOPY_PYTHONS: Python 3.12 is not installed in ${dir} (installed: 3.11, 3.13, 3.14, 3.16); \`npx loopy pythons install\` builds them (\`npm run setup\` runs it).`));
    expect(() => offer({ LOOPY_DEFAULT_PYTHON: "3.15" })).toThrow(/^LOOPY_DEFAULT_PYTHON: Python 3.15 is not installed/);
    expect(() => offer({ LOOPY_PYTHONS: "3.13", LOOPY_DEFAULT_PYTHON: "3.14" })).toThrow("LOOPY_DEFAULT_PYTHON: 3.14 is not among LOOPY_PYTHONS (3.13).");
    expect(() => loadConfig({ LOOPY_PYTHONS: "three" })).toThrow(/^LOOPY_PYTHONS: expected versions separated by commas/);
    expect(() => offeredPythons(loadConfig({ LOOPY_PYTHONS_DIR: join(dir, "none") }))).toThrow(/^LOOPY_PYTHONS_DIR: no Python userlands are installed in .*none; `npx loopy pythons install`/);
  });
});
