import { describe, expect, it } from "vitest";
import { answerDistribution, describeDistribution, distributionProblems } from "../../src/core/content/check.js";
import { loadContent } from "../../src/core/content/load.js";

const question = (answer: number, choices = ["one", "two", "six"]) => ({ answer, choices });

describe("answer distribution of the quiz bank", () => {
  it("counts answers per position and how often the uniquely longest choice is right", () => {
    const distribution = answerDistribution([
      question(0, ["the longest one", "b", "c"]),
      question(1, ["a", "also the longest", "c"]),
      question(2, ["tie!", "tie?", "abcd"]),
      question(2),
    ]);
    expect(distribution).toEqual({ questions: 4, byPosition: [1, 1, 2, 0], longestRight: 2 });
    expect(describeDistribution(distribution)).toBe(
      "Answers by position: A 1 (25 %), B 1 (25 %), C 2 (50 %), D 0 (0 %). The uniquely longest choice is the answer in 2 of 4 (50 %).",
    );
  });

  it("fails a bank where one position holds more than 40 % of the answers", () => {
    const bank = [question(0), question(0), question(0), question(1), question(2)];
    expect(distributionProblems(answerDistribution(bank))).toEqual([
      "3 of 5 answers are choice A (more than 40 %): move some answers to other positions",
    ]);
    expect(distributionProblems(answerDistribution([question(0), question(0), question(1), question(1), question(2)]))).toEqual([]);
  });

  it("fails a bank where the uniquely longest choice is right in more than a third of the questions", () => {
    const longestRight = (answer: number) => {
      const choices = ["a", "b", "c"];
      choices[answer] = "a much longer choice";
      return { answer, choices };
    };
    const balanced = [longestRight(0), longestRight(1), question(2), question(0), question(1), question(2)];
    expect(distributionProblems(answerDistribution(balanced))).toEqual([]);
    expect(distributionProblems(answerDistribution([...balanced, longestRight(2), question(1)]))).toEqual([
      "the longest choice is the answer in 3 of 8 questions (more than a third): lengthen some wrong choices",
    ]);
  });

  it("the shipped bank gives nothing away", () => {
    expect(distributionProblems(answerDistribution(loadContent("content").questions))).toEqual([]);
  });
});
