import { ApplicationIntegrationType, ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from "discord.js";
import { z } from "zod";
import { pythonInMessage } from "../src/core/run/request.js";
import { runAndAnswer } from "../src/core/run/handler.js";
import type { CommandInteraction } from "../src/core/interaction.js";

/** Right-click a message → Apps → Run code: runs the Python code blocks of the message. */
export const data = new ContextMenuCommandBuilder()
  .setName("Run code")
  .setType(ApplicationCommandType.Message)
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel);

/** The adapter passes the message's text as `message`. */
export const options = z.object({
  message: z.string({ error: "That message has no text to run." }),
});

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  await runAndAnswer(interaction, pythonInMessage(interaction.options.message), "message");
}
