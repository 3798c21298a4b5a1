import { ApplicationIntegrationType, InteractionContextType, SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import { codeForm } from "../src/core/run/reply.js";
import { runAndAnswer } from "../src/core/run/handler.js";
import { pastedPython, pythonProblem, type Program } from "../src/core/run/request.js";
import { joinedPasteReply, readOneLine, repairedNote } from "../src/core/run/one-line.js";
import { USERLAND_SUITES } from "../src/sandbox/userlands.js";
import type { CommandInteraction, ComponentInteraction } from "../src/core/interaction.js";
import { errorReply } from "../src/core/reply.js";

export const data = new SlashCommandBuilder()
  .setName("run")
  .setDescription("Run Python in Loopy's sandbox and see its output and timing")
  // Guild install: the bot is a member of the server; user install: a learner added Loopy to their account.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
  .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel)
  .addStringOption((option) =>
    option.setName("code").setDescription('One line of Python, e.g. print("hi"); leave out to write more in a form').setMaxLength(6000),
  )
  .addStringOption((option) =>
    option
      .setName("python")
      .setDescription("The Python version to run it on (default: the newest installed)")
      // Every version Loopy can install; one this server does not offer is refused with the list it does.
      .addChoices(...USERLAND_SUITES.flatMap((suite) => suite.versions).map((version) => ({ name: `Python ${version}`, value: version }))),
  );

const pythonVersion = z.string().regex(/^3\.\d+$/, "not a Python version");

export const options = z.object({
  code: z.string().optional(),
  python: pythonVersion.optional(),
});

/** A "Run again" / "Edit and run" button names stored code by its id. */
const storedCode = z.object({ id: z.string().regex(/^[\w-]{1,40}$/, "not a stored code id"), python: pythonVersion.optional() });
const exampleOf = z.object({ conceptId: z.string().regex(/^[a-z0-9-]{1,60}$/, "not a concept id") });
/** The input box is optional (and absent from forms opened before it existed). */
const submittedForm = z.object({ code: z.string(), input: z.string().default(""), python: pythonVersion.optional() });

const EXPIRED = "That code is no longer stored (runs are kept for a day). Please run it again with /run.";

/** The stored program a button names, and the Python version it asks for (the one the code last ran on, or another). */
async function storedProgramOf(interaction: ComponentInteraction): Promise<{ program: Program | undefined; python?: string }> {
  const parsed = storedCode.safeParse({ id: interaction.args[0], python: interaction.args[1] });
  if (!parsed.success) return { program: undefined };
  return { program: await interaction.services.runs.savedProgram(parsed.data.id), python: parsed.data.python };
}

export async function execute(interaction: CommandInteraction<z.infer<typeof options>>) {
  const { code, python } = interaction.options;
  const problem = python === undefined ? undefined : pythonProblem(python, interaction.services.runs.pythons);
  if (problem) return interaction.reply(errorReply(problem));
  if (code === undefined) return interaction.showForm(codeForm(undefined, interaction.services.runs.pythons, python));
  const pasted = readOneLine(pastedPython(code));
  if (pasted.kind === "joined") return interaction.reply(joinedPasteReply());
  await runAndAnswer(interaction, pasted.code, "command", { note: pasted.kind === "repaired" ? repairedNote(pasted.lines) : undefined, python });
}

export const components = {
  /** "Run example" under an /explain answer. */
  example: async (interaction: ComponentInteraction) => {
    const parsed = exampleOf.safeParse({ conceptId: interaction.args[0] });
    const concept = parsed.success ? interaction.services.content.concepts.get(parsed.data.conceptId) : undefined;
    if (!concept) return interaction.reply(errorReply("That example no longer exists. Try /explain again."));
    await runAndAnswer(interaction, concept.example.code, "example");
  },
  /** "Run the code" under a quiz answer's feedback. */
  question: async (interaction: ComponentInteraction) => {
    const code = interaction.services.content.questions.find((question) => question.id === interaction.args[0])?.code;
    if (code === undefined) return interaction.reply(errorReply("That question's code no longer exists. Try /quiz again."));
    // Loopy's own content, like a concept's example: counted as one.
    await runAndAnswer(interaction, code, "question");
  },
  /** "Run again" (on the version it ran on) and "Run in 3.x". */
  again: async (interaction: ComponentInteraction) => {
    const { program, python } = await storedProgramOf(interaction);
    if (program === undefined) return interaction.reply(errorReply(EXPIRED));
    await runAndAnswer(interaction, program.code, "again", { stdin: program.stdin, python });
  },
  edit: async (interaction: ComponentInteraction) => {
    const { program, python } = await storedProgramOf(interaction);
    if (program === undefined) return interaction.reply(errorReply(EXPIRED));
    await interaction.showForm(codeForm(program, interaction.services.runs.pythons, python));
  },
  /** "Open the form" under the answer to a joined paste. */
  open: (interaction: ComponentInteraction) => interaction.showForm(codeForm()),
  form: async (interaction: ComponentInteraction) => {
    const parsed = submittedForm.safeParse(interaction.fields);
    if (!parsed.success) return interaction.reply(errorReply("The form came back without code. Please try /run again."));
    await runAndAnswer(interaction, pastedPython(parsed.data.code), "form", { stdin: parsed.data.input, python: parsed.data.python });
  },
};
