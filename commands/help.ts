import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CommandInteraction } from "../src/core/interaction.js";
import { helpReply } from "../src/core/help.js";

export const data = new SlashCommandBuilder()
  .setName("help")
  .setDescription("What Loopy can do, and where to start learning asyncio")
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel);

export const options = z.object({});

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  await interaction.reply(helpReply(interaction.services.content.concepts, interaction.guildId !== null));
}
