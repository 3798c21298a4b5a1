import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { InteractionResponseType } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../src/config.js";
import { deployCommands } from "../../src/discord/deploy.js";
import { RUN_QUEUE } from "../../src/queue/run-queue.js";
import type { ApiMessage, SentInteraction } from "../fake-discord/fake-discord.js";
import { FakeDiscord } from "../fake-discord/fake-discord.js";

/**
 * docker-compose.yml's own services on a real Docker engine: the image built from Debian trixie's packages
 * (on the debootstrap stand-in base where no registry can be reached), Redis with its volume and append-only
 * file, the bot, and scaled workers whose runs sandbox inside their containers. The override changes only
 * what the test needs: host networking, so every connection stays on loopback (never a bridge address),
 * ports of its own, and the fake Discord's URL and token.
 */

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const BASE_IMAGE = process.env.LOOPY_BASE_IMAGE ?? "loopy-test-stand-in/debian:trixie-minbase";
// Its own project (containers, volume), so two checkouts running this test at once do not take over each other's.
const PROJECT = `loopy-docker-test-${process.pid}`;
const workDir = mkdtempSync(join(tmpdir(), "loopy-docker-test-"));
const overridePath = join(workDir, "override.yml");

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function docker(args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run("docker", args, { maxBuffer: 64 << 20 })).stdout;
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`docker ${args.join(" ")} exited ${code}`))));
    child.stdin.end(input);
  });
}

const compose = (...args: string[]) =>
  docker(["compose", "--project-name", PROJECT, "--project-directory", root, "-f", join(root, "docker-compose.yml"), "-f", overridePath, ...args]);
const containersOf = async (service: string) => (await compose("ps", "-q", service)).split("\n").filter(Boolean);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A worker's health port: HEALTH_PORT=0 (replicas share the host's ports), so each logs the one it got. */
async function healthPortOf(container: string): Promise<number> {
  return until(`the health port of ${container}`, async () => {
    const { stdout } = await run("docker", ["logs", container]);
    const line = stdout.split("\n").find((text) => text.includes('"health endpoint listening'));
    return line ? (JSON.parse(line) as { port: number }).port : undefined;
  });
}

const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
};

let discord: FakeDiscord;
let redisPort: number;
let botHealthPort: number;
let queue: Queue;
let queueRedis: Redis;
const timings: Record<string, number> = {};

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const value = await step();
  timings[name] = (Date.now() - start) / 1000;
  return value;
}

/** What the compose file itself says for a service, so the override can add to it rather than restate it. */
const composeFile = parse(readFileSync(join(root, "docker-compose.yml"), "utf8")) as { services: Record<string, { command: string[] }> };

beforeAll(async () => {
  discord = await FakeDiscord.start();
  redisPort = await freePort();
  botHealthPort = await freePort();
  const onLoopback = { network_mode: "host", build: { network: "host" } };
  writeFileSync(
    overridePath,
    stringify({
      services: {
        redis: {
          ...onLoopback,
          command: [...composeFile.services.redis!.command, "--bind", "127.0.0.1", "--port", String(redisPort)],
          healthcheck: { test: ["CMD", "redis-cli", "-p", String(redisPort), "ping"] },
        },
        bot: {
          ...onLoopback,
          environment: {
            REDIS_URL: `redis://127.0.0.1:${redisPort}`,
            DISCORD_TOKEN: discord.token,
            DISCORD_API_URL: discord.apiUrl,
            HEALTH_PORT: String(botHealthPort),
            LOG_LEVEL: "info",
          },
        },
        worker: {
          ...onLoopback,
          environment: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, HEALTH_PORT: "0", LOG_LEVEL: "info" },
          // Replicas on the host's network cannot share one fixed port, so Docker's probe (which asks HEALTH_PORT) is off.
          healthcheck: { disable: true },
        },
      },
    }),
  );
  // The registry is reached through a TLS-inspecting proxy here: the build's npm ci trusts this machine's bundle.
  if (existsSync("/etc/ssl/certs/ca-certificates.crt")) copyFileSync("/etc/ssl/certs/ca-certificates.crt", join(root, "docker/build-ca/extra-ca.crt"));
  process.env.LOOPY_BASE_IMAGE = BASE_IMAGE;
  await compose("down", "--volumes", "--remove-orphans");
  await timed("build", () => compose("build"));
  await deployCommands(loadConfig({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl }), { guildId: discord.guildId });
  await timed("up", async () => {
    await compose("up", "-d", "--scale", "worker=2");
    await until("the bot to be ready (Redis answers, a worker is connected)", async () => ((await get(botHealthPort, "/readyz")).status === 200 ? true : undefined), 120_000);
    // /readyz does not wait for Discord: interactions reach the bot once its gateway shard is ready.
    const [bot] = await containersOf("bot");
    await until("the bot's gateway shard to be ready", async () => ((await run("docker", ["logs", bot!])).stdout.includes("gateway shard ready") ? true : undefined));
  });
  queueRedis = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: null });
  queueRedis.on("error", () => {});
  queue = new Queue(RUN_QUEUE, { connection: queueRedis, prefix: "loopy" });
  queue.on("error", () => {}); // Redis is restarted on purpose below
}, 900_000);

