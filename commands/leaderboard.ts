import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CommandInteraction } from "../src/core/interaction.js";
import { leaderboardReply } from "../src/core/quiz/replies.js";
import { localDate } from "../src/core/quiz/time.js";
import { errorReply } from "../src/core/reply.js";
import { boardKey, readBoard } from "../src/store/daily-store.js";

export const data = new SlashCommandBuilder()
  .setName("leaderboard")
  .setDescription("This server's top ten at the daily quiz, and your rank")
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option.setName("period").setDescription("This week (default) or all time").addChoices({ name: "this week", value: "week" }, { name: "all time", value: "all" }),
  );

export const options = z.object({
  period: z.enum(["week", "all"], { error: "The period is week or all." }).default("week"),
});

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  const { guildId, services } = interaction;
  if (guildId === null) return interaction.reply(errorReply("Leaderboards belong to servers; run /leaderboard in one."));
  // Weeks start on Monday in the server's own time zone.
  const daily = await services.daily.status(guildId);
  const timeZone = daily?.settings.timeZone ?? "UTC";
  const { period } = interaction.options;
  const { top, you } = await readBoard(services.redis, boardKey(guildId, period, localDate(Date.now(), timeZone)), interaction.user.id);
  await interaction.reply(leaderboardReply(period, top, you, daily !== undefined));
}
