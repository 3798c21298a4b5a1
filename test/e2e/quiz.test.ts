import { InteractionResponseType, MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DailyQuiz } from "../../src/queue/daily-quiz.js";
import type { ApiMessage } from "../fake-discord/fake-discord.js";
import { expectDiscordAcceptedEverything, startLoopyOnFakeDiscord, type Running } from "./harness.js";

let loopy: Running;

beforeAll(async () => {
  loopy = await startLoopyOnFakeDiscord({ RUN_WORKERS_IN_PROCESS: "false" });
});
afterAll(() => loopy?.stop());
afterEach(() => expectDiscordAcceptedEverything(loopy.discord));

type Row = { components: { custom_id?: string; label?: string }[] };
const buttonsOf = (message: ApiMessage) => (message.components as Row[]).flatMap((row) => row.components).filter((button) => button.custom_id);

describe("/quiz through Discord", () => {
  it("lets two users answer the same question once each, privately", async () => {
    const { discord } = loopy;
    const quiz = discord.chatInput("quiz", { difficulty: 1 });
    expect((await quiz.response()).body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    const choices = buttonsOf(quiz.original());
    expect(choices.length).toBeGreaterThanOrEqual(2);

    const alice = discord.clickButton(quiz.original(), choices[0]!.custom_id!, { user: discord.users.alice });
    const bob = discord.clickButton(quiz.original(), choices[1]!.custom_id!, { user: discord.users.bob });
    for (const answer of [alice, bob]) {
      const { body } = await answer.response();
      expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
      expect(body.data.embeds[0].title).not.toMatch(/already/i);
    }
    const again = discord.clickButton(quiz.original(), choices[1]!.custom_id!, { user: discord.users.alice });
    expect((await again.response()).body.data.embeds[0].description).toMatch(/already answered/);
  });
});

describe("/daily through Discord", () => {
  it("is hidden from members without Manage Server, and offered only in servers", () => {
    const { discord } = loopy;
    expect(() => discord.chatInput("daily", { subcommand: "status" }, { user: discord.users.alice })).toThrow(/hidden/);
    expect(() => discord.chatInput("daily", { subcommand: "status" }, { user: discord.users.admin, channelId: null })).toThrow(/not offered/);
  });

  it("refuses a member the server let see /daily but who cannot manage the server", async () => {
    const { discord } = loopy;
    const status = discord.chatInput("daily", { subcommand: "status" }, { user: discord.users.alice, overriddenByServer: true });
    const { body } = await status.response();
    expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(body.data.embeds[0].description).toMatch(/Manage Server/);
  });

  it("says which permission is missing in a channel Loopy cannot post in", async () => {
    const { discord } = loopy;
    const setup = discord.chatInput("daily", { subcommand: "setup", channel: discord.channels.announcements.id, time: "09:00", timezone: "UTC" }, { user: discord.users.admin });
    expect((await setup.response()).body.data.embeds[0].description).toMatch(/Send Messages/);
  });

  it("posts the quiz in the channel at its time, takes answers, and reveals on the same message", async () => {
    const { discord, app } = loopy;
    // The next whole minute in UTC: the real scheduler posts it.
    const next = new Date(Math.ceil((Date.now() + 1000) / 60_000) * 60_000);
    const time = next.toISOString().slice(11, 16);
    const setup = discord.chatInput("daily", { subcommand: "setup", channel: discord.channels.general.id, time, timezone: "UTC", "reveal-after": "10m" }, { user: discord.users.admin });
    expect((await setup.response()).body).toEqual({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
    const { body } = await setup.request(2);
    expect(body.embeds[0].fields.map((field: { name: string }) => field.name)).toContain("Next quiz");

    const posted = await discord.waitForRequest((request) => request.method === "POST" && request.route === `/channels/${discord.channels.general.id}/messages`, 75_000);
    const messageId = [...discord.messages.values()].find((message) => message.channel_id === discord.channels.general.id && message.embeds[0]?.title?.startsWith("Daily quiz #"))!.id;
    expect(posted.body.allowed_mentions).toEqual({ parse: [] });
    const choices = buttonsOf(discord.messages.get(messageId)!);
    for (const [user, choice] of [[discord.users.alice, choices[0]!], [discord.users.bob, choices.at(-1)!]] as const) {
      const answer = discord.clickButton(discord.messages.get(messageId)!, choice.custom_id!, { user });
      expect((await answer.response()).body.data.embeds[0].title).toMatch(/Locked in/);
    }

    await (app.services.daily as DailyQuiz).reveal(discord.guildId, next.toISOString().slice(0, 10));
    const revealed = discord.messages.get(messageId)!;
    expect(revealed.edited_timestamp).not.toBeNull();
    expect(JSON.stringify(revealed.embeds)).not.toEqual(JSON.stringify(posted.body.embeds));
  }, 90_000);

  it("forgets the server's daily quiz when Loopy is removed from it", async () => {
    const { discord, app } = loopy;
    discord.removeBotFromGuild();
    await expect.poll(() => app.services.daily.status(discord.guildId), { timeout: 5000 }).toBeUndefined();
  });
});
