import { DiscordAPIError } from "discord.js";
import { loadConfig } from "../config.js";
import { deployCommands } from "../discord/deploy.js";

const usage = "Usage: loopy deploy-commands [--guild ID]";

/** `loopy deploy-commands [--guild ID]`: registers the slash commands globally, or in one server. */
export async function main(args: string[]): Promise<number> {
  const [flag, guildId, ...extra] = args;
  if ((flag !== undefined && flag !== "--guild") || extra.length > 0) {
    console.error(usage);
    return 2;
  }
  if (flag === "--guild" && !/^\d{17,20}$/.test(guildId ?? "")) {
    console.error(`loopy: --guild takes a server id (Developer Mode → right-click the server → Copy Server ID).\n${usage}`);
    return 2;
  }
  try {
    const deployment = await deployCommands(loadConfig(), { guildId });
    const where = deployment.scope === "global" ? "globally" : `in server ${deployment.scope.guildId}`;
    console.log(`Registered ${deployment.names.length} commands ${where}: ${deployment.names.join(", ")}.`);
    return 0;
  } catch (error) {
    if (!(error instanceof DiscordAPIError)) throw error;
    console.error(`loopy: Discord refused the commands (${error.status}, code ${error.code}): ${error.message}`);
    return 1;
  }
}
