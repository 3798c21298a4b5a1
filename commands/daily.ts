import { ApplicationIntegrationType, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CommandInteraction, ComponentInteraction } from "../src/core/interaction.js";
import { dailyPreviewReply, dailyStatusReply, noDailyQuizReply, practiceQuizReply } from "../src/core/quiz/replies.js";
import { closestTimeZones, offsetAnswer, parseClockTime, parseDuration, parseUtcOffset, timeZoneName } from "../src/core/quiz/time.js";
import { errorReply } from "../src/core/reply.js";

export const data = new SlashCommandBuilder()
  .setName("daily")
  .setDescription("A daily asyncio quiz for this server")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) =>
    sub
      .setName("setup")
      .setDescription("Post a quiz every day in a channel at a local time")
      .addChannelOption((option) => option.setName("channel").setDescription("Where to post").setRequired(true))
      .addStringOption((option) => option.setName("time").setDescription("Local time, 24-hour, e.g. 9:00 or 21:30").setRequired(true).setMaxLength(5))
      .addStringOption((option) => option.setName("timezone").setDescription("e.g. Europe/Madrid").setRequired(true).setMaxLength(64))
      .addStringOption((option) => option.setName("reveal-after").setDescription("When to reveal the answer, e.g. 12h or 90m (default 12h)").setMaxLength(10))
      .addRoleOption((option) => option.setName("ping-role").setDescription("A role to notify with each quiz")),
  )
  .addSubcommand((sub) => sub.setName("status").setDescription("Show this server's daily quiz settings"))
  .addSubcommand((sub) => sub.setName("preview").setDescription("See a daily quiz as members will, privately; nothing is posted or scored"))
  .addSubcommand((sub) =>
    sub
      .setName("post-now")
      .setDescription("Post an unscored practice quiz now; the schedule and scores stay as they are")
      .addChannelOption((option) => option.setName("channel").setDescription("Where to post (default: the daily quiz's channel)")),
  )
  .addSubcommand((sub) => sub.setName("pause").setDescription("Stop posting until resumed"))
  .addSubcommand((sub) => sub.setName("resume").setDescription("Post again from the next slot"))
  .addSubcommand((sub) => sub.setName("off").setDescription("Turn the daily quiz off (scores are kept)"));

/** Discord snowflakes, or the console's own ids ("console-channel"); anything else is not an id. */
const discordId = z.string().regex(/^[\w-]{1,40}$/, "expected a channel or role id");

const timeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .transform((typed, context) => {
    const zone = timeZoneName(typed);
    if (zone) return zone;
    const offset = parseUtcOffset(typed);
    if (offset !== undefined) {
      context.addIssue({ code: "custom", message: offsetAnswer(typed, offset, Date.now()) });
      return z.NEVER;
    }
    context.addIssue({ code: "custom", message: `I don't know the time zone "${typed}". Did you mean ${closestTimeZones(typed).join(", ")}?` });
    return z.NEVER;
  });

/** "9:00" or "09:00", stored as "09:00". */
const clockTime = z.string().transform((typed, context) => {
  const time = parseClockTime(typed);
  if (time) return time;
  context.addIssue({ code: "custom", message: "write the time as HH:MM on a 24-hour clock, like 09:00 or 21:30." });
  return z.NEVER;
});

/** Revealing within 23 hours leaves the answer up before the next day's quiz. */
const revealAfter = z
  .string()
  .default("12h")
  .transform((typed, context) => {
    const minutes = parseDuration(typed);
    if (minutes !== undefined && minutes >= 10 && minutes <= 23 * 60) return minutes;
    context.addIssue({ code: "custom", message: "write a duration between 10m and 23h, like 12h, 90m or 1h30m." });
    return z.NEVER;
  });

export const options = z.discriminatedUnion("subcommand", [
  z.object({
    subcommand: z.literal("setup"),
    channel: discordId,
    time: clockTime,
    timezone: timeZone,
    "reveal-after": revealAfter,
    "ping-role": discordId.optional(),
  }),
  z.object({ subcommand: z.literal("post-now"), channel: discordId.optional() }),
  z.object({ subcommand: z.enum(["status", "preview", "pause", "resume", "off"]) }),
]);

