import { getNextMillis } from "bullmq";
import { describe, expect, it } from "vitest";
import { rankScores } from "../../src/core/quiz/leaderboard.js";
import { conceptsToRevisit, feedbackReply, mentionList, questionReply, revealReply } from "../../src/core/quiz/replies.js";
import { pickUnseen, questionsMatching } from "../../src/core/quiz/select.js";
import { currentStreak, noStreak, scoreAnswer, type Streak } from "../../src/core/quiz/streak.js";
import { closestTimeZones, offsetAnswer, parseUtcOffset, timeZoneName, zonesAtOffset, isoWeek, localClock, localDate, localInstant, nextDate, parseClockTime, parseDuration } from "../../src/core/quiz/time.js";
import { dailyRepeat } from "../../src/queue/daily-schedule.js";
import { renderForDiscord } from "../../src/discord/render.js";
import { actionsOf, bank, textOf } from "./helpers.js";

const question = (id: string) => bank.questions.find((candidate) => candidate.id === id)!;

describe("question selection", () => {
  it("filters by concept and difficulty", () => {
    expect(questionsMatching(bank.questions, { concept: "alpha" }).map((q) => q.id)).toEqual(["alpha-order", "alpha-sum", "alpha-idea"]);
    expect(questionsMatching(bank.questions, { concept: "alpha", difficulty: 2 }).map((q) => q.id)).toEqual(["alpha-idea"]);
    expect(questionsMatching(bank.questions, { concept: "beta", difficulty: 1 })).toEqual([]);
  });

  it("picks only unseen questions until all were seen, then starts a new round", () => {
    const seen = new Set<string>();
    for (let round = 0; round < bank.questions.length; round++) {
      const pick = pickUnseen(bank.questions, seen, () => 0.99)!;
      expect(seen.has(pick.question.id)).toBe(false);
      expect(pick.newRound).toBe(false);
      seen.add(pick.question.id);
    }
    expect(pickUnseen(bank.questions, seen)!.newRound).toBe(true);
    expect(pickUnseen([], seen)).toBeUndefined();
  });
});

describe("streak arithmetic", () => {
  const answers = (results: [number, boolean][]) => results.reduce<Streak>((streak, [number, correct]) => scoreAnswer(streak, number, correct), noStreak);

  it("counts consecutive daily quizzes answered correctly", () => {
    expect(answers([[1, true], [2, true], [3, true]])).toEqual({ current: 3, best: 3, last: 3 });
  });

  it("a wrong answer ends the streak and keeps the best", () => {
    expect(answers([[1, true], [2, true], [3, false], [4, true]])).toEqual({ current: 1, best: 2, last: 4 });
  });

  it("a skipped quiz ends the streak", () => {
    expect(answers([[1, true], [2, true], [4, true]])).toEqual({ current: 1, best: 2, last: 4 });
    const streak = answers([[1, true], [2, true]]);
    expect(currentStreak(streak, 2)).toBe(2);
    expect(currentStreak(streak, 3)).toBe(0);
  });

  it("a wrong answer right after a reset does not revive the old streak", () => {
    expect(answers([[1, true], [2, false], [3, true]])).toEqual({ current: 1, best: 1, last: 3 });
  });
});

describe("leaderboard ranks", () => {
  it("gives equal scores the same rank and skips the ranks they take", () => {
    const ranked = rankScores([
      { userId: "a", score: 5 },
      { userId: "b", score: 3 },
      { userId: "c", score: 3 },
      { userId: "d", score: 1 },
    ]);
    expect(ranked.map((entry) => entry.rank)).toEqual([1, 2, 2, 4]);
  });
});

