import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import { explainReplies, unknownTopicReply } from "../src/core/explain.js";
import type { AutocompleteRequest, CommandInteraction, ComponentInteraction, Interaction } from "../src/core/interaction.js";

export const data = new SlashCommandBuilder()
  .setName("explain")
  .setDescription("Explain an asyncio concept, with a runnable example and links to the Python docs")
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .addStringOption((option) =>
    option
      .setName("topic")
      .setDescription("A concept, e.g. gather, tasks, event loop")
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(100),
  );

export const options = z.object({
  topic: z.string().trim().min(1, "Please name a topic, e.g. gather.").max(100, "A topic is at most 100 characters."),
});

async function explain(interaction: Interaction, topic: string) {
  const { concepts, content } = interaction.services;
  const concept = concepts.find(topic);
  if (!concept) return interaction.reply(unknownTopicReply(topic, concepts));
  const [first, ...rest] = explainReplies(concept, content.concepts);
  await interaction.reply(first!);
  for (const more of rest) await interaction.followUp(more);
}

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  await explain(interaction, interaction.options.topic);
}

export async function autocomplete({ value, services }: AutocompleteRequest) {
  return services.concepts.choices(value);
}

export const components = {
  /** A "did you mean" button. */
  show: (interaction: ComponentInteraction) => explain(interaction, interaction.args[0] ?? ""),
  /** The related-concepts menu. */
  open: (interaction: ComponentInteraction) => explain(interaction, interaction.values[0] ?? ""),
};
