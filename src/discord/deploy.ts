import { REST, Routes } from "discord.js";
import { commandDefinitions, loadCommands } from "../commands.js";
import { ConfigError, type Config } from "../config.js";

/** A bot token's first part is its application's id in base64 (how the Developer Portal makes tokens). */
function applicationIdFromToken(token: string): string {
  return Buffer.from(token.split(".")[0]!, "base64").toString("utf8");
}

export interface Deployment {
  applicationId: string;
  /** Where the commands went: "global" or a server's id. */
  scope: "global" | { guildId: string };
  names: string[];
}

/**
 * Registers every command of commands/ in one PUT, which replaces the application's (or one server's)
 * whole set: a command removed from commands/ disappears from Discord too. A guild deployment shows up
 * at once, so it is the one to use while developing.
 */
export async function deployCommands(config: Config, options: { guildId?: string } = {}): Promise<Deployment> {
  if (!config.DISCORD_TOKEN) throw new ConfigError("DISCORD_TOKEN: not set; the commands are registered with the bot's token.");
  const applicationId = config.DISCORD_APPLICATION_ID ?? applicationIdFromToken(config.DISCORD_TOKEN);
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(config.DISCORD_TOKEN);
  const definitions = commandDefinitions(await loadCommands());
  const route = options.guildId ? Routes.applicationGuildCommands(applicationId, options.guildId) : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body: definitions })) as { name: string }[];
  return { applicationId, scope: options.guildId ? { guildId: options.guildId } : "global", names: registered.map((command) => command.name) };
}
