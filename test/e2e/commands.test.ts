import { ApplicationIntegrationType, InteractionContextType, PermissionFlagsBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main as deployCommandsCli } from "../../src/cli/deploy-commands.js";
import { loadCommands } from "../../src/commands.js";
import { FakeDiscord } from "../fake-discord/fake-discord.js";
import { commandProblems, type CommandDefinition } from "../fake-discord/validate.js";

const definitions = [...(await loadCommands()).values()].map((command) => command.data.toJSON() as CommandDefinition & { contexts?: number[]; integration_types?: number[]; default_member_permissions?: string });
/** Commands that only make sense in a server, and those only server managers may use. */
const guildOnly = new Set(["daily", "leaderboard"]);
const managersOnly = new Set(["daily"]);

let discord: FakeDiscord;
beforeAll(async () => {
  discord = await FakeDiscord.start();
  vi.stubEnv("DISCORD_TOKEN", discord.token);
  vi.stubEnv("DISCORD_API_URL", discord.apiUrl);
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await discord.close();
});

describe("the command definitions", () => {
  it.each(definitions.map((definition) => [definition.name, definition] as const))("%s keeps Discord's rules", (_, definition) => {
    expect(commandProblems(definition)).toEqual([]);
  });

  it.each(definitions.map((definition) => [definition.name, definition] as const))("%s is offered where it works, to whom it may", (name, definition) => {
    const contexts = definition.contexts ?? [InteractionContextType.Guild, InteractionContextType.BotDM];
    expect(contexts.includes(InteractionContextType.BotDM)).toBe(!guildOnly.has(name));
    expect(contexts).toContain(InteractionContextType.Guild);
    // A learner can add Loopy to their own account; what needs the bot in a server (the daily quiz) cannot.
    const installs = definition.integration_types ?? [];
    expect(installs).toEqual(guildOnly.has(name) ? [ApplicationIntegrationType.GuildInstall] : [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall]);
    if (!guildOnly.has(name)) expect(contexts).toContain(InteractionContextType.PrivateChannel);
    const permissions = BigInt(definition.default_member_permissions ?? 0);
    expect((permissions & PermissionFlagsBits.ManageGuild) !== 0n).toBe(managersOnly.has(name));
  });
});

describe("loopy deploy-commands", () => {
  it("registers every command in one server with --guild", async () => {
    expect(await deployCommandsCli(["--guild", discord.guildId])).toBe(0);
    const put = discord.requests.at(-1)!;
    expect(put.method).toBe("PUT");
    expect(put.route).toBe(`/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`);
    expect(put.body.map((command: { name: string }) => command.name).sort()).toEqual(definitions.map((definition) => definition.name).sort());
    expect(discord.problems()).toEqual([]);
  });

  it("registers them globally without --guild, reading the application id from the token", async () => {
    expect(await deployCommandsCli([])).toBe(0);
    expect(discord.requests.at(-1)!.route).toBe(`/applications/${discord.applicationId}/commands`);
    expect(discord.globalCommands.map((command) => command.name).sort()).toEqual(definitions.map((definition) => definition.name).sort());
  });

  it("refuses a malformed server id", async () => {
    expect(await deployCommandsCli(["--guild", "general"])).toBe(2);
  });
});
