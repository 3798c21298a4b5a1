import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import { unknownTopicReply } from "../src/core/explain.js";
import type { AutocompleteRequest, CommandInteraction, ComponentInteraction, Interaction } from "../src/core/interaction.js";
import { feedbackReply, questionReply } from "../src/core/quiz/replies.js";
import { choiceLetter, isCorrect, questionsMatching } from "../src/core/quiz/select.js";
import { shownQuestion } from "../src/core/quiz/shuffle.js";
import { actionId, errorReply } from "../src/core/reply.js";
import { pickQuizQuestion, recordProgress, recordQuizAnswer } from "../src/store/quiz-store.js";

export const data = new SlashCommandBuilder()
  .setName("quiz")
  .setDescription("Answer a question about asyncio; you won't get the same one twice until you've seen them all")
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .addStringOption((option) =>
    option.setName("topic").setDescription("A concept, e.g. gather").setAutocomplete(true).setMaxLength(100),
  )
  .addIntegerOption((option) =>
    option
      .setName("difficulty")
      .setDescription("How hard")
      .addChoices({ name: "beginner", value: 1 }, { name: "intermediate", value: 2 }, { name: "advanced", value: 3 }),
  );

export const options = z.object({
  topic: z.string().trim().min(1, "Please name a topic, e.g. gather.").max(100, "A topic is at most 100 characters.").optional(),
  difficulty: z
    .union([z.literal(1), z.literal(2), z.literal(3)], { error: "Difficulty is 1 (beginner), 2 (intermediate) or 3 (advanced)." })
    .optional(),
});

/** Asks the user a question of `conceptId` (any concept when undefined) at `difficulty`. */
async function askQuestion(interaction: Interaction, conceptId: string | undefined, difficulty: 1 | 2 | 3 | undefined) {
  const { content, redis } = interaction.services;
  const candidates = questionsMatching(content.questions, { concept: conceptId, difficulty });
  const question = await pickQuizQuestion(redis, interaction.user.id, candidates);
  if (!question) {
    return interaction.reply(errorReply("There are no questions for that topic and difficulty yet. Try another difficulty, or no topic at all."));
  }
  // The message's own id (this interaction's) goes into each button, so every user answers each message once;
  // it also fixes the message's order of choices, so the answer handler sees the same order again.
  const shown = shownQuestion(question, interaction.id);
  await interaction.reply(
    questionReply(shown, content.concepts, (choice) => actionId("quiz", "answer", interaction.id, question.id, String(choice)), {
      heading: "Quiz",
      footer: "Pick an answer below: one answer each, and only you see whether you were right.",
    }),
  );
}

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  const { concepts } = interaction.services;
  const { topic, difficulty } = interaction.options;
  const concept = topic === undefined ? undefined : concepts.find(topic);
  if (topic !== undefined && !concept) return interaction.reply(unknownTopicReply(topic, concepts, "quiz", difficulty ? [String(difficulty)] : []));
  await askQuestion(interaction, concept?.id, difficulty);
}

export async function autocomplete({ value, services }: AutocompleteRequest) {
  return services.concepts.choices(value);
}

const answerArgs = z.tuple([z.string().min(1), z.string().min(1), z.coerce.number().int().min(0).max(3)]);

const topicArgs = z.tuple([z.string().regex(/^[a-z0-9-]{1,60}$/, "not a concept id"), z.enum(["1", "2", "3"]).optional()]);

export const components = {
  /** A "did you mean" button under an unknown topic: quiz:topic:<concept id>[:<difficulty>]. */
  async topic(interaction: ComponentInteraction) {
    const parsed = topicArgs.safeParse(interaction.args);
    const concept = parsed.success ? interaction.services.content.concepts.get(parsed.data[0]) : undefined;
    if (!concept) return interaction.reply(errorReply("That topic is no longer in the quiz bank. Try /quiz again."));
    const difficulty = parsed.data![1];
    await askQuestion(interaction, concept.id, difficulty === undefined ? undefined : (Number(difficulty) as 1 | 2 | 3));
  },
  /** A choice button: quiz:answer:<messageId>:<questionId>:<choice>, the choice's position as shown on that message. */
  async answer(interaction: ComponentInteraction) {
    const parsed = answerArgs.safeParse(interaction.args);
    const { content, redis } = interaction.services;
    const question = parsed.success ? content.questions.find((candidate) => candidate.id === parsed.data[1]) : undefined;
    if (!parsed.success || !question || parsed.data[2] >= question.choices.length) {
      return interaction.reply(errorReply("This question is no longer in the quiz bank. Try /quiz for a new one."));
    }
    const [postId, , choice] = parsed.data;
    // The choice is a position on that message: scored in the message's order.
    const shown = shownQuestion(question, postId);
    const previous = await recordQuizAnswer(redis, postId, interaction.user.id, choice);
    if (previous !== undefined) {
      return interaction.reply(errorReply(`You already answered this one (${choiceLetter(previous)}). Try /quiz for another question!`));
    }
    await recordProgress(redis, [{ userId: interaction.user.id, concept: question.concept, correct: isCorrect(shown, choice) }]);
    await interaction.reply(feedbackReply(shown, choice, content.concepts));
  },
};
