import type { Question } from "../content/load.js";
import type { Concept } from "../content/schema.js";
import { BUTTON_LABEL_MAX, FIELD_VALUE_MAX } from "../discord-limits.js";
import { codeBlock } from "../markdown.js";
import { actionId, type Button, type Card, type Reply } from "../reply.js";
import type { DailyStatus } from "./daily.js";
import type { RankedScore } from "./leaderboard.js";
import { choiceLetter, isCorrect } from "./select.js";
import { formatMinutes, localClock, localDate } from "./time.js";

const difficultyNames = { 1: "beginner", 2: "intermediate", 3: "advanced" } as const;

/** Output and durations read best as code; a statement written by an author keeps its own Markdown. */
function formatChoice(question: Question, index: number): string {
  const choice = question.choices[index]!;
  const label = `**${choiceLetter(index)})**`;
  if (choice.includes("\n") || (question.kind !== "multiple-choice" && choice.includes("`"))) return `${label}\n${codeBlock(choice)}`;
  return question.kind === "multiple-choice" ? `${label} ${choice}` : `${label} \`${choice}\``;
}

function questionBody(question: Question): string {
  const parts = [question.question];
  if (question.code) parts.push(codeBlock(question.code.trimEnd(), "py"));
  parts.push(question.choices.map((_, index) => formatChoice(question, index)).join("\n"));
  return parts.join("\n\n");
}

export function questionTitle(question: Question, concepts: Map<string, Concept>): string {
  return `${concepts.get(question.concept)?.title ?? question.concept} · ${difficultyNames[question.difficulty]}`;
}

/**
 * A question with one button per choice. `answerAction(index)` is the action of the button for that
 * choice, so /quiz and the daily quiz route answers to their own handlers.
 */
export function questionReply(
  question: Question,
  concepts: Map<string, Concept>,
  answerAction: (choice: number) => string,
  framing: { heading: string; footer: string; text?: string },
): Reply {
  return {
    text: framing.text,
    cards: [{ title: `${framing.heading}: ${questionTitle(question, concepts)}`, body: questionBody(question), footer: framing.footer, tone: "info" }],
    buttons: [question.choices.map((_, index) => ({ label: choiceLetter(index), action: answerAction(index), style: "primary" as const }))],
  };
}

/** Open the concept, and run the question's code (when it has some) in the sandbox. */
export function learnMoreButtons(question: Question, concepts: Map<string, Concept>): Button[][] {
  const row: Button[] = [{ label: `Explain ${concepts.get(question.concept)?.title ?? question.concept}`.slice(0, BUTTON_LABEL_MAX), action: actionId("explain", "show", question.concept) }];
  if (question.code) row.push({ label: "Run the code", action: actionId("run", "question", question.id) });
  return [row];
}

/** The private answer to pressing a choice of /quiz: right or wrong, and why. */
export function feedbackReply(question: Question, choice: number, concepts: Map<string, Concept>): Reply {
  const right = isCorrect(question, choice);
  const yours = right ? "" : `You chose ${choiceLetter(choice)}. `;
  return {
    cards: [
      {
        title: right ? `Right: ${choiceLetter(choice)}!` : `Not quite: the answer is ${choiceLetter(question.answer)}`,
        body: `${yours}${question.explanation}`,
        tone: right ? "success" : "error",
      },
    ],
    buttons: learnMoreButtons(question, concepts),
    private: true,
  };
}

/** Mentions up to what fits in one field, then "and N more". */
export function mentionList(userIds: string[], max = FIELD_VALUE_MAX): string {
  if (userIds.length === 0) return "Nobody this time.";
  const shown: string[] = [];
  for (const [index, userId] of userIds.entries()) {
    const more = `and ${userIds.length - index} more`;
    if ([...shown, `<@${userId}>`].join(", ").length + more.length + 2 > max) return `${shown.join(", ")}, ${more}`;
    shown.push(`<@${userId}>`);
  }
  return shown.join(", ");
}

