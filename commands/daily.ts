import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CommandInteraction, ComponentInteraction } from "../src/core/interaction.js";
import { dailyStatusReply } from "../src/core/quiz/replies.js";
import { canonicalTimeZone, closestTimeZones, parseClockTime, parseDuration } from "../src/core/quiz/time.js";
import { errorReply } from "../src/core/reply.js";

export const data = new SlashCommandBuilder()
  .setName("daily")
  .setDescription("A daily asyncio quiz for this server")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
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
    const zone = canonicalTimeZone(typed);
    if (zone) return zone;
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
  z.object({ subcommand: z.enum(["status", "pause", "resume", "off"]) }),
]);

type Options = z.infer<typeof options>;

/** Never set up, or turned off: either way there is none now. */
const notSetUp = () => errorReply("This server has no daily quiz. Set one up with /daily setup.");

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
    return interaction.reply(status ? dailyStatusReply(status, "This server's daily quiz") : notSetUp());
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