type Options = z.infer<typeof options>;

/** Never set up, or turned off: either way there is none now. */
const notSetUp = () => errorReply("This server has no daily quiz. Set one up with /daily setup.");

/** Any question of the bank: previews and practice quizzes leave the server's round of daily questions alone. */
function anyQuestion(interaction: CommandInteraction<Options>) {
  const { questions } = interaction.services.content;
  return questions[Math.floor(Math.random() * questions.length)];
}

export async function execute(interaction: CommandInteraction<Options>) {
  const { guildId, options: chosen } = interaction;
  if (guildId === null) return interaction.reply(errorReply("The daily quiz lives in a server; run /daily there."));
  // Discord hides the command from members without Manage Server, but server admins can override that per channel or role.
  if (!interaction.canManageServer) return interaction.reply(errorReply("Only members with the Manage Server permission can change the daily quiz."));
  const { daily, poster } = interaction.services;
  if (chosen.subcommand === "setup") {
    const canPost = await poster.canPost(guildId, chosen.channel);
    if (canPost !== true) return interaction.reply(errorReply(`I can't post in <#${chosen.channel}>: ${canPost}`));
    await interaction.defer({ private: true });
    const status = await daily.setup(guildId, {
      channelId: chosen.channel,
      time: chosen.time,
      timeZone: chosen.timezone,
      revealAfterMinutes: chosen["reveal-after"],
      pingRoleId: chosen["ping-role"],
    });
    return interaction.respond(dailyStatusReply(status, "All set! This server's daily quiz:"));
  }
  if (chosen.subcommand === "status") {
    const status = await daily.status(guildId);
    return interaction.reply(status ? dailyStatusReply(status, "This server's daily quiz") : noDailyQuizReply());
  }
  if (chosen.subcommand === "preview") {
    const question = anyQuestion(interaction);
    if (!question) return interaction.reply(errorReply("The question bank is empty, so there is nothing to preview."));
    return interaction.reply(dailyPreviewReply(question, interaction.services.content.concepts, await daily.status(guildId), interaction.id));
  }
  if (chosen.subcommand === "post-now") {
    const channelId = chosen.channel ?? (await daily.status(guildId))?.settings.channelId;
    if (!channelId) return interaction.reply(errorReply("Name a channel (`channel:#…`), or set up the daily quiz first: a practice quiz goes to its channel by default."));
    const canPost = await poster.canPost(guildId, channelId);
    if (canPost !== true) return interaction.reply(errorReply(`I can't post in <#${channelId}>: ${canPost}`));
    const question = anyQuestion(interaction);
    if (!question) return interaction.reply(errorReply("The question bank is empty, so there is nothing to post."));
    await interaction.defer({ private: true });
    await poster.post(channelId, practiceQuizReply(question, interaction.services.content.concepts, interaction.id));
    return interaction.respond({
      cards: [{ title: "Posted a practice quiz", body: `It is in <#${channelId}>. Members get their feedback at once and privately; it counts for no streak or leaderboard, and the daily schedule is unchanged.`, tone: "success" }],
      private: true,
    });
  }
  const changed = await daily[chosen.subcommand](guildId);
  if (!changed) return interaction.reply(notSetUp());
  const done = { pause: "Paused. /daily resume starts it again.", resume: "Resumed: quizzes are posted again.", off: "Turned off. Scores and streaks are kept." };
  const status = await daily.status(guildId);
  await interaction.reply(status ? dailyStatusReply(status, done[chosen.subcommand]) : { cards: [{ title: done[chosen.subcommand], tone: "success" }], private: true });
}

const answerArgs = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.coerce.number().int().min(0).max(3)]);

export const components = {
  /** A choice of the daily quiz: daily:answer:<local date>:<choice>. */
  async answer(interaction: ComponentInteraction) {
    const parsed = answerArgs.safeParse(interaction.args);
    if (!parsed.success || interaction.guildId === null) return interaction.reply(errorReply("This button no longer works."));
    const [date, choice] = parsed.data;
    await interaction.reply(await interaction.services.daily.answer(interaction.guildId, date, interaction.user, choice));
  },
};