/** The daily question after its reveal: the answer, why, how the server voted (`votes`: choice by user id), and who got it right. */
export function revealReply(question: Question, number: number, votes: Map<string, number>, concepts: Map<string, Concept>): Reply {
  const counts = question.choices.map((_, index) => [...votes.values()].filter((choice) => choice === index).length);
  const share = (count: number) => (votes.size === 0 ? 0 : Math.round((100 * count) / votes.size));
  const right = [...votes].filter(([, choice]) => isCorrect(question, choice)).map(([userId]) => userId);
  const answer: Card = {
    title: `Answer: ${choiceLetter(question.answer)}`,
    body: question.explanation,
    fields: [
      {
        name: `Votes (${votes.size})`,
        value: counts.map((count, index) => `${choiceLetter(index)}) ${share(count)}% (${count})${index === question.answer ? " ✓" : ""}`).join("\n"),
        inline: true,
      },
      { name: `Got it right (${right.length})`, value: mentionList(right), inline: true },
    ],
    tone: "success",
  };
  return {
    cards: [{ title: `Daily quiz #${number}: ${questionTitle(question, concepts)}`, body: questionBody(question), footer: "This quiz is closed.", tone: "info" }, answer],
    buttons: learnMoreButtons(question, concepts),
  };
}

/**
 * The leaderboard of a server; `hasDaily` says whether the server has a daily quiz now (a board without one
 * says how to start it, rather than promising a next quiz that never comes).
 */
export function leaderboardReply(period: "week" | "all", top: RankedScore[], you: { userId: string; rank?: number; score: number }, hasDaily = true): Reply {
  const heading = period === "week" ? "This week's leaderboard" : "All-time leaderboard";
  const lines = top.map((entry) => `**${entry.rank}.** <@${entry.userId}> · ${entry.score} right`);
  const yours = you.rank === undefined ? "No correct daily answers yet." : `**#${you.rank}** with ${you.score} right.`;
  const empty = hasDaily
    ? "Nobody has answered a daily quiz correctly yet. The next one is your chance!"
    : "This server has no daily quiz, so nobody has scored yet. A member with Manage Server can start one with `/daily setup`; `/quiz` is there for practice meanwhile.";
  return {
    cards: [
      {
        title: heading,
        body: top.length === 0 ? empty : lines.join("\n"),
        fields: top.length === 0 && !hasDaily ? [] : [{ name: "You", value: yours }],
        footer: "One point per daily quiz answered correctly.",
        tone: "info",
      },
    ],
  };
}

/** `/daily status` where there is no daily quiz: not a failure, just how to start one. */
export function noDailyQuizReply(): Reply {
  return {
    cards: [
      {
        title: "No daily quiz",
        body:
          "This server has no daily quiz. Set one up with /daily setup. It posts a question every day at a local time, " +
          "reveals it later with the votes, and scores streaks and `/leaderboard`, e.g.\n" +
          "`/daily setup channel:#asyncio-club time:09:00 timezone:Europe/Madrid`\n" +
          "`/daily preview` shows you one first, privately, and `/daily post-now` posts an unscored practice quiz.",
        tone: "info",
      },
    ],
    private: true,
  };
}

/** Answers to previews and practice quizzes go to /quiz's handler: private feedback at once, no scores. */
function practiceAction(postId: string, question: Question) {
  return (choice: number) => actionId("quiz", "answer", postId, question.id, String(choice));
}

/**
 * A daily quiz as members would see it, shown only to the admin who asked; its buttons answer like /quiz.
 * `status` (when the server has a daily quiz) gives the number, the reveal time and the ping; `postId` names the message.
 */
export function dailyPreviewReply(question: Question, concepts: Map<string, Concept>, status: DailyStatus | undefined, postId: string): Reply {
  const settings = status?.settings;
  const reveal = settings ? `${formatMinutes(settings.revealAfterMinutes)} after posting (${settings.timeZone})` : "after the time set with `reveal-after` (12h by default)";
  const preview = questionReply(question, concepts, practiceAction(postId, question), {
    heading: `Daily quiz #${(status?.posted ?? 0) + 1}`,
    footer: `One answer each. The answer is revealed ${reveal}.`,
  });
  return {
    ...preview,
    text: `Preview: only you see this; nothing was posted, scored or taken from the server's round of questions.${settings?.pingRoleId ? ` The real one pings <@&${settings.pingRoleId}>.` : ""}`,
    private: true,
  };
}

