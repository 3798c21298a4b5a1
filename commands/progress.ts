import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CommandInteraction } from "../src/core/interaction.js";
import { progressReply } from "../src/core/quiz/replies.js";
import { readUserStreak } from "../src/store/daily-store.js";
import { readProgress } from "../src/store/quiz-store.js";

export const data = new SlashCommandBuilder()
  .setName("progress")
  .setDescription("Your quiz answers, accuracy per concept, daily streak, and what to revisit next")
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel);

export const options = z.object({});

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  const { redis, content } = interaction.services;
  const { guildId, user } = interaction;
  const [progress, streak] = await Promise.all([
    readProgress(redis, user.id),
    guildId === null ? undefined : readUserStreak(redis, guildId, user.id),
  ]);
  await interaction.reply(progressReply(progress, streak, content.concepts));
}
