import { Redis } from "ioredis";
import { loadConfig } from "../../src/config.js";
import { loadContent } from "../../src/core/content/load.js";
import { ConceptIndex } from "../../src/core/content/search.js";
import type { ChannelPoster } from "../../src/core/quiz/poster.js";
import type { Reply } from "../../src/core/reply.js";
import type { Services } from "../../src/core/services.js";
import { LocalInteraction, type LocalEvent } from "../../src/console/local-interaction.js";
import { startDailyQuiz, type RunningDailyQuiz } from "../../src/queue/daily-worker.js";
import { Router } from "../../src/router.js";
import type { Command } from "../../src/commands.js";
import * as daily from "../../commands/daily.js";
import * as leaderboard from "../../commands/leaderboard.js";
import * as progress from "../../commands/progress.js";
import * as quiz from "../../commands/quiz.js";

export const bank = loadContent("test/fixtures/quiz-bank");

/** Posts as Discord would, into memory: what each channel received and every edit. */
export class RecordingPoster implements ChannelPoster {
  posts: { channelId: string; messageId: string; reply: Reply; pingRoleId?: string }[] = [];
  edits: { channelId: string; messageId: string; reply: Reply }[] = [];
  /** Channels the bot may not post in, with the reason. */
  refused = new Map<string, string>();
  /** Posts to fail before posting works again, as when Discord is unreachable. */
  outages = 0;

  async canPost(_guildId: string, channelId: string) {
    return this.refused.get(channelId) ?? true;
  }

  async post(channelId: string, reply: Reply, options: { pingRoleId?: string } = {}) {
    if (this.outages > 0) {
      this.outages--;
      throw new Error("Discord is unreachable");
    }
    const messageId = String(1000 + this.posts.length);
    this.posts.push({ channelId, messageId, reply, pingRoleId: options.pingRoleId });
    return { messageId };
  }

  async edit(channelId: string, messageId: string, reply: Reply) {
    this.edits.push({ channelId, messageId, reply });
  }
}

/** A clock the tests move by hand; BullMQ still runs in real time. */
export class TestClock {
  constructor(public time: number) {}
  readonly now = () => this.time;
  set(iso: string) {
    this.time = Date.parse(iso);
  }
}

/** A Redis database of its own per test file, so catch-ups never see another file's servers. */
export async function testRedis(db: number): Promise<Redis> {
  const redis = new Redis(`${process.env.REDIS_URL}/${db}`, { maxRetriesPerRequest: null });
  await redis.flushdb();
  return redis;
}

export interface TestProcess {
  services: Services;
  running: RunningDailyQuiz;
  router: Router;
  stop(): Promise<void>;
}

/** One bot process: its own Redis connection, daily worker and router over the quiz commands. */
export async function startProcess(options: { db: number; prefix: string; poster: RecordingPoster; clock: TestClock; random?: () => number }): Promise<TestProcess> {
  const redis = new Redis(`${process.env.REDIS_URL}/${options.db}`, { maxRetriesPerRequest: null });
  const content = bank;
  const running = await startDailyQuiz({ redis, content, poster: options.poster }, { prefix: options.prefix, now: options.clock.now, random: options.random });
  const services: Services = {
    config: loadConfig({}),
    content,
    concepts: new ConceptIndex(content.concepts),
    redis,
    runs: { run: async () => ({ text: "runs are not part of these tests" }) } as unknown as Services["runs"],
    poster: options.poster,
    daily: running.daily,
  };
  const commands = new Map<string, Command>(
    [daily, leaderboard, progress, quiz].map((command) => [command.data.name, command as unknown as Command]),
  );
  return {
    services,
    running,
    router: new Router(commands),
    async stop() {
      await running.stop();
      redis.disconnect();
    },
  };
}

export interface Place {
  userId?: string;
  guildId?: string | null;
  canManageServer?: boolean;
}

/** Runs a command or presses a button as a user, and returns every reply the handler made. */
export function as(bot: TestProcess, place: Place = {}) {
  const events: LocalEvent[] = [];
  const userId = place.userId ?? "user-1";
  const interaction = () =>
    new LocalInteraction(
      bot.services,
      { user: { id: userId, name: userId }, guildId: place.guildId === undefined ? "guild-1" : place.guildId, channelId: "channel-1", canManageServer: place.canManageServer ?? false },
      (event) => events.push(event),
    );
  const replies = () => events.flatMap((event) => ("reply" in event ? [event.reply] : []));
  return {
    async command(name: string, options: Record<string, unknown> = {}) {
      events.length = 0;
      const made = interaction();
      await bot.router.command(name, options, made);
      return { replies: replies(), interactionId: made.id };
    },
    async press(action: string) {
      events.length = 0;
      await bot.router.component(action, interaction());
      return replies();
    },
  };
}

/** Everything a reply shows, as one string, to look for words in it. */
export function textOf(reply: Reply): string {
  return [reply.text ?? "", ...(reply.cards ?? []).flatMap((card) => [card.title, card.body, card.footer, ...(card.fields ?? []).flatMap((field) => [field.name, field.value])])]
    .filter(Boolean)
    .join("\n");
}

export function actionsOf(reply: Reply): string[] {
  return (reply.buttons ?? []).flat().flatMap((button) => ("action" in button ? [button.action] : []));
}

/**
 * The position (0 for A) at which a question message shows the question's right answer, read from the
 * message's text: the choice after "**X)**" that reads as the authored right choice.
 */
export function shownAnswer(reply: Reply, question: { choices: string[]; answer: number }): number {
  const plain = (text: string) => text.replace(/```\w*/g, "").replace(/`/g, "").trim();
  const body = reply.cards![0]!.body!;
  const parts = body.split(/\*\*[A-D]\)\*\*/).slice(1);
  const positions = parts.flatMap((part, index) => (plain(part) === plain(question.choices[question.answer]!) ? [index] : []));
  if (positions.length !== 1) throw new Error(`the right answer is not shown exactly once in:\n${body}`);
  return positions[0]!;
}