/** A practice quiz posted in a channel: everyone may answer, each gets private feedback at once, nothing is scored. */
export function practiceQuizReply(question: Question, concepts: Map<string, Concept>, postId: string): Reply {
  return questionReply(question, concepts, practiceAction(postId, question), {
    heading: "Practice quiz",
    footer: "Practice, not scored: pick an answer to find out at once, privately. The daily quiz comes at its usual time.",
  });
}

export interface ConceptProgress {
  concept: string;
  answered: number;
  correct: number;
}

/** The concepts to revisit: weakest accuracy first, then the most answered (most evidence). */
export function conceptsToRevisit(progress: ConceptProgress[], limit = 3): ConceptProgress[] {
  return progress
    .filter((entry) => entry.correct < entry.answered)
    .sort((a, b) => a.correct / a.answered - b.correct / b.answered || b.answered - a.answered)
    .slice(0, limit);
}

export function progressReply(
  progress: ConceptProgress[],
  streak: { current: number; best: number } | undefined,
  concepts: Map<string, Concept>,
): Reply {
  const title = (id: string) => concepts.get(id)?.title ?? id;
  const answered = progress.reduce((sum, entry) => sum + entry.answered, 0);
  if (answered === 0) {
    return { cards: [{ title: "Your progress", body: "You haven't answered any quiz yet. Try /quiz!", tone: "info" }], private: true };
  }
  const correct = progress.reduce((sum, entry) => sum + entry.correct, 0);
  const percent = (right: number, of: number) => `${Math.round((100 * right) / of)}%`;
  const perConcept = [...progress]
    .sort((a, b) => b.answered - a.answered)
    .map((entry) => `${title(entry.concept)}: ${entry.correct}/${entry.answered} (${percent(entry.correct, entry.answered)})`);
  const revisit = conceptsToRevisit(progress);
  const fields = [{ name: "Accuracy per concept", value: perConcept.join("\n").slice(0, FIELD_VALUE_MAX) }];
  fields.push({
    name: "Daily streak in this server",
    value: streak ? `${streak.current} now, best ${streak.best}` : "Daily streaks count in servers with a daily quiz.",
  });
  fields.push({ name: "Revisit next", value: revisit.length > 0 ? revisit.map((entry) => title(entry.concept)).join(", ") : "Nothing: all your answers were right!" });
  return {
    cards: [{ title: "Your progress", body: `You answered **${answered}** questions, **${correct}** right (${percent(correct, answered)}).`, fields, tone: "info" }],
    buttons: revisit.length > 0 ? [revisit.map((entry) => ({ label: title(entry.concept).slice(0, BUTTON_LABEL_MAX), action: actionId("explain", "show", entry.concept) }))] : undefined,
    private: true,
  };
}

/** A server's daily quiz settings and what comes next, for the admin who asked. */
export function dailyStatusReply(status: DailyStatus, title: string): Reply {
  const { settings } = status;
  const next = status.nextPostAt === undefined
    ? "Paused: nothing is posted until /daily resume."
    : `${localDate(status.nextPostAt, settings.timeZone)} at ${localClock(status.nextPostAt, settings.timeZone)} (<t:${Math.floor(status.nextPostAt / 1000)}:R>)`;
  return {
    cards: [
      {
        title,
        body: status.todayAlreadyPosted ? `Today's quiz was already posted, so the first quiz at ${settings.time} is tomorrow.` : undefined,
        fields: [
          { name: "Channel", value: `<#${settings.channelId}>`, inline: true },
          { name: "Time", value: `${settings.time} ${settings.timeZone}`, inline: true },
          { name: "Answer revealed after", value: formatMinutes(settings.revealAfterMinutes), inline: true },
          { name: "Ping", value: settings.pingRoleId ? `<@&${settings.pingRoleId}>` : "Nobody", inline: true },
          { name: "Quizzes posted", value: status.lastPostDate ? `${status.posted}, the latest on ${status.lastPostDate}` : "None yet", inline: true },
          { name: "Next quiz", value: next },
        ],
        tone: settings.paused ? "warning" : "success",
      },
    ],
    private: true,
  };
}