describe("time zones and daily times", () => {
  it("accepts IANA names in any case, spelled as the database does, and keeps current names as typed", () => {
    expect(timeZoneName("europe/madrid")).toBe("Europe/Madrid");
    expect(timeZoneName("America/New York")).toBe("America/New_York");
    expect(timeZoneName("UTC")).toBe("UTC");
    // ICU reports these by their deprecated links (Europe/Kiev, Asia/Calcutta, Asia/Saigon, Europe/Brussels).
    expect(["Europe/Kyiv", "asia/kolkata", "Asia/Ho_Chi_Minh", "cet", "Etc/GMT-2"].map(timeZoneName)).toEqual(["Europe/Kyiv", "Asia/Kolkata", "Asia/Ho_Chi_Minh", "CET", "Etc/GMT-2"]);
    expect(localClock(Date.UTC(2026, 6, 1, 6, 0), timeZoneName("Europe/Kyiv")!)).toBe("09:00");
    expect(timeZoneName("Europe/Madird")).toBeUndefined();
  });

  it("suggests the closest valid names for a typo, current names first", () => {
    expect(closestTimeZones("Europe/Madird")[0]).toBe("Europe/Madrid");
    expect(closestTimeZones("Tokio")).toContain("Asia/Tokyo");
    expect(closestTimeZones("Europe/Kyv")[0]).toBe("Europe/Kyiv");
  });

  it("answers an offset with why a zone is better and zones that have that offset now, well-known ones first", () => {
    expect([parseUtcOffset("UTC+2"), parseUtcOffset("GMT-05:30"), parseUtcOffset("+3"), parseUtcOffset("UTC+20"), parseUtcOffset("Europe/Madrid")]).toEqual([120, -330, 180, undefined, undefined]);
    const winter = Date.UTC(2026, 0, 15);
    expect(zonesAtOffset(120, winter)).toEqual(["Africa/Johannesburg", "Africa/Cairo", "Europe/Athens", "Europe/Kyiv"]);
    expect(zonesAtOffset(120, Date.UTC(2026, 6, 15))).toContain("Europe/Madrid");
    const answer = offsetAnswer("UTC+2", 120, winter);
    expect(answer).toMatch(/^"UTC\+2" is an offset, not a time zone: places change their offset for summer time/);
    expect(answer).toContain("`Etc/GMT-2`");
  });

  it("fires at 09:00 local time on both sides of the DST changes (Europe/Madrid)", () => {
    const repeat = dailyRepeat({ time: "09:00", timeZone: "Europe/Madrid" });
    const runs = (from: string, count: number) => {
      const times: number[] = [];
      let millis = Date.parse(from);
      for (let i = 0; i < count; i++) times.push((millis = getNextMillis(millis, repeat)!));
      return times;
    };
    // Spring forward on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after.
    expect(runs("2026-03-27T12:00:00Z", 3).map((time) => new Date(time).toISOString())).toEqual([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
    // Fall back on 2026-10-25.
    const autumn = runs("2026-10-24T12:00:00Z", 2);
    expect(autumn.map((time) => new Date(time).toISOString())).toEqual(["2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"]);
    for (const time of [...runs("2026-03-27T12:00:00Z", 3), ...autumn]) expect(localClock(time, "Europe/Madrid")).toBe("09:00");
  });

  it("finds the instant of a local time on a date where the scheduler fires, across DST changes and in gaps", () => {
    const cases: [string, string, string][] = [
      ["2026-11-25", "14:42", "Europe/Madrid"],
      ["2026-03-29", "09:00", "Europe/Madrid"], // spring forward
      ["2026-03-29", "02:30", "Europe/Madrid"], // skipped: fires at 03:30
      ["2026-10-25", "02:30", "Europe/Madrid"], // happens twice: fires the first time
      ["2026-03-08", "02:30", "America/New_York"],
      ["2026-11-25", "00:10", "Pacific/Kiritimati"], // UTC+14
      ["2026-11-25", "23:50", "Pacific/Pago_Pago"], // UTC-11
      ["2026-11-25", "14:42", "Asia/Kolkata"],
    ];
    for (const [date, time, timeZone] of cases) {
      let fired = Date.parse(`${date}T00:00:00Z`) - 2 * 86_400_000;
      while (localDate(fired, timeZone) < date) fired = getNextMillis(fired, dailyRepeat({ time, timeZone }))!;
      expect([date, time, timeZone, new Date(localInstant(date, time, timeZone)).toISOString()]).toEqual([date, time, timeZone, new Date(fired).toISOString()]);
    }
    expect(localClock(localInstant("2026-03-29", "02:30", "Europe/Madrid"), "Europe/Madrid")).toBe("03:30");
    expect(nextDate("2026-12-31")).toBe("2027-01-01");
    expect(nextDate("2028-02-28")).toBe("2028-02-29");
  });

  it("reads a typed time as H:MM or HH:MM, and nothing else", () => {
    expect(parseClockTime("9:00")).toBe("09:00");
    expect(parseClockTime(" 09:05 ")).toBe("09:05");
    expect(parseClockTime("0:00")).toBe("00:00");
    expect(parseClockTime("23:59")).toBe("23:59");
    for (const wrong of ["25:00", "24:00", "9:5", "19:60", "9am", "9.00", "123:00", ""]) expect(parseClockTime(wrong)).toBeUndefined();
  });

  it("reads the local date and time", () => {
    expect(localDate(Date.parse("2026-03-29T23:30:00Z"), "Europe/Madrid")).toBe("2026-03-30");
    expect(localClock(Date.parse("2026-03-29T23:30:00Z"), "America/New_York")).toBe("19:30");
  });

  it("numbers ISO weeks from Monday", () => {
    expect(isoWeek("2026-03-29")).toBe("2026-W13");
    expect(isoWeek("2026-03-30")).toBe("2026-W14");
    expect(isoWeek("2027-01-01")).toBe("2026-W53");
  });

  it("reads durations", () => {
    expect(parseDuration("12h")).toBe(720);
    expect(parseDuration("90m")).toBe(90);
    expect(parseDuration("1h30m")).toBe(90);
    expect(parseDuration("soon")).toBeUndefined();
  });
});

describe("quiz replies", () => {
  it("shows the question, the code, the choices as A) B) C) and one button per choice", () => {
    const reply = questionReply(question("alpha-order"), bank.concepts, (choice) => `quiz:answer:m1:alpha-order:${choice}`, { heading: "Quiz", footer: "" });
    const text = textOf(reply);
    expect(text).toContain("What does this print?");
    expect(text).toContain('```py\nprint("A")\nprint("B")\n```');
    expect(text).toContain("**A)**\n```\nA\nB\n```");
    expect(text).toContain("**C)** `AB`");
    expect(actionsOf(reply)).toEqual(["quiz:answer:m1:alpha-order:0", "quiz:answer:m1:alpha-order:1", "quiz:answer:m1:alpha-order:2"]);
    expect((reply.buttons ?? []).flat().map((button) => button.label)).toEqual(["A", "B", "C"]);
  });

  it("keeps an author's Markdown in multiple-choice statements", () => {
    const text = textOf(questionReply(question("alpha-idea"), bank.concepts, String, { heading: "Quiz", footer: "" }));
    expect(text).toContain("**A)** `create_task` waits for the task");
    expect(text).toContain("**D)** Coroutines run when called");
  });

  it("feedback is private, says right or wrong, explains, and links the concept and the code", () => {
    const wrong = feedbackReply(question("alpha-sum"), 1, bank.concepts);
    expect(wrong.private).toBe(true);
    expect(textOf(wrong)).toContain("the answer is A");
    expect(textOf(wrong)).toContain("Integers add.");
    expect(actionsOf(wrong)).toEqual(["explain:show:alpha", "run:question:alpha-sum"]);
    expect(textOf(feedbackReply(question("alpha-sum"), 0, bank.concepts))).toContain("Right");
    expect(actionsOf(feedbackReply(question("alpha-idea"), 1, bank.concepts))).toEqual(["explain:show:alpha"]);
  });

  it("the reveal shows the answer, the share of votes and who got it right", () => {
    const votes = new Map([["u1", 0], ["u2", 0], ["u3", 1], ["u4", 2]]);
    const text = textOf(revealReply(question("alpha-order"), 7, votes, bank.concepts));
    expect(text).toContain("Daily quiz #7");
    expect(text).toContain("Answer: A");
    expect(text).toContain("A) 50% (2) ✓\nB) 25% (1)\nC) 25% (1)");
    expect(text).toContain("<@u1>, <@u2>");
    expect(text).not.toContain("<@u3>");
  });

  it("a long list of winners fits one field", () => {
    const list = mentionList(Array.from({ length: 200 }, (_, index) => `1234567890123456${index}`));
    expect(list.length).toBeLessThanOrEqual(1024);
    expect(list).toMatch(/and \d+ more$/);
  });

  it("every fixture question renders within Discord's limits", () => {
    for (const candidate of bank.questions) {
      const { body } = renderForDiscord(questionReply(candidate, bank.concepts, (choice) => `quiz:answer:1234567890123456789:${candidate.id}:${choice}`, { heading: "Quiz", footer: "x" }));
      for (const embed of body.embeds ?? []) expect(embed.description!.length).toBeLessThanOrEqual(4096);
      expect(JSON.stringify(body.components)).not.toMatch(/"custom_id":"[^"]{101,}"/);
    }
  });

  it("suggests revisiting the weakest concepts first", () => {
    const revisit = conceptsToRevisit([
      { concept: "a", answered: 4, correct: 4 },
      { concept: "b", answered: 4, correct: 1 },
      { concept: "c", answered: 2, correct: 1 },
    ]);
    expect(revisit.map((entry) => entry.concept)).toEqual(["b", "c"]);
  });
});