afterAll(async () => {
  console.log("docker test timings (s):", JSON.stringify(timings));
  await queue?.close();
  queueRedis?.disconnect();
  await compose("down", "--volumes", "--remove-orphans").catch(() => {});
  await discord?.close();
});

/** A run is answered "thinking…" at once, then that answer is edited into the result. */
async function runAnswer(sent: SentInteraction, timeoutMs = 30_000): Promise<ApiMessage> {
  expect((await sent.response()).body.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
  await sent.request(2, timeoutMs);
  return sent.original();
}

type RunJson = { outcome: string; limit: string | null; stdout: string };
const runInWorker = async (container: string, code: string) =>
  JSON.parse(await docker(["exec", "-i", container, "node", "bin/loopy.js", "run", "--json", "-"], code)) as RunJson;

describe("docker compose on a real engine", () => {
  it("answers /explain through the bot container", async () => {
    const explain = discord.chatInput("explain", { topic: "gather" });
    const { body } = await explain.response();
    expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(body.data.embeds[0].title).toMatch(/gather/i);
    expect(discord.problems()).toEqual([]);
  });

  it("runs /run in a worker container's sandbox", async () => {
    const code = 'import asyncio, os\n\nasync def main():\n    await asyncio.sleep(0.1)\n    print("uid", os.getuid(), "in a sandbox")\n\nasyncio.run(main())';
    const answer = await runAnswer(discord.chatInput("run", { code }));
    // The code first, then the status; inside its user namespace a run is uid 1000 (its host uid is its own).
    expect(answer.embeds[1].title).toBe("Finished");
    expect(answer.embeds[1].description).toContain("uid 1000 in a sandbox");
    // The bot takes no runs itself (RUN_WORKERS_IN_PROCESS=false): only the worker containers are connected.
    expect(await queue.getWorkersCount()).toBe(2);
  });

  it("runs an asyncio program in a worker container, and its limits stop a memory hog and a fork bomb", async () => {
    const [worker] = await containersOf("worker");
    const gathered = await runInWorker(worker!, "import asyncio\n\nasync def main():\n    print(await asyncio.gather(*(asyncio.sleep(0.05, result=i) for i in range(3))))\n\nasyncio.run(main())");
    expect(gathered).toMatchObject({ outcome: "ok", stdout: "[0, 1, 2]\n" });
    expect(await runInWorker(worker!, "blocks = []\nwhile True:\n    blocks.append(bytearray(10 << 20))")).toMatchObject({ outcome: "limit", limit: "memory" });
    expect(await runInWorker(worker!, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass")).toMatchObject({ outcome: "limit", limit: "processes" });
  });

  it("serves /healthz, /readyz and /metrics in each Loopy container", async () => {
    const ports = [botHealthPort, ...(await Promise.all((await containersOf("worker")).map(healthPortOf)))];
    expect(ports).toHaveLength(3);
    for (const port of ports) {
      expect(await get(port, "/healthz")).toEqual({ status: 200, body: "ok\n" });
      expect(await get(port, "/readyz")).toEqual({ status: 200, body: '{"ready":true}' });
      const metrics = await get(port, "/metrics");
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^loopy_run_queue_jobs\{state="waiting"\} \d+$/m);
    }
    expect((await get(botHealthPort, "/metrics")).body).toMatch(/^loopy_interactions_total\{command="explain",kind="command"\} [1-9]/m);
  });

  it("gives the bot container none of the worker's privileges, and the workers no token", async () => {
    const [bot] = await containersOf("bot");
    const workers = await containersOf("worker");
    type Inspected = { Config: { User: string; Env: string[] }; HostConfig: { CapAdd: string[] | null; SecurityOpt: string[] | null; CgroupnsMode: string } };
    const inspect = async (id: string) => (JSON.parse(await docker(["inspect", id])) as Inspected[])[0]!;
    const botConfig = await inspect(bot!);
    expect(botConfig.Config.User).toBe("node");
    expect(botConfig.HostConfig.CapAdd ?? []).toEqual([]);
    expect(botConfig.HostConfig.SecurityOpt ?? []).toEqual([]);
    // The bot's Node process (uid 1000) holds no capability at all.
    expect(await docker(["exec", bot!, "grep", "^CapEff", "/proc/1/status"])).toMatch(/^CapEff:\s+0+$/m);
    for (const worker of workers) {
      const config = await inspect(worker);
      expect(config.HostConfig.CgroupnsMode).toBe("private");
      expect(config.Config.Env.join("\n")).not.toContain(discord.token);
      const findNode = `for p in /proc/[0-9]*; do case "$(tr '\\0' ' ' < $p/cmdline)" in node*worker-main*) echo \${p#/proc/};; esac; done`;
      const node = (await docker(["exec", worker, "sh", "-c", findNode])).trim();
      expect(node).toMatch(/^\d+$/);
      expect(await docker(["exec", worker, "cat", `/proc/${node}/environ`])).not.toContain("DISCORD_TOKEN");
      // SETPCAP was only for the entrypoint: Node keeps SYS_ADMIN (each run's scratch mount), SETGID, SETUID, KILL
      // and CHOWN (the scratch folders go to the run's uid).
      expect(await docker(["exec", worker, "grep", "^CapBnd", `/proc/${node}/status`])).toMatch(/^CapBnd:\s+0+2000e1$/m);
    }
  });

  it("scales the workers", async () => {
    await compose("up", "-d", "--no-recreate", "--scale", "worker=3");
    await until("three connected workers", async () => ((await queue.getWorkersCount()) === 3 ? true : undefined));
    expect(await containersOf("worker")).toHaveLength(3);
    await compose("up", "-d", "--no-recreate", "--scale", "worker=2");
    await until("two connected workers", async () => ((await queue.getWorkersCount()) === 2 ? true : undefined));
  });

  it("tells the learner when the worker container running their code is killed mid-run", async () => {
    const code = 'import asyncio\n\nasync def main():\n    sleeper = await asyncio.create_subprocess_exec("sleep", "5")\n    await sleeper.wait()\n\nasyncio.run(main())';
    const sent = discord.chatInput("run", { code });
    expect((await sent.response()).body.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    // The container whose processes include the run's `sleep 5` is the one running it.
    const running = await until("the run to start in a worker", async () => {
      for (const worker of await containersOf("worker")) if ((await docker(["top", worker])).includes("sleep 5")) return worker;
      return undefined;
    }, 20_000);
    await docker(["kill", running]);
    await sent.request(2, 40_000);
    expect(JSON.stringify(sent.original())).toMatch(/The worker running your code stopped before it finished/);
    await compose("up", "-d", "--scale", "worker=2");
    await until("two connected workers again", async () => ((await queue.getWorkersCount()) === 2 ? true : undefined));
  });

  it("keeps progress across a Redis restart (append-only file on the volume)", async () => {
    const learner = discord.users.alice;
    const quiz = discord.chatInput("quiz", { difficulty: 1 }, { user: learner });
    await quiz.response();
    const choice = (quiz.original().components as { components: { custom_id?: string }[] }[]).flatMap((row) => row.components).find((button) => button.custom_id)!;
    await discord.clickButton(quiz.original(), choice.custom_id!, { user: learner }).response();
    const progress = async () => (await discord.chatInput("progress", {}, { user: learner }).response()).body.data.embeds;
    const before = await progress();
    const stranger = (await discord.chatInput("progress", {}, { user: discord.users.bob }).response()).body.data.embeds;
    expect(before).not.toEqual(stranger); // the answer is part of alice's progress
    await compose("restart", "redis");
    await until("the bot to be ready after Redis restarted", async () => ((await get(botHealthPort, "/readyz")).status === 200 ? true : undefined));
    expect(await progress()).toEqual(before);
    expect(await docker(["exec", (await containersOf("redis"))[0]!, "ls", "/data/appendonlydir"])).toMatch(/\.aof/);
  });

  it("says in one sentence what a worker container without its own cgroup namespace is missing", async () => {
    const failed = await run("docker", [
      "run", "--rm", "--network", "host", "--user", "root", "--cgroupns", "host", "--cap-drop", "ALL",
      "--cap-add", "SYS_ADMIN", "--cap-add", "SETPCAP", "--cap-add", "SETUID", "--cap-add", "SETGID", "--cap-add", "KILL",
      "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined",
      "-e", `REDIS_URL=redis://127.0.0.1:${redisPort}`, "-e", "HEALTH_PORT=",
      "--entrypoint", "tini", "loopy", "--", "/usr/local/bin/worker-entrypoint.sh", "node", "--import", "tsx", "src/queue/worker-main.ts",
    ]).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^Loopy's worker cannot run learners' code on this host: .*shares the host's cgroup namespace.*cgroup: private/m);
    expect(failed?.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });

  it("stops everything with docker compose down: every process exits 0 within its grace period", async () => {
    const ids = new Map<string, string>();
    for (const service of ["redis", "bot", "worker"]) for (const id of await containersOf(service)) ids.set(id, service);
    const events = spawn("docker", ["events", "--filter", "type=container", "--filter", "event=die", "--format", "{{json .}}"]);
    let eventText = "";
    events.stdout.on("data", (chunk: Buffer) => (eventText += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 500)); // subscribed before the first container stops
    const seconds = await timed("down", () => compose("down")).then(() => timings.down!);
    await new Promise((resolve) => setTimeout(resolve, 500));
    events.kill();
    const exits = eventText.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { id: string; Actor: { Attributes: { exitCode: string } } });
    const exitCodes = Object.fromEntries(exits.filter((event) => ids.has(event.id)).map((event) => [`${ids.get(event.id)} ${event.id.slice(0, 6)}`, event.Actor.Attributes.exitCode]));
    expect(Object.keys(exitCodes)).toHaveLength(ids.size);
    for (const code of Object.values(exitCodes)) expect(code).toBe("0");
    expect(seconds).toBeLessThan(30); // stop_grace_period: nothing had to be killed
  });
});
