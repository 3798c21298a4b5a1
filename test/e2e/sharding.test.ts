import { InteractionResponseType } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deployCommands } from "../../src/discord/deploy.js";
import type { SentInteraction } from "../fake-discord/fake-discord.js";
import { shardOf } from "../fake-discord/gateway.js";
import { expectDiscordAcceptedEverything, startLoopyOnFakeDiscord, type Running } from "./harness.js";

let loopy: Running;

beforeAll(async () => {
  // The fake recommends two shards and refuses a single connection ("Sharding required"), as Discord
  // does for a bot in too many servers. /explain needs no sandbox: no workers here.
  loopy = await startLoopyOnFakeDiscord({ RUN_WORKERS_IN_PROCESS: "false" }, { shards: 2 });
  // Global commands, as production deploys them: the harness's guild deployment reaches one server only.
  await deployCommands(loopy.config);
});
afterAll(() => loopy?.stop());
afterEach(() => expectDiscordAcceptedEverything(loopy.discord));

/** The server whose events Discord sends on the shard. */
const guildOnShard = (shard: number) => loopy.discord.guilds.find((guild) => shardOf(guild.id, 2) === shard)!;

/** The shard whose connection carried the interaction to the bot. */
const shardThatCarried = (interaction: SentInteraction) =>
  loopy.discord.gateway.sessions.find((session) => session.dispatched.some((event) => event.t === "INTERACTION_CREATE" && (event.d as { id: string }).id === interaction.id))?.id;

async function expectExplained(interaction: SentInteraction) {
  const { body } = await interaction.response();
  expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
  expect(body.data.embeds[0].title).toMatch(/gather/i);
  expect(interaction.original().channel_id).toBe(interaction.payload.channel_id);
}

describe("Loopy on two gateway shards", () => {
  it("opens the two shards Discord recommends, each given only its own servers", () => {
    const [first, second] = loopy.discord.gateway.sessions;
    expect(loopy.discord.gateway.identifies).toEqual([{ intents: 1 }, { intents: 1 }]);
    expect(first!.identifies).toBe(1);
    expect(second!.identifies).toBe(1);
    expect(first!.guildIds).toEqual([guildOnShard(0).id]);
    expect(second!.guildIds).toEqual([guildOnShard(1).id]);
  });

  it("answers /explain in a server of shard 0 and in a server of shard 1", async () => {
    for (const shard of [0, 1]) {
      const explain = loopy.discord.chatInput("explain", { topic: "gather" }, { channelId: guildOnShard(shard).channels.general.id });
      await expectExplained(explain);
      expect(shardThatCarried(explain)).toBe(shard);
    }
  });

  it("sees the servers of both shards in its one guild cache (what the daily quiz's poster uses)", async () => {
    for (const shard of [0, 1]) {
      const { admin } = loopy.discord.users;
      const setup = loopy.discord.chatInput("daily", { subcommand: "setup", channel: guildOnShard(shard).channels.announcements.id, time: "09:00", timezone: "UTC" }, { user: admin, channelId: guildOnShard(shard).channels.general.id });
      // Not "I'm not in this server any more": the poster found the server and read the channel's permissions.
      expect((await setup.response()).body.data.embeds[0].description).toMatch(/Send Messages/);
    }
  });

  it("resumes a dropped shard on its own, and keeps answering there", async () => {
    const { gateway } = loopy.discord;
    const channelId = guildOnShard(0).channels.general.id;
    gateway.dropConnection(0);
    // Sent while shard 0 is away: the resumed session replays it.
    const missed = loopy.discord.chatInput("explain", { topic: "gather" }, { channelId });
    await gateway.whenReady(0);
    await expectExplained(missed);
    expect(gateway.sessions.map((session) => session.resumes)).toEqual([1, 0]);
    expect(gateway.sessions.map((session) => session.identifies)).toEqual([1, 1]);

    const later = loopy.discord.chatInput("explain", { topic: "gather" }, { channelId });
    await expectExplained(later);
    expect(shardThatCarried(later)).toBe(0);
  });
});
