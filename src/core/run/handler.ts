import type { Interaction } from "../interaction.js";
import { errorReply } from "../reply.js";
import type { RunRequest } from "./request.js";

/** Discord drops an interaction not answered within 3 seconds; queueing must not make us miss that. */
export const FIRST_ANSWER_MS = 2_000;

/**
 * The way every handler runs code (with `stdin` on its standard input, and `note` said above the result): queue it (a refusal is answered privately at once), defer because
 * a run can take longer than Discord's 3 seconds, then replace the "thinking…" with the answer. When
 * queueing itself is slow (a Redis under load), the handler defers first so the interaction stays alive.
 * `python` is the version asked for ("3.14"); unset, the default. One not offered is refused with a sentence.
 */
export async function runAndAnswer(
  interaction: Interaction,
  code: string,
  origin: RunRequest["origin"],
  { stdin = "", note, python }: { stdin?: string; note?: string; python?: string } = {},
): Promise<void> {
  const { runs, content } = interaction.services;
  const submitted = runs.submit({ code, stdin, user: interaction.user, origin, python });
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), FIRST_ANSWER_MS)));
  const early = await Promise.race([submitted, slow]);
  clearTimeout(timer);
  if (early === undefined) await interaction.defer();
  const admission = early ?? (await submitted);
  if (!admission.accepted) return interaction.respond(errorReply(admission.problem));
  if (early !== undefined) await interaction.defer();
  const reply = await runs.reply({ code, stdin }, await admission.outcome, (concept) => content.concepts.get(concept)?.title);
  await interaction.edit(note ? { ...reply, text: [note, reply.text].filter(Boolean).join("\n") } : reply);
}
